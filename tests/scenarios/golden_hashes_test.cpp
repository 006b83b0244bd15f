// Golden trace hashes: every scenario in the library, at seed 1. A change in behaviour, however
// small, changes a hash and fails here; the commit that changes behaviour updates the table and
// says why. (Print the current hashes with: hasim run FILE --seed 1 --json | jq -r .trace_sha256)
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"

namespace {

// Last updated when keepalived became two processes (parent and VRRP child): every keepalived
// scenario's trace has the child's exec, start and exit records, and its stop-delay draws come from
// the child's lifecycle stream; the two new demo1-part2 files added. Then again when a VIP's
// previous holder forwards SYNs through stale neighbour entries (demo1-part2, chaos,
// kill-vrrp-child, both-master). Demo 2's four files added with the PostgreSQL kind. Then
// demo2/split-brain when a restarted container keeping its address became unreachable through
// its peers' neighbour entries for its old MAC (Linux NUD: DELAY, PROBE, FAILED). Then every
// scenario with nginx when nginx became a master and a worker (the worker's exec, start and exit
// records, the master's pid file): their metrics at seeds 1-5 are unchanged; and
// demo1-part2/disconnect-haproxy1 when a node with no interface left gets ENETUNREACH from
// connect() at once (haproxy1's checks fail at once while disconnected: only the split of
// requests between the nginx servers moves, by 1-2). Demo 2 keeps its hashes (no nginx).
// demo1-part1/kill-nginx-master and demo1-part2/link-down-haproxy1 added. Then Demo 2's four
// files, and demo2/restart-primary added, when the real crash-failover runs corrected the model
// (2026-12-03): a standby reports its replay as soon as it has caught up (one more reply per
// commit), every server's replication monitor reads pg_stat_replication once a second (its
// rows are records), the writer's session has pg-writer.sh's timeouts and its transaction 208
// bytes of WAL (not 264), and a crash acts after the exec that stands for it in the real stack
// (no exec latency in these files: crash-failover's crash still acts at 20 s).
// demo1-part2/open-loop-kill-haproxy1 (the open-loop probe) added; no other hash changed.
// The `runtime: host` files added (demo1-part1/host, host-shutdown, demo1-part2/host): no other hash moved.
// Then every file in which some HAProxy answers with a status other than 2xx (all 503s at seed 1:
// demo1-part1 and its host, host-shutdown and kill-nginx-master, demo1-part2/chaos,
// validation/demo1-part1-short), when each such answer became an http_non_2xx record (the
// haproxy.http_STATUS metric is computed from them, as from a real run's httplog lines): the
// records are the only change (their traces less those lines are the old ones) and the metrics
// are the same. The event-kind constants of the same change left every trace as it was.
// Then every keepalived scenario when a change of effective priority moved a BACKUP's running
// master-down timer by the change in the interval (vrrp_track.c vrrp_set_effective_priority; after
// an ignored lower advert, the timer then ends a whole interval after that advert), a weight-0
// script in init kept its instance in a silent FAULT, each forced election got its own delayed
// gratuitous-ARP burst, and the VRRPv3 skew is kept to the microsecond: at start-up the script's
// first success now makes haproxy1 MASTER 3.602 s after BACKUP (init), as the real logs show,
// not 3.609 s. demo1-part2 and vrrp-blocked keep their metrics over 20 seeds.
// demo1-part2/restart-keepalived-before-haproxy and split-brain/one-way-vrrp added.
const std::map<std::string, std::string> kGolden = {
    {"demo1-part1.yaml", "5abf229c060baba4067c2d4d462eb169694c5a3b7faefd6fcd9c83b9a3586684"},
    {"demo1-part1/host-shutdown.yaml", "a54d8abc476c99effc2963abdcbd9feb65e59dba2a183b95f720ec83b99626b4"},
    {"demo1-part1/host.yaml", "32479ae26a46347a8727abb4c79c22b391e573ba491cd00b67ae2374a71271cc"},
    {"demo1-part1/kill-nginx-master.yaml", "367fb28fcaeac47b8e08a76f49fab2921a5481ef8ea0422ccb79a46e4022e4f7"},
    {"demo1-part2.yaml", "5304d027e2c1a0c91b5e905419da7f220df145b4f2997d70afce7577ebe1b439"},
    {"demo1-part2/chaos.yaml", "4cbe5c9d86ece0435c7a14ff8af23783e1568da15425787c05366cb22b8aa59e"},
    {"demo1-part2/disconnect-haproxy1.yaml", "3d2aab50b01131e0a3eec149ee8d9dc53fb7b09b8bcfb944f5a822d45a2493dc"},
    {"demo1-part2/host.yaml", "130606d72213a2d7b5872d919262b4b072b6b847db4d2a5ccd3086bb2616035c"},
    {"demo1-part2/kill-haproxy-process.yaml", "8588d5046087dbe2b8e6929fd77a369e343cf5340ecb94be0cb2babd1b5e57eb"},
    {"demo1-part2/kill-haproxy1-container.yaml", "4edd31c9a928c5c72e6263ff6fb32a6ca62acd224a4f7ea481c91c932d85f737"},
    {"demo1-part2/kill-keepalived-parent.yaml", "5842d2872449bd4af60fa021fd87d8c4e20af5e7096f8d11c0fb96091a2232c5"},
    {"demo1-part2/kill-vrrp-child.yaml", "64b6847b8325c771ba68382bde0be6a93be48faace43f13633c3ee100882da18"},
    {"demo1-part2/link-down-haproxy1.yaml", "997288d3c39bb4fd4ae8afb3e344a89d51efaa582682b9a59f477c6cde80b8c1"},
    {"demo1-part2/open-loop-kill-haproxy1.yaml", "4a0ad5eb638c3b4bf0725f39234b95c6a907361a8294b1c6a14e152103da63f1"},
    {"demo1-part2/recreate-haproxy1-container.yaml", "48e61205832994ca2fbf2fb4fad5e3db43816c3e25cfb3998877f5a6429d7ea9"},
    {"demo1-part2/restart-keepalived-before-haproxy.yaml", "fa2daae3e5586a70a461b2acd7d94307f01de22a0c2b59a63f6d9b73a19bf425"},
    {"demo1-part2/restart-keepalived.yaml", "8086beabfb2775b48f10241f585e62bfefc346ad5b6d535f63597dfaaa45afd8"},
    {"demo2/crash-failover.yaml", "c0692fcbd2ca519d8d4f98c0bfd66400bd0b20c59af817b5687e794d41ca1c2a"},
    {"demo2/manual-failover.yaml", "6970ca97293d0f6cbb3dad1e5221d9176aa3c98fd8eb7dc6ea6cdf5d2775e75d"},
    {"demo2/restart-primary.yaml", "b3113e6d4814dfacec922b46a57f9e22d6666ece732c56d1aa40095685a713db"},
    {"demo2/split-brain.yaml", "d15a0137b178c47a9a8aec99652074c45350121b8f117db4005702096452ff8a"},
    {"demo2/stack.yaml", "12c07d98f6ba58b9ba6f7399527003df469323f7ef9e9d050fb86b182e0371e0"},
    {"split-brain/auth-mismatch.yaml", "8442dc5f1dcc0d6fac80a16f1e9862727f2bc615eab8523fa2843d8658979676"},
    {"split-brain/both-master.yaml", "282d5970737bb76d7175074aa3de77137fd68f51b09c839cbb1888e14646dfd3"},
    {"split-brain/frozen-master.yaml", "5ace2180e2cd19a5785f5a213d1c9e26348d3d0dbe72b9f9645a992deebb1b09"},
    {"split-brain/one-way-vrrp.yaml", "9c9a1e63976d11f1c9b0e379e32c3c2cd3cdcd8245f64274b24a9cda88b8740a"},
    {"split-brain/vrid-mismatch.yaml", "dcc53d4238ba8efcbf48efaf8cd4e1919bd1cae132c6987f1b3d337fa78a4c95"},
    {"split-brain/vrrp-blocked.yaml", "35f0cf58b24955fe9da29ed3c7ef72f16bb4e83c419a314aa165a6b5ce484e4a"},
    {"validation/demo1-part1-short.yaml", "dbfc0776d9f600890ab1b57f29c86a6fe10b169acb6b5e2afa2c6d4235098b69"},
    {"validation/faults-smoke.yaml", "158c5eb5e806a6a098506069058855ef5ff550b65f99d558e9be7d24774b8c2d"},
};

const std::string kRoot = std::string(HASIM_SOURCE_DIR) + "/scenarios/";

}  // namespace

