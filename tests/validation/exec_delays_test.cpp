// `docker exec`'s latency as a real run's PostgreSQL clients show it (validation/exec_delays.hpp):
// each pg_writer's and pg_reader's first attempt after its `start`.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "scenarios/loader.hpp"
#include "scenarios/tree.hpp"
#include "validation/exec_delays.hpp"

namespace {

const char* kSpec = R"(
name: t
networks: {lan: {subnet: 10.0.0.0/24}}
nodes:
  pg1: {networks: [lan], postgres: {}}
  app: {networks: [lan]}
workloads:
  load: {kind: pg_writer, node: app, host: pg1, start: 2s}
  r1: {kind: pg_reader, node: app, host: pg1, start: 8s}
  idle: {kind: pg_reader, node: app, host: pg1, start: 9s}
)";

}  // namespace

TEST_CASE("a real run's PostgreSQL clients give one exec latency each: their first attempt after their start",
          "[validation]") {
  const auto spec = scenarios::spec_from_tree(scenarios::parse_yaml(kSpec, "t.yaml"), "t.yaml");
  const auto events = scenarios::parse_yaml(R"([
    {"kind": "pg_commit_acked", "t_s": 2.6, "workload": "load", "sent_s": 2.5},
    {"kind": "pg_commit_failed", "t_s": 2.3, "workload": "load", "sent_s": 2.25},
    {"kind": "pg_read_done", "t_s": 8.4, "workload": "r1", "sent_s": 8.2},
    {"kind": "pg_read_failed", "t_s": 8.9, "workload": "r1", "sent_s": 8.8},
    {"kind": "pg_stat_replication", "t_s": 1.0, "workload": "r1", "sent_s": 0.1},
    {"kind": "pg_read_done", "t_s": 3.0, "workload": "gone", "sent_s": 2.9}
  ])", "events.json");
  auto got = validation::pg_client_exec_samples(spec, events);
  std::sort(got.begin(), got.end());
  REQUIRE(got.size() == 2);  // idle read nothing; another kind's or an unknown workload's events count not
  CHECK(got[0] == Approx(0.2));
  CHECK(got[1] == Approx(0.25));
}
