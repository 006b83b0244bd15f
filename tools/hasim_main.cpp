// hasim: the command-line front end. Exit status: 0 success, 1 a run failed, 2 bad input.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "scenarios/loader.hpp"
#include "scenarios/output.hpp"
#include "scenarios/report.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/sweep.hpp"
#include "sim/time.hpp"
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
  --seed N             first seed (default: the scenario's `seed`)
  --runs K             run K seeds: N, N+1, ... (default: the scenario's `runs`, else 1)
  --set KEY.PATH=VAL   override any scenario value, e.g.
                       --set nodes.haproxy.haproxy.backends.nginx_backend.default-server.inter=10s
                       (`*` matches every key: --set 'nodes.*.haproxy.backends.*.default-server.fall=1')
  --json               print a JSON object instead (scenario, seed, trace_sha256, metrics,
                       events, violations, haproxy_stats); with --runs, {runs: [...], summary}
  --trace FILE         write the full trace as JSON Lines (first run)
  --chrome-trace FILE  write a Chrome Trace Event file (open it at ui.perfetto.dev)
  --no-color           plain text even on a terminal
  -v, --verbose        log model decisions to stderr (stamped with simulated time)
)";

const char* kSweepHelp = R"(hasim sweep SCENARIO --grid KEY.PATH=V1,V2,... [--grid ...] --out FILE [options]

Runs every combination of the grid values, each with --seeds seeds, across --jobs threads.
Each run is single-threaded, so results are identical for any --jobs. One row per run.

Options:
  --grid KEY.PATH=V1,V2,...  an axis of the grid (repeatable; first axis varies slowest)
  --seeds K                  seeds per combination (default 1), starting at --seed
  --seed N                   first seed (default: the scenario's `seed`)
  --jobs J                   worker threads (default: number of cores)
  --set KEY.PATH=VAL         an override applied to every run
  --out FILE                 FILE.csv or FILE.json (required)
  --quiet                    no progress bar
)";

const char* kCheckHelp = R"(hasim check SCENARIO [--set KEY.PATH=VAL ...]

Validates SCENARIO and prints what it contains. Exit status 2 with file:line:column and the
key path on the first problem.
)";

const char* kRenderHelp = R"(hasim render SCENARIO DIR [--set KEY.PATH=VAL ...]

Writes the real stack SCENARIO describes into DIR: docker-compose.yml, one image build
context per kind of node under images/ (Dockerfile FROM debian:bookworm-slim with Debian
packages, tagged by a hash of its content), each node's haproxy.cfg / nginx.conf /
keepalived.conf under NODE/ (bind-mounted read-only), the client script, and plan.json (the
fault timeline as real commands, for validation/run_real.py). With Docker:
  cd DIR && docker compose up -d --build
)";

int cmd_run(const Args& a) {
  const auto spec = scenarios::load_scenario(a.scenario(), a.sets);
  const std::uint64_t first = a.seed >= 0 ? static_cast<std::uint64_t>(a.seed) : spec.seed;
  const int runs = a.runs > 0 ? a.runs : spec.runs;
  scenarios::RunOptions ro;
  ro.keep_trace = !a.trace.empty() || !a.chrome.empty();
  ro.detail = runs == 1 || ro.keep_trace;
  ro.log_level = a.verbose ? 1 : 4;
  std::vector<scenarios::RunResult> results;
  const bool tty = isatty(2) != 0;
  for (int i = 0; i < runs; ++i) {
    scenarios::RunOptions one = ro;
    one.keep_trace = ro.keep_trace && i == 0;
    results.push_back(scenarios::run_scenario(spec, first + static_cast<std::uint64_t>(i), one));
    if (runs > 1 && tty && !a.quiet) std::fprintf(stderr, "\r  run %d/%d", i + 1, runs);
  }
  if (runs > 1 && tty && !a.quiet) std::fprintf(stderr, "\n");
  if (!a.trace.empty()) scenarios::write_file_atomic(a.trace, results.front().trace_jsonl);
  if (!a.chrome.empty()) scenarios::write_file_atomic(a.chrome, results.front().chrome_trace);
  if (a.json) {
    std::cout << (runs == 1 ? scenarios::result_json(results.front(), spec.file, true) : scenarios::runs_json(spec, results, true)) << "\n";
  } else if (runs == 1) {
    std::cout << scenarios::human_report(spec, results.front(), !a.no_color && isatty(1) != 0);
  } else {
    std::cout << scenarios::human_summary(spec, results);
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
      comps += std::holds_alternative<models::haproxy::HaproxyConfig>(c)           ? " haproxy"
               : std::holds_alternative<models::keepalived::KeepalivedConfig>(c) ? " keepalived"
                                                                                  : " nginx";
    std::printf("    node %-12s%s\n", n.name.c_str(), comps.empty() ? " (no daemons)" : comps.c_str());
  }
  for (const auto& f : spec.faults)
    std::printf("    at %-8s %s %s%s\n", sim::format_duration(f.at).c_str(), f.action.c_str(), f.target.c_str(),
                f.for_ ? (" for " + sim::format_duration(*f.for_)).c_str() : "");
  return 0;
}

int cmd_render(const Args& a) {
  if (a.dir.empty()) usage_error("render needs a target DIR");
  const auto spec = scenarios::load_scenario(a.scenario(), a.sets);
  const auto files = validation::render_scenario(spec, a.dir);
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
  o.seeds = a.seeds;
  if (a.seed >= 0) o.first_seed = static_cast<std::uint64_t>(a.seed);
  const unsigned hw = std::thread::hardware_concurrency();
  o.jobs = a.jobs > 0 ? a.jobs : static_cast<int>(hw == 0 ? 1 : hw);
  const bool tty = isatty(2) != 0 && !a.quiet;
  if (tty) {
    o.on_progress = [](std::size_t done, std::size_t total) {
      const int width = 40;
      const int filled = static_cast<int>(width * done / total);
      std::fprintf(stderr, "\r  [%s%s] %zu/%zu runs", std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), done, total);
      if (done == total) std::fprintf(stderr, "\n");
    };
  }
  const scenarios::Tree base = scenarios::load_tree(a.scenario());
  const auto result = scenarios::run_sweep(base, a.scenario(), o);
  scenarios::write_file_atomic(a.out, csv ? scenarios::sweep_csv(result) : scenarios::sweep_json(result, true));
  std::fprintf(stderr, "hasim: wrote %zu rows to %s\n", result.rows.size(), a.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
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
                                             : nullptr;
  if (help == nullptr) usage_error("unknown command '" + a.command + "' (run, sweep, check, render, validate, calibrate)");
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
    return cmd_check(a);
  } catch (const scenarios::ScenarioError& e) {
    std::fprintf(stderr, "hasim: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hasim: error: %s\n", e.what());
    return 1;
  }
}
