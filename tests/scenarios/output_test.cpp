#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "scenarios/loader.hpp"
#include "scenarios/output.hpp"
#include "scenarios/report.hpp"

namespace fs = std::filesystem;

TEST_CASE("an output file is written whole, replaces the old one and leaves no temporary", "[output]") {
  const fs::path dir = fs::temp_directory_path() / ("hasim-output-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path f = dir / "trace.jsonl";
  scenarios::write_file_atomic(f.string(), "first\n");
  scenarios::write_file_atomic(f.string(), "second\n");
  std::ifstream in(f);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == "second\n");
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) entries += e.is_regular_file() ? 1 : 0;
  CHECK(entries == 1);
  fs::remove_all(dir);
}

TEST_CASE("an output file that cannot be written is an error naming it, and leaves nothing", "[output]") {
  const fs::path f = fs::temp_directory_path() / ("hasim-no-such-dir-" + std::to_string(::getpid())) / "out.csv";
  CHECK_THROWS_WITH(scenarios::write_file_atomic(f.string(), "x"), Catch::Contains("cannot write " + f.string()));
  CHECK_FALSE(fs::exists(f.parent_path()));
}

TEST_CASE("run summaries give min, median, nearest-rank p95 and max per metric", "[output]") {
  std::vector<scenarios::RunResult> runs(20);
  for (int i = 0; i < 20; ++i) {
    runs[static_cast<std::size_t>(i)].metrics["x"] = 20 - i;  // 20 .. 1, unsorted on purpose
    if (i < 3) runs[static_cast<std::size_t>(i)].metrics["rare"] = i;
  }
  const auto s = scenarios::summarize(runs);
  REQUIRE(s.count("x") == 1);
  CHECK(s.at("x").count == 20);
  CHECK(s.at("x").min == 1);
  CHECK(s.at("x").max == 20);
  CHECK(s.at("x").median == 10.5);
  CHECK(s.at("x").p95 == 19);  // rank ceil(0.95 x 20) = 19
  CHECK(s.at("rare").count == 3);
  CHECK(s.at("rare").median == 1);
  CHECK(s.at("rare").p95 == 2);
}

namespace {

/// One HAProxy in front of `n` nginx, the first of which never starts: HAProxy cannot resolve
/// it at start-up and refuses to start, so every request fails for that one reason.
std::string many_backends(int n) {
  std::string t = "name: many-backends\nduration: 20s\nnetworks: {net: {subnet: 10.8.0.0/16}}\nnodes:\n  lb:\n    haproxy:\n"
                  "      frontends: {front: {bind: '*:80', default_backend: web}}\n"
                  "      backends:\n        web:\n          default-server: {check: true}\n          servers:\n";
  for (int i = 1; i <= n; ++i) t += "            n" + std::to_string(i) + ": {address: 'n" + std::to_string(i) + ":80'}\n";
  t += "  n1: {start: false, nginx: {files: [/]}}\n";
  for (int i = 2; i <= n; ++i) t += "  n" + std::to_string(i) + ": {nginx: {files: [/]}}\n";
  t += "  client: {}\nworkloads: {load: {node: client, url: 'http://lb:80/', interval: 100ms}}\n";
  return t;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("the timeline of a 1000-backend run keeps the error that explains it and elides the bursts", "[output][report]") {
  const fs::path dir = fs::temp_directory_path() / ("hasim-report-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path f = dir / "many.yaml";
  std::ofstream(f) << many_backends(1000);
  const auto spec = scenarios::load_scenario(f.string());
  const auto r = scenarios::run_scenario(spec, 1);
  fs::remove_all(dir);
  REQUIRE(r.metrics.at("load.failed") == r.metrics.at("load.requests"));  // every request failed
  const std::string report = scenarios::human_report(spec, r, false);
  INFO(report.substr(0, 4000));
  CHECK(report.find("haproxy_start_failed lb backend=web server=n1 reason=could not resolve n1") != std::string::npos);
  CHECK(report.find("process_exit lb process=haproxy") != std::string::npos);
  // Over a thousand nodes come up: five lines each and one for the rest, not a thousand.
  CHECK(count_of(report, "s  node_up ") == 5);
  CHECK(report.find("... 996 more node_up") != std::string::npos);
  CHECK(count_of(report, "\n") < 60);
}

TEST_CASE("a small stack's timeline elides nothing", "[output][report]") {
  const auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/split-brain/vrrp-blocked.yaml");
  const auto r = scenarios::run_scenario(spec, 1);
  const std::string report = scenarios::human_report(spec, r, false);
  CHECK(count_of(report, "s  node_up ") == spec.nodes.size());
  CHECK(report.find(" more ") == std::string::npos);
}
