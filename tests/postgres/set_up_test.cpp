// A PostgreSQL stack with standbys is set up before its time 0, as the real harness's
// wait_postgres_ready has it (scenarios/postgres_ready.hpp): the run begins at a negative time,
// and at 0 every standby streams, caught up, before the workloads and the monitor begin.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>

#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/tree.hpp"
#include "../support/demo2_files.hpp"

namespace {

std::int64_t num(const sim::TraceRecord& r, const char* key) { return std::get<std::int64_t>(*r.find(key)); }

scenarios::RunResult run(const scenarios::ScenarioSpec& spec, std::uint64_t seed) {
  scenarios::RunOptions o;
  o.events = scenarios::EventSelection::parse("run_start,pg_walreceiver_connected,pg_stat_replication,process_start");
  return scenarios::run_scenario(spec, seed, o);
}

scenarios::ScenarioSpec inline_spec(const std::string& yaml) {
  return scenarios::spec_from_tree(scenarios::parse_yaml(yaml, "inline.yaml"), "inline.yaml");
}

double run_start_s(const scenarios::RunResult& r) {
  for (const auto& e : r.events)
    if (e.kind == "run_start") return sim::to_seconds(e.time);
  return 1e9;
}

/// The last first-streaming of a standby before time 0 (the moment the set-up was over).
double last_connect_s(const scenarios::RunResult& r) {
  std::map<std::string, double> first;
  for (const auto& e : r.events)
    if (e.kind == "pg_walreceiver_connected" && first.count(e.text("node")) == 0) first[e.text("node")] = sim::to_seconds(e.time);
  double last = -1e9;
  for (const auto& [node, t] : first) last = std::max(last, t);
  return last;
}

}  // namespace

TEST_CASE("a Demo 2 stack is set up before time 0: at 0 both standbys stream, caught up, and the monitor and the writer "
          "begin after it",
          "[postgres][scenario]") {
  const auto spec = scenarios::load_scenario(testing::demo2::path("stack.yaml"));
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    INFO("seed " << seed);
    const auto r = run(spec, seed);
    CHECK(run_start_s(r) < 0);
    CHECK(last_connect_s(r) < 0);
    double first_row = -1, writer = -1;
    int rows = 0;
    for (const auto& e : r.events) {
      if (e.kind == "process_start" && e.text("process") == "client:load") writer = sim::to_seconds(e.time);
      if (e.kind != "pg_stat_replication") continue;
      const double t = sim::to_seconds(e.time);
      if (first_row < 0) first_row = t;
      if (t >= 2.0) continue;  // before the writer's first commit: nothing left to send
      ++rows;
      INFO(e.text("application_name") << " at " << t);
      CHECK(e.text("state") == "streaming");
      CHECK(num(e, "flush_lsn") == num(e, "sent_lsn"));
      CHECK(num(e, "replay_lsn") == num(e, "sent_lsn"));
    }
    CHECK(first_row >= 0);
    CHECK(first_row < 1.0);
    CHECK(rows >= 2);
    CHECK(writer >= 2.0);
  }
}

TEST_CASE("the set-up's end waits for the harness's asks: each a docker exec of psql, one a second after a round that "
          "found a standby not yet streaming",
          "[postgres][scenario]") {
  auto spec = scenarios::load_scenario(testing::demo2::path("stack.yaml"));
  // Ideal engine (the stack's measured exec latency taken out): asks take no time, so 0 comes
  // within the second's sleep after the last standby streams.
  spec.runtime.command_delay.erase("exec");
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const double gap = -last_connect_s(run(spec, seed));
    CHECK(gap > 0);
    CHECK(gap <= 1.0);
  }
  // Each ask 300 ms: after the last standby's own ask (which saw it streaming) comes the primary's.
  spec.runtime.command_delay["exec"] = sim::Distribution::constant(300 * sim::kMillisecond);
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const double gap = -last_connect_s(run(spec, seed));
    CHECK(gap >= 0.3);
    CHECK(gap <= 1.0 + 3 * 0.3 + 0.3);
  }
}

TEST_CASE("after the set-up the writer is execed at time 0: it starts its `start` plus the engine's exec latency later",
          "[postgres][scenario]") {
  auto spec = scenarios::load_scenario(testing::demo2::path("stack.yaml"));
  spec.runtime.command_delay.erase("exec");  // the stack's measured one, set again below
  auto writer_start = [&spec](std::uint64_t seed) {
    for (const auto& e : run(spec, seed).events)
      if (e.kind == "process_start" && e.text("process") == "client:load") return sim::to_seconds(e.time);
    return -1.0;
  };
  CHECK(writer_start(1) == 2.0);  // an ideal engine: exactly at its start
  spec.runtime.command_delay["exec"] =
      sim::Distribution::empirical({{0.0, 100 * sim::kMillisecond}, {1.0, 400 * sim::kMillisecond}});
  double lo = 1e9, hi = -1e9;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const double t = writer_start(seed);
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  CHECK(lo >= 2.1);
  CHECK(hi <= 2.4);
  CHECK(hi - lo > 0.05);  // a draw per run
}

TEST_CASE("a PostgreSQL stack without standbys, or whose standby never streams, starts at time 0", "[postgres][scenario]") {
  CHECK(run_start_s(run(inline_spec(testing::demo2::kTwoNodes), 1)) == 0);
  // A standby cloned from a node without PostgreSQL: the harness would wait in vain (and give up
  // after 240 s); the simulator starts such a stack at 0, as if there were nothing to wait for.
  const auto r = run(inline_spec(R"(
name: t
duration: 20s
networks: {lan: {subnet: 10.0.0.0/24}}
nodes:
  pg1: {networks: [lan], postgres: {}}
  pg2: {networks: [lan], postgres: {standby_signal: true, primary_conninfo: host=app port=5432 user=replicator}}
  app: {networks: [lan]}
)"), 1);
  CHECK(run_start_s(r) == 0);
  CHECK(last_connect_s(r) == -1e9);
}
