#pragma once
// One declaration per daemon kind. `DaemonKind<Config>` is specialised once for each real
// daemon, in scenarios/kinds/KEY.hpp, and says everything the simulator side needs to know of it:
// its YAML key (which is also its process name and its log key), how its section is read and
// checked, how it is built on a node, which processes a fault may target, the addresses it may
// claim, the trace events it records and the checks they feed. Its real side (image packages, command, stop signal,
// config files) is `validation::RealDaemon<Config>` (validation/kinds/). The loader, runner,
// report, bindings and `hasim render` iterate over `Kinds` (scenarios/kinds/kinds.hpp) and never
// name a kind by hand; a kind that lacks a part fails the `Declared` check below at compile time.
#include <concepts>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scenarios/tree.hpp"
#include "sim/random.hpp"

namespace sim {
class Invariants;
class Node;
class Process;
class Simulation;
}  // namespace sim

namespace scenarios {

struct ScenarioSpec;
struct RunResult;
class CheckSet;

/// An operator step's settings (FaultSpec::settings): ("databases.demodb", "host=pg2").
using OperatorSettings = std::vector<std::pair<std::string, std::string>>;

/// What is wrong with an operator step's settings: the setting at fault as written ("statement",
/// "databases.demodb"; "" for the step as a whole), so the loader can point at its line, and why
/// ("" when nothing is wrong).
struct SettingsError {
  std::string setting, why;
};

/// A kind whose operator steps take settings (`sql: {node: N, statement: "..."}`, `reload: {node:
/// N, databases: {...}}`) declares these besides `act`: what is wrong with a step's settings,
/// and the step carried out with them. A kind without them takes none (the loader refuses any).
template <class K>
concept TakesOperatorSettings = requires(sim::Process& p, const std::string& action, const OperatorSettings& s) {
  { K::operator_settings_error(action, s) } -> std::same_as<SettingsError>;
  { K::act_with(p, action, s) } -> std::same_as<void>;
  /// The node names a step's settings mention (a reload's new host): the loader checks them.
  { K::operator_node_refs(action, s) } -> std::same_as<std::vector<std::string>>;
};

/// No primary definition: a config type nobody declared is a compile error, never another kind.
template <class Config>
struct DaemonKind;

/// A process a fault may name as NODE/NAME.
struct FaultTarget {
  std::string name;
  /// The simulated process it signals, and whether every process sharing that process's `comm`
  /// gets the signal too (`pkill -x NAME` reaches keepalived's parent and VRRP child alike).
  std::string process;
  bool same_comm = true;
  /// Forked by another process of the daemon, which forks a new one when it dies: `start`,
  /// `restart` and `kill`/`stop` with `for` do not apply to it (`forked_by` says by whom).
  std::string forked_by;
  /// Signalled through this pid file in the real stack, where `pkill -x` cannot single it out
  /// (keepalived's parent and VRRP child share the executable's name); empty: by name.
  std::string pid_file;
  /// The daemon this process belongs to (its kind's key): what `start` runs for it.
  std::string daemon;
};

/// A node name written in a daemon's section (a server's address, a replication source): the
/// loader checks that such a node exists and points its error at `keys` below the section.
struct NodeRef {
  std::vector<std::string> keys;  // the deepest written key first gets the error: see the loader
  std::string node;
};

/// What a kind's `build` may use and leave behind besides its process.
struct BuildContext {
  const ScenarioSpec& spec;
  /// The host's scheduling delay (`runtime.wakeup_delay`), for models whose timers it stretches.
  const sim::Distribution* wakeup_delay = nullptr;
  /// Run once the run has ended, to add what the daemon reports to the result (HAProxy's stats).
  std::vector<std::function<void(RunResult&)>>* at_end = nullptr;
  /// Liveness conditions a scenario's `converge:` may name (`backends_up`): each entry adds to
  /// the list one line per thing not settled yet, when converge checks the condition.
  std::map<std::string, std::vector<std::function<void(std::vector<std::string>&)>>>* conditions = nullptr;
};

/// What every specialisation provides (a missing or mistyped part names itself in the error).
template <class K, class Config>
concept Declared = requires(const Tree& t, const std::string& path, sim::Node& node, const Config& c, BuildContext& ctx,
                            const ScenarioSpec& spec, sim::Invariants& inv, CheckSet& checks) {
  { K::key } -> std::convertible_to<std::string_view>;
  /// The section `nodes.N.KEY`, read and checked (a ScenarioError with file:line otherwise).
  { K::read(t, path) } -> std::same_as<Config>;
  /// The node names its section refers to (checked by the loader against the scenario's nodes).
  { K::node_refs(c) } -> std::same_as<std::vector<NodeRef>>;
  /// The daemon's main process, added to `node` (not started).
  { K::build(node, c, ctx) } -> std::same_as<sim::Process&>;
  /// The processes a fault may target on a node running it, the daemon itself first.
  { K::fault_targets(c) } -> std::same_as<std::vector<FaultTarget>>;
  /// Addresses it may add to its node besides the node's own (keepalived's VIPs): watched by
  /// the VIP monitor, kept clear of dynamic addresses in the real stack.
  { K::floating_addresses(c) } -> std::same_as<std::vector<std::string>>;
  /// Operator steps on it the fault timeline may name (`promote: NODE`), and what each does to
  /// its main process (what the real command, `pg_ctl promote`, does to the daemon).
  { K::operator_actions() } -> std::same_as<std::vector<std::string>>;
  { K::act(std::declval<sim::Process&>(), path) } -> std::same_as<void>;
  /// The trace record kinds its models make (named constants of the model's events.hpp).
  { K::event_kinds() } -> std::same_as<std::vector<std::string_view>>;
  /// The checks its events call for in a stack (scenarios/checks/): their metrics, invariants
  /// and converge conditions, computed alike from a simulated run's records and a real run's
  /// events. Called once per kind for every scenario; a kind absent from it adds nothing.
  { K::add_checks(spec, inv, checks) } -> std::same_as<void>;
};

}  // namespace scenarios
