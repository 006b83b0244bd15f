#pragma once
// Per-standby replication lag, from the pg_stat_replication rows a replication monitor read
// (the seed's `watch -n1 ... pg_stat_replication`; models/postgres/stat_probe.hpp in the
// simulator, validation's pg-stat-probe.sh in the real stack).
#include <map>
#include <string>
#include <vector>

#include "scenarios/checks/check.hpp"

namespace scenarios {

/// Metrics per standby S (its application_name), over every row the monitor saw for it:
/// - `replication.S.lag_bytes_max`: the largest sent_lsn - replay_lsn (the seed's Demo 5 query,
///   `pg_wal_lsn_diff(sent_lsn, replay_lsn)`);
/// - `replication.S.lag_max_s`, `replication.S.lag_median_s`: the largest and the median
///   replay_lag (the seed's Demo 3 column), over the rows where it is not NULL.
/// A standby the monitor never listed has none of them.
class ReplicationChecks final : public Check {
 public:
  void on_record(const sim::TraceRecord& r) override;
  void finish(sim::Time end, std::map<std::string, double>& metrics) override;
  std::vector<std::string_view> reads() const override;

 private:
  struct Standby {
    std::int64_t lag_bytes_max = 0;
    std::vector<std::int64_t> replay_lag_us;  // the non-NULL ones, in the order seen
  };
  std::map<std::string, Standby> standbys_;
};

}  // namespace scenarios
