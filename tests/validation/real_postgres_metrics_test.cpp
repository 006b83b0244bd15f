// A real run's PostgreSQL metrics come from its events through the simulator's own code
// (scenarios/postgres_checks.cpp), via read_real_runs: a small hand-made real.json.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "validation/validate.hpp"

namespace {

// Demo 2's manual failover as run_real.py writes it: the primary on timeline 1 acknowledges two
// commits, stops (fast shutdown), replica1 is promoted at 25 s (its last replayed record starts
// at 0/3000100, so switch_lsn is one past it), and the writer, repointed, gets two more.
const char* kRealJson = R"({
  "runs": [
    {"run": 0, "duration_s": 60, "metrics": {"load.acked": 999},
     "events": [
       {"kind": "pg_started", "t_s": -3.5, "node": "postgres-primary", "role": "primary", "timeline": 1},
       {"kind": "pg_started", "t_s": -1.2, "node": "postgres-replica1", "role": "standby", "timeline": 1},
       {"kind": "pg_commit_failed", "t_s": 2.1, "client": "client:load", "node": "postgres-primary", "sqlstate": "08006", "message": "refused"},
       {"kind": "pg_commit_acked", "t_s": 2.6, "client": "client:load", "node": "postgres-primary", "timeline": 1, "xid": 740, "lsn": 50331904},
       {"kind": "pg_commit_acked", "t_s": 19.5, "client": "client:load", "node": "postgres-primary", "timeline": 1, "xid": 741, "lsn": 50332000},
       {"kind": "fault", "t_s": 20.0, "action": "stop", "target": "postgres-primary"},
       {"kind": "pg_shutdown_done", "t_s": 20.3, "node": "postgres-primary", "mode": "fast"},
       {"kind": "pg_promoted", "t_s": 25.4, "node": "postgres-replica1", "timeline": 2, "switch_lsn": 50332001},
       {"kind": "pg_commit_acked", "t_s": 30.7, "client": "client:load", "node": "postgres-replica1", "timeline": 2, "xid": 742, "lsn": 50340000},
       {"kind": "pg_commit_acked", "t_s": 59.5, "client": "client:load", "node": "postgres-replica1", "timeline": 2, "xid": 743, "lsn": 50340100}
     ]}
  ]
})";

std::string write_temp(const std::string& text) {
  char path[] = "/tmp/hasim-real-pg-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::ofstream(path) << text;
  std::fclose(fdopen(fd, "w"));
  return path;
}

/// The exec latency hasim validate gives the simulator for the real runs in `text` (a real.json).
validation::Measured exec_latency_of(const std::string& text) {
  const std::string path = write_temp(text);
  const auto real = validation::read_real_runs(path);
  std::remove(path.c_str());
  return real.command_delay.at("exec");
}

/// One 60 s run of a results file whose `docker exec` samples are `execs`: an `action` step issued
/// at `t_s` that returned at `done_s`, and a repoint at 30 s whose span (0.382 s) is an exec latency.
std::string run_with_step(const std::string& action, double t_s, const std::string& execs, double done_s) {
  return "{\"run\": 0, \"duration_s\": 60, \"metrics\": {}, \"command_delays_s\": {\"exec\": [" + execs +
         "]}, \"faults\": [{\"kind\": \"fault\", \"t_s\": " + std::to_string(t_s) + ", \"done_s\": " + std::to_string(done_s) +
         ", \"action\": \"" + action + "\"}, {\"kind\": \"fault\", \"t_s\": 30.0, \"done_s\": 30.382, \"action\": \"repoint\"}]}";
}

/// The exec latency hasim validate gives for three such runs, each (its samples, its step's
/// return), under a summary that pooled them all as run_real.py did.
validation::Measured exec_latency_beside(const std::string& action, double t_s,
                                         const std::vector<std::pair<std::string, double>>& runs) {
  std::string text = "{\"command_delay\": {\"exec\": {\"n\": 6, \"runs\": 3, \"quantiles_s\": [[0, 0.35], [1, 6.0]], "
                     "\"median_s\": 0.5, \"max_s\": 6.0}}, \"runs\": [";
  for (std::size_t i = 0; i < runs.size(); ++i) text += (i ? ", " : "") + run_with_step(action, t_s, runs[i].first, runs[i].second);
  return exec_latency_of(text + "]}");
}

}  // namespace

