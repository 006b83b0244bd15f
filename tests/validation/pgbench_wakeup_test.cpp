// pgbench's own wake-up as its log measured it (validation/pgbench_wakeup.hpp): the schedule lag
// of the transactions whose client was idle at their scheduled time.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "scenarios/tree.hpp"
#include "validation/pgbench_wakeup.hpp"

namespace {

// A pgbench_txn event as parse_logs makes it: ended at end_s, latency from its scheduled start.
std::string txn(const char* workload, int client, int tx, double end_s, int latency_us, int lag_us) {
  return std::string(R"({"kind": "pgbench_txn", "workload": ")") + workload + R"(", "client_id": )" + std::to_string(client) +
         R"(, "tx": )" + std::to_string(tx) + R"(, "t_s": )" + std::to_string(end_s) + R"(, "latency_us": )" +
         std::to_string(latency_us) + R"(, "lag_us": )" + std::to_string(lag_us) + "}";
}

}  // namespace

TEST_CASE("pgbench's wake-up is the schedule lag of transactions whose client had ended its previous one by their "
          "scheduled time", "[validation][pgbench]") {
  // Client 0: tx 1 ends at 1.000 s; tx 2 was scheduled at 1.010 s (ended 1.012 s, 2 ms after its
  // schedule) and began 0.1 ms late: idle, a wake-up. tx 3 was scheduled at 1.011 s, while tx 2
  // still ran: its 1.5 ms lag is queueing, not a wake-up. Client 1's first transaction has no
  // previous one to tell. Events in any order (parse_logs sorts by end; clients interleave).
  const std::string events = "[" + txn("bench", 0, 3, 1.0145, 3500, 1500) + ", " + txn("bench", 0, 1, 1.000, 2000, 80) +
                             ", " + txn("bench", 1, 1, 1.003, 2000, 50) + ", " + txn("bench", 0, 2, 1.012, 2000, 100) + ", " +
                             txn("bench", 1, 2, 1.030, 2000, 120) + ", " + txn("other", 0, 1, 2.0, 1000, 10) + ", " +
                             txn("other", 0, 2, 2.1, 1000, 70) + R"(, {"kind": "pg_commit_acked", "t_s": 1.5})" + "]";
  const auto samples = validation::pgbench_wakeup_samples(scenarios::parse_yaml(events, "events.json"));
  REQUIRE(samples.size() == 2);
  CHECK(samples.at("bench") == std::vector<double>{0.0001, 0.00012});
  CHECK(samples.at("other") == std::vector<double>{0.00007});
}
