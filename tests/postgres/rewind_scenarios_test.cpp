// Demo 2's ways back from its split brain (scenarios/demo2/split-brain-rewind.yaml, reclone.yaml):
// the `rewind` and `reclone` operator steps through the postgres kind, and their loader errors.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "scenarios/kinds/postgres.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/tree.hpp"
#include "../support/demo2_files.hpp"

namespace {

using testing::demo2::kTwoNodes;
using testing::demo2::path;
using testing::demo2::load_error;
using testing::demo2::runs;
using testing::demo2::violations;

/// The end of the split brain and the way back, common to both files.
void check_way_back(const scenarios::RunResult& r, const std::string& tool) {
  CHECK(r.metrics.at(tool + ".done") == 1);
  CHECK(r.metrics.at("postgres.primaries_at_end") == 1);
  CHECK(r.metrics.at("postgres.standbys_unconverged_at_end") == 0);
  // Two primaries from the old one's start (35 s) to its stop (45 s), and not after.
  REQUIRE(violations(r, "single_writable_primary") == 1);
  for (const auto& v : r.violations)
    if (v.invariant == "single_writable_primary") {
      CHECK(sim::to_seconds(v.start) > 35.0);
      CHECK(sim::to_seconds(v.end) < 46.0);
    }
  // Whatever the old primary acknowledged on timeline 1 is not in the history it now follows.
  CHECK(violations(r, "no_acked_commit_lost") == r.metrics.at("commits.acked_lost"));
  bool standby_on_2 = false;
  for (const auto& e : r.events)
    if (e.kind == "pg_walreceiver_connected" && e.text("node") == "postgres-primary" && e.time > 55 * sim::kSecond)
      standby_on_2 = std::get<std::int64_t>(*e.find("timeline")) == 2;
  CHECK(standby_on_2);
}

}  // namespace

TEST_CASE("demo2 split brain rewound: the old primary becomes a standby of replica1 on timeline 2 and one primary is left",
          "[postgres][scenario][rewind]") {
  for (const auto& r : runs("split-brain-rewind.yaml", 5)) {
    check_way_back(r, "pg_rewind");
    CHECK(r.metrics.at("pg_rewind.copied_mb") > 16.0);  // pg_wal/ whole: a segment at least
    // The writer reached the old primary from its start (35 s) to its stop (45 s): a commit
    // every 500 ms acknowledged on timeline 1 after the fork, each one gone.
    CHECK(r.metrics.at("commits.acked_lost") >= 15);
  }
}

TEST_CASE("demo2 split brain re-cloned: pg_basebackup from replica1 makes the old primary its standby, without "
          "wal_log_hints",
          "[postgres][scenario][reclone]") {
  for (const auto& r : runs("reclone.yaml", 5)) {
    check_way_back(r, "pg_basebackup");
    CHECK(r.metrics.at("pg_basebackup.copied_mb") > 31.0);  // the data directory at least
    CHECK(r.metrics.at("commits.acked_lost") >= 15);
  }
}

TEST_CASE("rewinding the seed's stack as written fails on its missing wal_log_hints, and the two primaries stay",
          "[postgres][scenario][rewind]") {
  auto spec = scenarios::load_scenario(path("split-brain-rewind.yaml"));
  for (auto& n : spec.nodes)
    for (auto& c : n.components)
      if (auto* pg = std::get_if<scenarios::PostgresSection>(&c)) pg->conf.wal_log_hints = false;
  const auto r = scenarios::run_scenario(spec, 1);
  CHECK(r.metrics.at("pg_rewind.done") == 0);
  bool refused = false;
  for (const auto& e : r.events)
    if (e.kind == "pg_rewind") refused = e.text("message") == "target server needs to use either data checksums or \"wal_log_hints = on\"";
  CHECK(refused);
  // Started again untouched, the old primary is a primary on timeline 1 once more.
  CHECK(r.metrics.at("postgres.primaries_at_end") == 2);
}

TEST_CASE("rewind and reclone are refused where they cannot apply, with their location", "[postgres][loader]") {
  CHECK_THAT(load_error(kTwoNodes + "faults:\n  - {at: 1s, rewind: {node: app, source: pg1}}\n"),
             Catch::Contains("inline.yaml:8") && Catch::Contains("runs no daemon that can rewind"));
  CHECK_THAT(load_error(kTwoNodes + "faults:\n  - {at: 1s, rewind: {node: pg1, source: pg9}}\n"),
             Catch::Contains("inline.yaml:8") && Catch::Contains("no node named 'pg9'"));
  CHECK_THAT(load_error(kTwoNodes + "faults:\n  - {at: 1s, rewind: {node: pg1}}\n"),
             Catch::Contains("inline.yaml:8") && Catch::Contains("rewind needs 'source'"));
  CHECK_THAT(load_error(kTwoNodes + "faults:\n  - {at: 1s, rewind: pg1}\n"), Catch::Contains("rewind needs 'source'"));
  CHECK_THAT(load_error(kTwoNodes + "faults:\n  - {at: 1s, rewind: {node: pg1, source: app, slot: s}}\n"),
             Catch::Contains("rewind takes 'source', not 'slot'"));
  CHECK_THAT(load_error(kTwoNodes + "faults:\n  - {at: 1s, reclone: {node: pg1, source: app, create_slot: maybe}}\n"),
             Catch::Contains("create_slot: expected true or false"));
  CHECK_THAT(load_error(kTwoNodes + "faults:\n  - {at: 1s, reclone: {node: pg1, source: pg7, slot: s}}\n"),
             Catch::Contains("no node named 'pg7'"));
  CHECK(load_error(kTwoNodes + "faults:\n  - {at: 1s, reclone: {node: pg1, source: app, slot: s, create_slot: false}}\n") == "");
}
