// The writer's session opening as run_real.py's probe measured it after each real run
// (validation/session_probe.hpp), and read_real_runs turning it into the runtime settings.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "validation/session_probe.hpp"
#include "validation/validate.hpp"

namespace {

// A results file of one run per probe object (run_real.py's session_probe_s).
std::string write_probes(const std::string& tag, const std::vector<std::string>& probes) {
  const std::string path = "/tmp/hasim-session-probe-test-" + tag + ".json";
  std::ofstream out(path);
  out << R"({"runs": [)";
  for (std::size_t i = 0; i < probes.size(); ++i)
    out << (i ? ", " : "") << R"({"metrics": {}, "events": [], "session_probe_s": )" << probes[i] << "}";
  out << "]}";
  return path;
}

// `n` trials: getent 5 ms, psql's start `exec_ms` (+ i), the first transaction `tx1_ms` (+ i),
// the second 3 ms.
std::string probe(int n, double exec_ms, double tx1_ms) {
  std::string g, e, u, t;
  for (int i = 0; i < n; ++i) {
    const std::string sep = i ? ", " : "";
    g += sep + "0.005";
    e += sep + std::to_string((exec_ms + i) / 1e3);
    u += sep + std::to_string((tx1_ms + i) / 1e3);
    t += sep + "0.003";
  }
  return R"({"getent_s": [)" + g + R"(], "exec_s": [)" + e + R"(], "up_s": [)" + e + R"(], "tx1_s": [)" + u +
         R"(], "tx2_s": [)" + t + "]}";
}

}  // namespace

TEST_CASE("a backend's warm-up is each trial's first transaction less its second, never below zero, and psql's start its exec time") {
  const auto path = write_probes("one", {R"({"getent_s": [0.004, 0.006], "exec_s": [0.030, 0.050], "up_s": [0.100, 0.040],
                                            "tx1_s": [0.012, 0.002], "tx2_s": [0.003, 0.004]})"});
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto root = scenarios::parse_yaml(text, path);
  std::remove(path.c_str());
  const auto s = validation::session_probe_samples(root.find("runs")->seq.at(0), path);
  CHECK(s.at("getent") == std::vector<double>{0.004, 0.006});
  CHECK(s.at("psql_start") == std::vector<double>{0.030, 0.050});
  REQUIRE(s.at("backend_warmup").size() == 2);
  CHECK(s.at("backend_warmup")[0] == Approx(0.009));
  CHECK(s.at("backend_warmup")[1] == 0.0);
  CHECK(s.count("backend_start") == 0);
}

TEST_CASE("a probe whose lists differ in length is refused with the file and line") {
  const auto path = write_probes("bad", {R"({"getent_s": [0.004], "exec_s": [0.03, 0.05], "tx1_s": [0.1, 0.2], "tx2_s": [0.1, 0.2]})"});
  CHECK_THROWS_WITH(validation::read_real_runs(path), Catch::Contains(path + ":1") && Catch::Contains("unequal length"));
  std::remove(path.c_str());
}

TEST_CASE("each real run's session openings are its own, and pooled, where every run has a probe") {
  auto path = write_probes("per-run", {probe(12, 20, 100), probe(12, 60, 300)});
  auto r = validation::read_real_runs(path);
  std::remove(path.c_str());
  REQUIRE(r.session.count("backend_warmup") == 1);
  CHECK(r.session.at("backend_warmup").n == 24);
  REQUIRE(r.session_per_run.size() == 2);
  CHECK(r.session_per_run[0].at("psql_start").median_s == Approx(0.0255));   // 20..31 ms
  CHECK(r.session_per_run[1].at("backend_warmup").median_s == Approx(0.3025));  // 300..311 less 3 ms
  CHECK(r.session_per_run[0].at("getent").median_s == Approx(0.005));
  // A run without a probe (its writer's container gone, an older record): pooled figures only.
  path = write_probes("per-run-missing", {probe(12, 20, 100), "{}"});
  r = validation::read_real_runs(path);
  std::remove(path.c_str());
  CHECK(r.session.at("psql_start").n == 12);
  CHECK(r.session_per_run.empty());
}
