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
const std::map<std::string, std::string> kGolden = {
    {"demo1-part1.yaml", "a9bcda3effc24bbfed18b0352e2ba29e3cf8d0a77f86baf4ef6b9156e2ed641e"},
    {"demo1-part1/host-shutdown.yaml", "2f8276de36d58213e16de8ff137fdbcb0f0785a2034c9d5b945b17e1ff95a76c"},
    {"demo1-part1/host.yaml", "057efb843cae6552376de87a37c356e4f15fe74a8e09d09b3ec29e292eedd01a"},
    {"demo1-part1/kill-nginx-master.yaml", "40b7d71611baac7b1fa8a0833cc62247e78576d3a4cab005c4b5974114af1a1f"},
    {"demo1-part2.yaml", "e76996b70c14bf21592c472a73ff7236770d5ebf08de2ff67fe02410f7e34d96"},
    {"demo1-part2/chaos.yaml", "e5d7aadae82d254f4da3d6f452e8481a943337ca1514f902c0da26e149f4d7dc"},
    {"demo1-part2/disconnect-haproxy1.yaml", "b42cfa9ffd892035d4000e6c5f2544b4bbf5cbf019d5d7451ad3f2d9032905cc"},
    {"demo1-part2/host.yaml", "9af14e49974b292eee77ad5aa2709b84243d389e018b2d50af22b4e69f7d791d"},
    {"demo1-part2/kill-haproxy-process.yaml", "e3a1eba1849433bb35a27638ca6b067c1d123ef46e0ffaf6064132e3901289e0"},
    {"demo1-part2/kill-haproxy1-container.yaml", "703e62192057d415d5a5cfe93788f6cf5d0444b7f730fb1a8f1727ff5f6591b4"},
    {"demo1-part2/kill-keepalived-parent.yaml", "a9449c5d7cb495359faced57af94f23d43352d538c751688dc79d2905dce4960"},
    {"demo1-part2/kill-vrrp-child.yaml", "7e36ff8aa2f87f9392e009a3e2c6c0ed8ed989e16701e4a2d36dbe29b0f9d100"},
    {"demo1-part2/link-down-haproxy1.yaml", "4cb6829e0969a2df2cedfc27ff8a8e244d57d4353af0dc8ecbc0803ee53b1a57"},
    {"demo1-part2/open-loop-kill-haproxy1.yaml", "e4d8225c2830e0fa5ffd4a6039904d8d817246f86f270446352b69a7296be8fd"},
    {"demo1-part2/recreate-haproxy1-container.yaml", "83704dca824ef376ddf37e4c224a8e96ba3e0976ecd77616a43dff291d0dfa16"},
    {"demo1-part2/restart-keepalived.yaml", "28e06eba0d5de1aaee8ce4741aa9e3b62bb4bdf64857b8f95d4bc7ab132d57c2"},
    {"demo2/crash-failover.yaml", "c0692fcbd2ca519d8d4f98c0bfd66400bd0b20c59af817b5687e794d41ca1c2a"},
    {"demo2/manual-failover.yaml", "6970ca97293d0f6cbb3dad1e5221d9176aa3c98fd8eb7dc6ea6cdf5d2775e75d"},
    {"demo2/restart-primary.yaml", "b3113e6d4814dfacec922b46a57f9e22d6666ece732c56d1aa40095685a713db"},
    {"demo2/split-brain.yaml", "d15a0137b178c47a9a8aec99652074c45350121b8f117db4005702096452ff8a"},
    {"demo2/stack.yaml", "12c07d98f6ba58b9ba6f7399527003df469323f7ef9e9d050fb86b182e0371e0"},
    {"split-brain/auth-mismatch.yaml", "94516d469df0a2e3784bb36bba380d70203f12fd69a47c87d787de13ee149228"},
    {"split-brain/both-master.yaml", "f15262032882c1d1e0634a5649b6fd5f7000573df80321f89b89de331814c9ec"},
    {"split-brain/frozen-master.yaml", "7f7bd54f00e29c881a2c81b0c8686b80a0511f3e0b882c1569797c236538b4fd"},
    {"split-brain/vrid-mismatch.yaml", "0815e463d07690bbc7b06266e770d909aa4ae06415e1cf4ef097bb40fbf2a988"},
    {"split-brain/vrrp-blocked.yaml", "d0826bacb06e8fe5d2d8ebcfd1aa2415fd415194d15dbc7bfff41d2d64a3320c"},
    {"validation/demo1-part1-short.yaml", "c8b91e5b3d297c833e851e57908c430c9c8724e25c7478dee073bffed1a09018"},
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
