#pragma once
// pgbench's own wake-up, as its log measured it in a real run: under -R a transaction's
// schedule lag is how late pgbench's thread began it after its scheduled time.
#include <map>
#include <string>
#include <vector>

#include "scenarios/tree.hpp"

namespace validation {

/// pgbench's thread sleeps until the next scheduled start (threadRun's timed wait) and begins
/// that transaction when it wakes: its lag (txn_begin - txn_scheduled, the log's schedule_lag)
/// is that wake-up, unless the client was still busy with its previous transaction then, when
/// the lag is the queueing the simulator makes itself. So only the transactions whose client had
/// ended its previous one by the scheduled time count (a client's first has no previous one and
/// counts not). Seconds, by workload, from the run's pgbench_txn events (parse_logs: stamped at
/// the end, latency_us from the scheduled start, lag_us).
std::map<std::string, std::vector<double>> pgbench_wakeup_samples(const scenarios::Tree& events);

}  // namespace validation
