#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "scenarios/tree.hpp"
#include "validation/compare.hpp"
#include "validation/validate.hpp"

using validation::compare;
using validation::RunMetrics;

namespace {

std::vector<RunMetrics> runs_of(const std::string& metric, const std::vector<double>& values) {
  std::vector<RunMetrics> out;
  for (double v : values) out.push_back({{metric, v}});
  return out;
}

const validation::MetricVerdict& verdict(const validation::Comparison& c, const std::string& metric) {
  for (const auto& m : c.metrics)
    if (m.metric == metric) return m;
  FAIL("no verdict for " << metric);
  throw;
}

}  // namespace

TEST_CASE("a simulated median within 10% of the real median meets the median target, one outside misses it") {
  const auto real = runs_of("x.detect_down_s", {9.0, 10.0, 11.0});
  auto near = compare(real, runs_of("x.detect_down_s", {8.0, 10.9, 12.0}));
  CHECK(verdict(near, "x.detect_down_s").median_ok);
  CHECK(verdict(near, "x.detect_down_s").tolerance == Approx(1.0));
  auto far = compare(real, runs_of("x.detect_down_s", {8.0, 11.2, 12.0}));
  CHECK_FALSE(verdict(far, "x.detect_down_s").median_ok);
  CHECK_FALSE(far.pass());
}

TEST_CASE("the median tolerance is 0.3 when 10% of the real median is smaller") {
  const auto real = runs_of("vip.v.unheld_max_s", {0.63, 0.64, 0.65});
  CHECK(verdict(compare(real, runs_of("vip.v.unheld_max_s", {0.5, 0.93, 1.0})), "vip.v.unheld_max_s").median_ok);
  CHECK_FALSE(verdict(compare(real, runs_of("vip.v.unheld_max_s", {0.5, 0.95, 1.0})), "vip.v.unheld_max_s").median_ok);
}

TEST_CASE("a real value outside the simulated min..max misses the range target") {
  const auto sim = runs_of("a_s", {8.0, 10.0, 11.96});
  CHECK(verdict(compare(runs_of("a_s", {8.1, 10.0, 11.9}), sim), "a_s").range_ok);
  const auto c = compare(runs_of("a_s", {8.1, 10.0, 12.02}), sim);
  CHECK_FALSE(verdict(c, "a_s").range_ok);
  CHECK(verdict(c, "a_s").median_ok);
  CHECK_FALSE(c.pass());
}

TEST_CASE("a simulated time that meets the real one to the records' microsecond meets the range target") {
  // A `docker start` and the start-up after it as the record stored them (microseconds) against
  // the real start taken from nanosecond stamps: 0.475880881 s, simulated 0.475881.
  const auto sim = runs_of("start_s", {0.475881, 0.548327, 0.561354});
  CHECK(verdict(compare(runs_of("start_s", {0.475880881, 0.548326682, 0.561353734}), sim), "start_s").range_ok);
  CHECK_FALSE(verdict(compare(runs_of("start_s", {0.475879, 0.548326682, 0.561353734}), sim), "start_s").range_ok);
  CHECK_FALSE(verdict(compare(runs_of("start_s", {0.475881, 0.548326682, 0.561356}), sim), "start_s").range_ok);
  // A count is compared as it is.
  CHECK_FALSE(verdict(compare(runs_of("acked", {3, 5}), runs_of("acked", {3.0000005, 5})), "acked").range_ok);
}

TEST_CASE("a counter a run never incremented counts as zero in that run") {
  std::vector<RunMetrics> real = {{{"load.requests", 10}, {"load.failed", 1}}, {{"load.requests", 10}}};
  std::vector<RunMetrics> sim = {{{"load.requests", 10}}, {{"load.requests", 10}, {"load.failed", 2}}};
  const auto c = compare(real, sim);
  const auto& failed = verdict(c, "load.failed");
  CHECK(failed.real.n == 2);
  CHECK(failed.real.min == 0);
  CHECK(failed.sim.min == 0);
  CHECK(failed.sim.max == 2);
}

TEST_CASE("an outcome the real runs show and the simulator never does disagrees") {
  std::vector<RunMetrics> real = {{{"vip.v.moves", 1}}, {{"vip.v.moves", 0}}};
  std::vector<RunMetrics> sim_never = {{{"vip.v.moves", 0}}, {{"vip.v.moves", 0}}};
  std::vector<RunMetrics> sim_sometimes = {{{"vip.v.moves", 0}}, {{"vip.v.moves", 2}}};
  std::vector<RunMetrics> sim_always = {{{"vip.v.moves", 1}}, {{"vip.v.moves", 2}}};
  auto outcome = [](const validation::Comparison& c) { return c.outcomes.at(0); };
  CHECK(outcome(compare(real, sim_never)).name == "vip.v: moved");
  CHECK_FALSE(outcome(compare(real, sim_never)).agree());
  CHECK(outcome(compare(real, sim_sometimes)).agree());
  CHECK_FALSE(outcome(compare(real, sim_always)).agree());
}

