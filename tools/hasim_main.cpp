// hasim: the command-line front end. Exit status: 0 success, 1 a run failed, 2 bad input.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "scenarios/loader.hpp"
#include "scenarios/output.hpp"
#include "scenarios/report.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/sweep.hpp"
#include "sim/time.hpp"
#include "tools/allocator_tuning.hpp"
#include "tools/cli.hpp"
#include "validation/render.hpp"

using cli::Args;
using cli::usage_error;

namespace {

const char* kUsage = R"(hasim - deterministic simulator of high-availability stacks

Usage:
  hasim run SCENARIO [options]      run a scenario and print what happened
  hasim sweep SCENARIO [options]    run a grid of settings x seeds, write CSV or JSON
  hasim check SCENARIO [--set ...]  validate a scenario file and describe it
  hasim explore SCENARIO [options]  search fault schedules for invariant violations, shrink each
  hasim render SCENARIO DIR         write the real stack's files (compose, configs, plan)
  hasim validate SCENARIO [options] run the real stack and the simulator, compare (root, podman)
  hasim calibrate SCENARIO... --fit KEY.PATH=LO..HI [options]
                                    fit named timings to real runs, write a calibration profile
  hasim --version | --help | COMMAND --help

Every run of a scenario with the same seed gives the same trace, byte for byte.
Exit status: 0 ok, 1 a run failed, 2 bad input (the message names file:line:column and key).
)";

const char* kRunHelp = R"(hasim run SCENARIO [options]

Runs SCENARIO (a YAML file) and prints a timeline of key events, the metrics and the
HAProxy stats; with --runs, min/median/p95/max of every metric over the runs.

Options:
  --seed N             first seed, 0 to 18446744073709551615 (default: the scenario's `seed`)
  --runs K             run K seeds: N, N+1, ... (default: the scenario's `runs`, else 1; at most 10000)
  --set KEY.PATH=VAL   override any scenario value, e.g.
                       --set nodes.haproxy.haproxy.backends.nginx_backend.default-server.inter=10s
                       (`*` matches every key: --set 'nodes.*.haproxy.backends.*.default-server.fall=1')
  --json               print a JSON object instead (scenario, seed, trace_sha256, metrics,
                       events, violations, haproxy_stats); with --runs, {runs: [...], summary}
  --events SEL         with --json, which records `events` holds: notable (default: the
                       timeline), all (every request, health check, advert...), or
                       KIND[,KIND...]: the notable ones and every record of those kinds
                       (e.g. request); the run and its trace hash are the same whatever SEL
  --trace FILE         write the full trace as JSON Lines (first run)
  --chrome-trace FILE  write a Chrome Trace Event file (open it at ui.perfetto.dev)
  --fail-on-violation  exit 1 when any run broke an invariant (after printing everything)
  --max-events N       events one run may process (default 10000000; 0: no limit): a run
                       that needs more stops with an error (exit 2) naming its `duration`
  --no-color           plain text even on a terminal
  -q, --quiet          no progress on stderr (shown on a terminal for long runs and --runs)
  -v, --verbose        log model decisions to stderr (stamped with simulated time)

Every option also takes its value as --option=VALUE.
)";

const char* kSweepHelp = R"(hasim sweep SCENARIO --grid KEY.PATH=V1,V2,... [--grid ...] --out FILE [options]

Runs every combination of the grid values, each with --seeds seeds, across --jobs threads.
Each run is single-threaded, so results are identical for any --jobs. One row per run.

Options:
  --grid KEY.PATH=V1,V2,...  an axis of the grid (repeatable, each path once; first axis varies
                             slowest); write a comma inside a value as \, and a backslash as \\,
                             e.g. --grid 'B.default-server.init-addr=libc\,none,last' (two values)
  --seeds K                  seeds per combination (default 1), starting at --seed
  --seed N                   first seed (default: the scenario's `seed`)
  --jobs J                   worker threads (default: number of cores)
  --set KEY.PATH=VAL         an override applied to every run
  --max-events N             events one run may process (default 10000000; 0: no limit)
  --out FILE                 FILE.csv or FILE.json (required)
  --events SEL               also write each run's records to FILE.events.jsonl (FILE without
                             its .csv/.json), one line per record: {"run": N, "seed": S, "event":
                             {"t_s", "kind", ...}}, joining the rows on run. SEL is all (every
                             request, health check, ...), notable (the timeline) or
                             KIND[,KIND...] (the notable ones and those kinds)
  --quiet                    no progress bar
At most 100000 runs (combinations x seeds) per sweep.
)";

const char* kCheckHelp = R"(hasim check SCENARIO [--set KEY.PATH=VAL ...]

Validates SCENARIO and prints what it contains. Exit status 2 with file:line:column and the
key path on the first problem.
)";

const char* kRenderHelp = R"(hasim render SCENARIO DIR [--engine docker|podman] [--set KEY.PATH=VAL ...]

