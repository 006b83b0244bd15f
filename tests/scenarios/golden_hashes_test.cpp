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
// Then the SYN retransmission schedule of the validation host's kernel (Linux 6.5+:
// tcp_syn_linear_timeouts 4, SYNs at 0, 1, 2, 3, 4, 5, 7, 11... s, not 0, 1, 3, 7...), each on the
// kernel's timer wheel (up to a granule late, its phase a draw of "kernel/jiffies"), and curl's
// deadlines as late as the machine's wake-up (runtime.wakeup_delay, a draw of
// "client:NAME/wakeup" per request): every file where a SYN goes unanswered or a curl deadline
// fires moved (the VIP's hand-overs, a stopped container's address, Demo 2's reconnections);
// at seed 1 the closed loops of the VIP scenarios send up to 9 more requests in 90 s (a request
// stalled on the moved VIP gets through up to a second sooner), the rest of their metrics are
// unchanged or move by milliseconds. demo1-part1/syn-retransmit added (2026-12-03).
const std::map<std::string, std::string> kGolden = {
    {"demo1-part1.yaml", "5abf229c060baba4067c2d4d462eb169694c5a3b7faefd6fcd9c83b9a3586684"},
    {"demo1-part1/host-shutdown.yaml", "a54d8abc476c99effc2963abdcbd9feb65e59dba2a183b95f720ec83b99626b4"},
    {"demo1-part1/host.yaml", "32479ae26a46347a8727abb4c79c22b391e573ba491cd00b67ae2374a71271cc"},
    {"demo1-part1/kill-nginx-master.yaml", "367fb28fcaeac47b8e08a76f49fab2921a5481ef8ea0422ccb79a46e4022e4f7"},
    {"demo1-part2.yaml", "a13cdb93c31c78621f828cb30c1028be363dfd9e3f6da5fa22387ba317dc4717"},
    {"demo1-part2/chaos.yaml", "31e5a71fdbb5e5d4b47084aab3ca2f0c895b7478d6e231b7305621df1a701847"},
    {"demo1-part2/disconnect-haproxy1.yaml", "b17075b7eef77650ed25f4de95b1d7ef2fb978351f51b09ab97f8fd2bd50f0bb"},
    {"demo1-part2/host.yaml", "d992667712d3945787e7bef9e2c3a6269012a6c260dbda64cf241aa77161fd78"},
    {"demo1-part2/kill-haproxy-process.yaml", "e3a1eba1849433bb35a27638ca6b067c1d123ef46e0ffaf6064132e3901289e0"},
    {"demo1-part2/kill-haproxy1-container.yaml", "03995cd5e7c50e3f374bb78ad110be1bfba44b9cde3abb7b0ec036928a2022a7"},
    {"demo1-part2/kill-keepalived-parent.yaml", "cdd8fa07678c8b4a3e3e7263895a4882296692405592495babc91efa25a48ee8"},
    {"demo1-part2/kill-vrrp-child.yaml", "8c52b94abf449a3288d16fef7bbc903b0974a21d557226967261ba8a5c7eb700"},
    {"demo1-part2/link-down-haproxy1.yaml", "b64999764d85adbd287b22b06837869a3bea30496f3a1c10617aa41662cace45"},
    {"demo1-part2/open-loop-kill-haproxy1.yaml", "c82c79ce4607335923a42af7260ec0f2f4741c9bf2e2e1166ace31146d3c5530"},
    {"demo1-part2/recreate-haproxy1-container.yaml", "216bf1b9d3f1885eda5ab74955fa751c69c7abd98392985d31ba4fe68799f87d"},
    {"demo1-part2/restart-keepalived-before-haproxy.yaml", "fa2daae3e5586a70a461b2acd7d94307f01de22a0c2b59a63f6d9b73a19bf425"},
    {"demo1-part2/restart-keepalived.yaml", "28e06eba0d5de1aaee8ce4741aa9e3b62bb4bdf64857b8f95d4bc7ab132d57c2"},
    {"demo1-part1/syn-retransmit.yaml", "ae508c6ff0007109d8e144a6b082cff34e626b1e103af33acea8840cd80b7e50"},
    {"demo2/crash-failover.yaml", "c0692fcbd2ca519d8d4f98c0bfd66400bd0b20c59af817b5687e794d41ca1c2a"},
    {"demo2/manual-failover.yaml", "6970ca97293d0f6cbb3dad1e5221d9176aa3c98fd8eb7dc6ea6cdf5d2775e75d"},
    {"demo2/restart-primary.yaml", "f16e63ae087dd8828a21041b56e7b62fd20de464b3b72ce2588563456dd9f6d1"},
    {"demo2/split-brain.yaml", "3b1c2101c109cd9f7c32cb16378c242f1e0d160f60e4d4b0fd30577028a1e800"},
    {"demo2/stack.yaml", "12c07d98f6ba58b9ba6f7399527003df469323f7ef9e9d050fb86b182e0371e0"},
    {"split-brain/auth-mismatch.yaml", "94516d469df0a2e3784bb36bba380d70203f12fd69a47c87d787de13ee149228"},
    {"split-brain/both-master.yaml", "abb2335c2e178746aa5216c1be132f48f238879d65a2f1dc52f7c95f197acb6d"},
    {"split-brain/frozen-master.yaml", "7f7bd54f00e29c881a2c81b0c8686b80a0511f3e0b882c1569797c236538b4fd"},
    {"split-brain/one-way-vrrp.yaml", "9c9a1e63976d11f1c9b0e379e32c3c2cd3cdcd8245f64274b24a9cda88b8740a"},
    {"split-brain/vrid-mismatch.yaml", "0815e463d07690bbc7b06266e770d909aa4ae06415e1cf4ef097bb40fbf2a988"},
    {"split-brain/vrrp-blocked.yaml", "d0826bacb06e8fe5d2d8ebcfd1aa2415fd415194d15dbc7bfff41d2d64a3320c"},
    {"validation/demo1-part1-short.yaml", "dbfc0776d9f600890ab1b57f29c86a6fe10b169acb6b5e2afa2c6d4235098b69"},
    {"validation/faults-smoke.yaml", "9ba8648df163b6f2df157789034d392f14481a881933f2243e352b25f6247d06"},
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
