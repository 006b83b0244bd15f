// `hasim validate` and `hasim calibrate`: the real stack's runs (validation/run_real.py) beside
// the simulator's, compared with the issue's targets or fitted. Exit status: 0 pass, 1 a target
// missed, 2 bad input, 3 the real stack could not run (environment, engine, interrupted: 130).
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include "scenarios/emit.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/output.hpp"
#include "scenarios/tree.hpp"
#include "sim/json.hpp"
#include "tools/cli.hpp"
#include "validation/calibrate.hpp"
#include "validation/render.hpp"
#include "validation/standby_flush.hpp"
#include "validation/validate.hpp"

namespace cli {

const char* const kValidateHelp = R"(hasim validate SCENARIO [options]

Runs the real stack SCENARIO describes (containers: haproxy, keepalived, nginx from Debian
packages, on podman's Docker-compatible API with docker-compose) --runs times, replaying the
same faults and client load, and the simulator --sim-seeds times; prints, per metric, the real
min/median/max beside the simulated ones with a verdict, and whether each qualitative outcome
(did requests fail, did the VIP move, were there two holders, did a server go DOWN / come
back UP) agrees. Needs root; installs podman and friends if missing (validation/env/setup.sh)
and builds the base image once (validation/env/base-image.sh).

Targets: the simulated median within max(10%, 0.3) of the real median; the real min..max
inside the simulated min..max; every outcome seen in the real runs also seen in the simulated.

Options:
  --runs N           real runs (default 5)
  --sim-seeds M      simulated seeds (default 100), from --seed
  --seed S           first simulated seed and the real runs' fault-phase seed (default: the scenario's)
  --parallel K       real runs at once, each in its own project and subnets (default min(N, 5))
  --remap            with --parallel 1 too: run in free subnets and a project of its own, so a
                     stack already using the scenario's subnets (another validate) is no clash
  --engine E         where the real stack runs: compose (default; podman's Docker API with
                     docker-compose, validation/run_real.py) or netns (plain network namespaces,
                     no container engine: a namespace per node and a bridge in one of its own,
                     the daemons installed on the host and started with ip netns exec,
                     validation/run_netns.py; for runtime kind host scenarios, e.g.
                     scenarios/demo1-part1/host.yaml)
  --out DIR          where the record goes (default hasim-validate/NAME): stack/ (rendered files),
                     real.json and real-logs/ (run_real.py), validation.json, report.md,
                     distributions.png
  --real FILE        compare with real runs already made (a real.json); runs no containers
  --set KEY.PATH=VAL override a scenario value (both sides)
  --jobs J           simulator threads (default: number of cores)
  --no-plot          no distributions.png
  --scenario-loop-cost
                     simulate the load loop with the scenario's runtime.exec_delay; by default
                     the loop cost the real runs measured (their client logs) is used: it is
                     the machine's speed, not the stack's behaviour
  --scenario-wakeup  simulate with the scenario's runtime.wakeup_delay, command_delay, disk
                     and daemon start-ups; by default the host's wake-up delay, the engine's
                     command latencies, the disk's fsync and each daemon's start-up the real
                     runs measured (how late HAProxy's check timers fired, from its logs;
                     docker stop/start to the entrypoint's stamps; fdatasyncs in the primary's
                     container before each run; PID 1 to each daemon's ready line) are used: a
                     busy machine fires every timer late, acts on every command late and
                     flushes late
Exit status: 0 every target met, 1 some target missed, 2 bad input, 3 the real stack could not
run (the message says why), 130 interrupted (143 after SIGTERM): the stack is torn down first;
a signal sent to hasim alone is passed on to run_real.py / run_netns.py, and hasim waits up to
300 s for its teardown.
)";

const char* const kCalibrateHelp = R"(hasim calibrate SCENARIO... --fit KEY.PATH=LO..HI [--fit ...] [options]

Fits named physical quantities of the scenarios (e.g. runtime.dns.register_delay,
runtime.command_delay.stop: anything --set reaches, without `*`) so the simulator's medians
match the real runs' medians, by Levenberg-Marquardt least squares (Eigen). Residuals are in
units of the validation tolerance, max(10%, 0.3 s) of the real median. Writes the fitted values
as a calibration profile (YAML) that scenarios include, and prints the residuals before and after.

Options:
  --fit KEY.PATH=LO..HI  a parameter and its bounds: durations (0s..30s) or plain numbers
  --runs N               real runs per scenario (default 5), made as `hasim validate` does
  --real FILE            real runs already made, one real.json per SCENARIO in order
  --metric NAME          fit only these metrics (default: every time metric, `..._s`)
  --sim-seeds M          simulated seeds per evaluation (default 100)
  --seed S               first simulated seed (default: each scenario's)
  --parallel K           real runs at once (default min(N, 5))
  --remap                with --parallel 1 too: free subnets and a project of its own
  --out FILE             the profile (default scenarios/calibration/fitted.yaml)
  --set KEY.PATH=VAL     override a scenario value before fitting
  --jobs J               simulator threads (default: number of cores)
)";

namespace {

constexpr int kEnvironment = 3;

struct EnvironmentError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int jobs_of(const Args& a) {
  const unsigned hw = std::thread::hardware_concurrency();
  return a.jobs > 0 ? a.jobs : static_cast<int>(hw == 0 ? 1 : hw);
}

std::string today() {
  const std::time_t t = std::time(nullptr);  // the record's date, never the simulation's
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::localtime(&t));
  return buf;
}

std::string machine() {
  utsname u{};
  uname(&u);
  return std::string(u.nodename) + " (Linux " + u.release + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores)";
}

