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
  // pkill -KILL -x nginx: nginx's master and its worker (both "nginx"), not the container.
  const auto r = run(kBase + "faults:\n  - {at: 10s, kill: web1/nginx}\n  - {at: 12s, start: web1/nginx}\n");
  CHECK(times(r, "node_down", "web1").empty());
  CHECK(times(r, "process_exit") == std::vector<sim::Time>{10_s, 10_s});
  CHECK(times(r, "process_start") == std::vector<sim::Time>{0, 0, 12_s, 12_s});
}

TEST_CASE("recreate stops the container, replaces it and starts the new one", "[scenarios][faults]") {
  const auto r = run(kBase + "faults:\n  - {at: 10s, recreate: web1}\n");
  CHECK(times(r, "node_down", "web1") == std::vector<sim::Time>{10_s + 250_ms});  // stopped as by docker stop
  CHECK(times(r, "node_recreate", "web1") == std::vector<sim::Time>{10_s + 250_ms});
  CHECK(times(r, "node_up", "web1").size() == 2);
  CHECK(times(r, "node_up", "web1").back() == 10_s + 250_ms);  // start_delay 0s
}

TEST_CASE("recreate applies to a whole node and cannot be undone with for", "[scenarios][faults][errors]") {
  auto error_of = [](const std::string& fault) -> std::string {
    try {
      run(kBase + "faults:\n  - " + fault + "\n");
    } catch (const scenarios::ScenarioError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error_of("{at: 10s, recreate: web1}").empty());
  CHECK_THAT(error_of("{at: 10s, recreate: web1/nginx}"), Catch::Contains("faults.0.recreate: recreate applies to a whole node"));
  CHECK_THAT(error_of("{at: 10s, recreate: web1, for: 5s}"), Catch::Contains("faults.0.for: recreate cannot be undone"));
  CHECK_THAT(error_of("{at: 10s, recreate: web2}"), Catch::Contains("web2"));
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

TEST_CASE("a fault's own jitter replaces the scenario's fault_jitter for that fault only", "[scenarios][faults]") {
  const std::string y = kBase +
                        "fault_jitter: 2s\nfaults:\n  - {at: 10s, jitter: 0s, kill: web1/nginx}\n"
                        "  - {at: 20s, jitter: 500ms, start: web1/nginx}\n  - {at: 25s, kill: web1/nginx}\n";
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto t = times(run(y, seed), "fault");
    REQUIRE(t.size() == 3);
    CHECK(t[0] == 10_s);
    CHECK(t[1] >= 20_s);
    CHECK(t[1] < 20_s + 500 * sim::kMillisecond);
    CHECK(t[2] >= 25_s);
    CHECK(t[2] < 27_s);
  }
}

TEST_CASE("a server written as a node's fixed address gets the same detection metrics as one written by name",
          "[scenarios][metrics]") {
  const auto scenario = [](const std::string& address) {
    // 90 s: web1 keeps its address across the restart, so HAProxy's SYNs go to its old MAC
    // until the neighbour entry fails (up to 45 + 8 s after the last confirmation at 10 s).
    return std::string(R"(
name: by-address
duration: 90s
networks:
  lan: {subnet: 10.0.0.0/24, latency: 100us}
nodes:
  lb:
    networks: {lan: 10.0.0.2}
    haproxy:
      defaults: {mode: http, timeout connect: 1s, timeout check: 1s}
      frontends: {front: {bind: "*:80", default_backend: web}}
      backends:
        web:
          default-server: {check: true, inter: 1s, fall: 2, rise: 2}
          servers: {web1: {address: ")") + address + R"(:80"}}
  web1:
    networks: {lan: 10.0.0.11}
    nginx: {files: [/]}
faults:
  - {at: 10s, stop: web1, for: 8s}
)";
  };
  const auto by_name = run(scenario("web1"));
  const auto by_ip = run(scenario("10.0.0.11"));
  REQUIRE(by_name.metrics.count("web.web1.detect_down_s") == 1);
  REQUIRE(by_name.metrics.count("web.web1.detect_up_s") == 1);
  CHECK(by_ip.metrics.count("web.web1.detect_down_s") == 1);
  CHECK(by_ip.metrics.count("web.web1.detect_up_s") == 1);
  CHECK(by_ip.metrics.at("web.web1.detect_down_s") > 1.0);
  // An address no node holds has no fault to count from.
  CHECK(run(scenario("10.0.0.99")).metrics.count("web.web1.detect_down_s") == 0);
}