TEST_CASE("a real run's PostgreSQL metrics are computed from its events by the simulator's checks") {
  const std::string path = write_temp(kRealJson);
  const auto real = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(real.runs.size() == 1);
  const auto& m = real.runs[0];
  CHECK(m.at("load.acked") == 4);  // the events', not the file's 999
  CHECK(m.at("load.failed") == 1);
  CHECK(m.at("load.write_gap_max_s") == Approx(59.5 - 30.7));  // from the repointed writer's first ack to its next
  CHECK(m.at("commits.acked") == 4);
  CHECK(m.at("commits.acked_lost") == 0);  // 50332000 < switch_lsn: replayed before the promotion
  CHECK(m.count("violations.single_writable_primary") == 0);
}

TEST_CASE("a commit past the promoted standby's last replayed record is lost, and a restarted old primary is a second primary") {
  std::string text = kRealJson;
  // The last commit on timeline 1 starts after what replica1 replayed.
  text.replace(text.find("\"lsn\": 50332000"), 15, "\"lsn\": 50332008");
  text.replace(text.find("{\"kind\": \"pg_commit_acked\", \"t_s\": 30.7"), 0,
               "{\"kind\": \"pg_started\", \"t_s\": 35.2, \"node\": \"postgres-primary\", \"role\": \"primary\", \"timeline\": 1},\n");
  const std::string path = write_temp(text);
  const auto real = validation::read_real_runs(path);
  std::remove(path.c_str());
  const auto& m = real.runs.at(0);
  CHECK(m.at("commits.acked_lost") == 1);
  CHECK(m.at("violations.no_acked_commit_lost") == 1);
  CHECK(m.at("violations.single_writable_primary") == 1);
}

TEST_CASE("a real run without PostgreSQL events keeps run_real.py's metrics and gains none") {
  const std::string path = write_temp(R"({"runs": [{"metrics": {"load.requests": 10},
    "events": [{"kind": "server_down", "t_s": 3.0, "node": "haproxy"}]}]})");
  const auto real = validation::read_real_runs(path);
  std::remove(path.c_str());
  CHECK(real.runs.at(0).size() == 1);
  CHECK(real.runs.at(0).at("load.requests") == 10);
}

TEST_CASE("real events become trace records with integer, number and text fields") {
  const auto tree = scenarios::parse_yaml(R"([{"kind": "pg_promoted", "t_s": 25.5, "node": "7", "timeline": 2, "x": 1.5}])", "t.json");
  const auto recs = validation::trace_of_real_events(tree);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].time == 25'500'000'000);
  CHECK(recs[0].text("node") == "7");  // quoted: text, though it reads as a number
  CHECK(std::get<std::int64_t>(*recs[0].find("timeline")) == 2);
  CHECK(std::get<double>(*recs[0].find("x")) == 1.5);
}

TEST_CASE("a real client's outcomes after the run's end are not counted, as the simulator's run has none") {
  // pg-writer.sh runs RUN_FOR_S from its own start, which docker exec made 0.3 s late: its last
  // commit comes 0.28 s after the scenario's 60 s, where the simulated writer has stopped.
  const std::string path = write_temp(R"({"runs": [{"run": 0, "duration_s": 60, "metrics": {},
     "events": [
       {"kind": "pg_started", "t_s": -3.5, "node": "postgres-primary", "role": "primary", "timeline": 1},
       {"kind": "pg_commit_acked", "t_s": 59.78, "client": "client:load", "node": "postgres-primary", "timeline": 1, "xid": 740, "lsn": 50331904, "latency_us": 2800},
       {"kind": "pg_commit_acked", "t_s": 60.28, "client": "client:load", "node": "postgres-primary", "timeline": 1, "xid": 741, "lsn": 50332000, "latency_us": 2900},
       {"kind": "pg_commit_failed", "t_s": 60.4, "client": "client:load", "node": "postgres-primary", "sqlstate": "57P01", "message": "terminating", "latency_us": 100}
     ]}]})");
  const auto real = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(real.runs.size() == 1);
  CHECK(real.runs[0].at("load.acked") == 1);
  CHECK(real.runs[0].at("load.failed") == 0);
}