/// The real runs of one scenario: rendered, set up, run by run_real.py into `dir`.
validation::RealRuns run_real_stack(const scenarios::ScenarioSpec& spec, const Args& a, const std::string& dir, int runs) {
  const std::string src = validation::source_dir();
  const bool netns = a.engine == "netns";
  const std::string run_real = src + (netns ? "/validation/run_netns.py" : "/validation/run_real.py");
  const std::string python = "/usr/bin/python3";
  if (!std::filesystem::exists(run_real))
    throw EnvironmentError("validation runner not found: " + run_real + " (set HASIM_SOURCE_DIR to the hasim checkout)");
  if (access(python.c_str(), X_OK) != 0) throw EnvironmentError("the real runs need " + python + " (apt-get install python3)");
  if (geteuid() != 0)
    throw EnvironmentError(netns ? "the real stack in namespaces needs root (ip netns, unshare, nsenter)"
                                 : "the real stack needs root (rootful podman: VRRP and iptables need real capabilities)");
  std::filesystem::create_directories(dir);
  const std::string stack = dir + "/stack";
  std::filesystem::remove_all(stack);
  // run_real.py runs podman; run_netns.py reads the same rendering (configs, plan.json, scripts).
  validation::render_scenario(spec, stack, validation::RenderOptions{validation::Engine::Podman});
  if (!netns) {
    std::fprintf(stderr, "hasim: preparing the engine (validation/env/setup.sh, base-image.sh)\n");
    const int setup = validation::run_child({"/bin/bash", src + "/validation/env/setup.sh"}, dir + "/engine.env");
    if (validation::interrupting_signal() != 0) throw EnvironmentError("interrupted: while preparing the engine (setup.sh)");
    if (setup != 0) throw EnvironmentError("validation/env/setup.sh failed (its message is above)");
    const int base = validation::run_child({"/bin/bash", src + "/validation/env/base-image.sh"});
    if (validation::interrupting_signal() != 0) throw EnvironmentError("interrupted: while preparing the engine (base-image.sh)");
    if (base != 0) throw EnvironmentError("validation/env/base-image.sh failed (its message is above)");
  }
  const int parallel = a.parallel > 0 ? a.parallel : std::min(runs, 5);
  const std::string out = dir + "/real.json";
  std::filesystem::remove(out);
  std::vector<std::string> argv = {python, run_real, stack, "--runs", std::to_string(runs), "--parallel", std::to_string(parallel),
                                   "--out", out};
  // Namespaces are private to their stack, so only the compose engine can clash with another.
  if (a.remap && !netns) argv.push_back("--remap");
  if (a.seed) argv.insert(argv.end(), {"--seed", std::to_string(*a.seed)});
  std::fprintf(stderr, "hasim: %d real run(s) of %s, %d at a time\n", runs, spec.name.c_str(), parallel);
  const int rc = validation::run_child(argv);
  const std::string runner = netns ? "run_netns.py" : "run_real.py";
  // 130: the runner took a signal (Ctrl-C, or one we passed on) and tore its stack down.
  if (rc == 130 || validation::interrupting_signal() != 0)
    throw EnvironmentError("interrupted: " + runner + (rc == 130 ? " tore the stack down" : " exited " + std::to_string(rc)) +
                           "; partial results in " + out);
  if (netns && rc == 2) throw scenarios::ScenarioError(scenarios::Source{a.scenario(), 0, 0}, "--engine netns",
                                                       "the stack cannot run in namespaces (run_netns.py's message is above)");
  if (rc != 0 || !std::filesystem::exists(out))
    throw EnvironmentError(runner + " failed (exit " + std::to_string(rc) + "); see its messages above and " + dir);
  auto real = validation::read_real_runs(out, &spec);
  if (static_cast<int>(real.runs.size()) != runs)
    throw EnvironmentError(out + ": " + std::to_string(real.runs.size()) + " of " + std::to_string(runs) + " real runs completed" +
                           (real.error.empty() ? "" : ": " + real.error));
  return real;
}

/// An EnvironmentError's exit status: interrupted as a process killed by the signal would report
/// (130 for SIGINT, 143 for SIGTERM), else kEnvironment.
int interrupted_status(const EnvironmentError& e) {
  if (std::string(e.what()).rfind("interrupted", 0) != 0) return kEnvironment;
  const int sig = validation::interrupting_signal();
  return sig != 0 ? 128 + sig : 130;
}