Writes the real stack SCENARIO describes into DIR: docker-compose.yml, one image build
context per kind of node under images/ (Dockerfile FROM debian:bookworm-slim with Debian
packages, tagged by a hash of its content), each node's haproxy.cfg / nginx.conf /
keepalived.conf under NODE/ (bind-mounted read-only), the client script, and plan.json (the
fault timeline as real commands, for validation/run_real.py). With Docker:
  cd DIR && docker compose up -d --build

Options:
  --engine E         the engine the stack runs on (default docker): where HAProxy's
                     `resolvers` ask for container names, Docker's embedded DNS (127.0.0.11)
                     or podman's aardvark-dns (each network's gateway). validation/run_real.py
                     runs podman and needs --engine podman (hasim validate passes it)
  --set KEY.PATH=VAL override a scenario value
)";

/// Progress of long runs on a terminal: at most a few lines a second, only once a run has
/// taken a second (wall clock: this is the command line, never the simulation).
class Progress {
 public:
  explicit Progress(bool on) : on_(on), start_(Clock::now()), last_(start_) {}
  void update(const std::string& text) {
    if (!on_) return;
    const auto now = Clock::now();
    if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    std::fprintf(stderr, "\r  %s\033[K", text.c_str());
    shown_ = true;
  }
  /// Erases the progress line, before the results are printed.
  void clear() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }
  ~Progress() { clear(); }

 private:
  using Clock = std::chrono::steady_clock;
  bool on_, shown_ = false;
  Clock::time_point start_, last_;
};

int cmd_run(const Args& a) {
  const auto spec = scenarios::load_scenario(a.scenario(), a.sets);
  const std::uint64_t first = a.seed.value_or(spec.seed);
  const int runs = a.runs > 0 ? a.runs : spec.runs;
  if (first > UINT64_MAX - static_cast<std::uint64_t>(runs - 1))
    usage_error("--seed " + std::to_string(first) + " with " + std::to_string(runs) + " runs would pass the largest seed, 2^64-1");
  scenarios::RunOptions ro;
  // --trace streams the first run's records to the file as they are made; only --chrome, which
  // is written at the end, needs them kept.
  ro.keep_trace = !a.chrome.empty();
  ro.detail = runs == 1 || ro.keep_trace || !a.trace.empty();
  std::optional<scenarios::AtomicFile> trace_file;
  if (!a.trace.empty()) trace_file.emplace(a.trace);
  ro.log_level = a.verbose ? 1 : 4;
  if (a.max_events) ro.max_events = *a.max_events;
  if (!a.events.empty()) {
    if (!a.json) usage_error("--events selects what --json prints: add --json");
    ro.events = scenarios::EventSelection::parse(a.events);
  }
  std::vector<scenarios::RunResult> results;
  Progress progress(isatty(2) != 0 && !a.quiet);
  for (int i = 0; i < runs; ++i) {
    scenarios::RunOptions one = ro;
    one.keep_trace = ro.keep_trace && i == 0;
    if (trace_file && i == 0) one.trace_sink = [&trace_file](std::string_view line) { trace_file->write(line); };
    const std::string which = runs > 1 ? "run " + std::to_string(i + 1) + "/" + std::to_string(runs) + ": " : "";
    one.on_progress = [&](sim::Time now, std::uint64_t events) {
      char text[96];
      std::snprintf(text, sizeof text, "%.1f s of %.1f s simulated, %llu events", sim::to_seconds(now),
                    sim::to_seconds(spec.duration), static_cast<unsigned long long>(events));
      progress.update(which + text);
    };
    results.push_back(scenarios::run_scenario(spec, first + static_cast<std::uint64_t>(i), one));
    // A summary of many runs needs their metrics and violations, not every event.
    if (runs > 1 && !a.json) std::vector<sim::TraceRecord>().swap(results.back().events);
    progress.update(which + "done");
  }
  progress.clear();
  if (trace_file) trace_file->commit();
  if (!a.chrome.empty()) scenarios::write_file_atomic(a.chrome, results.front().chrome_trace);
  if (a.json) {
    std::cout << (runs == 1 ? scenarios::result_json(results.front(), spec.file, true) : scenarios::runs_json(spec, results, true)) << "\n";
  } else if (runs == 1) {
    std::cout << scenarios::human_report(spec, results.front(), !a.no_color && isatty(1) != 0);
  } else {
    std::cout << scenarios::human_summary(spec, results);
  }
  std::cout.flush();
  if (a.fail_on_violation) {
    std::size_t bad = 0;
    for (const auto& r : results) bad += r.violations.empty() ? 0 : 1;
    if (bad > 0) {
      std::fprintf(stderr, "hasim: %zu of %d run(s) broke an invariant (--fail-on-violation)\n", bad, runs);
      return 1;
    }
  }
  return 0;
}

