// The built `hasim` binary on bad input: exit status 2, one located message on stderr, no
// uncaught exception, and no output file left behind.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Ran {
  int status = -1;
  std::string out, err;
};

/// Runs `hasim ARGS` through the shell (with `env`, e.g. "VAR=x", in its environment), stdout
/// through a pipe and stderr into a file.
Ran run_hasim(const std::string& args, const std::string& env = "") {
  const fs::path dir = fs::temp_directory_path() / ("hasim-cli-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path err = dir / "stderr.txt";
  const std::string cmd = std::string("cd '") + HASIM_SOURCE_DIR + "' && " + env + " '" + HASIM_BIN + "' " + args + " 2>'" +
                          err.string() + "'";
  Ran r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  std::ifstream f(err);
  std::stringstream ss;
  ss << f.rdbuf();
  r.err = ss.str();
  fs::remove_all(dir);
  return r;
}

}  // namespace

TEST_CASE("hasim run on a bad scenario exits 2 with one located message on stderr", "[cli]") {
  REQUIRE(fs::exists(HASIM_BIN));
  const Ran r = run_hasim("run tests/scenarios/bad/unknown_nested_key.yaml");
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("hasim: error: tests/scenarios/bad/unknown_nested_key.yaml:11:41: "
                    "nodes.lb.haproxy.backends.be.default-server.iner: unknown key (did you mean 'inter'?)",
                    0) == 0);
  CHECK(r.err.find("terminate called") == std::string::npos);
  CHECK(r.err.find("Aborted") == std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("hasim check, sweep and a YAML syntax error all exit 2 without a crash", "[cli]") {
  for (const std::string args : {"check tests/scenarios/bad/fall_zero.yaml", "check tests/scenarios/bad/syntax_error.yaml",
                                 "check tests/scenarios/bad/empty.yaml", "check tests/scenarios/bad/no_such_file.yaml",
                                 "check tests/scenarios/bad/cycle_a.yaml",
                                 "run scenarios/demo1-part1.yaml --set nodes.haproxy.haproxy.backends.nope.x=1"}) {
    const Ran r = run_hasim(args);
    INFO(args << "\n" << r.err);
    CHECK(r.status == 2);
    CHECK(r.err.rfind("hasim: error: ", 0) == 0);
    CHECK(r.err.find("terminate called") == std::string::npos);
  }
}

TEST_CASE("hasim run --trace on a bad scenario creates no trace file", "[cli]") {
  const fs::path out = fs::temp_directory_path() / ("hasim-cli-trace-" + std::to_string(::getpid()) + ".jsonl");
  fs::remove(out);
  const Ran r = run_hasim("run tests/scenarios/bad/weight_out_of_range.yaml --trace '" + out.string() + "'");
  CHECK(r.status == 2);
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("hasim usage errors exit 2 and name the problem", "[cli]") {
  const Ran r = run_hasim("run scenarios/demo1-part1.yaml --seed banana");
  CHECK(r.status == 2);
  CHECK(r.err.find("--seed expects a whole number") != std::string::npos);
  const Ran u = run_hasim("frobnicate x.yaml");
  CHECK(u.status == 2);
  CHECK(u.err.find("unknown command 'frobnicate'") != std::string::npos);
}

TEST_CASE("hasim validate with an unreadable --real file exits 2 naming it and writes no record", "[cli]") {
  const fs::path out = fs::temp_directory_path() / ("hasim-validate-test-" + std::to_string(::getpid()));
  const Ran r = run_hasim("validate scenarios/validation/demo1-part1-short.yaml --real /nonexistent/real.json --out '" +
                          out.string() + "'");
  INFO(r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find("/nonexistent/real.json") != std::string::npos);
  CHECK_FALSE(fs::exists(out / "validation.json"));
  fs::remove_all(out);
}

TEST_CASE("hasim validate compares saved real runs and says which targets it missed", "[cli]") {
  // Real runs of the short Part 1 as the simulator would see them, except one detection 4 s
  // slower than any seed can produce: that metric must be a MISS and the exit status 1.
  const fs::path dir = fs::temp_directory_path() / ("hasim-validate-test2-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const Ran sim = run_hasim("run scenarios/validation/demo1-part1-short.yaml --runs 3 --json");
  REQUIRE(sim.status == 0);
  std::string real = sim.out;
  const std::string key = "\"nginx_backend.nginx1.detect_down_s\":";
  const auto at = real.find(key);
  REQUIRE(at != std::string::npos);
  const auto end = real.find_first_of(",}", at + key.size());
  real.replace(at + key.size(), end - at - key.size(), "16.5");
  { std::ofstream(dir / "real.json") << real; }
  const Ran r = run_hasim("validate scenarios/validation/demo1-part1-short.yaml --real '" + (dir / "real.json").string() +
                          "' --sim-seeds 20 --no-plot --out '" + (dir / "out").string() + "'");
  INFO(r.out << r.err);
  CHECK(r.status == 1);
  CHECK(r.out.find("nginx_backend.nginx1.detect_down_s") != std::string::npos);
  CHECK(r.out.find("real range outside simulated") != std::string::npos);
  CHECK(r.out.find("load: requests failed") != std::string::npos);
  CHECK(r.out.find("result: FAIL") != std::string::npos);
  CHECK(fs::exists(dir / "out" / "validation.json"));
  CHECK(fs::exists(dir / "out" / "report.md"));
  fs::remove_all(dir);
}

TEST_CASE("hasim validate without the validation runner exits 3 and says where it looked", "[cli]") {
  const fs::path out = fs::temp_directory_path() / ("hasim-validate-test3-" + std::to_string(::getpid()));
  const Ran r = run_hasim("validate scenarios/validation/demo1-part1-short.yaml --out '" + out.string() + "'",
                          "HASIM_SOURCE_DIR=/nonexistent");
  INFO(r.err);
  CHECK(r.status == 3);
  CHECK(r.err.find("/nonexistent/validation/run_real.py") != std::string::npos);
  fs::remove_all(out);
}

TEST_CASE("hasim calibrate refuses a --fit without bounds and a --real count that does not match", "[cli]") {
  const Ran a = run_hasim("calibrate scenarios/validation/demo1-part1-short.yaml --fit runtime.x --real a.json");
  CHECK(a.status == 2);
  CHECK(a.err.find("KEY.PATH=LO..HI") != std::string::npos);
  const Ran b = run_hasim("calibrate scenarios/validation/demo1-part1-short.yaml scenarios/demo1-part1.yaml --fit a.b=1s..2s --real a.json");
  CHECK(b.status == 2);
  CHECK(b.err.find("one --real FILE per SCENARIO") != std::string::npos);
}