TEST_CASE("a real run's start of a server is timed from its start step to its ready line, the last start counting") {
  // write-rate-reclone's first run (2026-12-05): the clean restart at 35 s, then the re-cloned
  // server's start at 55 s, ready at 57.549 s after fsyncing its whole data directory.
  std::string text = kRealJson;
  text.replace(text.find("{\"kind\": \"pg_commit_acked\", \"t_s\": 59.5"), 0,
               "{\"kind\": \"fault\", \"t_s\": 35.0, \"action\": \"start\", \"target\": \"postgres-primary/postgres\"},\n"
               "{\"kind\": \"pg_started\", \"t_s\": 35.184, \"node\": \"postgres-primary\", \"role\": \"standby\", \"timeline\": 2},\n"
               "{\"kind\": \"fault\", \"t_s\": 55.0, \"action\": \"start\", \"target\": \"postgres-primary/postgres\"},\n"
               "{\"kind\": \"pg_started\", \"t_s\": 57.549, \"node\": \"postgres-primary\", \"role\": \"standby\", \"timeline\": 2},\n"
               "{\"kind\": \"fault\", \"t_s\": 58.0, \"action\": \"start\", \"target\": \"postgres-replica2\"},\n");
  const std::string path = write_temp(text);
  const auto real = validation::read_real_runs(path);
  std::remove(path.c_str());
  const auto& m = real.runs.at(0);
  CHECK(m.at("postgres.postgres-primary.start_s") == Approx(2.549));
  // Started and never ready before the end: no figure rather than a zero.
  CHECK(m.count("postgres.postgres-replica2.start_s") == 0);
  CHECK(m.count("postgres.postgres-replica1.start_s") == 0);  // never started by a step
}

TEST_CASE("a re-clone's docker exec, which lasts as long as pg_basebackup, is not an exec latency the simulator is given") {
  // write-rate-reclone's runs (2026-12-05): nine exec spans each, one of them the re-clone's.
  auto run = [](const std::string& execs, double reclone_done) {
    return "{\"run\": 0, \"duration_s\": 100, \"metrics\": {}, \"command_delays_s\": {\"exec\": [" + execs +
           "]}, \"faults\": [{\"kind\": \"fault\", \"t_s\": 26.0, \"done_s\": 26.214, \"action\": \"sql\"}, "
           "{\"kind\": \"fault\", \"t_s\": 48.0, \"done_s\": " + std::to_string(reclone_done) + ", \"action\": \"reclone\"}]}";
  };
  const std::string text = "{\"command_delay\": {\"exec\": {\"n\": 9, \"runs\": 3, \"quantiles_s\": [[0, 0.2], [0.9, 2.5], [1, 6.0]], "
                           "\"median_s\": 0.25, \"max_s\": 6.0}}, \"runs\": [" +
                           run("0.19, 0.214, 5.676", 53.676) + ", " + run("0.244, 0.116, 6.159", 54.159) + ", " +
                           run("0.325, 0.234, 6.059", 54.059) + "]}";
  const auto exec = exec_latency_of(text);
  CHECK(exec.n == 5);  // less the re-clones' three, and the first run's sql step (its span, 0.214)
  CHECK(exec.max_s == Approx(0.325));
  CHECK(exec.median_s < 0.25);
}

