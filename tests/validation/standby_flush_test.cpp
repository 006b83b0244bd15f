// The disk as the real servers met it: each fresh pg_stat_replication row's flush_lag less its
// write_lag (validation/standby_flush.hpp), and read_real_runs preferring those to the probe.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "scenarios/tree.hpp"
#include "validation/standby_flush.hpp"
#include "validation/validate.hpp"

namespace {

std::string row(const char* node, const char* standby, int write_us, int flush_us) {
  return std::string(R"({"kind": "pg_stat_replication", "t_s": 1, "node": ")") + node + R"(", "application_name": ")" +
         standby + R"(", "write_lag_us": )" + std::to_string(write_us) + R"(, "flush_lag_us": )" + std::to_string(flush_us) +
         R"(, "replay_lag_us": )" + std::to_string(flush_us + 100) + "}";
}

std::string rows(int n, int first_flush_us) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? ", " : "") + row("postgres-primary", "r1", 200, first_flush_us + i);
  return out;
}

std::string write_real(const std::string& name, const std::string& events) {
  const std::string path = "/tmp/hasim-standby-flush-test-" + name + ".json";
  std::ofstream(path) << R"({"runs": [{"run": 0, "duration_s": 60, "metrics": {}, "events": [)" << events
                      << R"(]}], "fsync": {"n": 200, "runs": 1, "median_s": 0.0038, "max_s": 0.2,
                         "quantiles_s": [[0.0, 0.0004], [0.5, 0.0038], [1.0, 0.2]]}})";
  return path;
}

}  // namespace

TEST_CASE("a standby's flush is its row's flush_lag less its write_lag, once per reply the primary shows") {
  const std::string events = "[" + row("postgres-primary", "r1", 200, 900) + ", " +
                             row("postgres-primary", "r1", 200, 900) + ", " +    // the same reply shown again
                             row("postgres-primary", "r2", 200, 900) + ", " +    // another standby's
                             row("postgres-replica1", "r1", 200, 900) + ", " +   // a cascade's upstream's
                             row("postgres-primary", "r1", 300, 300) + ", " +    // write and flush in one reply
                             row("postgres-primary", "r1", -1, -1) + ", " +      // NULL
                             R"({"kind": "pg_commit_acked", "t_s": 2, "write_lag_us": 1, "flush_lag_us": 9}, )" +
                             row("postgres-primary", "r1", 250, 1750) + "]";
  const auto samples = validation::standby_flush_samples(scenarios::parse_yaml(events, "events.json"));
  CHECK(samples == std::vector<double>{0.0007, 0.0007, 0.0007, 0.0015});
}

TEST_CASE("a record with standbys simulates the disk with their flushes instead of the probe's fdatasyncs") {
  const auto path = write_real("standbys", rows(21, 1000));  // flushes of 800..820 us
  const auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.fsync);
  CHECK(r.fsync_from_standbys);
  CHECK(r.fsync->n == 21);
  CHECK(r.fsync->runs == 1);
  CHECK(r.fsync->median_s == Approx(0.00081));
  CHECK(r.fsync->distribution() ==
        "{dist: empirical, quantiles: [[0, 800us], [0.1, 802us], [0.25, 805us], [0.5, 810us], [0.75, 815us], [0.9, 818us], [1, 820us]]}");
}

TEST_CASE("a record with too few standby rows keeps the probe's fdatasyncs") {
  const auto path = write_real("few", rows(19, 1000));
  const auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.fsync);
  CHECK_FALSE(r.fsync_from_standbys);
  CHECK(r.fsync->median_s == Approx(0.0038));
}

TEST_CASE("a latch wake-up is half of a row's replay_lag less its flush_lag, and a record with standbys carries them") {
  const std::string events = "[" + row("postgres-primary", "r1", 200, 900) + ", " + row("postgres-primary", "r1", 200, 900) + "]";
  // row() puts replay_lag 100 us after flush_lag: the startup process's and the walreceiver's
  // wake-ups, 50 us each.
  CHECK(validation::latch_wakeup_samples(scenarios::parse_yaml(events, "events.json")) == std::vector<double>{0.00005});
  const auto path = write_real("latch", rows(21, 1000));
  const auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.latch_wakeup);
  CHECK(r.latch_wakeup->n == 21);
  CHECK(r.latch_wakeup->median_s == Approx(0.00005));
}
