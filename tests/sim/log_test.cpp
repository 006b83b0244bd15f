// The models' log (--verbose) is stamped with the time the trace uses, never the wall clock.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>

#include "../support/scratch_dir.hpp"
#include "sim/simulation.hpp"

using namespace sim::literals;

namespace {

/// What `fn` wrote to stderr (file descriptor 2, where the log's sink writes).
template <class Fn>
std::string stderr_of(const Fn& fn) {
  testing::ScratchDir dir("log-test");
  const std::string path = (dir.dir / "stderr.txt").string();
  std::fflush(stderr);
  const int saved = ::dup(2);
  std::FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  ::dup2(::fileno(f), 2);
  fn();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::fclose(f);
  return dir.read("stderr.txt");
}

}  // namespace

TEST_CASE("a log line is stamped in scenario time, before 0 during a set-up replayed before the origin", "[log]") {
  sim::Simulation s(1);
  s.set_origin(5_s);
  s.after(2_s, [&s] { s.log().warn("during the set-up"); });
  s.after(7_s + 250_ms, [&s] { s.log().warn("after time 0"); });
  const std::string out = stderr_of([&s] { s.run_until(8_s); });
  CHECK(out == "[t=-3s] during the set-up\n[t=2.25s] after time 0\n");
}
