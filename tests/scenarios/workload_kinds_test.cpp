// Workload kinds declare what they need (scenarios/workload_kinds.hpp): the runner, the checks,
// the loader and explore ask the declaration, not the kind's name.
#include <catch2/catch.hpp>

#include <string>

#include "scenarios/loader.hpp"
#include "scenarios/tree.hpp"
#include "scenarios/workload_kinds.hpp"

TEST_CASE("a pg_writer's records call for the PostgreSQL checks and repoint may move it, and an http_client's for the load checks",
          "[scenarios][workloads]") {
  const auto* pg = scenarios::find_workload_kind("pg_writer");
  REQUIRE(pg != nullptr);
  CHECK(pg->checks == scenarios::WorkloadChecks::Postgres);
  CHECK(pg->repointable);
  const auto* http = scenarios::find_workload_kind("http_client");
  REQUIRE(http != nullptr);
  CHECK(http->checks == scenarios::WorkloadChecks::Load);
  CHECK_FALSE(http->repointable);
  CHECK(scenarios::workload_kinds().front().name == "http_client");  // the default kind
  CHECK(scenarios::find_workload_kind("ab") == nullptr);
  for (const auto& k : scenarios::workload_kinds()) {
    CHECK(k.read != nullptr);
    CHECK(k.build != nullptr);
  }
}

TEST_CASE("an unknown workload kind is a located error listing the declared kinds", "[scenarios][workloads][errors]") {
  const std::string y = "name: w\nduration: 10s\nnetworks: {lan: {subnet: 10.0.0.0/24}}\nnodes:\n  web1: {nginx: {files: [/]}}\n"
                        "workloads:\n  load: {kind: ab, node: web1}\n";
  try {
    scenarios::spec_from_tree(scenarios::parse_yaml(y, "w.yaml"), "w.yaml");
    FAIL("no error");
  } catch (const scenarios::ScenarioError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("w.yaml:7:") &&
                                          Catch::Contains("workloads.load.kind: unknown workload kind 'ab' (http_client, http_probe, pg_writer, pg_reader, pgbench)"));
  }
}

TEST_CASE("a pg_reader with a key it does not know is a located error naming the key", "[scenarios][workloads][errors]") {
  const std::string y = "name: w\nduration: 10s\nnetworks: {lan: {subnet: 10.0.0.0/24}}\nnodes:\n  pg1: {postgres: {}}\n  app: {}\n"
                        "workloads:\n  r1: {kind: pg_reader, node: app, host: pg1, every: 1s}\n";
  try {
    scenarios::spec_from_tree(scenarios::parse_yaml(y, "w.yaml"), "w.yaml");
    FAIL("no error");
  } catch (const scenarios::ScenarioError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("w.yaml:8:") && Catch::Contains("workloads.r1") && Catch::Contains("every"));
  }
}

TEST_CASE("a pg_reader's interval of zero and a host that is no node are located errors", "[scenarios][workloads][errors]") {
  const std::string head = "name: w\nduration: 10s\nnetworks: {lan: {subnet: 10.0.0.0/24}}\nnodes:\n  pg1: {postgres: {}}\n  app: {}\n"
                           "workloads:\n";
  for (const auto& [entry, key] : {std::pair<std::string, std::string>{"  r1: {kind: pg_reader, node: app, host: pg1, interval: 0s}\n", "workloads.r1.interval"},
                                   {"  r1: {kind: pg_reader, node: app, host: pg9}\n", "workloads.r1.host"}}) {
    INFO(entry);
    try {
      scenarios::spec_from_tree(scenarios::parse_yaml(head + entry, "w.yaml"), "w.yaml");
      FAIL("no error");
    } catch (const scenarios::ScenarioError& e) {
      CHECK_THAT(std::string(e.what()), Catch::Contains("w.yaml:8:") && Catch::Contains(key));
    }
  }
}

TEST_CASE("a pg_reader's records call for the PostgreSQL checks and repoint does not move it", "[scenarios][workloads]") {
  const auto* r = scenarios::find_workload_kind("pg_reader");
  REQUIRE(r != nullptr);
  CHECK(r->checks == scenarios::WorkloadChecks::Postgres);
  CHECK_FALSE(r->repointable);
}

TEST_CASE("a pgbench asking for a protocol other than simple, or a reader for an unknown target_session_attrs, is a located error",
          "[scenarios][workloads][errors]") {
  const std::string head = "name: w\nduration: 10s\nnetworks: {lan: {subnet: 10.0.0.0/24}}\nnodes:\n  pg1: {postgres: {}}\n  app: {}\n"
                           "workloads:\n";
  auto error_of = [](const std::string& y) -> std::string {
    try {
      scenarios::spec_from_tree(scenarios::parse_yaml(y, "w.yaml"), "w.yaml");
    } catch (const scenarios::ScenarioError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(error_of(head + "  b: {kind: pgbench, node: app, host: pg1, protocol: prepared}\n"),
             Catch::Contains("w.yaml:8:") && Catch::Contains("workloads.b.protocol: only protocol simple"));
  CHECK_THAT(error_of(head + "  r: {kind: pg_reader, node: app, host: 'pg1,app', target_session_attrs: read_write}\n"),
             Catch::Contains("w.yaml:8:") && Catch::Contains("workloads.r.target_session_attrs: unknown target_session_attrs 'read_write'"));
  // Each name of a reader's host list must be a node.
  CHECK_THAT(error_of(head + "  r: {kind: pg_reader, node: app, host: 'pg1,pg9'}\n"), Catch::Contains("pg9"));
  CHECK(error_of(head + "  r: {kind: pg_reader, node: app, host: 'pg1,app', target_session_attrs: prefer-standby}\n") == "no error");
}
