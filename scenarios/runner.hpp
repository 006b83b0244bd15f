#pragma once
// Builds a Simulation from a ScenarioSpec, plays its fault timeline, and collects the result.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/spec.hpp"
#include "sim/invariants.hpp"
#include "sim/trace.hpp"

namespace scenarios {

/// Events one run may process unless told otherwise: 100 times a 10-minute Demo 1 Part 1 run.
/// Demo 1 stretched to reach it takes about half a minute and half a gigabyte here (every
/// record kept). A scenario that needs more (a check every millisecond for a day, a request
/// loop) stops with a ScenarioError at its `duration`, instead of running out of memory.
constexpr std::uint64_t kDefaultMaxEvents = 10'000'000;

/// Which trace records a run's result carries as `events` (`--events`, Python `events=`): the
/// notable ones (the timeline: faults, state changes), every one (`all`: each request, each
/// health check, each advert...), or the notable ones and every record of the kinds named
/// (`request,check`). Choosing changes nothing in the run or its trace hash.
struct EventSelection {
  bool all = false;
  std::vector<std::string> kinds;  // besides the notable ones
  bool notable_only() const { return !all && kinds.empty(); }
  bool wants(const sim::TraceRecord& r) const;
  /// "notable", "all" or "KIND[,KIND...]"; std::invalid_argument (saying what is expected) on
  /// an empty list or kind.
  static EventSelection parse(const std::string& text);
};

struct RunOptions {
  bool keep_trace = false;     // keep the JSONL text and the Chrome trace in the result
  /// Receives each trace line as it is made (`--trace FILE` streams there instead of keeping it).
  std::function<void(std::string_view)> trace_sink;
  bool detail = true;          // record per-check and per-request records (false: events only)
  /// Metrics and violations only: the trace is neither hashed (trace_sha256 is "") nor kept, and
  /// `events` stays empty. For explore's search and shrinking, which read nothing else; the
  /// simulation and every metric are the same.
  bool verdict_only = false;
  /// The fault timeline to run instead of the scenario's own `faults` (explore's schedules: the
  /// scenario is not copied for each one).
  const std::vector<FaultSpec>* faults = nullptr;
  EventSelection events;       // what RunResult::events holds
  int log_level = 4;           // spdlog level: 0 trace .. 4 error .. 6 off
  std::uint64_t max_events = kDefaultMaxEvents;  // 0: no limit
  /// Called every 2^16 events with the simulated time reached (for progress on long runs).
  std::function<void(sim::Time now, std::uint64_t events)> on_progress;
};

struct RunResult {
  std::string scenario;
  std::uint64_t seed = 0;
  sim::Time duration = 0;
  std::string trace_sha256;
  std::map<std::string, double> metrics;
  std::vector<sim::TraceRecord> events;  // the records RunOptions::events selects (notable ones), in time order
  std::vector<sim::Violation> violations;
  /// What a daemon kind reports at the end of the run (HAProxy's `show stat`), one table each.
  struct Table {
    using Row = std::vector<sim::Field>;
    std::string key;    // its JSON and Python key ("haproxy_stats")
    std::string title;  // its heading in `hasim run`'s report
    std::vector<Row> rows;
    /// The rows as the report prints them, heading line first (made only for a report: a
    /// sweep's runs never print theirs).
    std::string (*text)(const std::vector<Row>& rows) = nullptr;
  };
  std::vector<Table> tables;
  std::uint64_t events_processed = 0;
  std::size_t trace_records = 0;
  std::string trace_jsonl;   // only with keep_trace
  std::string chrome_trace;  // only with keep_trace
};

RunResult run_scenario(const ScenarioSpec& spec, std::uint64_t seed, const RunOptions& options = {});

}  // namespace scenarios
