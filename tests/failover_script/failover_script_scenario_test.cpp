// scenarios/demo2/failover-script.yaml (the seed's exercise 4) and the `failover_script:`
// section's reading: the script as a daemon kind, its figures computed from its events.
#include <catch2/catch.hpp>

#include <string>

#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/tree.hpp"

namespace {

const std::string kFile = std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/failover-script.yaml";

std::string load_error(const std::string& section) {
  const std::string yaml = R"(
name: t
networks: {lan: {subnet: 10.0.0.0/24}}
nodes:
  pg1: {networks: [lan], postgres: {slots: [s2]}}
  pg2: {networks: [lan], postgres: {standby_signal: true, primary_conninfo: "host=pg1 user=replicator", primary_slot_name: s2}}
  app:
    networks: [lan]
    failover_script:
)" + section;
  try {
    scenarios::spec_from_tree(scenarios::parse_yaml(yaml, "inline.yaml"), "inline.yaml");
  } catch (const scenarios::ScenarioError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("demo2 failover-script: the script promotes replica2, repoints the writer and replica1, and no acknowledged commit is lost", "[failover_script][scenario]") {
  const auto spec = scenarios::load_scenario(kFile);
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    INFO("seed " << seed);
    const auto r = scenarios::run_scenario(spec, seed);
    if (seed == 1) CHECK(r.trace_sha256 == scenarios::run_scenario(spec, 1).trace_sha256);
    // Three checks a second apart after the kill, each failing within connect_timeout.
    CHECK(r.metrics.at("script.detect_s") > 2.0);
    CHECK(r.metrics.at("script.detect_s") < 9.0);
    CHECK(r.metrics.at("script.promote_s") > r.metrics.at("script.detect_s"));
    CHECK(r.metrics.at("script.app_repointed_s") >= r.metrics.at("script.promote_s"));
    CHECK(r.metrics.at("script.standbys_repointed_s") >= r.metrics.at("script.app_repointed_s"));
    CHECK(r.metrics.at("commits.acked_lost") == 0);
    // The writer's gap: from its last commit on the old primary to its first on replica2.
    CHECK(r.metrics.at("load.write_gap_max_s") > r.metrics.at("script.detect_s"));
    CHECK(r.metrics.at("load.write_gap_max_s") < r.metrics.at("script.app_repointed_s") + 2.0);
    std::string promoted;
    bool replica1_followed = false;
    for (const auto& e : r.events) {
      if (e.kind == "script_promoted") promoted = e.text("host");
      if (e.kind == "pg_timeline_followed" && e.text("node") == "postgres-replica1") replica1_followed = true;
    }
    CHECK(promoted == "postgres-replica2");
    CHECK(replica1_followed);
  }
}

TEST_CASE("demo2 failover-script with lag_by replay promotes replica1 and loses the commits it never received", "[failover_script][scenario]") {
  const auto spec = scenarios::load_scenario(kFile, {"nodes.app.failover_script.lag_by=replay"});
  const auto r = scenarios::run_scenario(spec, 1);
  std::string promoted;
  for (const auto& e : r.events)
    if (e.kind == "script_promoted") promoted = e.text("host");
  CHECK(promoted == "postgres-replica1");
  // 25 s between replica1's cut and the kill, a commit every 500 ms.
  CHECK(r.metrics.at("commits.acked_lost") > 40);
}

TEST_CASE("a failover_script section names its mistakes with file and key", "[failover_script][loader]") {
  CHECK_THAT(load_error("      primary: pg1\n      standbys: {pg2: s2}\n      lag_by: fastest\n"),
             Catch::Contains("inline.yaml") && Catch::Contains("lag_by") && Catch::Contains("receive"));
  CHECK_THAT(load_error("      primary: pg1\n      standbys: {pg2: s2}\n      connect_timeout: 1s\n"),
             Catch::Contains("connect_timeout") && Catch::Contains("2s"));
  CHECK_THAT(load_error("      primary: pg1\n      standbys: {pg1: s1}\n"), Catch::Contains("standbys.pg1"));
  CHECK_THAT(load_error("      primary: pg1\n      standbys: {pg9: s9}\n"), Catch::Contains("pg9"));
  CHECK_THAT(load_error("      primary: pg1\n      standbys: {pg2: Slot-2}\n"), Catch::Contains("invalid character"));
  CHECK_THAT(load_error("      primary: pg1\n"), Catch::Contains("standbys"));
  CHECK(load_error("      primary: pg1\n      standbys: {pg2: s2}\n").empty());
}
