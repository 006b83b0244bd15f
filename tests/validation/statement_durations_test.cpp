// The writer's statements as its backends timed them in real runs (validation/statement_durations.hpp):
// read by statement from each run of a results file, and kept per run by read_real_runs.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "validation/statement_durations.hpp"
#include "validation/validate.hpp"

namespace {

// A results file of one run per object (run_real.py's statement_durations_s; "" for none).
std::string write_runs(const std::string& tag, const std::vector<std::string>& durations) {
  const std::string path = "/tmp/hasim-statement-durations-test-" + tag + ".json";
  std::ofstream out(path);
  out << R"({"runs": [)";
  for (std::size_t i = 0; i < durations.size(); ++i) {
    out << (i ? ", " : "") << R"({"metrics": {}, "events": [])";
    if (!durations[i].empty()) out << R"(, "statement_durations_s": )" << durations[i];
    out << "}";
  }
  out << "]}";
  return path;
}

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
