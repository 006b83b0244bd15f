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

// A row of `standby` on `node`, every position at `lsn` (caught up), replay_lag 100 us after
// flush_lag; `replayed` false: replay_lsn one record behind.
std::string row(const char* node, const char* standby, int write_us, int flush_us, int lsn = 1000, bool replayed = true) {
  const std::string at = std::to_string(lsn);
  return std::string(R"({"kind": "pg_stat_replication", "t_s": 1, "node": ")") + node + R"(", "application_name": ")" +
         standby + R"(", "sent_lsn": )" + at + R"(, "write_lsn": )" + at + R"(, "flush_lsn": )" + at +
         R"(, "replay_lsn": )" + (replayed ? at : std::to_string(lsn - 200)) + R"(, "write_lag_us": )" +
         std::to_string(write_us) + R"(, "flush_lag_us": )" + std::to_string(flush_us) + R"(, "replay_lag_us": )" +
         std::to_string(flush_us + 100) + "}";
}

// `n` rows of one standby streaming in step (200 bytes a second), after a first row to step from.
std::string rows(int n, int first_flush_us) {
  std::string out = row("postgres-primary", "r1", 1, 2, 800);
  for (int i = 0; i < n; ++i) out += ", " + row("postgres-primary", "r1", 200, first_flush_us + i, 1000 + 200 * i);
  return out;
}

std::string write_real(const std::string& name, const std::string& events, const std::string& second_run = "") {
  const std::string path = "/tmp/hasim-standby-flush-test-" + name + ".json";
  std::ofstream(path) << R"({"runs": [{"run": 0, "duration_s": 60, "metrics": {}, "events": [)" << events << "]}"
                      << (second_run.empty() ? "" : R"(, {"run": 1, "duration_s": 60, "metrics": {}, "events": [)" + second_run + "]}")
                      << R"(], "fsync": {"n": 200, "runs": 1, "median_s": 0.0038, "max_s": 0.2,
                         "quantiles_s": [[0.0, 0.0004], [0.5, 0.0038], [1.0, 0.2]]}})";
  return path;
}

}  // namespace

TEST_CASE("a standby's flush is its row's flush_lag less its write_lag, in rows where it streams in step") {
  const std::string events = "[" + row("postgres-primary", "r1", 200, 900, 1000) + ", " +  // nothing to step from
                             row("postgres-primary", "r1", 210, 910, 1200) + ", " +        // in step: 0.7 ms
                             row("postgres-primary", "r1", 210, 910, 1400) + ", " +        // the same reply shown again
                             row("postgres-primary", "r1", 300, 300, 1600) + ", " +        // write and flush in one reply
                             row("postgres-primary", "r1", -1, -1, 1800) + ", " +          // NULL
                             row("postgres-primary", "r1", 250, 1750, 2000) + ", " +       // in step: 1.5 ms
                             row("postgres-primary", "r1", 250, 1850, 200000) + ", " +     // a catch-up's burst
                             row("postgres-primary", "r1", 260, 1960, 200200, false) + ", " +  // replay behind
                             row("postgres-primary", "r1", 270, 1270, 200400) + ", " +     // after a row behind
                             row("postgres-primary", "r1", 280, 1280, 200600) + ", " +     // in step: 1.0 ms
                             row("postgres-replica1", "r1", 200, 900, 5000) + ", " +       // another upstream's standby
                             row("postgres-replica1", "r1", 210, 910, 5200) + ", " +       // in step: 0.7 ms
                             R"({"kind": "pg_commit_acked", "t_s": 2, "write_lag_us": 1, "flush_lag_us": 9}])";
  const auto samples = validation::standby_flush_samples(scenarios::parse_yaml(events, "events.json"));
  CHECK(samples == std::vector<double>{0.0007, 0.0015, 0.001, 0.0007});
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
  // row() puts replay_lag 100 us after flush_lag: the startup process's and the walreceiver's
  // wake-ups, 50 us each. A replica held back (replay behind) times its delay: none from it.
  const std::string events = "[" + row("postgres-primary", "r1", 200, 900, 1000) + ", " + row("postgres-primary", "r1", 200, 910, 1200) +
                             ", " + row("postgres-primary", "r1", 200, 920, 1400, false) + "]";
  CHECK(validation::latch_wakeup_samples(scenarios::parse_yaml(events, "events.json")) == std::vector<double>{0.00005});
  const auto path = write_real("latch", rows(21, 1000));
  const auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.latch_wakeup);
  CHECK(r.latch_wakeup->n == 21);
  CHECK(r.latch_wakeup->median_s == Approx(0.00005));
}

