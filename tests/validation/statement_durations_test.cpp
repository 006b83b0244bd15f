// The writer's statements as its backends timed them in real runs (validation/statement_durations.hpp):
// read by statement from each run of a results file, and kept per run by read_real_runs.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "scenarios/loader.hpp"
#include "validation/statement_durations.hpp"
#include "validation/validate.hpp"

namespace {

// A results file of one run per object (run_real.py's statement_durations_s and
// writer_overheads_s; "" for none).
std::string write_runs(const std::string& tag, const std::vector<std::string>& durations,
                       const std::vector<std::string>& overheads = {}) {
  const std::string path = "/tmp/hasim-statement-durations-test-" + tag + ".json";
  std::ofstream out(path);
  out << R"({"runs": [)";
  for (std::size_t i = 0; i < durations.size(); ++i) {
    out << (i ? ", " : "") << R"({"metrics": {}, "events": [])";
    if (!durations[i].empty()) out << R"(, "statement_durations_s": )" << durations[i];
    if (i < overheads.size() && !overheads[i].empty()) out << R"(, "writer_overheads_s": )" << overheads[i];
    out << "}";
  }
  out << "]}";
  return path;
}

// Two runs' statements: a quiet one (COMMITs 0.4-0.6 ms, BEGINs 50 us) and a loaded one
// (COMMITs 3.5 ms).
const std::string quiet = R"({"BEGIN": [0.00005, 0.00005, 0.00005, 0.00005, 0.00005],
                              "INSERT": [0.0002, 0.0002, 0.0002, 0.0002, 0.0002],
                              "SELECT": [0.00007, 0.00007, 0.00007, 0.00007, 0.00007],
                              "COMMIT": [0.0004, 0.0005, 0.00045, 0.0006, 0.00055]})";
const std::string loaded = R"({"BEGIN": [0.00002, 0.00002, 0.00002, 0.00002, 0.00002],
                               "INSERT": [0.0001, 0.0001, 0.0001, 0.0001, 0.0001],
                               "SELECT": [0.00004, 0.00004, 0.00004, 0.00004, 0.00004],
                               "COMMIT": [0.0035, 0.0035, 0.0035, 0.0035, 0.00001]})";

}  // namespace

TEST_CASE("each real run keeps its own statement durations, by statement, where it has three of one") {
  const auto path = write_runs("per-run", {R"({"COMMIT": [0.0004, 0.0035, 0.0006, 0.0005], "BEGIN": [0.00005, 0.00002]})",
                                           "", R"({"COMMIT": [0.003, 0.004, 0.0035]})"});
  const auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.statements_per_run.size() == 3);
  CHECK(r.statements_per_run[0].at("COMMIT").median_s == Approx(0.00055));
  CHECK(r.statements_per_run[0].at("COMMIT").n == 4);
  CHECK(r.statements_per_run[0].count("BEGIN") == 0);  // two samples are no distribution
  CHECK(r.statements_per_run[1].empty());                // a record made before they were logged
  CHECK(r.statements_per_run[2].at("COMMIT").median_s == Approx(0.0035));
}

TEST_CASE("a statement duration that is not a number of seconds is refused with the file and line") {
  for (const char* bad : {R"({"COMMIT": [0.0004, "slow"]})", R"({"COMMIT": [-0.001]})", R"({"COMMIT": 0.0004})", R"(["COMMIT"])"}) {
    const auto path = write_runs("bad", {bad});
    CHECK_THROWS_WITH(validation::read_real_runs(path), Catch::Contains(path + ":1") && Catch::Contains("statement_durations_s"));
    std::remove(path.c_str());
  }
}

TEST_CASE("a record short of five of a command keeps the pooled composition: statement_time for all, and its COMMITs "
          "less their mean as commit_flush") {
  // The two runs without their SELECTs (a record of an older writer's statements).
  auto without_select = [](std::string runs) {
    const auto at = runs.find("\"SELECT\"");
    const auto end = runs.find('\n', at);
    return runs.erase(at, end - at + 1);
  };
  auto path = write_runs("backend", {without_select(quiet), without_select(loaded)});
  auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.backend_per_run.size() == 2);
  CHECK(r.backend_per_run[0].count("statement_time_by_command.BEGIN") == 0);
  CHECK(r.backend_per_run[0].at("statement_time").n == 10);
  // The model draws statement_time for the COMMIT too: less the pooled mean (0.125 ms quiet,
  // 0.06 ms loaded), the statements cost what the real ones did.
  CHECK(r.backend_per_run[0].at("commit_flush").median_s == Approx(0.0005 - 0.00025 / 2).margin(1e-6));  // to the microsecond
  CHECK(r.backend_per_run[1].at("commit_flush").median_s == Approx(0.0035 - 0.00012 / 2).margin(1e-6));
  CHECK(r.backend_per_run[1].at("commit_flush").quantiles_s.front().second == 0.0);  // a COMMIT quicker than that: none
  CHECK(r.backend.at("commit_flush").n == 10);
  // A run without its own five of each: pooled settings only.
  path = write_runs("backend-missing", {without_select(quiet), ""});
  r = validation::read_real_runs(path);
  std::remove(path.c_str());
  CHECK(r.backend.at("statement_time").n == 10);
  CHECK(r.backend_per_run.empty());
}

