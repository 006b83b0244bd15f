#pragma once
// Invariants checked during the run, not after it: models report when a condition starts or
// stops being violated, and every violating interval is recorded with its time and duration.
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/time.hpp"

namespace sim {

struct Violation {
  std::string invariant;
  Time start;
  Time end;  // == start for a point violation
  std::string detail;
  Time duration() const { return end - start; }
};

class Invariants {
 public:
  /// Declares an invariant the scenario asked for; only declared ones record violations.
  void enable(const std::string& name) { enabled_[name] = true; }
  bool enabled(std::string_view name) const { return enabled_.find(name) != enabled_.end(); }
  /// Intervals shorter than `grace` are not violations: some conditions hold briefly by design
  /// (two VIP holders for the flight time of the advert that ends a normal hand-over).
  void set_grace(const std::string& name, Time grace) { grace_[name] = grace; }
  /// Reports the current truth of a condition; a change from holding to violated opens an
  /// interval, the reverse closes it. `key` separates independent instances (e.g. one per VIP).
  void update(Time now, std::string_view name, std::string_view key, bool violated, const std::string& detail) {
    update(now, name, key, violated, [&detail] { return detail; });
  }
  /// The same with the detail made only when an interval opens: a model that reports on every
  /// request (a client's `no_failed_requests`) builds no message while all is well.
  template <class MakeDetail, class = std::enable_if_t<std::is_invocable_v<MakeDetail&>>>
  void update(Time now, std::string_view name, std::string_view key, bool violated, MakeDetail&& make_detail) {
    if (!violated && open_.empty()) return;  // nothing to close, nothing to open
    if (!enabled(name)) return;
    auto k = std::make_pair(std::string(name), std::string(key));
    auto it = open_.find(k);
    if (violated && it == open_.end()) {
      open_.emplace(std::move(k), Open{now, std::string(make_detail())});
    } else if (!violated && it != open_.end()) {
      close(it, now);
    }
  }
  /// A violation with no duration (e.g. a commit acknowledged and then lost).
  void point(Time now, const std::string& name, const std::string& detail);
  /// The details of the violations of `name` open right now (one per key), in key order.
  std::vector<std::string> open_now(const std::string& name) const;
  /// Closes open intervals at `end` (call once when the run stops).
  void finish(Time end);
  const std::vector<Violation>& violations() const { return violations_; }
  /// Some interval is open (of any invariant): a report that something holds can change nothing
  /// while none is.
  bool any_open() const { return !open_.empty(); }

 private:
  struct Open {
    Time start;
    std::string detail;
  };
  std::map<std::string, bool, std::less<>> enabled_;
  std::map<std::string, Time> grace_;
  bool long_enough(const std::string& name, Time start, Time end) const {
    auto it = grace_.find(name);
    return it == grace_.end() || end - start >= it->second;
  }
  std::map<std::pair<std::string, std::string>, Open> open_;
  void close(std::map<std::pair<std::string, std::string>, Open>::iterator it, Time now);
  std::vector<Violation> violations_;
};

}  // namespace sim
