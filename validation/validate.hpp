#pragma once
// `hasim validate`: the same scenario file against the real stack and the simulator, compared.
// The real side is validation/run_real.py (containers, faults, logs -> the simulator's metric
// names); this side renders the stack, runs the simulator's seeds in-process, compares with the
// issue's targets and writes the record (JSON, Markdown, a plot).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scenarios/spec.hpp"
#include "scenarios/tree.hpp"
#include "sim/trace.hpp"
#include "validation/compare.hpp"

namespace validation {

/// The load loop's cost per iteration as the real runs measured it (run_real.py's `loop_cost`).
struct LoopCost {
  double median_s = 0, mean_s = 0, sigma = 0, between_sigma = 0;
  int n = 0, runs = 0;
  /// The scenario values that make the simulator's loops cost what the real ones did.
  std::vector<std::string> overrides() const;
};

/// A quantity of the host or its container engine measured in the real runs themselves
/// (run_real.py's `wakeup` and `command_delay.ACTION`: how late HAProxy's check timers fired, how
/// long `docker stop`/`start` took to act), as an empirical distribution: a busy machine makes
/// both slower, and a validation models that day's machine rather than tolerating it.
struct Measured {
  std::vector<std::pair<double, double>> quantiles_s;  // (q, seconds), q from 0 to 1
  double median_s = 0, max_s = 0;
  int n = 0, runs = 0;
  /// `{dist: empirical, quantiles: [...]}`: a scenario value for --set.
  std::string distribution() const;
};

/// run_real.py's results file, reduced to what comparison needs.
struct RealRuns {
  std::optional<LoopCost> loop_cost;
  std::optional<Measured> wakeup;                 // runtime.wakeup_delay
  std::optional<Measured> fsync;                  // runtime.disk.fsync (PostgreSQL runs)
  /// Whence `fsync`: the standbys' own flushes in the runs' pg_stat_replication rows
  /// (validation/standby_flush.hpp), else run_real.py's probe after each run.
  bool fsync_from_standbys = false;
  std::optional<Measured> latch_wakeup;           // runtime.latch_wakeup (runs with standbys)
  /// Each pgbench workload's own wake-up (workloads.NAME.wakeup_delay), from its transactions'
  /// schedule lag where the client was idle (validation/pgbench_wakeup.hpp); pooled over the runs,
  /// with the tail's own quantiles.
  std::map<std::string, Measured> pgbench_wakeup;
  /// The same, each run's own (empty unless every run has enough of each workload's).
  std::vector<std::map<std::string, Measured>> pgbench_wakeup_per_run;
  /// The same two, each real run's own (the host's load differs from one run to the next: one
  /// run's replicas lagged 5 ms at the median where the others' lagged 1 ms); empty unless every
  /// run has enough rows of its own.
  std::vector<Measured> fsync_per_run, latch_wakeup_per_run;
  /// The write path less its wake-ups, from the same rows (write_lag - (replay_lag - flush_lag):
  /// validation/standby_flush.hpp): the network both ways and the walreceiver's work on a batch.
  /// The median of all runs' rows, and each run's own median (empty unless every run has enough
  /// rows). Seconds.
  std::optional<double> write_path_s;
  std::vector<double> write_path_per_run_s;
  /// An fsync with nothing to write (runtime.disk.fsync_clean), from the set-up standbys' data
  /// directory syncs (validation/standby_flush.hpp): pooled, and each run's own (empty unless
  /// every run has one). Records made before 2026-12-06 (night) have none.
  std::optional<Measured> fsync_clean;
  std::vector<Measured> fsync_clean_per_run;
  /// The writer's session opening from run_real.py's session probe (validation/session_probe.hpp),
  /// keyed by its runtime setting (getent, psql_start, backend_warmup): pooled, and each run's own
  /// (empty unless every run has a probe of its own).
  std::map<std::string, Measured> session;
  std::vector<std::map<std::string, Measured>> session_per_run;
  /// The writer's statements as its backends timed them (validation/statement_durations.hpp),
  /// each run's own, by statement (BEGIN, INSERT, SELECT, COMMIT), as the report prints them.
  std::vector<std::map<std::string, Measured>> statements_per_run;
  /// What the model takes from them, keyed by runtime setting (with writer_overheads below):
  /// statement_time_by_command.BEGIN,
  /// .INSERT and .SELECT, each its own; commit_flush, each whole COMMIT (hasim validate sets
  /// statement_time_by_command.COMMIT to 0 beside it); statement_time, the three pooled, for any other statement;
  /// statement_time_by_relation.RELATION.COMMAND for pgbench's own statements where its sessions logged them. Pooled,
  /// and each run's own (empty unless every run has five of each).
  std::map<std::string, Measured> backend;
  std::vector<std::map<std::string, Measured>> backend_per_run;
  /// Each run's writer_overheads_s (seconds; see statement_durations.hpp), or empty unless every
  /// run has five at least. Only then is `backend` each statement's own; an older record keeps
  /// the composition it was compared with (statement_time the three pooled for all four, and
  /// commit_flush each COMMIT less their mean).
  std::vector<std::vector<double>> writer_overheads;
  /// run_real.py's segment probe after each run, pooled: seconds to make a 16 MiB WAL segment
  /// as XLogFileInit does (zeros, then fsync), in a PostgreSQL container. Empty for older records.
  std::vector<double> segment_init_s;
  /// pgbench -i's COPY as fast as each run's host ran it (validation/bulk_pace.hpp): CPU seconds a
  /// row, one per run that loaded a scale of 10 or more, as runtime.bulk_row's distribution;
  /// nothing unless every run gave one.
  std::optional<Measured> bulk_row;
  std::map<std::string, Measured> command_delay;  // runtime.command_delay.ACTION
  /// Each daemon kind's start-up, from its container's PID 1 to its ready log line: at the
  /// stack's first start (runtime.compose_up.daemons.KIND) and at later starts
  /// (runtime.daemon_start.KIND).
  std::map<std::string, Measured> startup_first, startup_later;
  /// A `docker start` and the start-ups after it, each run's own (validation/run_commands.hpp),
  /// by runtime setting (`command_delay.start`, `daemon_start.KIND`): one per run, for those that
  /// every run measured at least once.
  std::map<std::string, std::vector<Measured>> commands_per_run;
  std::string file;
  /// Metrics the record says it did not measure (`unmeasured_metrics`: names, or prefixes ending
  /// in a dot, such as `bench.`), with its reason (`unmeasured_why`): compared with nothing.
  std::vector<std::string> unmeasured;
  std::string unmeasured_why;
  std::vector<RunMetrics> runs;
  std::vector<double> wall_s;
  /// How long each run lasted in scenario time (its `duration_s`; 0 where the record predates it).
  std::vector<double> duration_s;
  /// Attempts run_real.py discarded and ran again ("run N: reason"), in run order: a stack not
  /// healthy in time, an engine command failing, the host stopping. Each is shown in the report.
  std::vector<std::string> discarded;
  bool interrupted = false;
  std::string error;
};
/// Throws std::runtime_error naming the file on anything unreadable. Each run's metrics come from
/// its `events` with the simulator's own checks (real_metrics), over whatever run_real.py stored
/// under `metrics`: a check whose events a run lacks (its record predates run_real.py keeping
/// them, as the request events of every record stored up to 2026-12-03) leaves the stored
/// values of its metrics as they are. Without `spec`, only the checks that need nothing of the
/// scenario run (PostgreSQL's, the load loops').
RealRuns read_real_runs(const std::string& path, const scenarios::ScenarioSpec* spec = nullptr);

/// A real run's events (run_real.py's `events`: objects with kind, t_s and fields) as the
/// simulator's trace records: integers as int64, other numbers as double, the rest as text.
/// Older records' `vip_change {vip, held}` becomes the simulator's vip_added / vip_removed; a
/// container killed leaves no log line, so a kill or crash fault adds node_down for its node.
std::vector<sim::TraceRecord> trace_of_real_events(const scenarios::Tree& events);
/// The simulator's checks (scenarios::make_checks(spec); nullptr: those that need no scenario)
/// over a real run's events, ending at `end_s`: the same metrics as a simulated run's, plus
/// violations.single_writable_primary / violations.no_acked_commit_lost as the runner counts
/// them. Only the checks that found an event of theirs (Check::reads) give metrics.
RunMetrics real_metrics(const scenarios::ScenarioSpec* spec, const scenarios::Tree& events, double end_s);

/// The simulator's metrics for `seeds` seeds from `first_seed` (none: the scenario's seed), on
/// `jobs` threads; identical for any number of jobs.
std::vector<RunMetrics> simulate(const scenarios::Tree& tree, const std::string& file, const std::vector<std::string>& sets,
                                 int seeds, std::optional<std::uint64_t> first_seed, int jobs);

/// `seeds` seeds from `first_seed` split in order into one share per group (with two groups or
/// more, and at least as many seeds), each simulated with `sets`, then its group's overrides (each
/// real run's own measurements of its host), then `last` (calibrate's fitted values, which nothing
/// measured may replace). Otherwise every seed with `sets`, then `last`.
std::vector<RunMetrics> simulate_groups(const scenarios::Tree& tree, const std::string& file, const std::vector<std::string>& sets,
                                        const std::vector<std::vector<std::string>>& groups,
                                        const std::vector<std::string>& last, int seeds,
                                        std::optional<std::uint64_t> first_seed, int jobs);

struct RecordInfo {
  std::string scenario_file, scenario_name, date, machine;
  int real_runs = 0, sim_runs = 0;
  std::uint64_t first_seed = 0;
  std::vector<std::string> sets;
  std::vector<double> real_wall_s;
  std::vector<std::string> discarded;  // RealRuns::discarded
  std::string unmeasured_why;  // the record's reason for the metrics it did not measure
};

/// The scenario duration every run of `r` lasted, in ms, when all recorded the same one (older
/// records did not record it: nullopt). A record made before its scenario's duration changed is
/// simulated for as long as its runs lasted.
std::optional<std::int64_t> recorded_duration_ms(const RealRuns& r);

std::string comparison_text(const Comparison& c, const RecordInfo& info);
std::string comparison_markdown(const Comparison& c, const RecordInfo& info);
/// Every value of both sides is kept (the plot draws the distributions from it).
std::string comparison_json(const Comparison& c, const RecordInfo& info, const std::vector<RunMetrics>& real,
                            const std::vector<RunMetrics>& sim);

/// Where validation/ (run_real.py, env/) and python/ live: $HASIM_SOURCE_DIR, else the source
/// tree this binary was built from.
std::string source_dir();

/// How long run_child waits for a signalled child to tear its stack down (run_real.py's
/// teardown of five stacks on a loaded 2-core machine takes about a minute).
inline constexpr int kTeardownWaitS = 300;

/// Runs argv (argv[0] a path) with our stdin/stderr, stdout to `stdout_path` (empty: ours),
/// waits for it and returns its exit status (128+signal if killed). A SIGINT or SIGTERM we get
/// meanwhile (Ctrl-C, or `kill` of our pid alone) is passed on to the child, which tears its
/// containers or namespaces down and exits; we wait for that up to `teardown_wait_s`, then
/// return 128+signal and leave it to finish alone (killing it would leave the stack behind).
int run_child(const std::vector<std::string>& argv, const std::string& stdout_path = "",
              int teardown_wait_s = kTeardownWaitS);
/// The signal the last run_child passed on to its child (0: none).
int interrupting_signal();

/// `--set` overrides that create the maps on their way which the scenario lacks (--set itself
/// refuses a missing intermediate key, to catch typos): `runtime.daemon_start.nginx=V` becomes
/// `runtime.daemon_start={nginx: V}` when the scenario has no `daemon_start`. Each one knows the
/// maps the earlier ones created, so two sets under a missing `runtime` do not each replace the
/// whole `runtime` map (the later would silently drop the earlier).
class CreatingOverrides {
 public:
  explicit CreatingOverrides(const scenarios::Tree& root) : root_(root) {}
  std::string operator()(const std::string& path, const std::string& value);

 private:
  const scenarios::Tree& root_;
  std::set<std::string> created_;  // dotted paths of maps an earlier override creates
};

}  // namespace validation