TEST_CASE("a record without the writer's overheads still gives each statement its own time where it has five of each") {
  auto path = write_runs("own-no-overheads", {quiet, loaded});
  auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  CHECK(r.writer_overheads.empty());
  REQUIRE(r.backend_per_run.size() == 2);
  CHECK(r.backend_per_run[0].at("statement_time_by_command.INSERT").median_s == Approx(0.0002));
  CHECK(r.backend_per_run[0].at("commit_flush").median_s == Approx(0.0005));  // the whole COMMIT
}

TEST_CASE("a record with the writer's overheads gives each statement its own time and each whole COMMIT as commit_flush") {
  const std::string overheads = "[0.0008, 0.0009, 0.00085, 0.0035, 0.0008]";
  auto path = write_runs("by-command", {quiet, loaded}, {overheads, overheads});
  auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.backend_per_run.size() == 2);
  REQUIRE(r.writer_overheads.size() == 2);
  CHECK(r.writer_overheads[0].size() == 5);
  const auto& q = r.backend_per_run[0];
  CHECK(q.at("statement_time_by_command.BEGIN").median_s == Approx(0.00005));
  CHECK(q.at("statement_time_by_command.INSERT").median_s == Approx(0.0002));
  CHECK(q.at("statement_time_by_command.SELECT").median_s == Approx(0.00007));
  CHECK(q.count("statement_time_by_command.COMMIT") == 0);  // hasim validate sets it to 0 beside commit_flush
  CHECK(q.at("commit_flush").median_s == Approx(0.0005));    // the whole COMMIT, nothing taken off
  CHECK(r.backend_per_run[1].at("commit_flush").median_s == Approx(0.0035));
  CHECK(q.at("statement_time").n == 15);  // the three pooled, for any other statement
  // The tail summarised finer than deciles: 0.95, 0.98 and 0.99 too.
  CHECK(q.at("commit_flush").quantiles_s.size() == 10);
  CHECK(r.backend.at("commit_flush").n == 10);
  // One run without five overheads: no overheads (the scenario's stand for them); the statements
  // are each their own all the same.
  path = write_runs("by-command-short", {quiet, loaded}, {overheads, "[0.001]"});
  r = validation::read_real_runs(path);
  std::remove(path.c_str());
  CHECK(r.writer_overheads.empty());
  CHECK(r.backend.count("statement_time_by_command.INSERT") == 1);
  CHECK(r.backend_per_run[0].at("commit_flush").median_s == Approx(0.0005));
}

TEST_CASE("a writer overhead that is not a number of seconds is refused with the file and line") {
  for (const char* bad : {R"([0.0004, "slow"])", "[-0.001]", "0.0004"}) {
    const auto path = write_runs("bad-overhead", {R"({"COMMIT": [0.0004]})"}, {bad});
    CHECK_THROWS_WITH(validation::read_real_runs(path), Catch::Contains(path + ":1") && Catch::Contains("writer_overheads_s"));
    std::remove(path.c_str());
  }
}