TEST_CASE("two VIP holders count as an outcome only above 100 ms together") {
  RunMetrics handover = {{"vip.v.multi_holder_s", 0.0004}};
  RunMetrics split = {{"vip.v.multi_holder_s", 17.2}};
  CHECK_FALSE(validation::outcome_of(handover, "vip.v: two holders over 100 ms"));
  CHECK(validation::outcome_of(split, "vip.v: two holders over 100 ms"));
}

TEST_CASE("a time only the real runs measured fails the comparison unless an outcome judges it") {
  std::vector<RunMetrics> real = {{{"b.s.detect_up_s", 5.0}, {"load.outage_max_s", 3.0}}};
  std::vector<RunMetrics> sim = {{{"load.outage_max_s", 3.0}}};
  auto c = compare(real, sim);
  REQUIRE(c.real_only == std::vector<std::string>{"b.s.detect_up_s"});
  REQUIRE(c.outcomes.size() == 1);
  CHECK_FALSE(c.outcomes[0].agree());  // judged by "b.s: UP after its restart"
  std::vector<RunMetrics> real2 = {{{"w.something_s", 1.0}, {"load.outage_max_s", 3.0}}};
  auto c2 = compare(real2, sim);
  CHECK(c2.outcomes.empty());
  CHECK_FALSE(c2.pass());
}

TEST_CASE("metrics a real record says it did not measure are listed apart, neither zeros nor failures") {
  // The slot-retention records were stored without their pgbench transactions: their bench.*
  // counters compared as zeros gave bench.transactions (and the rest) a MISS.
  const std::vector<RunMetrics> real = {{{"load.acked", 176}}, {{"load.acked", 175}}};
  const std::vector<RunMetrics> sim = {{{"load.acked", 176}, {"bench.transactions", 15931}, {"bench.failed", 0}},
                                       {{"load.acked", 175}, {"bench.transactions", 15920}, {"bench.failed", 0}}};
  const auto judged = compare(real, sim);
  CHECK_FALSE(judged.pass());  // bench.transactions: real "0" against 15931
  const auto c = compare(real, sim, {"bench."});
  CHECK(c.pass());
  CHECK(c.unmeasured == std::vector<std::string>{"bench.failed", "bench.transactions", "bench: requests failed"});
  for (const auto& m : c.metrics) CHECK(m.metric.rfind("bench", 0) != 0);
  for (const auto& o : c.outcomes) CHECK(o.name.rfind("bench", 0) != 0);
}

TEST_CASE("a real record names the metrics it did not measure, and must say why") {
  const std::string path = "/tmp/hasim-compare-test-unmeasured.json";
  {
    std::ofstream f(path);
    f << R"({"unmeasured_metrics": ["bench."], "unmeasured_why": "events dropped", "runs": [{"metrics": {"load.failed": 0}}]})";
  }
  const auto r = validation::read_real_runs(path);
  CHECK(r.unmeasured == std::vector<std::string>{"bench."});
  CHECK(r.unmeasured_why == "events dropped");
  {
    std::ofstream f(path);
    f << R"({"unmeasured_metrics": ["bench."],
 "runs": [{"metrics": {}}]})";
  }
  CHECK_THROWS_WITH(validation::read_real_runs(path), Catch::Contains(path + ":1") && Catch::Contains("unmeasured_why"));
  std::remove(path.c_str());
}

TEST_CASE("a real record may hold more values than a scenario may: three pgbench runs' transactions") {
  // 300,000 values: over a scenario's limit (an alias bomb's guard), under a record's.
  std::string text = R"({"runs": [{"metrics": {}, "events": [)";
  for (int i = 0; i < 100'000; ++i) text += std::string(i ? "," : "") + R"({"kind": "x"})";
  text += "]}]}";
  CHECK_THROWS_WITH(scenarios::parse_yaml(text, "r.json"), Catch::Contains("more than 200000 values"));
  const std::string path = "/tmp/hasim-compare-test-large.json";
  {
    std::ofstream f(path);
    f << text;
  }
  CHECK(validation::read_real_runs(path).runs.size() == 1);
  std::remove(path.c_str());
}

TEST_CASE("real runs are read from run_real.py's results and a broken file is named in the error") {
  const std::string good = "/tmp/hasim-compare-test-good.json";
  {
    std::ofstream f(good);
    f << R"({"scenario": "x", "interrupted": false, "runs": [
      {"run": 0, "wall_s": 95.5, "metrics": {"load.failed": 2, "x.detect_down_s": 10.5}},
      {"run": 1, "wall_s": 96.0, "metrics": {"load.failed": 1.0e0}}]})";
  }
  const auto r = validation::read_real_runs(good);
  REQUIRE(r.runs.size() == 2);
  CHECK(r.runs[0].at("x.detect_down_s") == Approx(10.5));
  CHECK(r.runs[1].at("load.failed") == 1.0);
  CHECK(r.wall_s[1] == Approx(96.0));
  CHECK_FALSE(r.interrupted);
  const std::string bad = "/tmp/hasim-compare-test-bad.json";
  {
    std::ofstream f(bad);
    f << R"({"runs": [{"metrics": {"load.failed": "two"}}]})";
  }
  CHECK_THROWS_WITH(validation::read_real_runs(bad), Catch::Contains(bad) && Catch::Contains("load.failed"));
  CHECK_THROWS_WITH(validation::read_real_runs("/nonexistent/real.json"), Catch::Contains("/nonexistent/real.json"));
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

