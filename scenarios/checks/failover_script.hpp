#pragma once
// The failover script's figures (the seed's exercise 4), from its events and the faults.
#include <map>
#include <optional>
#include <string>

#include "scenarios/checks/check.hpp"

namespace scenarios {

/// From the first down fault on the primary the script watches (stop, kill, crash, freeze,
/// disconnect, link_down on its node): `script.detect_s` to script_detected,
/// `script.promote_s` to the end of a successful `SELECT pg_promote()` (the new primary
/// accepts writes), `script.app_repointed_s` to the application's host file rewritten and
/// `script.standbys_repointed_s` to the last standby repointed (the failover's end);
/// `script.check_failed`, the failed checks of the whole run. Absent when the event did not
/// happen. (LSNs are not compared: the model's WAL positions start elsewhere than a real
/// cluster's.)
class FailoverScriptChecks final : public Check {
 public:
  explicit FailoverScriptChecks(std::string primary) : primary_(std::move(primary)) {}
  void on_record(const sim::TraceRecord& r) override;
  void finish(sim::Time end, std::map<std::string, double>& metrics) override;
  std::vector<std::string_view> reads() const override;

 private:
  std::string primary_;
  std::optional<sim::Time> fault_;
  std::map<std::string, double> m_;
  std::int64_t check_failed_ = 0;
};

}  // namespace scenarios