TEST_CASE("a sql step's docker exec, which returns when its last statement is done, is not an exec latency the simulator is "
          "given") {
  // slots' runs (2026-12-04): a CHECKPOINT step whose psql returned 1.333 s after its issue.
  const auto exec = exec_latency_beside("sql", 40.0, {{"1.333, 0.382", 41.333}, {"0.9, 0.351757", 40.9}, {"1.2, 0.360615", 41.2}});
  CHECK(exec.n == 3);  // the three repoints
  CHECK(exec.max_s == Approx(0.382));
}

TEST_CASE("a promote's docker exec, which returns when the promotion is over, is not an exec latency the simulator is given") {
  // manual-failover's runs (2026-12-07): a promote span of 5.7 s where the startup process sat
  // out the rest of wal_retrieve_retry_interval, and the repoint's span beside it.
  const auto exec = exec_latency_beside(
      "promote", 25.0, {{"5.7031, 0.382", 30.7031}, {"0.494771, 0.351757", 25.494771}, {"5.687285, 0.360615", 30.687285}});
  CHECK(exec.n == 3);  // the three repoints
  CHECK(exec.max_s == Approx(0.382));
}

TEST_CASE("each run's own docker start and start-up are kept for its seeds, and its other commands stay pooled") {
  // Three runs: each stopped and started the old primary once (its start and its server's
  // start-up) and ran two execs; the first also started a pgbouncer.
  auto run = [](const std::string& start, const std::string& startups, const std::string& stop, const std::string& execs) {
    return "{\"run\": 0, \"duration_s\": 100, \"metrics\": {}, \"command_delays_s\": {\"start\": [" + start +
           "], \"stop\": [" + stop + "], \"exec\": [" + execs + "]}, \"startup_delays_s\": {\"first\": {}, \"later\": {" +
           startups + "}}}";
  };
  auto pooled = [](const char* key, double lo, double hi) {
    return std::string("\"") + key + "\": {\"n\": 3, \"runs\": 3, \"quantiles_s\": [[0, " + std::to_string(lo) + "], [1, " +
           std::to_string(hi) + "]], \"median_s\": " + std::to_string(lo) + ", \"max_s\": " + std::to_string(hi) + "}";
  };
  const std::string text =
      "{\"command_delay\": {" + pooled("start", 0.09, 0.393) + ", " + pooled("stop", 0.03, 0.04) + ", " + pooled("exec", 0.1, 0.2) +
      "}, \"startup_delay\": {\"first\": {}, \"later\": {" + pooled("postgres", 0.039, 0.535) + ", " +
      pooled("pgbouncer", 0.02, 0.02) + "}}, \"runs\": [" +
      run("0.393", "\"postgres\": [0.535], \"pgbouncer\": [0.02]", "0.04", "0.2, 0.15") + ", " +
      run("0.092", "\"postgres\": [0.05]", "0.03", "0.1, 0.12") + ", " + run("0.106", "\"postgres\": [0.039]", "0.035", "0.15, 0.1") +
      "]}";
  const std::string path = write_temp(text);
  const auto real = validation::read_real_runs(path);
  std::remove(path.c_str());
  const auto& own = real.commands_per_run;
  REQUIRE(own.count("command_delay.start") == 1);
  REQUIRE(own.count("daemon_start.postgres") == 1);
  // Not a start-up one run alone measured, nor the other commands: each its own moment, pooled.
  CHECK(own.count("daemon_start.pgbouncer") == 0);
  CHECK(real.startup_later.count("pgbouncer") == 1);
  CHECK(own.count("command_delay.stop") == 0);
  CHECK(own.count("command_delay.exec") == 0);
  const auto& start = own.at("command_delay.start");
  const auto& startup = own.at("daemon_start.postgres");
  REQUIRE(start.size() == 3);
  REQUIRE(startup.size() == 3);
  // The slow start and the slow start-up are the same run's: its seeds draw both, the others neither.
  CHECK(start[0].median_s == Approx(0.393));
  CHECK(startup[0].median_s == Approx(0.535));
  CHECK(start[1].max_s == Approx(0.092));
  CHECK(startup[1].max_s == Approx(0.05));
  CHECK(startup[2].max_s == Approx(0.039));
}