/// A --real file is input like a scenario: unreadable means exit 2, named.
validation::RealRuns read_given(const std::string& path, const scenarios::ScenarioSpec& spec) {
  try {
    return validation::read_real_runs(path, &spec);
  } catch (const scenarios::ScenarioError& e) {
    throw;
  } catch (const std::exception& e) {
    std::string msg = e.what();
    if (msg.rfind(path + ": ", 0) == 0) msg = msg.substr(path.size() + 2);
    throw scenarios::ScenarioError(scenarios::Source{path, 0, 0}, "--real", msg);
  }
}

void write_plot(const std::string& json, const std::string& png) {
  const std::string src = validation::source_dir();
  setenv("PYTHONPATH", (src + "/python").c_str(), 1);
  const int rc = validation::run_child({"/usr/bin/python3", "-m", "hasim_plot", "dist", json, "--out", png});
  if (rc != 0) std::fprintf(stderr, "hasim: warning: no plot (python3 -m hasim_plot exited %d)\n", rc);
}

/// A record made before its scenario's duration changed (demo2-split-brain's went from 60 s to
/// 100 s on 2026-12-05) is simulated for as long as its runs lasted, unless --set says otherwise:
/// counts such as acknowledged or lost commits grow with the run. Appends that override to
/// `sets` and says so on `out` (nullptr: quietly).
void simulate_as_long_as_recorded(const validation::RealRuns& real, const scenarios::ScenarioSpec& spec, const Args& a,
                                  std::vector<std::string>& sets, std::FILE* out) {
  const bool duration_set = std::any_of(a.sets.begin(), a.sets.end(), [](const std::string& s) { return s.rfind("duration=", 0) == 0; });
  const auto ms = validation::recorded_duration_ms(real);
  if (!ms || duration_set || *ms * 1'000'000 == spec.duration) return;
  sets.push_back("duration=" + scenarios::exact_duration_text(*ms * 1'000'000));
  if (out != nullptr)
    std::fprintf(out, "The real runs lasted %s s, the scenario says %s s: simulated for as long as the real runs lasted\n",
                 sim::seconds_text(*ms * 1'000'000).c_str(), sim::seconds_text(spec.duration).c_str());
}

struct HostModel {
  std::vector<std::string> sets;
  std::vector<std::vector<std::string>> groups;
};

