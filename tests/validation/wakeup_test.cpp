// The host's wake-up delay measured in real runs (run_real.py's `wakeup`) and what the simulator
// does with it: every HAProxy check timer fires that much later, so a busy machine's slower
// detection is modelled rather than tolerated.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "scenarios/loader.hpp"
#include "validation/validate.hpp"

namespace {

std::string write_real(const std::string& name, const std::string& wakeup) {
  const std::string path = "/tmp/hasim-wakeup-test-" + name + ".json";
  std::ofstream f(path);
  f << R"({"scenario": "x", "runs": [{"run": 0, "metrics": {"load.failed": 2}}])" << wakeup << "}";
  return path;
}

}  // namespace

TEST_CASE("the measured wake-up delay is read from the real runs and becomes an empirical distribution") {
  const auto path = write_real("good", R"(, "wakeup": {"n": 12, "runs": 3, "median_s": 0.004, "max_s": 0.0305,
      "quantiles_s": [[0.0, 0.0005], [0.5, 0.004], [0.9, 0.012], [1.0, 0.0305]]})");
  const auto r = validation::read_real_runs(path);
  REQUIRE(r.wakeup);
  CHECK(r.wakeup->n == 12);
  CHECK(r.wakeup->runs == 3);
  CHECK(r.wakeup->max_s == Approx(0.0305));
  CHECK(r.wakeup->distribution() == "{dist: empirical, quantiles: [[0, 500us], [0.5, 4000us], [0.9, 12000us], [1, 30500us]]}");
  CHECK(r.command_delay.empty());
  std::remove(path.c_str());
}

TEST_CASE("the engine's measured command latencies are read per command") {
  const auto path = write_real("commands", R"(, "command_delay": {
      "stop": {"n": 6, "runs": 3, "median_s": 0.9, "max_s": 2.5, "quantiles_s": [[0.0, 0.04], [0.5, 0.9], [1.0, 2.5]]},
      "start": {"n": 6, "runs": 3, "median_s": 0.2, "max_s": 0.3, "quantiles_s": [[0.0, 0.1], [1.0, 0.3]]}})");
  const auto r = validation::read_real_runs(path);
  REQUIRE(r.command_delay.size() == 2);
  CHECK(r.command_delay.at("stop").distribution() == "{dist: empirical, quantiles: [[0, 40000us], [0.5, 900000us], [1, 2500000us]]}");
  CHECK(r.command_delay.at("start").n == 6);
  CHECK_FALSE(r.wakeup);
  std::remove(path.c_str());
}

TEST_CASE("real runs without a wake-up measurement leave the scenario's wake-up delay alone") {
  const auto path = write_real("none", "");
  CHECK_FALSE(validation::read_real_runs(path).wakeup);
  std::remove(path.c_str());
}

TEST_CASE("a malformed wake-up measurement is named with its file and line") {
  for (const std::string bad : {R"(, "command_delay": {"stop": {"n": 1, "runs": 1, "median_s": 0, "max_s": 0, "quantiles_s": [[0, -1], [1.0, 0.002]]}})",
                                R"(, "wakeup": {"n": 1, "runs": 1, "median_s": 0, "max_s": 0, "quantiles_s": [[0.5, 0.001], [1.0, 0.002]]})",
                                R"(, "wakeup": {"n": 1, "runs": 1, "median_s": 0, "max_s": 0, "quantiles_s": [[0, 0.003], [1.0, 0.002]]})",
                                R"(, "wakeup": {"n": 1, "runs": 1, "median_s": 0, "quantiles_s": [[0, 0.001], [1.0, 0.002]]})"}) {
    const auto path = write_real("bad", bad);
    CHECK_THROWS_WITH(validation::read_real_runs(path), Catch::Contains(path + ":") && Catch::Contains("wakeup"));
    std::remove(path.c_str());
  }
}

TEST_CASE("each daemon kind's measured start-ups are read for the stack's first start and for later starts") {
  const auto path = write_real("startup", R"(, "startup_delay": {
      "first": {"haproxy": {"n": 9, "runs": 3, "median_s": 0.36, "max_s": 0.98, "quantiles_s": [[0.0, 0.08], [0.5, 0.36], [1.0, 0.98]]}},
      "later": {"keepalived": {"n": 3, "runs": 3, "median_s": 0.05, "max_s": 0.13, "quantiles_s": [[0.0, 0.0], [1.0, 0.13]]}}})");
  const auto r = validation::read_real_runs(path);
  REQUIRE(r.startup_first.size() == 1);
  CHECK(r.startup_first.at("haproxy").distribution() == "{dist: empirical, quantiles: [[0, 80000us], [0.5, 360000us], [1, 980000us]]}");
  REQUIRE(r.startup_later.size() == 1);
  CHECK(r.startup_later.at("keepalived").n == 3);
  std::remove(path.c_str());
}