TEST_CASE("heal_at ends every fault still in effect, each once", "[scenarios][faults][heal]") {
  const auto r = run(kBase + "heal_at: 20s\nfaults:\n  - {at: 5s, stop: web1, for: 5s}\n  - {at: 12s, kill: web1/nginx}\n");
  CHECK(times(r, "fault") == std::vector<sim::Time>{5_s, 12_s});
  CHECK(times(r, "fault_end") == std::vector<sim::Time>{10_s, 20_s});  // the `for`, then heal_at for the kill
  CHECK(times(r, "heal_at") == std::vector<sim::Time>{20_s});
  CHECK(times(r, "process_start", "web1").back() == 20_s);  // nginx started again, start_delay 0
}

TEST_CASE("heal_at starts a container again when its fault's own start came while it was still stopping", "[scenarios][faults][heal]") {
  // nginx takes 250 ms to stop: the `for` start 100 ms after the stop is a no-op, as docker's is
  // on a container still stopping, and web1 stays down until heal_at starts it.
  const auto raced = run(kBase + "faults:\n  - {at: 5s, stop: web1, for: 100ms}\n");
  CHECK(times(raced, "node_up", "web1").size() == 1);
  const auto healed = run(kBase + "heal_at: 20s\nfaults:\n  - {at: 5s, stop: web1, for: 100ms}\n");
  CHECK(times(healed, "heal_start", "web1") == std::vector<sim::Time>{20_s});
  REQUIRE(times(healed, "node_up", "web1").size() == 2);
  CHECK(times(healed, "node_up", "web1")[1] >= 20_s);
  // A stop that took before its `for` ended needs nothing at heal_at.
  const auto clean = run(kBase + "heal_at: 20s\nfaults:\n  - {at: 5s, stop: web1, for: 2s}\n");
  CHECK(times(clean, "heal_start").empty());
}

TEST_CASE("heal_at must come after every fault", "[scenarios][faults][heal][errors]") {
  try {
    run(kBase + "heal_at: 20s\nfault_jitter: 2s\nfaults:\n  - {at: 19s, kill: web1/nginx}\n");
    FAIL("no error");
  } catch (const scenarios::ScenarioError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("heal_at: comes before fault 0") != std::string::npos);
  }
}

