// pgbench's own wake-up as its log measured it (validation/pgbench_wakeup.hpp): the schedule lag
// of the transactions whose client was idle at their scheduled time.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "scenarios/tree.hpp"
#include "validation/pgbench_wakeup.hpp"
#include "validation/validate.hpp"

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

namespace {

// `n` transactions of `workload`'s client 0, each 2 ms long and scheduled 10 ms after the one
// before ended, woken `lag_us` late.
std::string idle_run(const char* workload, int n, int lag_us) {
  std::string out;
  double end = 1.0;
  for (int i = 1; i <= n; ++i) {
    out += (i > 1 ? ", " : "") + txn(workload, 0, i, end, 2000, lag_us);
    end += 0.012;
  }
  return out;
}

std::string write_real(const std::string& name, const std::string& run0, const std::string& run1) {
  const std::string path = "/tmp/hasim-pgbench-wakeup-test-" + name + ".json";
  std::ofstream(path) << R"({"runs": [{"run": 0, "duration_s": 60, "metrics": {}, "events": [)" << run0
                      << R"(]}, {"run": 1, "duration_s": 60, "metrics": {}, "events": [)" << run1 << "]}]}";
  return path;
}

}  // namespace

TEST_CASE("a record's pgbench wake-up is pooled over its runs for every pgbench workload, and each run's own only when "
          "every run has enough", "[validation][pgbench]") {
  auto path = write_real("each", idle_run("bench", 300, 100), idle_run("bench", 300, 300) + ", " + idle_run("aa", 300, 50));
  auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.pgbench_wakeup.count("bench") == 1);
  CHECK(r.pgbench_wakeup.at("bench").n == 598);  // each run's first transaction has no previous one
  // `aa` (read first) ran in one run only: pooled, but no run-by-run figures for anyone.
  REQUIRE(r.pgbench_wakeup.count("aa") == 1);
  CHECK(r.pgbench_wakeup.at("aa").median_s == Approx(0.00005));
  CHECK(r.pgbench_wakeup_per_run.empty());
  path = write_real("per-run", idle_run("bench", 300, 100), idle_run("bench", 300, 300));
  r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.pgbench_wakeup_per_run.size() == 2);
  CHECK(r.pgbench_wakeup_per_run[0].at("bench").median_s == Approx(0.0001));
  CHECK(r.pgbench_wakeup_per_run[1].at("bench").median_s == Approx(0.0003));
  // Too few in one run (fewer than 200): the pooled figure only.
  path = write_real("few", idle_run("bench", 300, 100), idle_run("bench", 150, 300));
  r = validation::read_real_runs(path);
  std::remove(path.c_str());
  CHECK(r.pgbench_wakeup.at("bench").n == 448);
  CHECK(r.pgbench_wakeup_per_run.empty());
}