int cmd_check(const Args& a) {
  const auto spec = scenarios::load_scenario(a.scenario(), a.sets);
  std::printf("%s: ok\n  scenario %s, %s simulated, seed %llu, %d run(s)\n", a.scenario().c_str(), spec.name.c_str(),
              sim::format_duration(spec.duration).c_str(), static_cast<unsigned long long>(spec.seed), spec.runs);
  std::printf("  %zu network(s), %zu node(s), %zu workload(s), %zu fault(s), %zu invariant(s)\n", spec.networks.size(),
              spec.nodes.size(), spec.workloads.size(), spec.faults.size(), spec.invariants.size());
  for (const auto& n : spec.nodes) {
    std::string comps;
    for (const auto& c : n.components)
      comps += " " + std::string(scenarios::kind_key(c));
    std::printf("    node %-12s%s\n", n.name.c_str(), comps.empty() ? " (no daemons)" : comps.c_str());
  }
  for (const auto& f : spec.faults)
    std::printf("    at %-8s %s%s\n", sim::format_duration(f.at).c_str(), scenarios::fault_summary(f).c_str(),
                f.for_ ? (" for " + sim::format_duration(*f.for_)).c_str() : "");
  return 0;
}

int cmd_render(const Args& a) {
  if (a.dir.empty()) usage_error("render needs a target DIR");
  const auto engine = validation::engine_named(a.engine);
  if (!engine) usage_error("--engine expects docker or podman, got '" + scenarios::printable_text(a.engine) + "'");
  const auto spec = scenarios::load_scenario(a.scenario(), a.sets);
  const auto files = validation::render_scenario(spec, a.dir, validation::RenderOptions{*engine});
  for (const auto& f : files) std::printf("%s/%s\n", a.dir.c_str(), f.c_str());
  return 0;
}

int cmd_sweep(const Args& a) {
  if (a.out.empty()) usage_error("sweep needs --out FILE.csv or FILE.json");
  const bool csv = a.out.size() > 4 && a.out.compare(a.out.size() - 4, 4, ".csv") == 0;
  const bool json = a.out.size() > 5 && a.out.compare(a.out.size() - 5, 5, ".json") == 0;
  if (!csv && !json) usage_error("--out must end in .csv or .json");
  scenarios::SweepOptions o;
  for (const auto& g : a.grids) o.grid.push_back(scenarios::GridAxis::parse(g));
  o.overrides = a.sets;
  if (a.max_events) o.max_events = *a.max_events;
  if (!a.events.empty()) o.events = scenarios::EventSelection::parse(a.events);
  // FILE.csv -> FILE.events.jsonl
  const std::string events_out = a.events.empty() ? "" : a.out.substr(0, a.out.size() - (csv ? 4 : 5)) + ".events.jsonl";
  o.seeds = a.seeds;
  if (a.seed) o.first_seed = *a.seed;
  const unsigned hw = std::thread::hardware_concurrency();
  o.jobs = a.jobs > 0 ? a.jobs : static_cast<int>(hw == 0 ? 1 : hw);
  const bool tty = isatty(2) != 0 && !a.quiet;
  if (tty) {
    o.on_progress = [](std::size_t done, std::size_t total) { cli::progress_bar(done, total, "runs"); };
  }
  const scenarios::Tree base = scenarios::load_tree(a.scenario());
  const auto result = scenarios::run_sweep(base, a.scenario(), o);
  scenarios::write_file_atomic(a.out, csv ? scenarios::sweep_csv(result) : scenarios::sweep_json(result, true));
  std::fprintf(stderr, "hasim: wrote %zu rows to %s\n", result.rows.size(), a.out.c_str());
  if (!events_out.empty()) {
    scenarios::write_file_atomic(events_out, scenarios::sweep_events_jsonl(result));
    std::size_t n = 0;
    for (const auto& row : result.rows) n += row.events.size();
    std::fprintf(stderr, "hasim: wrote %zu events to %s\n", n, events_out.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  tools::tune_allocator(argv);
  Args a = cli::parse(argc, argv);
  if (a.command.empty()) {
    std::fputs(kUsage, a.help ? stdout : stderr);
    return a.help ? 0 : 2;
  }
  const char* help = a.command == "run"      ? kRunHelp
                     : a.command == "sweep"  ? kSweepHelp
                     : a.command == "check"  ? kCheckHelp
                     : a.command == "render" ? kRenderHelp
                     : a.command == "validate" ? cli::kValidateHelp
                     : a.command == "calibrate" ? cli::kCalibrateHelp
                     : a.command == "explore" ? cli::kExploreHelp
                                             : nullptr;
  if (help == nullptr) usage_error("unknown command '" + a.command + "' (run, sweep, check, explore, render, validate, calibrate)");
  if (a.help) {
    std::fputs(help, stdout);
    return 0;
  }
  if (a.scenarios.empty()) usage_error(a.command + " needs a SCENARIO file");
  try {
    if (a.command == "run") return cmd_run(a);
    if (a.command == "sweep") return cmd_sweep(a);
    if (a.command == "render") return cmd_render(a);
    if (a.command == "validate") return cli::cmd_validate(a);
    if (a.command == "calibrate") return cli::cmd_calibrate(a);
    if (a.command == "explore") return cli::cmd_explore(a);
    return cmd_check(a);
  } catch (const scenarios::ScenarioError& e) {
    std::fprintf(stderr, "hasim: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hasim: error: %s\n", e.what());
    return 1;
  }
}