/// What the real runs measured of their host (the load loop's cost, timers' lateness, the disk,
/// PostgreSQL's wake-ups, session openings, the engine's commands, daemons' start-ups), as
/// overrides: `sets` for every simulated seed and, where each real run measured its own minute of
/// the host, `groups` (one list per real run, applied after `sets` to that run's share of the
/// seeds). `hasim validate` and `hasim calibrate` both simulate the host the real runs met, so a
/// fitted value does not absorb that day's machine. Says what it applies on `out` (null: quiet).
HostModel host_model(const validation::RealRuns& real, const scenarios::Tree& tree, const std::string& file, const Args& a,
                     std::FILE* out) {
  HostModel h;
  validation::CreatingOverrides override_creating(tree);
  // The loop's cost per iteration is the machine's, not the stack's (bash forking curl on a host
  // with other stacks running): measured in these very runs, it is the simulator's too, so the
  // request counts compare the loop's behaviour through the outages, not two machines' speeds.
  if (real.loop_cost && !a.scenario_loop_cost) {
    const auto& lc = *real.loop_cost;
    for (const auto& s : lc.overrides()) h.sets.push_back(s);
    if (out) std::fprintf(out, "Loop cost measured in the real runs (%d iterations of %d runs): median %.1f ms, mean %.1f ms, "
                               "run-to-run log-sd %.2f; simulated with it (--scenario-loop-cost: the scenario's)\n",
                               lc.n, lc.runs, lc.median_s * 1e3, lc.mean_s * 1e3, lc.between_sigma);
  }
  // Likewise the host's wake-up delay: a busy machine fires every timer late (HAProxy's check
  // deadlines, keepalived's adverts), and that lateness adds up over a detection or a failover.
  // Measured in these runs, it is modelled, not tolerated.
  if (real.wakeup && !a.scenario_wakeup) {
    const auto& w = *real.wakeup;
    h.sets.push_back(override_creating("runtime.wakeup_delay", w.distribution()));  // a scenario may have no runtime: key
    if (out) std::fprintf(out, "Host wake-up delay measured in the real runs (%d late timers of %d runs): median %.2f ms, max %.1f ms; "
                               "simulated with it (--scenario-wakeup: the scenario's)\n",
                               w.n, w.runs, w.median_s * 1e3, w.max_s * 1e3);
  }
  // pgbench's own thread wakes sooner than that (a C program in ppoll, not bash's `read -t`):
  // each pgbench workload gets its own, from the schedule lag of its idle clients' transactions.
  auto is_pgbench = [&tree](const std::string& workload) {
    const scenarios::Tree* ws = tree.find("workloads");
    const scenarios::Tree* one = ws != nullptr && ws->is_map() ? ws->find(workload) : nullptr;
    const scenarios::Tree* kind = one != nullptr && one->is_map() ? one->find("kind") : nullptr;
    return kind != nullptr && kind->is_scalar() && kind->scalar == "pgbench";  // else not this scenario's pgbench
  };
  if (!a.scenario_wakeup)
    for (const auto& [workload, w] : real.pgbench_wakeup) {
      if (!is_pgbench(workload)) continue;
      h.sets.push_back(override_creating("workloads." + workload + ".wakeup_delay", w.distribution()));
      if (out) std::fprintf(out, "pgbench's own wake-up, workload %s, measured in the real runs (schedule lag of %d transactions "
                                 "whose client was idle, %d runs): median %.3f ms, max %.1f ms; simulated with it\n",
                            workload.c_str(), w.n, w.runs, w.median_s * 1e3, w.max_s * 1e3);
    }
  // And the host's disk, which a commit waits for (twice with a synchronous standby): the
  // standbys' own fdatasyncs in the runs (flush_lag - write_lag of each fresh pg_stat_replication
  // row), else a probe's in the primary's container after each run. The same device takes 0.2 ms
  // or several ms with whatever else the host writes that minute.
  if (real.fsync && !a.scenario_wakeup) {
    const auto& f = *real.fsync;
    h.sets.push_back(override_creating("runtime.disk.fsync", f.distribution()));
    if (out) std::fprintf(out, "Host fsync latency measured in the real runs (%d %s of %d runs): median %.2f ms, max %.1f ms; "
                               "simulated with it (--scenario-wakeup: the scenario's)\n",
                               f.n, real.fsync_from_standbys ? "standby flushes, flush_lag - write_lag," : "probe fdatasyncs", f.runs,
                               f.median_s * 1e3, f.max_s * 1e3);
  }
  // And an fsync with nothing to write, which a data directory walk after a base backup pays per
  // file: the set-up standbys' own syncs (about 1,300 fsyncs each), 0.06 ms a file on a quiet
  // host, 1.1-1.4 on the busy one of 2026-12-02, where a WAL flush was 0.5-0.8.
  if (real.fsync_clean && !a.scenario_wakeup) {
    const auto& c = *real.fsync_clean;
    h.sets.push_back(override_creating("runtime.disk.fsync_clean", c.distribution()));
    if (out) std::fprintf(out, "An fsync with nothing to write, measured in the real runs (%d set-up standbys' data directory syncs of "
                               "%d runs, over their %.0f fsyncs): median %.3f ms, max %.3f ms; simulated with it\n",
                          c.n, c.runs, validation::kSetUpSyncFsyncs, c.median_s * 1e3, c.max_s * 1e3);
  }
  // And the device's write rate, from the time a new 16 MiB WAL segment takes (zeros, then
  // fsync, as XLogFileInit makes it): the first record after the set-up's WAL switch waits for it.
  if (!real.segment_init_s.empty() && !a.scenario_wakeup) {
    std::vector<double> t = real.segment_init_s;
    std::sort(t.begin(), t.end());
    const double median = t[t.size() / 2];
    if (median > 0) {
      const auto rate = static_cast<std::uint64_t>(16.0 * 1024 * 1024 / median);
      h.sets.push_back(override_creating("runtime.disk.write_rate", std::to_string(rate) + "/s"));
      if (out) std::fprintf(out, "A new 16 MiB WAL segment measured after the real runs (%zu of them): median %.1f ms, max %.1f ms; "
                                 "simulated as the disk's write rate, %.0f MB/s\n", t.size(), median * 1e3, t.back() * 1e3,
                                 static_cast<double>(rate) / 1e6);
    }
  }
  // And pgbench -i's pace (CPU time a row of its COPY): the host ran it 6x slower on a busy day
  // than on a quiet one, and the standbys' lag during the set-up follows it.
  if (real.bulk_row && !a.scenario_wakeup) {
    const auto& b = *real.bulk_row;
    h.sets.push_back(override_creating("runtime.bulk_row", b.distribution()));
    if (out) std::fprintf(out, "pgbench -i's COPY measured in the real runs (the WAL of its fastest second, %d runs): median %.2f us "
                               "a row, max %.2f us; simulated with it\n", b.runs, b.median_s * 1e6, b.max_s * 1e6);
  }
  // And how late PostgreSQL's processes run once woken (half of replay_lag - flush_lag: the
  // startup process, then the walreceiver): a busy host adds it to every replication lag.
  if (real.latch_wakeup && !a.scenario_wakeup) {
    const auto& w = *real.latch_wakeup;
    h.sets.push_back(override_creating("runtime.latch_wakeup", w.distribution()));
    if (out) std::fprintf(out, "PostgreSQL's latch wake-up measured in the real runs (%d rows of %d runs, half of replay_lag - flush_lag): "
                               "median %.3f ms, max %.1f ms; simulated with it\n", w.n, w.runs, w.median_s * 1e3, w.max_s * 1e3);
  }
  // And the walreceiver's work on a batch before its write reply: what the rows' write_lag leaves
  // once its two wake-ups and the scenario's network both ways are taken out. On a quiet host
  // 0-90 us a run (2026-12-05: the rest was 92-210 us, the network's 120 us); 0.4-0.5 ms beside
  // a CPU hog (2026-12-06), which the writer's own round trips over the same bridge did not show
  // (simulated as the network's, its commits took 0.5 ms more than the real ones), so it is the
  // standby's. A run whose rest is under the network's gets none.
  std::optional<double> network_both_ways_s;
  if (real.write_path_s && !a.scenario_wakeup) {
    const auto spec = scenarios::load_scenario(file, a.sets);
    for (const auto& n : spec.networks) {
      const double both = 2 * sim::to_seconds(n.latency.median());
      if (network_both_ways_s && *network_both_ways_s != both) {
        network_both_ways_s.reset();  // networks of their own latencies: which one the WAL took is not read here
        break;
      }
      network_both_ways_s = both;
    }
  }
  auto walreceiver_write = [&](double write_path_s) {
    char us[32];
    std::snprintf(us, sizeof us, "%.0fus", std::max(0.0, (write_path_s - *network_both_ways_s) * 1e6));
    return override_creating("runtime.walreceiver_write", us);
  };
  if (network_both_ways_s) {
    h.sets.push_back(walreceiver_write(*real.write_path_s));
    if (out) std::fprintf(out, "The walreceiver's work on a batch before its write reply, measured in the real runs (write_lag less "
                               "replay_lag - flush_lag, %.0f us at the median, less the scenario's network both ways, %.0f us): "
                               "%.0f us; simulated with it\n", *real.write_path_s * 1e6, *network_both_ways_s * 1e6,
                          std::max(0.0, *real.write_path_s - *network_both_ways_s) * 1e6);
  }
  // And the writer's session opening (run_real.py's probe in its container after each run): the
  // commit that opens a session pays getent, psql's start and its new backend's cold caches,
  // which the loaded host stretched to 50 ms - 2 s, and a failed connect the first two on top of
  // connect_timeout.
  if (!a.scenario_wakeup)
    for (const auto& [key, m] : real.session) {
      h.sets.push_back(override_creating("runtime." + key, m.distribution()));
      if (out) std::fprintf(out, "The writer's session opening, %s, measured after the real runs (%d trials of %d runs): median %.1f ms, "
                                 "max %.1f ms; simulated with it\n", key.c_str(), m.n, m.runs, m.median_s * 1e3, m.max_s * 1e3);
    }
  // And the writer's statements as its backends timed them: a statement's own cost, and a
  // COMMIT's wait for its flush, which on a loaded host is the backend's (its fdatasync's
  // wake-up, the CPU it waits for) more than the device's.
  // With each statement its own (a record with the writer's overheads), a COMMIT's whole time is
  // its commit_flush (each real COMMIT as timed), none before it; an older record's COMMIT draws
  // statement_time, and its commit_flush is each COMMIT less the three's mean.
  auto backend_sets = [&](const std::map<std::string, validation::Measured>& backend, std::vector<std::string>& sets) {
    for (const auto& [key, m] : backend) sets.push_back(override_creating("runtime." + key, m.distribution()));
    if (backend.count("statement_time_by_command.BEGIN") != 0)
      sets.push_back(override_creating("runtime.statement_time_by_command.COMMIT", "0us"));
  };
  if (!a.scenario_wakeup) {
    backend_sets(real.backend, h.sets);
    for (const auto& [key, m] : real.backend)
      if (out) std::fprintf(out, "PostgreSQL's %s measured in the real runs (%d statements of %d runs): median %.3f ms, "
                                 "max %.1f ms; simulated with it\n", key.c_str(), m.n, m.runs, m.median_s * 1e3, m.max_s * 1e3);
  }
  // And the writer's own side of each commit (its latency less its statements' server time: the
  // round trips, psql and the loop), less what the simulator's round trips already cost: the
  // scenario's commit with no server time at all, simulated (one seed).
  std::vector<validation::Measured> overhead_per_run;
  if (!a.scenario_wakeup && !real.writer_overheads.empty()) {
    std::vector<std::string> bare = a.sets;
    // The scenario's own writer_overhead (Demo 2's stack has the measured default) is what this
    // record's replaces: not part of the simulator's round trips.
    for (const char* z : {"runtime.statement_time", "runtime.commit_flush", "runtime.writer_overhead"})
      bare.push_back(override_creating(z, "0us"));
    double own_ms = -1;
    const auto own = validation::simulate(tree, file, bare, 1, std::nullopt, 1);
    for (const auto& [metric, v] : own.front())
      if (metric.size() > 22 && metric.compare(metric.size() - 22, 22, ".commit_latency_ms.p50") == 0) own_ms = v;
    if (own_ms >= 0) {
      std::vector<std::vector<double>> extra;
      for (const auto& run : real.writer_overheads) {
        extra.emplace_back();
        for (const double x : run) extra.back().push_back(std::max(0.0, x - own_ms / 1e3));
      }
      if (auto m = validation::pooled_measure_fine_tail(extra, 5)) {
        h.sets.push_back(override_creating("runtime.writer_overhead", m->distribution()));
        std::vector<double> all;
        for (const auto& run : real.writer_overheads) all.insert(all.end(), run.begin(), run.end());
        std::sort(all.begin(), all.end());
        if (out) std::fprintf(out, "The writer's own time per commit measured in the real runs (%zu commits of %zu runs, latency less the "
                                   "statements' server time): median %.3f ms; less the simulator's own round trips (%.3f ms), "
                                   "simulated with it\n", all.size(), real.writer_overheads.size(), all[all.size() / 2] * 1e3, own_ms);
        for (const auto& run : extra) overhead_per_run.push_back(*validation::pooled_measure_fine_tail({run}, 5));
      }
    } else if (out != nullptr) {
      std::fprintf(out, "The writer's own time per commit was measured in the real runs, but the scenario simulated with no server time "
                        "committed nothing to compare it with: not simulated\n");
    }
  }
  // And the engine's own latency per command (docker stop/start to its effect), which a busy
  // host stretches from tens of milliseconds to seconds.
  if (!a.scenario_wakeup)
    for (const auto& [action, m] : real.command_delay) {
      h.sets.push_back(override_creating("runtime.command_delay." + action, m.distribution()));
      if (out) std::fprintf(out, "%s%s's latency measured in the real runs (%d commands of %d runs): median %.0f ms, max %.0f ms; "
                                 "simulated with it\n", a.engine == "netns" ? "the host's " : "docker ", action.c_str(), m.n, m.runs,
                                 m.median_s * 1e3, m.max_s * 1e3);
    }
  // And each daemon's own start-up, from its container's PID 1 to its ready line: the stack's
  // first start (every container at once) and later `docker start`s differ.
  if (!a.scenario_wakeup) {
    for (const auto& [kind, m] : real.startup_first) {
      h.sets.push_back(override_creating("runtime.compose_up.daemons." + kind, m.distribution()));
      if (out) std::fprintf(out, "%s's first start-up measured in the real runs (%d starts of %d runs): median %.0f ms, max %.0f ms; "
                                 "simulated with it\n", kind.c_str(), m.n, m.runs, m.median_s * 1e3, m.max_s * 1e3);
    }
    for (const auto& [kind, m] : real.startup_later) {
      h.sets.push_back(override_creating("runtime.daemon_start." + kind, m.distribution()));
      if (out) std::fprintf(out, "%s's start-up after %s measured in the real runs (%d starts of %d runs): median %.0f ms, "
                                 "max %.0f ms; simulated with it\n", kind.c_str(), a.engine == "netns" ? "a later start" : "docker start", m.n,
                                 m.runs, m.median_s * 1e3, m.max_s * 1e3);
    }
  }
  // The writer's statements as its backends timed them, each run's medians (the runtime
  // settings above come from them).
  std::set<std::string> statements;
  for (const auto& run : real.statements_per_run)
    for (const auto& [stmt, m] : run) statements.insert(stmt);
  if (out != nullptr && !statements.empty()) {
    std::fprintf(out, "The writer's statements as its backends timed them (log_min_duration_statement), medians per run:");
    for (const auto& stmt : statements) {
      std::fprintf(out, " %s", stmt.c_str());
      for (const auto& run : real.statements_per_run) {
        const auto it = run.find(stmt);
        if (it == run.end()) std::fprintf(out, " -");
        else std::fprintf(out, " %.3f", it->second.median_s * 1e3);
      }
      std::fprintf(out, " ms;");
    }
    std::fprintf(out, "\n");
  }
  // One group per real run where each run measured its own disk and wake-ups, its own session
  // openings, its own statements or its own engine commands and start-ups (the same runs: the
  // lists, where they exist, have one entry per run).
  const std::size_t commands_runs = real.commands_per_run.empty() ? 0 : real.commands_per_run.begin()->second.size();
  const std::size_t groups =
      a.scenario_wakeup ? 0 : std::max({real.fsync_per_run.size(), real.session_per_run.size(), real.backend_per_run.size(),
                                        overhead_per_run.size(), real.pgbench_wakeup_per_run.size(), commands_runs,
                                        network_both_ways_s ? real.write_path_per_run_s.size() : 0, real.fsync_clean_per_run.size()});
  if (groups < 2) return h;
  for (std::size_t g = 0; g < groups; ++g) {
    std::vector<std::string> group;
    if (real.fsync_per_run.size() == groups) {
      group.push_back(override_creating("runtime.disk.fsync", real.fsync_per_run[g].distribution()));
      group.push_back(override_creating("runtime.latch_wakeup", real.latch_wakeup_per_run[g].distribution()));
    }
    if (network_both_ways_s && real.write_path_per_run_s.size() == groups) group.push_back(walreceiver_write(real.write_path_per_run_s[g]));
    if (real.fsync_clean_per_run.size() == groups)
      group.push_back(override_creating("runtime.disk.fsync_clean", real.fsync_clean_per_run[g].distribution()));
    if (real.session_per_run.size() == groups)
      for (const auto& [key, m] : real.session_per_run[g]) group.push_back(override_creating("runtime." + key, m.distribution()));
    if (real.backend_per_run.size() == groups) backend_sets(real.backend_per_run[g], group);
    if (overhead_per_run.size() == groups) group.push_back(override_creating("runtime.writer_overhead", overhead_per_run[g].distribution()));
    if (real.pgbench_wakeup_per_run.size() == groups)
      for (const auto& [workload, m] : real.pgbench_wakeup_per_run[g])
        if (is_pgbench(workload)) group.push_back(override_creating("workloads." + workload + ".wakeup_delay", m.distribution()));
    // A `docker start` and the daemon's start-up after it, each of this run: one moment of the
    // host, not two draws from the pooled runs.
    if (commands_runs == groups)
      for (const auto& [key, per_run] : real.commands_per_run) group.push_back(override_creating("runtime." + key, per_run[g].distribution()));
    h.groups.push_back(std::move(group));
  }
  if (out != nullptr && commands_runs == groups) {
    std::fprintf(out, "Engine commands and start-ups simulated per real run (%zu groups of seeds):", groups);
    for (const auto& [key, per_run] : real.commands_per_run) {
      std::fprintf(out, " %s medians", key.c_str());
      for (const auto& m : per_run) std::fprintf(out, " %.0f", m.median_s * 1e3);
      std::fprintf(out, " ms;");
    }
    std::fprintf(out, "\n");
  }
  if (out != nullptr && real.fsync_per_run.size() == groups) {
    std::fprintf(out, "Disk and wake-ups simulated per real run (%zu groups of seeds): fsync medians", groups);
    for (const auto& m : real.fsync_per_run) std::fprintf(out, " %.2f", m.median_s * 1e3);
    std::fprintf(out, " ms, wake-up medians");
    for (const auto& m : real.latch_wakeup_per_run) std::fprintf(out, " %.3f", m.median_s * 1e3);
    std::fprintf(out, " ms");
    if (network_both_ways_s && real.write_path_per_run_s.size() == groups) {
      std::fprintf(out, ", walreceiver's work");
      for (const double x : real.write_path_per_run_s) std::fprintf(out, " %.3f", std::max(0.0, x - *network_both_ways_s) * 1e3);
      std::fprintf(out, " ms");
    }
    if (real.fsync_clean_per_run.size() == groups) {
      std::fprintf(out, ", clean fsync medians");
      for (const auto& m : real.fsync_clean_per_run) std::fprintf(out, " %.3f", m.median_s * 1e3);
      std::fprintf(out, " ms");
    }
    std::fprintf(out, "\n");
  }
  if (out != nullptr && real.pgbench_wakeup_per_run.size() == groups) {
    std::fprintf(out, "pgbench's own wake-up simulated per real run (%zu groups of seeds): medians", groups);
    for (const auto& run : real.pgbench_wakeup_per_run)
      for (const auto& [workload, m] : run) std::fprintf(out, " %s %.3f", workload.c_str(), m.median_s * 1e3);
    std::fprintf(out, " ms\n");
  }
  if (out != nullptr && overhead_per_run.size() == groups) {
    std::fprintf(out, "The writer's own time simulated per real run (%zu groups of seeds), beyond the simulator's round trips: medians", groups);
    for (const auto& m : overhead_per_run) std::fprintf(out, " %.3f", m.median_s * 1e3);
    std::fprintf(out, " ms\n");
  }
  if (out != nullptr && real.session_per_run.size() == groups) {
    std::fprintf(out, "Session openings simulated per real run (%zu groups of seeds):", groups);
    for (const auto& [key, unused] : real.session) {
      std::fprintf(out, " %s medians", key.c_str());
      for (const auto& run : real.session_per_run) std::fprintf(out, " %.1f", run.at(key).median_s * 1e3);
      std::fprintf(out, " ms;");
    }
    std::fprintf(out, "\n");
  }
  return h;
}

}  // namespace

