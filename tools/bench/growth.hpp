#pragma once
// How a run's cost grows with simulated time and with the number of backends: each run in a
// forked child, so its peak memory is its own (the parent forks before it has grown).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scenarios/tree.hpp"

namespace bench {

struct GrowthRow {
  std::string label;
  double simulated_s = 0;
  double cpu_s = 0;
  long peak_rss_kib = 0;
  std::uint64_t events = 0;
  std::uint64_t commits = 0;  // commits.acked, for the stateful rows
  bool ok = false;
  double cpu_us_per_simulated_s() const { return cpu_s * 1e6 / simulated_s; }
};

/// demo1-part2 with `backends` nginx servers behind both HAProxys (its three, then more alike).
scenarios::Tree with_backends(const scenarios::Tree& base, int backends);

/// demo2's stack with its one writer replaced by `writers` writers on the app node, each
/// committing one INSERT every `interval` (a duration text) on its own session: N threads of a
/// load generator, as the pg_writer workload has one session each.
scenarios::Tree with_writers(const scenarios::Tree& base, int writers, const std::string& interval);

/// Runs the tree `make_tree` returns for `duration` (a scenario duration text, "10m") in a
/// child process, as `hasim run` does one run (full detail, trace hashed, not kept). The child
/// builds the tree and the scenario itself, so the parent never grows (its later children would
/// carry its heap in their peak). The CPU counted is the child's from the scenario's loading
/// (spec_from_tree) to the run's end: making the tree is the bench's own work.
GrowthRow measure_run(const std::string& label, const std::function<scenarios::Tree()>& make_tree,
                      const std::string& file, const std::string& duration);

}  // namespace bench
