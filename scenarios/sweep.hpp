#pragma once
// Runs a scenario over a grid of overrides × seeds on a pool of threads. Each run is
// single-threaded and independent, and rows land in grid order, so the output is the same
// for any number of jobs.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/runner.hpp"
#include "scenarios/tree.hpp"

namespace scenarios {

struct GridAxis {
  std::string path;
  std::vector<std::string> values;
  /// "key.path=v1,v2,..." (a value may not contain a comma).
  static GridAxis parse(const std::string& text);
};

struct SweepOptions {
  std::vector<GridAxis> grid;
  std::vector<std::string> overrides;  // applied to every run, before the grid
  int seeds = 1;
  std::optional<std::uint64_t> first_seed;  // none: the scenario's own seed
  int jobs = 1;
  std::function<void(std::size_t done, std::size_t total)> on_progress;  // called from one thread at a time
};

struct SweepRow {
  std::size_t index = 0;
  std::uint64_t seed = 0;
  std::vector<std::string> values;  // one per grid axis
  std::map<std::string, double> metrics;
  std::string trace_sha256;
  std::size_t violations = 0;
};

struct SweepResult {
  std::string scenario;
  std::vector<GridAxis> grid;
  std::vector<SweepRow> rows;
};

/// Validates every combination before running any, so a bad value fails fast.
SweepResult run_sweep(const Tree& base, const std::string& file, const SweepOptions& options);
std::string sweep_csv(const SweepResult& r);
std::string sweep_json(const SweepResult& r, bool pretty);

}  // namespace scenarios