TEST_CASE("every library scenario's trace at seed 1 matches its pinned hash", "[scenarios][golden]") {
  for (const auto& [rel, hash] : kGolden) {
    INFO(rel);
    const auto r = scenarios::run_scenario(scenarios::load_scenario(kRoot + rel), 1);
    CHECK(r.trace_sha256 == hash);
  }
}

TEST_CASE("every scenario in the library has a pinned hash", "[scenarios][golden]") {
  // calibration/ holds profiles that scenarios include, faults/ the fault profiles `hasim explore`
  // draws schedules from: neither holds scenarios.
  for (const auto& e : std::filesystem::recursive_directory_iterator(kRoot)) {
    if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
    const std::string rel = std::filesystem::relative(e.path(), kRoot).generic_string();
    if (rel.rfind("calibration/", 0) == 0 || rel.rfind("faults/", 0) == 0) continue;
    INFO(rel << " has no entry in kGolden: add it (seed 1)");
    CHECK(kGolden.count(rel) == 1);
  }
}

TEST_CASE("a scenario's trace does not depend on how its path is spelled", "[scenarios][golden]") {
  // Fault records carry their source (file:line), relative to the scenario's own folder.
  const auto plain = scenarios::run_scenario(scenarios::load_scenario(kRoot + "demo1-part2/chaos.yaml"), 1);
  const auto detour = scenarios::run_scenario(scenarios::load_scenario(kRoot + "split-brain/../demo1-part2/./chaos.yaml"), 1);
  CHECK(plain.trace_sha256 == detour.trace_sha256);
  bool saw_fault = false;
  for (const auto& e : plain.events)
    if (e.kind == "fault") {
      saw_fault = true;
      CHECK(e.text("source").rfind("chaos.yaml:", 0) == 0);
    }
  CHECK(saw_fault);
}
