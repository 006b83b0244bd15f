#pragma once
// What the tests of Demo 2's scenario files share (tests/postgres/*_scenarios_test.cpp): a file
// of scenarios/demo2/ run for several seeds (its seed 1 run twice, to the same trace), a
// violation count, the loader's error for inline YAML, and the smallest stack a step can name.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/tree.hpp"

namespace testing::demo2 {

inline std::string path(const std::string& rel) { return std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/" + rel; }

/// Seeds 1..`seeds` of scenarios/demo2/`rel`; seed 1 must give the same trace twice.
inline std::vector<scenarios::RunResult> runs(const std::string& rel, int seeds) {
  const auto spec = scenarios::load_scenario(path(rel));
  std::vector<scenarios::RunResult> out;
  for (int seed = 1; seed <= seeds; ++seed) {
    auto a = scenarios::run_scenario(spec, static_cast<std::uint64_t>(seed));
    if (seed == 1) REQUIRE(a.trace_sha256 == scenarios::run_scenario(spec, 1).trace_sha256);
    out.push_back(std::move(a));
  }
  return out;
}

inline std::size_t violations(const scenarios::RunResult& r, const std::string& name) {
  std::size_t n = 0;
  for (const auto& v : r.violations) n += v.invariant == name ? 1 : 0;
  return n;
}

/// The loader's message for `yaml` (as file inline.yaml), "" when it loads.
inline std::string load_error(const std::string& yaml) {
  try {
    scenarios::spec_from_tree(scenarios::parse_yaml(yaml, "inline.yaml"), "inline.yaml");
  } catch (const scenarios::ScenarioError& e) {
    return e.what();
  }
  return "";
}

/// A primary and an application node: enough for a step or a workload to name.
inline const std::string kTwoNodes = R"(
name: t
networks: {lan: {subnet: 10.0.0.0/24}}
nodes:
  pg1: {networks: [lan], postgres: {}}
  app: {networks: [lan]}
)";

}  // namespace testing::demo2
