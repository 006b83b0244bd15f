#pragma once
// HAProxy's answers by HTTP status, from its http_non_2xx records (a simulated run's) or the
// events validation/parse_logs.py makes of its `option httplog` lines (a real run's).
#include <cstdint>
#include <map>
#include <string>

#include "scenarios/checks/check.hpp"

namespace scenarios {

/// `haproxy.http_STATUS`: how many answers of each status other than 2xx every HAProxy of the
/// stack sent, summed; a status none was sent with has no metric (a run without errors lists
/// none, as the real runner's old counters did).
class ResponseChecks final : public Check {
 public:
  void on_record(const sim::TraceRecord& r) override;
  void finish(sim::Time end, std::map<std::string, double>& metrics) override;
  std::vector<std::string_view> reads() const override;

 private:
  std::map<std::int64_t, std::int64_t> by_status_;
};

}  // namespace scenarios