int cmd_validate(const Args& a) {
  if (a.scenarios.size() != 1) usage_error("validate takes one SCENARIO");
  if (a.engine != "docker" && a.engine != "compose" && a.engine != "podman" && a.engine != "netns")
    usage_error("--engine expects compose or netns, got '" + scenarios::printable_text(a.engine) + "'");
  if (a.reals.size() > 1) usage_error("validate takes one --real FILE");
  const auto spec = scenarios::load_scenario(a.scenario(), a.sets);
  const scenarios::Tree tree = scenarios::load_tree(a.scenario());
  const std::string dir = a.out.empty() ? "hasim-validate/" + spec.name : a.out;
  const int runs = a.runs > 0 ? a.runs : 5;
  validation::RealRuns real;
  try {
    real = a.reals.empty() ? run_real_stack(spec, a, dir, runs) : read_given(a.reals.front(), spec);
  } catch (const EnvironmentError& e) {
    std::fprintf(stderr, "hasim: error: %s\n", e.what());
    return interrupted_status(e);
  }
  if (real.runs.empty()) {
    std::fprintf(stderr, "hasim: error: %s holds no completed real run\n", real.file.c_str());
    return kEnvironment;
  }
  const std::uint64_t first = a.seed.value_or(spec.seed);
  std::vector<std::string> sets = a.sets;
  simulate_as_long_as_recorded(real, spec, a, sets, stdout);
  const HostModel host = host_model(real, tree, a.scenario(), a, stdout);
  sets.insert(sets.end(), host.sets.begin(), host.sets.end());
  if (!a.quiet) std::fprintf(stderr, "hasim: simulating %d seed(s)\n", a.sim_seeds);
  // Each real run met its own minute of the host: where each measured its own, the seeds are
  // split into one group per real run, in order, each simulated with that run's measurements
  // (after the pooled ones, which they replace), so the simulated spread holds the runs' spread.
  const auto sim = validation::simulate_groups(tree, a.scenario(), sets, host.groups, {}, a.sim_seeds, first, jobs_of(a));
  const auto cmp = validation::compare(real.runs, sim, real.unmeasured);
  validation::RecordInfo info;
  info.scenario_file = a.scenario();
  info.scenario_name = spec.name;
  info.date = today();
  info.machine = machine();
  info.real_runs = static_cast<int>(real.runs.size());
  info.unmeasured_why = real.unmeasured_why;
  info.sim_runs = static_cast<int>(sim.size());
  info.first_seed = first;
  info.sets = sets;
  info.real_wall_s = real.wall_s;
  info.discarded = real.discarded;
  std::filesystem::create_directories(dir);
  const std::string json = dir + "/validation.json";
  scenarios::write_file_atomic(json, validation::comparison_json(cmp, info, real.runs, sim));
  scenarios::write_file_atomic(dir + "/report.md", validation::comparison_markdown(cmp, info));
  if (!a.no_plot) write_plot(json, dir + "/distributions.png");
  std::fputs(validation::comparison_text(cmp, info).c_str(), stdout);
  std::printf("  record: %s/{validation.json,report.md%s}\n", dir.c_str(), a.no_plot ? "" : ",distributions.png");
  return cmp.pass() ? 0 : 1;
}

