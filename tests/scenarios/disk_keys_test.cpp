// The node keys for storage, `disk:` (the container's writable layer) and `volumes:`, read
// strictly like every other key, and wired onto the node's sim::Disk by the runner.
#include <catch2/catch.hpp>

#include <string>

#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/tree.hpp"
#include "scenarios/spec.hpp"

namespace {

std::string scenario(const std::string& node_keys) {
  return "name: disks\nnetworks: {lan: {subnet: 10.0.0.0/24}}\nnodes:\n  pg1:\n" + node_keys;
}

scenarios::ScenarioSpec load(const std::string& text) {
  return scenarios::spec_from_tree(scenarios::parse_yaml(text, "disks.yaml"), "disks.yaml");
}

std::string error_of(const std::string& text) {
  try {
    load(text);
  } catch (const scenarios::ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("disk and volumes keys set capacity, latencies, write rate and writeback per volume", "[scenarios][disk]") {
  const auto spec = load(scenario(
      "    disk: {capacity: 10GiB, fsync: {dist: lognormal, median: 2ms, sigma: 0.5}, dirty_expire: never}\n"
      "    volumes:\n"
      "      pgdata: {target: /var/lib/postgresql/data, capacity: 1.5GB, write: 20us, write_rate: 200MB/s}\n"
      "      run: {target: /run, type: tmpfs, capacity: 64MiB}\n"));
  const auto& n = spec.nodes.at(0);
  CHECK(n.disk.capacity_bytes == 10ull * 1024 * 1024 * 1024);
  CHECK(n.disk.fsync_latency.kind == sim::Distribution::Kind::Lognormal);
  CHECK(n.disk.fsync_latency.median() == 2 * sim::kMillisecond);
  CHECK(n.disk.dirty_expire == sim::kNever);
  REQUIRE(n.volumes.size() == 2);
  CHECK(n.volumes[0].name == "pgdata");
  CHECK(n.volumes[0].target == "/var/lib/postgresql/data");
  CHECK(n.volumes[0].kind == sim::VolumeKind::Named);
  CHECK(n.volumes[0].config.capacity_bytes == 1'500'000'000u);
  CHECK(n.volumes[0].config.write_latency.median() == 20 * sim::kMicrosecond);
  CHECK(n.volumes[0].config.write_rate_bytes_per_s == 200'000'000u);
  CHECK(n.volumes[0].config.dirty_expire == 30 * sim::kSecond);
  CHECK(n.volumes[1].kind == sim::VolumeKind::Tmpfs);
  CHECK(n.volumes[1].config.capacity_bytes == 64u * 1024 * 1024);
}

TEST_CASE("without disk keys a node has an unlimited root volume and no other", "[scenarios][disk]") {
  const auto spec = load(scenario("    start: true\n"));
  CHECK(spec.nodes.at(0).disk.capacity_bytes == sim::VolumeConfig::kUnlimited);
  CHECK(spec.nodes.at(0).volumes.empty());
}

TEST_CASE("runtime.disk sets the host's fsync and write latency on every volume that does not set its own, tmpfs aside",
          "[scenarios][disk]") {
  const auto spec = load(
      "name: disks\nnetworks: {lan: {subnet: 10.0.0.0/24}}\n"
      "runtime: {disk: {fsync: 300us, write: {dist: lognormal, median: 10us, sigma: 0.5}}}\n"
      "nodes:\n"
      "  pg1:\n"
      "    volumes: {pgdata: {target: /data}, run: {target: /run, type: tmpfs}}\n"
      "  pg2:\n"
      "    disk: {fsync: 7ms}\n"
      "    volumes: {pgdata: {target: /data, write: 20us}}\n");
  const auto& pg1 = spec.nodes.at(0);
  const auto& pg2 = spec.nodes.at(1);
  CHECK(pg1.disk.fsync_latency.median() == 300 * sim::kMicrosecond);
  CHECK(pg1.disk.write_latency.median() == 10 * sim::kMicrosecond);
  CHECK(pg1.volumes.at(0).config.fsync_latency.median() == 300 * sim::kMicrosecond);
  CHECK(pg1.volumes.at(1).config.fsync_latency.median() == sim::VolumeConfig::default_fsync_latency().median());
  // A node's own setting wins over the host's, key by key.
  CHECK(pg2.disk.fsync_latency.median() == 7 * sim::kMillisecond);
  CHECK(pg2.disk.write_latency.median() == 10 * sim::kMicrosecond);
  CHECK(pg2.volumes.at(0).config.fsync_latency.median() == 300 * sim::kMicrosecond);
  CHECK(pg2.volumes.at(0).config.write_latency.median() == 20 * sim::kMicrosecond);
}

TEST_CASE("a bad runtime.disk key is a located error naming the key path", "[scenarios][disk][errors]") {
  const std::string base = "name: disks\nnetworks: {lan: {subnet: 10.0.0.0/24}}\nnodes: {pg1: {}}\n";
  const std::string typo = error_of(base + "runtime: {disk: {fsnyc: 1ms}}\n");
  CHECK(typo.find("disks.yaml:4:18: runtime.disk.fsnyc: ") != std::string::npos);
  CHECK(typo.find("did you mean 'fsync'?") != std::string::npos);
  const std::string bad = error_of(base + "runtime: {disk: {fsync: quick}}\n");
  CHECK(bad.find("runtime.disk.fsync: ") != std::string::npos);
  CHECK(bad.find("expected a duration") != std::string::npos);
}

TEST_CASE("a bad disk or volume key is a located error naming the key path", "[scenarios][disk][errors]") {
  struct Case {
    std::string keys, where, says;
  };
  const std::vector<Case> cases = {
      {"    disk: {capacty: 1GB}\n", "disks.yaml:5:12: nodes.pg1.disk.capacty: ", "did you mean 'capacity'?"},
      {"    disk: {capacity: 10 bananas}\n", "disks.yaml:5:22: nodes.pg1.disk.capacity: ",
       "expected a size such as 16MiB, 10GB or 4096, found '10 bananas'"},
      {"    disk: {capacity: -5GB}\n", "disks.yaml:5:22: nodes.pg1.disk.capacity: ", "must not be negative"},
      {"    disk: {capacity: 0}\n", "disks.yaml:5:22: nodes.pg1.disk.capacity: ", "must be at least one byte"},
      {"    disk: {write_rate: 200MB}\n", "disks.yaml:5:24: nodes.pg1.disk.write_rate: ", "expected a rate such as 200MB/s"},
      {"    disk: {fsync: fast}\n", "disks.yaml:5:19: nodes.pg1.disk.fsync: ", "expected a duration"},
      {"    disk: {dirty_expire: 0s}\n", "disks.yaml:5:26: nodes.pg1.disk.dirty_expire: ", "must be greater than zero"},
      {"    volumes: {pgdata: {target: /data, tpye: tmpfs}}\n", "disks.yaml:5:39: nodes.pg1.volumes.pgdata.tpye: ",
       "did you mean 'type'?"},
      {"    volumes: {pgdata: {target: /data, type: tmpfz}}\n", "disks.yaml:5:45: nodes.pg1.volumes.pgdata.type: ",
       "unknown type 'tmpfz' (did you mean 'tmpfs'?)"},
      {"    volumes: {pgdata: {type: tmpfs}}\n", "nodes.pg1.volumes.pgdata.target: ", "missing"},
      {"    volumes: {pgdata: {target: data}}\n", "disks.yaml:5:32: nodes.pg1.volumes.pgdata.target: ",
       "expected an absolute path below /"},
      {"    volumes: {pgdata: {target: /}}\n", "nodes.pg1.volumes.pgdata.target: ", "expected an absolute path below /"},
      {"    volumes: {a: {target: /data}, b: {target: /data}}\n", "nodes.pg1.volumes.b.target: ",
       "/data is already the target of volume 'a'"},
      {"    volumes: {root: {target: /data}}\n", "nodes.pg1.volumes.root: ", "the container's writable layer"},
      {"    volumes: [/data]\n", "nodes.pg1.volumes: ", "expected a mapping of volumes by name"},
      {"    dsik: {capacity: 1GB}\n", "nodes.pg1.dsik: ", "did you mean 'disk'?"},
  };
  for (const auto& c : cases) {
    const std::string what = error_of(scenario(c.keys));
    INFO(c.keys << " -> " << what);
    CHECK(what.find(c.where) != std::string::npos);
    CHECK(what.find(c.says) != std::string::npos);
  }
}

TEST_CASE("the runner mounts the scenario's volumes: keepalived's pid file on a tmpfs /run does not outlive docker kill",
          "[scenarios][disk]") {
  auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part2/kill-haproxy1-container.yaml");
  auto refused = [](const scenarios::RunResult& r) {
    for (const auto& e : r.events)
      if (e.kind == "daemon_refused") return true;
    return false;
  };
  CHECK(refused(scenarios::run_scenario(spec, 1)));  // /run in the writable layer: the stale file stays
  for (auto& n : spec.nodes)
    if (n.name == "haproxy1") n.volumes.push_back(scenarios::VolumeSpec{"run", "/run", sim::VolumeKind::Tmpfs, {}});
  CHECK_FALSE(refused(scenarios::run_scenario(spec, 1)));
}

TEST_CASE("runtime.disk.write_rate is the host's device under every node's root and named volumes, not a tmpfs", "[scenarios][disk]") {
  const auto spec = load(scenario(
      "    volumes:\n"
      "      pgdata: {target: /var/lib/postgresql/data}\n"
      "      fast: {target: /fast, write_rate: 1GB/s}\n"
      "      run: {target: /run, type: tmpfs}\n"
      "runtime: {disk: {write_rate: 500MB/s}}\n"));
  const auto& n = spec.nodes.at(0);
  CHECK(n.disk.write_rate_bytes_per_s == 500'000'000u);
  CHECK(n.volumes[0].config.write_rate_bytes_per_s == 500'000'000u);
  CHECK(n.volumes[1].config.write_rate_bytes_per_s == 1'000'000'000u);  // its own says otherwise
  CHECK(n.volumes[2].config.write_rate_bytes_per_s == 0u);
  CHECK_THAT(error_of(scenario("    start: true\n") + "runtime: {disk: {write_rate: 500MB}}\n"),
             Catch::Contains("disks.yaml:6:30: runtime.disk.write_rate: ") && Catch::Contains("expected a rate such as 200MB/s"));
}
