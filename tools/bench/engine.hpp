#pragma once
// The engine against the loop it must beat: a std::priority_queue of (time, seq, std::function)
// running the same timers, side by side in one process.
#include <cstdint>

namespace bench {

struct EngineFigures {
  std::uint64_t events = 0;      // per side, per round
  double plain_cpu_s = 0;        // best round of the plain loop
  double engine_cpu_s = 0;       // best round of sim::Simulation
  double plain_first_s = 0;      // the first round of each: the engine's first Simulation on a
  double engine_first_s = 0;     // thread grows its timing wheel's buckets, later ones reuse them
  double ratio() const { return plain_cpu_s / engine_cpu_s; }  // >1: the engine is faster
};

/// `timers` periodic timers, each re-arming at +2 s plus a uniform jitter of up to 1 ms, one
/// callback per event; `rounds` alternations of plain loop and engine, the best CPU time of each.
EngineFigures compare_engine(int timers, std::uint64_t events, int rounds);

/// CPU time of this process (user + system), seconds.
double cpu_seconds();

}  // namespace bench