TEST_CASE("a record's runs that all lasted one duration give it, and any other record gives none") {
  const std::string path = "/tmp/hasim-compare-test-duration.json";
  auto read = [&](const char* text) {
    std::ofstream(path) << text;
    return validation::read_real_runs(path);
  };
  CHECK(validation::recorded_duration_ms(read(R"({"runs": [{"metrics": {}, "duration_s": 60.0}, {"metrics": {}, "duration_s": 60}]})")) ==
        60000);
  CHECK_FALSE(validation::recorded_duration_ms(read(R"({"runs": [{"metrics": {}, "duration_s": 60}, {"metrics": {}, "duration_s": 90}]})")));
  CHECK_FALSE(validation::recorded_duration_ms(read(R"({"runs": [{"metrics": {}, "duration_s": 60}, {"metrics": {}}]})")));
  CHECK_FALSE(validation::recorded_duration_ms(read(R"({"runs": [{"metrics": {}}]})")));
  std::remove(path.c_str());
}

TEST_CASE("attempts run_real.py discarded are read with their run and shown in every report") {
  const std::string path = "/tmp/hasim-compare-test-discarded.json";
  {
    std::ofstream f(path);
    f << R"({"runs": [
      {"run": 0, "metrics": {"load.failed": 2}, "discarded_attempts": [
        {"reason": "the host stopped (the in-stack 100 ms timer woke 24.9s late): a paused machine", "logs": "x"}]},
      {"run": 1, "metrics": {"load.failed": 1}}]})";
  }
  const auto r = validation::read_real_runs(path);
  REQUIRE(r.discarded.size() == 1);
  CHECK(r.discarded[0] == "run 0: the host stopped (the in-stack 100 ms timer woke 24.9s late): a paused machine");
  validation::RecordInfo info;
  info.discarded = r.discarded;
  const auto c = compare(r.runs, r.runs);
  CHECK_THAT(validation::comparison_text(c, info), Catch::Contains("discarded and run again: run 0: the host stopped"));
  CHECK_THAT(validation::comparison_markdown(c, info), Catch::Contains("- run 0: the host stopped"));
  CHECK_THAT(validation::comparison_json(c, info, r.runs, r.runs),
             Catch::Contains("\"discarded_attempts\": [\n    \"run 0: the host stopped"));
  {
    std::ofstream f(path);
    f << R"({"runs": [{"run": 0, "metrics": {}, "discarded_attempts": [{"logs": "x"}]}]})";
  }
  CHECK_THROWS_WITH(validation::read_real_runs(path), Catch::Contains(path + ":1") && Catch::Contains("without its reason"));
  std::remove(path.c_str());
}

TEST_CASE("the simulator's invariant violations are not compared as measurements") {
  std::vector<RunMetrics> real = {{{"vip.v.multi_holder_s", 17.0}}};
  std::vector<RunMetrics> sim = {{{"vip.v.multi_holder_s", 17.0}, {"violations.single_vip_holder", 1}}};
  const auto c = compare(real, sim);
  for (const auto& m : c.metrics) CHECK(m.metric != "violations.single_vip_holder");
  CHECK(c.pass());
}

TEST_CASE("PostgreSQL's invariant violations are compared as outcomes, the other violations not at all") {
  const std::vector<RunMetrics> real = {{{"violations.single_writable_primary", 1}, {"violations.no_acked_commit_lost", 3}}};
  const std::vector<RunMetrics> sim = {{{"violations.single_writable_primary", 1}, {"violations.single_vip_holder", 2}}};
  const auto c = compare(real, sim);
  CHECK(c.metrics.empty());
  REQUIRE(c.outcomes.size() == 2);
  for (const auto& o : c.outcomes) {
    if (o.name == "violations: two writable primaries at once") CHECK(o.agree());
    else CHECK((o.name == "violations: an acknowledged commit lost" && !o.agree()));
  }
}
