#pragma once
// Invariants checked during the run, not after it: models report when a condition starts or
// stops being violated, and every violating interval is recorded with its time and duration.
#include <map>
#include <string>
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
  bool enabled(const std::string& name) const { return enabled_.count(name) != 0; }
  /// Intervals shorter than `grace` are not violations: some conditions hold briefly by design
  /// (two VIP holders for the flight time of the advert that ends a normal hand-over).
  void set_grace(const std::string& name, Time grace) { grace_[name] = grace; }
  /// Reports the current truth of a condition; a change from holding to violated opens an
  /// interval, the reverse closes it. `key` separates independent instances (e.g. one per VIP).
  void update(Time now, const std::string& name, const std::string& key, bool violated,
              const std::string& detail);
  /// A violation with no duration (e.g. a commit acknowledged and then lost).
  void point(Time now, const std::string& name, const std::string& detail);
  /// The details of the violations of `name` open right now (one per key), in key order.
  std::vector<std::string> open_now(const std::string& name) const;
  /// Closes open intervals at `end` (call once when the run stops).
  void finish(Time end);
  const std::vector<Violation>& violations() const { return violations_; }

 private:
  struct Open {
    Time start;
    std::string detail;
  };
  std::map<std::string, bool> enabled_;
  std::map<std::string, Time> grace_;
  bool long_enough(const std::string& name, Time start, Time end) const {
    auto it = grace_.find(name);
    return it == grace_.end() || end - start >= it->second;
  }
  std::map<std::pair<std::string, std::string>, Open> open_;
  std::vector<Violation> violations_;
};

}  // namespace sim
