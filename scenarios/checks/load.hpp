#pragma once
// What a user of an HTTP load loop sees, from its request events.
#include <map>
#include <string>
#include <vector>

#include "scenarios/checks/check.hpp"

namespace scenarios {

/// Per workload W: `W.requests`, `W.failed` (no answer, or a status outside 200..399),
/// `W.served.NODE` (good answers per server), `W.lb.NODE` (good answers per load balancer, for
/// clients that record it: the open-loop probe), `W.outage_max_s` (the longest run of failed
/// requests in send order, from the first one's send time to the next good one's, or to the end
/// of the run). An open loop's answers come out of send order (a request that hangs until its
/// timeout finishes after the good ones sent behind it): the outage follows their `seq`.
/// For the workloads in `latency` also `W.latency_max_s`: the longest a request took from its
/// send to its good answer (a connect that waited on SYN retransmissions: 1, 2, 3... s).
class LoadChecks final : public Check {
 public:
  /// `workloads`: those that get metrics even without a request (0 requests, the whole run out).
  explicit LoadChecks(const std::vector<std::string>& workloads, const std::vector<std::string>& latency = {});
  void on_record(const sim::TraceRecord& r) override;
  void finish(sim::Time end, std::map<std::string, double>& metrics) override;
  std::vector<std::string_view> reads() const override;

 private:
  struct Loop {
    std::int64_t requests = 0, failed = 0;
    std::map<std::string, std::int64_t, std::less<>> served, lb;
    sim::Time outage_from = -1;  // send time of the current run of failures' first request
    sim::Time outage_max = 0;
    /// Answers that came before one sent ahead of them (by seq), kept until it comes: only as
    /// many as are in flight at once. (send time, good)
    std::map<std::int64_t, std::pair<sim::Time, bool>> waiting;
    std::int64_t next_seq = 1;
    bool latency = false;       // W.latency_max_s asked for
    sim::Time latency_max = -1;  // the longest good request so far (-1: none yet)
  };
  static void in_send_order(Loop& l, sim::Time sent, bool ok);
  std::map<std::string, Loop, std::less<>> loops_;
};

}  // namespace scenarios
