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

// Last updated by the commit that added this table (after the transport and perf merges).
const std::map<std::string, std::string> kGolden = {
    {"demo1-part1.yaml", "5bab3e90c0ac54f94fa6fc7c01aa038a559eefc36b173172e6756df0d312ee81"},
    {"demo1-part2.yaml", "f05bccd6aca3d66e0eb9b607984e76816418416eaf6ad235ffa9992134aee903"},
    {"demo1-part2/chaos.yaml", "ea66aaab680f512d79eaac59c3d38b92db2334be425df411cf87a78057798315"},
    {"demo1-part2/disconnect-haproxy1.yaml", "bfba175b5ddde00693fb834f4dce7e70759924979938b2deac6c1efb3bb90d80"},
    {"demo1-part2/kill-haproxy-process.yaml", "6dee3236c85ac0924e2a9136d751d728a08b5237e81c6280ae0f1d168a2747df"},
    {"demo1-part2/kill-haproxy1-container.yaml", "25640bbb7abaab079c9bde031655c36724bba0517f14a997f043721f265e6ae3"},
    {"demo1-part2/restart-keepalived.yaml", "88c71de2926e4341ce1cf4fe74dd2cbd8719c4a172f95a740f9712339a8700f5"},
    {"split-brain/auth-mismatch.yaml", "96fad2afaac7f778024dc555d62931e50f4b80650209b080b0b60344920842a5"},
    {"split-brain/both-master.yaml", "cb90e3ab18d4b55ffd12d0644372d680f55af209adc9923e1b6505c83cd483a5"},
    {"split-brain/frozen-master.yaml", "1d865617c06f510bce2f5dc4cce15291b506527e1e70fce3fd595e27d77d8959"},
    {"split-brain/vrid-mismatch.yaml", "e9f6af3850f5f004b030b027d639602beca4326e0a383aa11824421f040d89f9"},
    {"split-brain/vrrp-blocked.yaml", "b9a6711e3913b7195546381dfdbe074c9c2d640c6256f79914f66e427c271bc8"},
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
  // calibration/ holds profiles that scenarios include, not scenarios.
  for (const auto& e : std::filesystem::recursive_directory_iterator(kRoot)) {
    if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
    const std::string rel = std::filesystem::relative(e.path(), kRoot).generic_string();
    if (rel.rfind("calibration/", 0) == 0) continue;
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