int cmd_calibrate(const Args& a) {
  if (a.fits.empty()) usage_error("calibrate needs at least one --fit KEY.PATH=LO..HI");
  if (!a.reals.empty() && a.reals.size() != a.scenarios.size())
    usage_error("give one --real FILE per SCENARIO (" + std::to_string(a.scenarios.size()) + " scenario(s), " +
                std::to_string(a.reals.size()) + " --real)");
  std::vector<validation::FitParam> params;
  for (const auto& f : a.fits) params.push_back(validation::FitParam::parse(f));
  const std::string out = a.out.empty() ? "scenarios/calibration/fitted.yaml" : a.out;
  const auto out_dir = std::filesystem::path(out).parent_path();
  if (!out_dir.empty() && !std::filesystem::is_directory(out_dir))
    usage_error("no directory " + out_dir.string() + " for the profile: run from the hasim checkout or give --out FILE");
  std::vector<validation::CalibrationCase> cases;
  for (std::size_t i = 0; i < a.scenarios.size(); ++i) {
    const auto spec = scenarios::load_scenario(a.scenarios[i], a.sets);
    validation::CalibrationCase c;
    c.file = a.scenarios[i];
    c.tree = scenarios::load_tree(a.scenarios[i]);
    c.sets = a.sets;
    validation::RealRuns real;
    try {
      real = a.reals.empty() ? run_real_stack(spec, a, "hasim-calibrate/" + spec.name, a.runs > 0 ? a.runs : 5)
                             : read_given(a.reals[i], spec);
    } catch (const EnvironmentError& e) {
      std::fprintf(stderr, "hasim: error: %s\n", e.what());
      return interrupted_status(e);
    }
    // The host these runs met, as `hasim validate` simulates it: a fit against another machine's
    // speed would put that machine into the fitted values.
    if (!a.quiet) std::printf("%s:\n", c.file.c_str());
    simulate_as_long_as_recorded(real, spec, a, c.sets, a.quiet ? nullptr : stdout);
    HostModel host = host_model(real, c.tree, c.file, a, a.quiet ? nullptr : stdout);
    c.sets.insert(c.sets.end(), host.sets.begin(), host.sets.end());
    c.groups = std::move(host.groups);
    c.real = std::move(real.runs);
    cases.push_back(std::move(c));
  }
  validation::FitOptions o;
  o.sim_seeds = a.sim_seeds;
  if (a.seed) o.first_seed = *a.seed;
  o.jobs = jobs_of(a);
  o.metrics = a.metrics;
  if (!a.quiet)
    o.on_iteration = [](int it, double cost) { std::fprintf(stderr, "  iteration %d: cost %.4f\n", it, cost); };
  const auto result = validation::fit(cases, params, o);
  std::string header = "Calibration profile written by `hasim calibrate` on " + today() + ", " + machine() + ".\nFitted to";
  for (std::size_t i = 0; i < cases.size(); ++i)
    header += " " + cases[i].file + " (" + std::to_string(cases[i].real.size()) + " real runs)" + (i + 1 < cases.size() ? "," : ".");
  char cost[128];
  std::snprintf(cost, sizeof cost, "\nResiduals (tolerance units, squared, summed): %.3f before, %.3f after; %d simulated seeds each.",
                result.cost_before, result.cost_after, o.sim_seeds);
  header += cost;
  scenarios::write_file_atomic(out, validation::profile_yaml(params, result, header));
  std::fputs(validation::residuals_text(params, result).c_str(), stdout);
  std::printf("  profile: %s (include it from a scenario's `include:` list, after the profiles it refines;\n"
              "  include paths are relative to the including file)\n", out.c_str());
  return 0;
}

}  // namespace cli
