#pragma once
// Metrics and invariants computed from a run's events, once, for simulated and real runs alike:
// the runner feeds each check every trace record as it is made (sim::Trace::observe), and
// `hasim validate` feeds the same checks a real run's events (validation/validate.cpp). A check
// keeps only what its figures need, so a long run's memory does not grow with its records.
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/invariants.hpp"
#include "sim/trace.hpp"

namespace scenarios {

struct ScenarioSpec;

class Check {
 public:
  virtual ~Check() = default;
  virtual void on_record(const sim::TraceRecord& r) = 0;
  /// Writes its metrics (and the violations only the end can tell) once the run ended at `end`.
  virtual void finish(sim::Time end, std::map<std::string, double>& metrics) = 0;
  /// `converge: {holds: [CONDITION]}`: one line per thing not settled now, for a condition this
  /// check answers; nothing for others.
  virtual void unsettled(const std::string& condition, std::vector<std::string>& problems) const {
    (void)condition;
    (void)problems;
  }
  /// The event kinds it reads: it is given records of these kinds only. A real run whose events
  /// hold none of them (its record predates run_real.py keeping them) keeps the metrics it
  /// stored instead.
  virtual std::vector<std::string_view> reads() const = 0;
};

/// The checks of one run, each made once whoever asks for it (a PostgreSQL server and a writer
/// both want the PostgreSQL checks), fed in the order they were added.
class CheckSet {
 public:
  /// The check named `name`, made with `args` the first time.
  template <class T, class... Args>
  T& once(const std::string& name, Args&&... args) {
    for (auto& [n, c] : checks_)
      if (n == name) return static_cast<T&>(*c);
    checks_.emplace_back(name, std::make_unique<T>(std::forward<Args>(args)...));
    Check* c = checks_.back().second.get();
    for (auto k : c->reads()) routes_.push_back({k, c});
    return static_cast<T&>(*c);
  }
  /// Hands `r` to the checks that read its kind (most records are of kinds none reads: the
  /// sizes differ, and no check is called).
  void on_record(const sim::TraceRecord& r) {
    const std::string_view kind = r.kind;
    Check* last = nullptr;
    for (const auto& [k, c] : routes_)
      if (k == kind && c != last) {
        c->on_record(r);
        last = c;
      }
  }
  void finish(sim::Time end, std::map<std::string, double>& metrics) {
    for (auto& [n, c] : checks_) c->finish(end, metrics);
  }
  void unsettled(const std::string& condition, std::vector<std::string>& problems) const {
    for (const auto& [n, c] : checks_) c->unsettled(condition, problems);
  }
  std::size_t size() const { return checks_.size(); }
  /// The kinds of record some check reads (what on_record hands on).
  std::vector<std::string> kinds() const {
    std::vector<std::string> out;
    for (const auto& [k, c] : routes_) out.emplace_back(k);
    return out;
  }
  const std::vector<std::pair<std::string, std::unique_ptr<Check>>>& all() const { return checks_; }

 private:
  std::vector<std::pair<std::string, std::unique_ptr<Check>>> checks_;
  std::vector<std::pair<std::string_view, Check*>> routes_;  // (a kind it reads, the check), in check order
};

/// The checks a scenario's stack calls for: each daemon kind's (DaemonKind<C>::add_checks) and
/// each workload's, keeping their invariants in `invariants`.
CheckSet make_checks(const ScenarioSpec& spec, sim::Invariants& invariants);

/// A time field: sim::seconds_text's text ("12.5") read back exactly, or a number of seconds
/// (real runs); nullopt when absent or unreadable.
std::optional<sim::Time> time_field(const sim::TraceRecord& r, std::string_view key);

}  // namespace scenarios
