// One seed reproduces the whole run: equal trace hashes (and equal JSON Lines) for equal seeds,
// for every scenario in the library, for any number of sweep threads.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <set>
#include <string>
#include <vector>

#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/sweep.hpp"
#include "scenarios/tree.hpp"

namespace {

namespace fs = std::filesystem;
const std::string kRoot = HASIM_SOURCE_DIR;
const std::string kDemo = kRoot + "/scenarios/demo1-part1.yaml";

/// Every scenario under scenarios/ (recursively), except calibration and fault profiles and fragments
/// that another scenario pulls in with `include:` (they are run through their includer).
std::vector<std::string> library() {
  std::vector<std::string> files;
  std::set<std::string> included;
  const fs::path root = fs::path(kRoot) / "scenarios";
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
    const auto rel = fs::relative(e.path(), root).generic_string();
    if (rel.rfind("calibration/", 0) == 0 || rel.rfind("faults/", 0) == 0) continue;
    files.push_back(e.path().string());
    const scenarios::Tree t = scenarios::parse_yaml([&] {
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      return ss.str();
    }(), e.path().string());
    if (const scenarios::Tree* inc = t.is_map() ? t.find("include") : nullptr) {
      std::vector<const scenarios::Tree*> items;
      if (inc->is_scalar()) items.push_back(inc);
      for (const auto& i : inc->seq) items.push_back(&i);
      for (const auto* i : items)
        included.insert(fs::weakly_canonical(e.path().parent_path() / i->scalar).string());
    }
  }
  std::vector<std::string> out;
  for (const auto& f : files)
    if (!included.count(fs::weakly_canonical(f).string())) out.push_back(f);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("demo1-part1 run twice with one seed gives the same trace, byte for byte", "[determinism]") {
  const auto spec = scenarios::load_scenario(kDemo);
  scenarios::RunOptions o;
  o.keep_trace = true;
  const auto a = scenarios::run_scenario(spec, 7, o);
  const auto b = scenarios::run_scenario(spec, 7, o);
  REQUIRE(a.trace_records > 100);
  CHECK(a.trace_sha256.size() == 64);
  CHECK(a.trace_sha256 == b.trace_sha256);
  CHECK(a.trace_jsonl == b.trace_jsonl);
  CHECK(a.metrics == b.metrics);
  CHECK(a.events_processed == b.events_processed);
}

TEST_CASE("demo1-part1 with another seed gives another trace", "[determinism]") {
  const auto spec = scenarios::load_scenario(kDemo);
  const auto a = scenarios::run_scenario(spec, 7);
  const auto b = scenarios::run_scenario(spec, 8);
  CHECK(a.trace_sha256 != b.trace_sha256);
}

TEST_CASE("a sweep gives identical rows with one thread and with two", "[determinism][sweep]") {
  const scenarios::Tree base = scenarios::load_tree(kDemo);
  scenarios::SweepOptions o;
  o.grid.push_back(scenarios::GridAxis::parse("nodes.haproxy.haproxy.backends.nginx_backend.default-server.inter=1s,2s"));
  o.seeds = 2;
  o.first_seed = 3;
  o.jobs = 1;
  const auto one = scenarios::run_sweep(base, kDemo, o);
  o.jobs = 2;
  const auto two = scenarios::run_sweep(base, kDemo, o);
  REQUIRE(one.rows.size() == 4);
  REQUIRE(two.rows.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    INFO("row " << i);
    CHECK(one.rows[i].index == i);
    CHECK(one.rows[i].index == two.rows[i].index);
    CHECK(one.rows[i].seed == two.rows[i].seed);
    CHECK(one.rows[i].values == two.rows[i].values);
    CHECK(one.rows[i].metrics == two.rows[i].metrics);
    CHECK(one.rows[i].trace_sha256 == two.rows[i].trace_sha256);
    CHECK(one.rows[i].violations == two.rows[i].violations);
  }
  // Grid order: first axis slowest, seeds fastest.
  CHECK(one.rows[0].values == std::vector<std::string>{"1s"});
  CHECK(one.rows[1].seed == 4);
  CHECK(one.rows[2].values == std::vector<std::string>{"2s"});
  CHECK(one.rows[0].trace_sha256 != one.rows[2].trace_sha256);
  CHECK(scenarios::sweep_csv(one) == scenarios::sweep_csv(two));
}

TEST_CASE("every library scenario runs twice per seed with equal trace hashes", "[determinism][library]") {
  const auto files = library();
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    const auto spec = scenarios::load_scenario(f);
    for (std::uint64_t seed : {spec.seed, spec.seed + 1000}) {
      INFO(f << " seed " << seed);
      const auto a = scenarios::run_scenario(spec, seed);
      const auto b = scenarios::run_scenario(spec, seed);
      CHECK(a.trace_sha256 == b.trace_sha256);
      CHECK(a.metrics == b.metrics);
    }
  }
}

TEST_CASE("a verdict-only run, with or without a fault timeline of its own, has a full run's metrics and violations and no trace", "[determinism]") {
  // explore's search runs this way: what it reads must not depend on the trace being hashed.
  const auto spec = scenarios::load_scenario(kRoot + "/scenarios/split-brain/one-way-vrrp.yaml");
  scenarios::RunOptions full;
  scenarios::RunOptions verdict;
  verdict.detail = false;
  verdict.verdict_only = true;
  const auto a = scenarios::run_scenario(spec, 3, full);
  const auto b = scenarios::run_scenario(spec, 3, verdict);
  REQUIRE_FALSE(a.violations.empty());
  CHECK(b.metrics == a.metrics);
  REQUIRE(b.violations.size() == a.violations.size());
  for (std::size_t i = 0; i < a.violations.size(); ++i) {
    CHECK(b.violations[i].invariant == a.violations[i].invariant);
    CHECK(b.violations[i].start == a.violations[i].start);
    CHECK(b.violations[i].end == a.violations[i].end);
  }
  CHECK(b.trace_sha256.empty());
  CHECK(b.events.empty());
  // The timeline given in the options replaces the scenario's: the same as a copy carrying it.
  const auto part2 = scenarios::load_scenario(kRoot + "/scenarios/demo1-part2.yaml");
  REQUIRE_FALSE(part2.faults.empty());
  auto without = part2;
  without.faults.clear();
  scenarios::RunOptions given = full;
  given.faults = &part2.faults;
  CHECK(scenarios::run_scenario(without, 5, given).trace_sha256 == scenarios::run_scenario(part2, 5, full).trace_sha256);
  CHECK(scenarios::run_scenario(without, 5, full).trace_sha256 != scenarios::run_scenario(part2, 5, full).trace_sha256);
}
