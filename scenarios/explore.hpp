#pragma once
// `hasim explore`: fault schedules drawn from a fault profile, each run as a safety phase (faults
// on, invariants checked all along) then a liveness phase (every fault healed at heal_at, the
// converge conditions checked `within` later); each kind of violation found is shrunk by delta
// debugging to a minimal schedule and written as an ordinary scenario that `hasim run` replays
// with the same trace hash. Deterministic: the same seed and budget give the same catalogue for
// any number of jobs.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scenarios/runner.hpp"
#include "scenarios/spec.hpp"
#include "scenarios/tree.hpp"

namespace scenarios {

/// A fault profile (scenarios/faults/*.yaml): which faults a schedule may hold, on what, how many,
/// when and for how long. Loaded as strictly as a scenario: bad input is a located error.
struct FaultProfile {
  std::string name, description, file;
  /// Profile fault kinds (profile_fault_kinds()), in the order written.
  std::vector<std::string> kinds;
  /// "node" (whole-node faults, partitions, drops, operator steps) or "node/process" (signals).
  std::vector<std::string> targets;
  /// The protocols `drop_proto` filters (vrrp, tcp, udp, icmp, arp).
  std::vector<std::string> protocols = {"vrrp", "tcp"};
  int count_min = 1, count_max = 3;
  sim::Time window_from = 10 * sim::kSecond, window_to = 30 * sim::kSecond;  // when faults start
  sim::Time for_min = 1 * sim::kSecond, for_max = 10 * sim::kSecond;         // how long each lasts
  /// `delay`: netem's added delay on the node, drawn in whole ms; `loss`: its loss probability,
  /// drawn in whole percent.
  sim::Time delay_min = 50 * sim::kMillisecond, delay_max = 2 * sim::kSecond;
  double loss_min = 0.1, loss_max = 0.5;
  sim::Time heal_at = 0;
  ConvergeSpec converge;
  /// Safety invariants checked besides the scenario's own.
  std::vector<std::string> invariants;
};

/// The kinds a profile may name: partition, drop (one way, every protocol), drop_proto (one
/// protocol, both ways), kill, stop, freeze, restart (a process: NODE/PROCESS), container_stop,
/// container_kill, container_pause, container_restart, container_recreate, crash, disconnect,
/// delay, loss (a node), repoint (a pg_writer to this server), then every operator step the
/// daemon kinds declare (promote).
std::vector<std::string> profile_fault_kinds();

/// Reads and checks a profile against the scenario it will drive (its nodes and fault targets).
FaultProfile load_fault_profile(const std::string& path, const ScenarioSpec& scenario);
/// The default profile of a scenario: faults/NAME.yaml beside it or up to two folders above,
/// NAME being the scenario's own `name`, then the names of the files it includes, depth first;
/// "" when there is none.
std::string default_profile_path(const std::string& scenario_path);

/// The scenario every schedule starts from: the scenario without its own faults, with the
/// profile's heal_at, converge and invariants, ending at heal_at + converge.within.
ScenarioSpec explore_base(const ScenarioSpec& scenario, const FaultProfile& profile);
/// Schedule `index` of a search seeded `seed`, drawn from its own stream
/// ("explore/schedule/INDEX"): the same for any number of jobs and any other schedule.
std::vector<FaultSpec> draw_schedule(const ScenarioSpec& base, const FaultProfile& profile, std::uint64_t seed,
                                     std::size_t index);
/// The simulation seed schedule `index` runs with (and its reproduction's `seed:`).
std::uint64_t schedule_run_seed(std::uint64_t seed, std::size_t index);
/// The kinds of finding in a run, sorted, each once: an invariant's name, or
/// "liveness/CONDITION" for a converge miss.
std::vector<std::string> finding_kinds(const RunResult& r);

struct ShrinkOptions {
  sim::Time earliest = 0;  // no fault moves before this
  /// No duration shrinks below this (the profile's for.min): a minimal schedule stays one the
  /// profile could have drawn.
  sim::Time shortest = 100 * sim::kMillisecond;
  sim::Time step = 100 * sim::kMillisecond;  // durations and times shrink to this resolution
  int max_runs = 400;
  const std::atomic<bool>* stop = nullptr;
};
struct ShrinkResult {
  std::vector<FaultSpec> faults;
  int runs = 0;
  bool complete = true;  // false: stopped (interrupt, max_runs) before a fixed point
};
/// Delta debugging over a schedule that `reproduces`: removes faults, merges two of the same
/// action and target into one, shortens durations and moves faults earlier, keeping each
/// candidate that still reproduces, until no step makes the schedule smaller.
ShrinkResult shrink_schedule(std::vector<FaultSpec> faults, const std::function<bool(const std::vector<FaultSpec>&)>& reproduces,
                             const ShrinkOptions& options);

/// The most schedules one search may run: each keeps its finding kinds until the end.
constexpr std::size_t kMaxExploreBudget = 1000000;

struct ExploreOptions {
  std::uint64_t seed = 1;
  std::size_t budget = 100;
  int jobs = 1;
  std::string out_dir;  // empty: nothing written
  std::uint64_t max_events = kDefaultMaxEvents;
  /// Schedules shrunk per kind (the first that showed it): distinct minimal schedules are the
  /// kind's classes (a VRRP drop and a frozen master both give two VIP holders).
  std::size_t shrinks_per_kind = 5;
  /// Set to stop drawing schedules (a deadline, Ctrl-C); the schedules done are the first N.
  const std::atomic<bool>* stop_search = nullptr;
  /// Set on Ctrl-C: shrinking stops too, and what was found is written as it stands.
  const std::atomic<bool>* interrupt = nullptr;
  /// Progress, from one thread at a time: phase "search" (done of total schedules, kinds found
  /// so far) or "shrink" (done of total kinds).
  std::function<void(const std::string& phase, std::size_t done, std::size_t total, std::size_t found)> on_progress;
};

/// One shrunk schedule and its reproduction file.
struct Reproduction {
  std::size_t schedule = 0;  // the schedule it was shrunk from
  std::uint64_t run_seed = 0;
  std::vector<FaultSpec> original, minimal;
  int shrink_runs = 0;
  bool shrink_complete = true;
  /// How many of the kind's shrunk schedules ended in this class (the same minimal faults,
  /// times and durations aside).
  std::size_t shrunk_here = 0;
  std::string file, chrome_trace_file;  // names in the out dir (written only with one)
  std::string yaml;                     // the reproduction
  std::string trace_sha256;             // `hasim run FILE` gives this
  bool replayed = false;                // the reproduction, run from its text, shows the kind
  std::string explanation;
};

struct Finding {
  std::string kind;
  std::size_t schedules = 0;  // how many of the schedules run showed it
  std::size_t shrunk = 0;     // how many of those were shrunk (the first ones)
  /// One per class of minimal schedule, the smallest first (fewest faults, then the earliest
  /// schedule): `classes.front()` is the kind's smallest reproduction.
  std::vector<Reproduction> classes;
};

struct Catalogue {
  std::string scenario, scenario_file, profile_file;
  std::uint64_t seed = 1;
  std::size_t budget = 0, schedules = 0, schedules_with_findings = 0;
  bool interrupted = false;
  std::vector<Finding> findings;  // by kind
};

/// Runs the search on `tree` (the scenario as loaded from `file`, overrides applied) and, with
/// an out dir, writes each reproduction, its Chrome trace and catalogue.json there (each through
/// a temporary file).
Catalogue explore(const Tree& tree, const std::string& file, const FaultProfile& profile, const ExploreOptions& options);
std::string catalogue_json(const Catalogue& c, bool pretty);
std::string catalogue_text(const Catalogue& c);
/// A schedule as one line per fault: "at 12.3s freeze haproxy1/keepalived for 2.5s".
std::string schedule_line(const FaultSpec& f);
/// A minimal schedule's class: its faults without their times and durations, sorted, each
/// both-ways drop with its ends in name order.
std::string schedule_class(const std::vector<FaultSpec>& faults);

}  // namespace scenarios