TEST_CASE("each real run's own flushes and wake-ups are kept when every run has enough rows") {
  auto path = write_real("per-run", rows(12, 1000), rows(12, 3000));
  auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.fsync_per_run.size() == 2);
  CHECK(r.fsync_per_run[0].median_s == Approx(0.000806));  // 800..811 us, to the microsecond
  CHECK(r.fsync_per_run[1].median_s == Approx(0.002806));
  REQUIRE(r.latch_wakeup_per_run.size() == 2);
  CHECK(r.fsync->n == 24);  // and pooled
  // One run with too few rows of its own: the pooled figures only.
  path = write_real("per-run-few", rows(20, 1000), rows(9, 3000));
  r = validation::read_real_runs(path);
  std::remove(path.c_str());
  CHECK(r.fsync_from_standbys);
  CHECK(r.fsync_per_run.empty());
  CHECK(r.latch_wakeup_per_run.empty());
}

TEST_CASE("the write path less its wake-ups is a row's write_lag less its replay_lag - flush_lag") {
  // row() puts replay_lag 100 us after flush_lag (two wake-ups of 50 us): a write_lag of 200 us
  // leaves 100 us for the network both ways and the walreceiver's work; a replica held back
  // (replay behind) gives none, as it gives no wake-up.
  const std::string events = "[" + row("postgres-primary", "r1", 200, 900, 1000) + ", " + row("postgres-primary", "r1", 200, 910, 1200) +
                             ", " + row("postgres-primary", "r1", 650, 920, 1400) + ", " +
                             row("postgres-primary", "r1", 200, 930, 1600, false) + "]";
  CHECK(validation::write_path_samples(scenarios::parse_yaml(events, "events.json")) == std::vector<double>{0.0001, 0.00055});
}

TEST_CASE("a record with standbys carries the write path's median, pooled and each run's own") {
  auto path = write_real("write-path", rows(12, 1000), rows(12, 3000));
  auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.write_path_s);
  CHECK(*r.write_path_s == Approx(0.0001));  // rows(): write_lag 200 us, wake-ups 100 us
  REQUIRE(r.write_path_per_run_s.size() == 2);
  CHECK(r.write_path_per_run_s[0] == Approx(0.0001));
  CHECK(r.write_path_per_run_s[1] == Approx(0.0001));
  // One run with too few rows of its own: the pooled median only.
  path = write_real("write-path-few", rows(20, 1000), rows(9, 3000));
  r = validation::read_real_runs(path);
  std::remove(path.c_str());
  CHECK(r.write_path_s);
  CHECK(r.write_path_per_run_s.empty());
}

TEST_CASE("a set-up standby's data directory sync is a clean fsync per file, and a sync during the run is not measured") {
  // Before t0, a standby the set-up made with pg_basebackup syncs every file again at its first
  // start: 1,303 fsyncs in 1.303 s is 1 ms each. The re-cloned server's sync at 50 s is what the
  // simulator is compared with.
  const std::string events = R"([{"kind": "pg_data_directory_synced", "t_s": -3.2, "node": "r1", "duration_ms": 1303},
      {"kind": "pg_data_directory_synced", "t_s": -1.1, "node": "r2", "duration_ms": 130.3},
      {"kind": "pg_data_directory_synced", "t_s": 50.0, "node": "p", "duration_ms": 2606}])";
  const auto samples = validation::clean_fsync_samples(scenarios::parse_yaml(events, "events.json"));
  REQUIRE(samples.size() == 2);
  CHECK(samples[0] == Approx(0.001));
  CHECK(samples[1] == Approx(0.0001));
}