namespace {

scenarios::RunResult run_library(const std::string& rel, const std::vector<std::string>& sets, std::uint64_t seed = 1) {
  return scenarios::run_scenario(scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/" + rel, sets), seed);
}

std::size_t converge_misses(const scenarios::RunResult& r) {
  std::size_t n = 0;
  for (const auto& v : r.violations) n += v.invariant == "converge";
  return n;
}

}  // namespace

TEST_CASE("converge passes when the stack recovers after the heal and fails when it cannot", "[scenarios][heal]") {
  // A VRRP drop with no end: two holders until heal_at, one within a master-down interval after.
  const auto healed = run_library("split-brain/vrrp-blocked.yaml",
                                  {"faults.0.for=80s", "heal_at=50s", "converge={within: 5s, holds: [single_vip_holder]}"});
  CHECK(converge_misses(healed) == 0);
  CHECK(healed.metrics.count("violations.single_vip_holder") == 1);  // the split brain itself
  // Mismatched auth_pass: no fault to heal, both stay MASTER, and converge says so.
  const auto stuck = run_library("split-brain/auth-mismatch.yaml", {"heal_at=50s", "converge={within: 10s}"});
  REQUIRE(converge_misses(stuck) == 1);
  for (const auto& v : stuck.violations)
    if (v.invariant == "converge") {
      CHECK(v.start == 60_s);
      CHECK(v.detail.rfind("single_vip_holder still violated 10s after heal_at: ", 0) == 0);
    }
}

TEST_CASE("converge conditions report what has not settled after the heal", "[scenarios][heal]") {
  // docker kill haproxy1 leaves keepalived's pid file: on start it refuses to run, so the
  // daemons never all run again, while haproxy2 holds the VIP alone.
  const auto r = run_library("demo1-part2.yaml", {"faults=[{at: 10s, kill: haproxy1, for: 5s}]", "heal_at=30s",
                                                  "converge={within: 20s, holds: [vip_held, daemons_running, backends_up]}"});
  std::vector<std::string> details;
  for (const auto& v : r.violations)
    if (v.invariant == "converge") details.push_back(v.detail);
  REQUIRE(details.size() == 1);
  CHECK(details[0] == "daemons_running not reached 20s after heal_at: keepalived on haproxy1 is not running");
  // Mismatched auth_pass: both hold the VIP to the end, which vip_held names.
  const auto both = run_library("split-brain/auth-mismatch.yaml", {"heal_at=50s", "converge={within: 10s, holds: [vip_held]}"});
  REQUIRE(converge_misses(both) == 1);
  for (const auto& v : both.violations)
    if (v.invariant == "converge") CHECK(v.detail == "vip_held not reached 10s after heal_at: 172.20.0.100 held by haproxy1,haproxy2");
}

TEST_CASE("standbys_streaming names a standby that never streams", "[scenarios][heal]") {
  const std::vector<std::string> converge = {"heal_at=20s", "converge={within: 10s, holds: [standbys_streaming, one_primary]}"};
  CHECK(converge_misses(run_library("demo2/stack.yaml", converge)) == 0);
  // replica2 streams through a slot the primary does not have ("replication slot ... does not
  // exist"): its server starts (the primary answers its entrypoint's pg_isready) but never streams.
  auto wrong_slot = converge;
  wrong_slot.push_back("nodes.postgres-replica2.postgres.primary_slot_name=no_such_slot");
  const auto r = run_library("demo2/stack.yaml", wrong_slot);
  REQUIRE(converge_misses(r) == 1);
  for (const auto& v : r.violations)
    if (v.invariant == "converge")
      CHECK(v.detail == "standbys_streaming not reached 10s after heal_at: postgres-replica2 is not streaming");
}

TEST_CASE("converge without heal_at, or naming an unknown invariant, is a located error", "[scenarios][heal][errors]") {
  auto error = [](const std::string& yaml) {
    try {
      run(yaml);
    } catch (const scenarios::ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error(kBase + "converge: {within: 5s}\n").find("converge: needs heal_at") != std::string::npos);
  CHECK(error(kBase + "heal_at: 10s\nconverge: {within: 5s, holds: [single_vip_holdr]}\n")
            .find("did you mean 'single_vip_holder'") != std::string::npos);
  CHECK(error(kBase + "heal_at: 10s\nconverge: {within: 5s, holds: [vip_hold]}\n").find("did you mean 'vip_held'") !=
        std::string::npos);
  CHECK(error(kBase + "heal_at: 10s\nconverge: {within: 25s, holds: [single_vip_holder]}\n")
            .find("converge.within: heal_at + within is after the end") != std::string::npos);
}

TEST_CASE("runtime.command_delay.exec delays a workload's first request past its start", "[scenarios][runtime]") {
  const std::string y = kBase + R"(
  client:
    start_delay: 0s
workloads:
  load: {node: client, url: "http://web1/", interval: 1s, start: 5s}
)";
  // One request a second (100 us away, no loop cost): three seconds late is three fewer.
  const auto on_time = run(y, 1);
  const auto late = run(y + "runtime: {command_delay: {exec: 3s}}\n", 1);
  REQUIRE(on_time.metrics.count("load.requests") == 1);
  CHECK(on_time.metrics.at("load.requests") == 25);
  CHECK(late.metrics.at("load.requests") == 22);
}

TEST_CASE("runtime.kernel sets the SYN retransmission schedule: without linear timeouts the last SYN before 12 s is at 7 s",
          "[scenarios][tcp]") {
  // demo1-part1/syn-retransmit: SYNs dropped for 18 s, a probe with a 12 s connect timeout. The
  // validation host's kernel (Linux 6.5+, tcp_syn_linear_timeouts 4) gets its slowest request
  // through on the SYN at 11 s; a kernel without linear timeouts (Debian bookworm's 6.1) sends
  // them at 0, 1, 3, 7, 15 s, so the SYN at 7 s is the last one a 12 s timeout waits for.
  const std::string root = std::string(HASIM_SOURCE_DIR);
  const auto a = scenarios::run_scenario(scenarios::load_scenario(root + "/scenarios/demo1-part1/syn-retransmit.yaml"), 1);
  const auto b = scenarios::run_scenario(scenarios::load_scenario(root + "/tests/scenarios/good/syn-retransmit-old-kernel.yaml"), 1);
  CHECK(a.metrics.at("t12.latency_max_s") > 11.0);
  CHECK(a.metrics.at("t12.latency_max_s") < 11.6);
  CHECK(b.metrics.at("t12.latency_max_s") > 7.0);
  CHECK(b.metrics.at("t12.latency_max_s") < 7.6);
}