TEST_CASE("measured runtime overrides under a map the scenario lacks all survive, none replacing another",
          "[validation]") {
  // A scenario without `runtime:`: the first override creates it, the next ones must extend it.
  const std::string file = "/tmp/hasim-wakeup-test-no-runtime.yaml";
  {
    std::ofstream f(file);
    f << "name: no-runtime\nnetworks: {lan: {subnet: 10.0.0.0/24}}\nnodes: {pg1: {}}\n";
  }
  const auto tree = scenarios::load_tree(file);
  REQUIRE(tree.find("runtime") == nullptr);
  validation::CreatingOverrides o(tree);
  const std::vector<std::string> sets = {o("runtime.wakeup_delay", "5ms"), o("runtime.command_delay.stop", "150ms"),
                                         o("runtime.command_delay.exec", "400ms"), o("runtime.daemon_start.postgres", "80ms")};
  CHECK(sets[0] == "runtime={wakeup_delay: 5ms}");
  CHECK(sets[1] == "runtime.command_delay={stop: 150ms}");
  CHECK(sets[2] == "runtime.command_delay.exec=400ms");
  CHECK(sets[3] == "runtime.daemon_start={postgres: 80ms}");
  const auto spec = scenarios::load_scenario(file, sets);
  CHECK(spec.runtime.command_delay.count("stop") == 1);
  CHECK(spec.runtime.command_delay.count("exec") == 1);
  CHECK(spec.runtime.wakeup_delay.has_value());
  CHECK(spec.runtime.daemon_start.count("postgres") == 1);
  std::remove(file.c_str());
}

TEST_CASE("the host's fsync latency measured before each PostgreSQL run becomes every node's disk fsync", "[validation]") {
  const auto path = write_real("fsync", R"(, "fsync": {"n": 600, "runs": 3, "median_s": 0.0003, "max_s": 0.021,
      "quantiles_s": [[0.0, 0.00019], [0.5, 0.0003], [0.9, 0.004], [1.0, 0.021]]})");
  const auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.fsync);
  CHECK(r.fsync->n == 600);
  CHECK_FALSE(r.wakeup);
  const std::string file = std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/sync-replication.yaml";
  validation::CreatingOverrides o(scenarios::load_tree(file));
  const auto spec = scenarios::load_scenario(file, {o("runtime.disk.fsync", r.fsync->distribution())});
  for (const auto& n : spec.nodes) {
    INFO(n.name);
    CHECK(n.disk.fsync_latency.median() == 300 * sim::kMicrosecond);
  }
}

TEST_CASE("a wake-up measured by the runs' timer loop is summarised again from their samples, with the tail's own "
          "quantiles, and HAProxy's late checks keep the record's summary",
          "[validation]") {
  // Two runs of 200 ticks: one in each 30 ms late, the rest 0.2 ms. The record's deciles end at
  // 0.2 ms at the 90th percentile and 30 ms at the top, where a tenth of the draws would land
  // anywhere between; from the samples themselves, the 99th percentile is still 0.2 ms.
  auto ticks = [] {
    std::string t = "[0.03";
    for (int i = 0; i < 199; ++i) t += ", 0.0002";
    return t + "]";
  };
  auto record = [&](const std::string& source) {
    const std::string path = "/tmp/hasim-wakeup-test-ticks-" + source + ".json";
    std::ofstream f(path);
    f << R"({"scenario": "x", "runs": [{"run": 0, "metrics": {}, "tick_wakeups_s": )" << ticks()
      << R"(}, {"run": 1, "metrics": {}, "tick_wakeups_s": )" << ticks() << R"(}], "wakeup": {"n": 400, "runs": 2,
        "median_s": 0.0002, "max_s": 0.03, "source": ")" << source
      << R"(", "quantiles_s": [[0.0, 0.0002], [0.5, 0.0002], [0.9, 0.0002], [1.0, 0.03]]}})";
    return path;
  };
  const auto tick_path = record("tick_probe");
  const auto from_ticks = validation::read_real_runs(tick_path);
  std::remove(tick_path.c_str());
  REQUIRE(from_ticks.wakeup);
  CHECK(from_ticks.wakeup->n == 400);
  CHECK(from_ticks.wakeup->distribution() ==
        "{dist: empirical, quantiles: [[0, 200us], [0.1, 200us], [0.25, 200us], [0.5, 200us], [0.75, 200us], [0.9, 200us], "
        "[0.95, 200us], [0.98, 200us], [0.99, 200us], [1, 30000us]]}");
  const auto checks_path = record("haproxy_checks");
  const auto from_checks = validation::read_real_runs(checks_path);
  std::remove(checks_path.c_str());
  REQUIRE(from_checks.wakeup);
  CHECK(from_checks.wakeup->distribution() == "{dist: empirical, quantiles: [[0, 200us], [0.5, 200us], [0.9, 200us], [1, 30000us]]}");
}
