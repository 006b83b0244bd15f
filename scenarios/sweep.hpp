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

/// The most runs one sweep may hold (grid combinations × seeds): each row stays in memory
/// until the file is written.
constexpr std::size_t kMaxSweepRuns = 100000;

struct GridAxis {
  std::string path;
  std::vector<std::string> values;
  /// Where the axis came from, for messages ("--grid a.b=1,2"; empty: "--grid PATH=...").
  std::string origin;
  /// "key.path=v1,v2,...": values split at commas; `\,` is a comma inside a value and `\\`
  /// a backslash ("init-addr=libc\,none,last" has two values: "libc,none" and "last").
  static GridAxis parse(const std::string& text);
};

struct SweepOptions {
  std::vector<GridAxis> grid;
  std::vector<std::string> overrides;  // applied to every run, before the grid
  int seeds = 1;
  std::optional<std::uint64_t> first_seed;  // none: the scenario's own seed
  int jobs = 1;
  std::function<void(std::size_t done, std::size_t total)> on_progress;  // called from one thread at a time
  std::uint64_t max_events = kDefaultMaxEvents;  // per run, as RunOptions::max_events
  /// Each run's records to keep in its row (`--events`): none unless asked.
  std::optional<EventSelection> events;
};

struct SweepRow {
  std::size_t index = 0;
  std::uint64_t seed = 0;
  std::vector<std::string> values;  // one per grid axis
  std::map<std::string, double> metrics;
  std::string trace_sha256;
  std::size_t violations = 0;
  std::vector<sim::TraceRecord> events;  // SweepOptions::events' selection of the run's records
};

struct SweepResult {
  std::string scenario;
  std::vector<GridAxis> grid;
  std::vector<SweepRow> rows;
};

/// Validates every combination before running any, so a bad value fails fast; an axis whose
/// path repeats another's, or more than kMaxSweepRuns runs, is an error too.
SweepResult run_sweep(const Tree& base, const std::string& file, const SweepOptions& options);
std::string sweep_csv(const SweepResult& r);
std::string sweep_json(const SweepResult& r, bool pretty);
/// Every row's events as JSON Lines, rows in order: {"run": N, "seed": S, "event": the record as
/// `--trace` writes it}, so it joins the CSV's or JSON's rows on `run`.
std::string sweep_events_jsonl(const SweepResult& r);

}  // namespace scenarios
