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
// its peers' neighbour entries for its old MAC (Linux NUD: DELAY, PROBE, FAILED).
const std::map<std::string, std::string> kGolden = {
    {"demo1-part1.yaml", "5bab3e90c0ac54f94fa6fc7c01aa038a559eefc36b173172e6756df0d312ee81"},
    {"demo1-part2.yaml", "c896a3e9f9a5d0a60f304c6d56aca323a8c024b07848dab25853ae38803a9ced"},
    {"demo1-part2/chaos.yaml", "6843cb95cf30d70916d7784259ce1ea62dab231bc3b912f47d82aa9290a42121"},
    {"demo1-part2/disconnect-haproxy1.yaml", "5ec84539dd4ddd31298bbc4ac0d3ea943c87e5f29162037ee7d93a06f010409c"},
    {"demo1-part2/kill-haproxy-process.yaml", "d77ee45c4d016faa8e442afc9c8c03c448182199eedee24930839e0a0c0394eb"},
    {"demo1-part2/kill-haproxy1-container.yaml", "527c07a0de7c5b7768f0e5b170ad11b1252b8d5d31c62502ba51a307c4c8e43a"},
    {"demo1-part2/kill-keepalived-parent.yaml", "315d55d76e067d505826b5fa183f5c574724e598b7907c17487a2a8915bf9ae9"},
    {"demo1-part2/kill-vrrp-child.yaml", "bcc5409da59d28aa0353bff1b75988c42712edd9c0965c0dc7479949c92cd8c2"},
    {"demo1-part2/recreate-haproxy1-container.yaml", "dc92ef3aae6df3798fda857167239c40eec26669db8477b658d8a822a837e981"},
    {"demo1-part2/restart-keepalived.yaml", "1c403cd0bf3a53243144061fc09c9b3caebb6a6ee8ee0a9ede05645492da311b"},
    {"demo2/crash-failover.yaml", "bce59293a2358d60c58935d5feb4b0acc911881b9640faed5cfc3068d617a5d9"},
    {"demo2/manual-failover.yaml", "0c04150b90c16b2b2ece521c8fafd9a542df5b7994c9c1b06340f7863d15a833"},
    {"demo2/split-brain.yaml", "44cdbeab30f2acdbfa1b37cd99bd5ac435575affc5c3bcd1fe5d9247525e9039"},
    {"demo2/stack.yaml", "b4b8e266f31876663f88efe1659ffcca605328da282684c9ca35ae744adfaee2"},
    {"split-brain/auth-mismatch.yaml", "c6948a85fcffd2d0230fe1e60f179774315c5d5a5a0ff76e80a11ea20945d23b"},
    {"split-brain/both-master.yaml", "e502f49776c65e6b3f818672908980cc707f669e0678b2adbd9bd92b21bfdcec"},
    {"split-brain/frozen-master.yaml", "7487854de89af9834bad84c53e96f227affddc6354f949dcad4c06026e1219b5"},
    {"split-brain/vrid-mismatch.yaml", "d8ceb99368214f37f871993ba9842fc9ca9d9939b690beacc2b45904db107348"},
    {"split-brain/vrrp-blocked.yaml", "0faa1d12e3362f3236268925fde3f3e08600c67153e842e6e53f09667391e515"},
    {"validation/demo1-part1-short.yaml", "039b19cafbd096147c36bfea04d76183c7d24053ed321b0da88700fdb80f59f6"},
    {"validation/faults-smoke.yaml", "d4aa2019a73dc4127e19c182b07eeb58bff3d891545e2e6bab4ac1a5ce3e7434"},
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
