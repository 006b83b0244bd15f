// The client scripts' loop (models/postgres/script_loop.hpp) on its own: the grid, an attempt
// that outlives its period, the script's end.
#include <catch2/catch.hpp>

#include <vector>

#include "../support/sim_fixture.hpp"
#include "models/postgres/script_loop.hpp"

using namespace sim::literals;
using testing::Bench;

namespace {

/// Attempts that each take `takes[i]` (the last one repeats), logged by start time.
struct Script {
  Script(testing::Probe& p, sim::Time period, std::vector<sim::Time> takes_, sim::Time end)
      : proc(p), takes(std::move(takes_)), done(p.make_timer()),
        loop(p.make_timer(), p.make_timer(), period, busy, [this, end] { return proc.sim().now() < end; },
             [this] { attempt(); }) {}
  void attempt() {
    busy = true;
    starts.push_back(proc.sim().now());
    const sim::Time t = takes[std::min(starts.size() - 1, takes.size() - 1)];
    done.arm_after(t, [this] {
      busy = false;
      loop.attempt_ended();
    });
  }
  testing::Probe& proc;
  std::vector<sim::Time> takes;
  sim::Timer done;
  bool busy = false;
  std::vector<sim::Time> starts;
  models::postgres::ScriptLoop loop;
};

/// When a script of `period` and end `end`, whose attempts take `takes`, started its attempts.
std::vector<sim::Time> starts_of(sim::Time period, std::vector<sim::Time> takes, sim::Time end) {
  Bench b;
  auto& p = b.probe(b.node("app"), "w");
  Script s(p, period, std::move(takes), end);
  s.loop.start();
  b.run_until(10_s);
  return s.starts;
}

}  // namespace

TEST_CASE("a script's attempts start with it and then on every period while each ends within it", "[postgres][client]") {
  CHECK(starts_of(1_s, {100_ms}, 3500_ms) == std::vector<sim::Time>{0, 1_s, 2_s, 3_s});
}

TEST_CASE("an attempt that outlives its period is followed at once, and the grid goes on after it", "[postgres][client]") {
  // The first attempt takes 2.5 s: the periods at 1 s and 2 s come while it waits. One attempt
  // is owed (not two), it starts at 2.5 s, and the next comes on the grid at 3 s, not at 3.5 s.
  CHECK(starts_of(1_s, {2500_ms, 100_ms}, 4500_ms) == std::vector<sim::Time>{0, 2500_ms, 3_s, 4_s});
}

TEST_CASE("an attempt that ends after the script's end is followed by none", "[postgres][client]") {
  CHECK(starts_of(1_s, {5_s}, 3_s) == std::vector<sim::Time>{0});
}
