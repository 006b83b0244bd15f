// The fault timeline as the runner plays it, from small YAML scenarios.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/tree.hpp"

using namespace sim::literals;

namespace {

scenarios::RunResult run(const std::string& yaml, std::uint64_t seed = 1) {
  const auto spec = scenarios::spec_from_tree(scenarios::parse_yaml(yaml, "inline.yaml"), "inline.yaml");
  return scenarios::run_scenario(spec, seed);
}

std::vector<sim::Time> times(const scenarios::RunResult& r, const std::string& kind, const std::string& node = "") {
  std::vector<sim::Time> out;
  for (const auto& e : r.events)
    if (e.kind == kind && (node.empty() || e.text("node") == node)) out.push_back(e.time);
  return out;
}

const std::string kBase = R"(
name: runner
duration: 30s
networks:
  lan: {subnet: 10.0.0.0/24, latency: 100us}
nodes:
  web1:
    start_delay: 0s
    nginx: {files: [/], start_delay: 0s, stop_delay: 250ms}
)";

}  // namespace

TEST_CASE("a fault with `for` is undone after that long", "[scenarios][faults]") {
  const auto r = run(kBase + "faults:\n  - {at: 10s, stop: web1, for: 5s}\n");
  CHECK(times(r, "fault") == std::vector<sim::Time>{10_s});
  CHECK(times(r, "fault_end") == std::vector<sim::Time>{15_s});
  CHECK(times(r, "node_down", "web1") == std::vector<sim::Time>{10_s + 250_ms});  // after nginx's stop_delay
  CHECK(times(r, "node_up", "web1") == std::vector<sim::Time>{0, 15_s});
}

TEST_CASE("a process fault touches only that process", "[scenarios][faults]") {
  const auto r = run(kBase + "faults:\n  - {at: 10s, kill: web1/nginx}\n  - {at: 12s, start: web1/nginx}\n");
  CHECK(times(r, "node_down", "web1").empty());
  CHECK(times(r, "process_exit") == std::vector<sim::Time>{10_s});
  CHECK(times(r, "process_start") == std::vector<sim::Time>{0, 12_s});
}

TEST_CASE("fault_jitter moves each fault by a seeded offset below the jitter", "[scenarios][faults]") {
  const std::string y = kBase + "fault_jitter: 2s\nfaults:\n  - {at: 10s, kill: web1/nginx}\n";
  const auto a = run(y, 1);
  const auto b = run(y, 1);
  const auto c = run(y, 2);
  const auto ta = times(a, "fault");
  REQUIRE(ta.size() == 1);
  CHECK(ta[0] >= 10_s);
  CHECK(ta[0] < 12_s);
  CHECK(times(b, "fault") == ta);
  CHECK(times(c, "fault") != ta);
}
