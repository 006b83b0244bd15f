// hasim-bench: throughput of the engine and wall time of whole scenarios. A benchmark, not a
// test: it prints figures and never fails on them. Wall clocks are fine here (tools/, not sim/).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/sweep.hpp"
#include "sim/simulation.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Timer-heavy synthetic load: `timers` independent periodic timers, each re-arming itself with a
/// random interval drawn from its own stream, like health checks and VRRP adverts do.
struct TimerStorm {
  sim::Simulation sim{7};
  std::vector<sim::Rng> rngs;
  std::uint64_t fired = 0;
  explicit TimerStorm(int timers) {
    for (int i = 0; i < timers; ++i) rngs.push_back(sim.rng("bench/timer/" + std::to_string(i)));
    for (int i = 0; i < timers; ++i) arm(i);
  }
  void arm(int i) {
    const sim::Time d = rngs[i].uniform_int(500 * sim::kMicrosecond, 1500 * sim::kMicrosecond);
    sim.after(d, [this, i] {
      ++fired;
      arm(i);
    });
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t target = 10'000'000;
  std::string scenario = "scenarios/demo1-part1.yaml";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--events") == 0 && i + 1 < argc) target = std::stoull(argv[++i]);
    else if (std::strcmp(argv[i], "--scenario") == 0 && i + 1 < argc) scenario = argv[++i];
    else {
      std::printf("usage: hasim-bench [--events N] [--scenario FILE]\n");
      return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  std::printf("hasim-bench (one thread unless stated)\n\n");

  {  // 1. Engine: events per second.
    TimerStorm storm(1000);
    const auto t0 = std::chrono::steady_clock::now();
    sim::Time horizon = 0;
    while (storm.sim.events_processed() < target) {
      horizon += sim::kSecond;
      storm.sim.run_until(horizon);
    }
    const double wall = seconds_since(t0);
    const double rate = static_cast<double>(storm.sim.events_processed()) / wall;
    std::printf("engine   %llu timer events (1000 periodic timers) in %.3f s wall: %.2f million events/s\n",
                static_cast<unsigned long long>(storm.sim.events_processed()), wall, rate / 1e6);
  }

  try {  // 2. A whole scenario, 10 simulated minutes with the full trace.
    auto spec = scenarios::load_scenario(scenario, {"duration=10m"});
    scenarios::RunOptions ro;
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = scenarios::run_scenario(spec, spec.seed, ro);
    const double wall = seconds_since(t0);
    std::printf("scenario %s, 10 simulated minutes: %.4f s wall, %llu events, %zu trace records, %.0fx faster than real time\n",
                scenario.c_str(), wall, static_cast<unsigned long long>(r.events_processed), r.trace_records, 600.0 / wall);

    // 3. A sweep: many runs of the scenario as written, metrics only.
    scenarios::SweepOptions so;
    so.grid.push_back(scenarios::GridAxis::parse("nodes.haproxy.haproxy.backends.nginx_backend.default-server.inter=1s,2s,5s"));
    so.seeds = 100;
    so.jobs = 1;
    const auto base = scenarios::load_tree(scenario);
    const auto t1 = std::chrono::steady_clock::now();
    const auto sw = scenarios::run_sweep(base, scenario, so);
    const double wall2 = seconds_since(t1);
    std::printf("sweep    %zu runs of %s (3 inter values x 100 seeds, --jobs 1): %.3f s wall, %.0f runs/s\n",
                sw.rows.size(), scenario.c_str(), wall2, static_cast<double>(sw.rows.size()) / wall2);
  } catch (const std::exception& e) {
    std::printf("scenario benchmark skipped: %s\n", e.what());
  }
  return 0;
}