TEST_CASE("pgbench's statements give each its time by relation and command, and its branches' UPDATE takes the tellers' "
          "(its logged time carries the row lock's wait, which the model simulates)") {
  const std::string overheads = "[0.0008, 0.0009, 0.00085, 0.0035, 0.0008]";
  const std::string pgbench = R"({"BEGIN": [0.00005, 0.00005, 0.00005, 0.00005, 0.00005],
                                  "INSERT": [0.0002, 0.0002, 0.0002, 0.0002, 0.0002],
                                  "SELECT": [0.00007, 0.00007, 0.00007, 0.00007, 0.00007],
                                  "COMMIT": [0.0004, 0.0005, 0.00045, 0.0006, 0.00055],
                                  "UPDATE pgbench_accounts": [0.00019, 0.00019, 0.00019, 0.00019, 0.00019],
                                  "UPDATE pgbench_tellers": [0.000055, 0.000055, 0.000055, 0.000055, 0.000055],
                                  "UPDATE pgbench_branches": [0.00005, 0.0009, 0.003, 0.00005, 0.18],
                                  "INSERT pgbench_history": [0.000045, 0.000045, 0.000045],
                                  "pgbench END": [0.0006, 0.0006, 0.0006, 0.0006, 0.0006],
                                  "UPDATE users_2": [0.001, 0.001, 0.001, 0.001, 0.001]})";
  auto path = write_runs("by-relation", {pgbench, quiet}, {overheads, overheads});
  auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.backend_per_run.size() == 2);
  const auto& q = r.backend_per_run[0];
  CHECK(q.at("statement_time_by_relation.pgbench_accounts.UPDATE").median_s == Approx(0.00019));
  CHECK(q.at("statement_time_by_relation.pgbench_tellers.UPDATE").median_s == Approx(0.000055));
  CHECK(q.at("statement_time_by_relation.pgbench_branches.UPDATE").median_s == Approx(0.000055));
  CHECK(q.at("statement_time_by_relation.pgbench_branches.UPDATE").quantiles_s.back().second == Approx(0.000055));
  CHECK(q.count("statement_time_by_relation.pgbench_history.INSERT") == 0);  // three samples: fewer than five
  CHECK(q.count("statement_time_by_relation.users_2.UPDATE") == 0);         // not pgbench's
  CHECK(r.backend_per_run[1].count("statement_time_by_relation.pgbench_accounts.UPDATE") == 0);  // a run without pgbench
  CHECK(r.backend.at("statement_time_by_relation.pgbench_accounts.UPDATE").n == 5);
  // pgbench's own BEGIN is the record's, not the writer's: the writer's stays as it was.
  CHECK(q.at("statement_time_by_command.BEGIN").median_s == Approx(0.00005));
  // A commit's flush is pgbench's END, not the writer's COMMIT, which waits behind pgbench's
  // flushes first; a run without pgbench keeps its COMMITs.
  CHECK(q.at("commit_flush").median_s == Approx(0.0006));
  CHECK(r.backend_per_run[1].at("commit_flush").median_s == Approx(0.0005));
}

TEST_CASE("where the scenario has synchronous standbys, a COMMIT's duration is not taken as commit_flush: it holds their "
          "confirmation") {
  // sync-standby-stops' runs (2026-12-08): the COMMIT that waited 10 s for the stopped standby
  // was one in sixty, and as commit_flush it hung 17% of the simulated seeds.
  const std::string waited = R"({"BEGIN": [0.00005, 0.00005, 0.00005, 0.00005, 0.00005],
                                 "INSERT": [0.0002, 0.0002, 0.0002, 0.0002, 0.0002],
                                 "SELECT": [0.00007, 0.00007, 0.00007, 0.00007, 0.00007],
                                 "COMMIT": [0.004, 0.0045, 0.005, 10.2, 0.0042]})";
  const std::string overheads = "[0.0008, 0.0009, 0.00085, 0.0035, 0.0008]";
  const auto path = write_runs("sync", {waited, waited}, {overheads, overheads});
  const auto sync = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/sync-standby-stops.yaml", {});
  const auto async = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/manual-failover.yaml", {});
  const auto r = validation::read_real_runs(path, &sync);
  const auto plain = validation::read_real_runs(path, &async);
  std::remove(path.c_str());
  CHECK(r.backend.count("commit_flush") == 0);  // the scenario's disk flushes, the model waits for the standby
  CHECK(r.backend.at("statement_time_by_command.INSERT").median_s == Approx(0.0002));  // still the backend's own
  REQUIRE(r.backend_per_run.size() == 2);
  CHECK(r.backend_per_run[0].count("commit_flush") == 0);
  CHECK(plain.backend.at("commit_flush").max_s == Approx(10.2));  // without standbys to wait for, a COMMIT is its flush
}

TEST_CASE("commits may wait for standbys where a server names them, or an operator's ALTER SYSTEM does") {
  const auto sync = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/sync-replication.yaml", {});
  CHECK(validation::commits_may_wait_for_standbys(sync));
  auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/manual-failover.yaml", {});
  CHECK_FALSE(validation::commits_may_wait_for_standbys(spec));
  scenarios::FaultSpec step;
  step.action = "sql";
  step.settings = {{"statement", "ALTER SYSTEM SET synchronous_standby_names = ''; SELECT pg_reload_conf()"}};
  spec.faults.push_back(step);
  CHECK_FALSE(validation::commits_may_wait_for_standbys(spec));  // turning them off
  spec.faults.back().settings = {{"statement", "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 (replica1)'"}};
  CHECK(validation::commits_may_wait_for_standbys(spec));
}
