#pragma once
// What a user of an HTTP load loop sees, from its request events.
#include <map>
#include <string>
#include <vector>

#include "scenarios/checks/check.hpp"

namespace scenarios {

/// Per workload W: `W.requests`, `W.failed` (no answer, or a status outside 200..399),
/// `W.served.NODE` (good answers per server), `W.outage_max_s` (the longest run of failed
/// requests, from the first one's send time to the next good one's, or to the end of the run).
class LoadChecks final : public Check {
 public:
  /// `workloads`: those that get metrics even without a request (0 requests, the whole run out).
  explicit LoadChecks(const std::vector<std::string>& workloads);
  void on_record(const sim::TraceRecord& r) override;
  void finish(sim::Time end, std::map<std::string, double>& metrics) override;
  std::vector<std::string_view> reads() const override;

 private:
  struct Loop {
    std::int64_t requests = 0, failed = 0;
    std::map<std::string, std::int64_t, std::less<>> served;
    sim::Time outage_from = -1;  // send time of the current run of failures' first request
    sim::Time outage_max = 0;
  };
  std::map<std::string, Loop, std::less<>> loops_;
};

}  // namespace scenarios
