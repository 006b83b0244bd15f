#pragma once
// Every fault action declared once: its name, what it targets, the engine command it stands for,
// what it tells the engine's DNS, which detection it opens, how it is read, written back, summed
// up, applied and undone, which explore kinds draw it, and how the real stack carries it out.
// The loader, runner, report, explore, the detection check, `hasim render` and the bindings
// (`hasim.fault_actions()`) read this table; none of them names an action by hand.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/spec.hpp"
#include "scenarios/tree.hpp"
#include "sim/network.hpp"

namespace sim {
class Node;
class Process;
class Simulation;
}  // namespace sim

namespace scenarios {

/// What an action's value names.
enum class FaultScope {
  NodeOrProcess,  // `NODE` or `NODE/PROCESS`: stop kill freeze thaw start restart
  Node,           // `NODE` only: crash recreate disconnect connect link_down link_up, operator steps
  NodeNetem,      // `{node: NODE, ...}`: tc netem on the node's interface (delay, loss)
  Links,          // between nodes: partition, drop
  Everything,     // heal: every network rule
  Workload,       // `{workload: W, host: NODE}`: repoint
};

/// The detection a fault opens on its target's node (scenarios/checks/detection.hpp).
enum class Detection { None, Down, Up };

/// What an engine command does to the container's name in the engine's DNS.
enum class DnsEffect { None, Started, Stopped };

/// How the real stack carries an action out (validation/render.cpp switches over it).
enum class RealCommand {
  Signal,        // a whole node: the engine command `real_op`; one process: `signal` inside it
  Network,       // docker network disconnect / connect
  IpLink,        // `ip link set ethN down|up` inside the node
  Iptables,      // iptables DROP rules inside the nodes (partition, drop)
  Netem,         // tc netem on the node's eth0 (delay, loss)
  PowerLoss,     // every interface set down from inside (privileged exec), then the container killed
  HealAll,       // every iptables rule flushed, netem removed, networks and links restored
  OperatorExec,  // a command inside the node: the daemon kind's operator step, or the writer's host file
};

/// The entrypoint stamp in a container's log that is a whole-node command's effect, from which
/// validation measures the engine's latency (validation/parse_logs.py command_delays).
enum class EntryStamp { None, Start, Signalled };

/// Where explore draws an action's kinds: on a NODE/PROCESS target, a whole node, a link between
/// nodes, a workload.
enum class ExploreOn { Process, Node, Link, Workload, Operator };

struct ExploreKind {
  std::string name;  // the profile's kind: `container_stop`
  ExploreOn on;
};

/// What applying a fault works on: the run and its target, resolved.
struct FaultContext {
  sim::Simulation& sim;
  const ScenarioSpec& spec;
  const FaultSpec& fault;
  sim::Node* node = nullptr;        // the target's node
  sim::Process* process = nullptr;  // NODE/PROCESS's process (nullptr: the whole node)
  std::vector<sim::Process*> group;  // every process a signal to `process` reaches
  std::optional<sim::SegmentId> segment;  // `network:`
};

/// One fault action.
struct FaultAction {
  std::string name;
  FaultScope scope = FaultScope::NodeOrProcess;
  /// On a whole node, the engine command issued (its `runtime.command_delay` key), and the one
  /// its undo issues; "" when it is none (an iptables rule, a power loss, nothing to undo).
  /// A fault on one process, or one run inside the node (`ip link`, an operator step) is `exec`.
  std::string_view command, undo_command;
  /// Its command runs inside the node (`docker exec`) even on a whole node.
  bool exec = false;
  /// It ends (`for`, heal_at) by undoing it; false: one command with nothing to undo.
  bool undoable = false;
  /// Its undo starts the target again (stop, kill, crash): not with `for` on a process its parent
  /// forks (the parent forks a new one), and at heal_at its target is started if still down.
  bool undo_starts = false;
  /// It starts its target (start, restart): not on a process its parent forks.
  bool starts = false;
  /// The action this one undoes (thaw: freeze), named when this one is given a `for`.
  std::string_view opposite;
  /// `network:` names the one network (interface) it acts on.
  bool takes_network = false;
  DnsEffect dns = DnsEffect::None, undo_dns = DnsEffect::None;
  Detection detection = Detection::None;
  /// An operator step (`promote`), declared by a daemon kind, carried out on its daemon.
  bool operator_step = false;
  /// Explore's kinds that draw it.
  std::vector<ExploreKind> explore;
  /// The real stack: how; on a whole node, the engine op and the op of its undo (plan.json's
  /// `op`); on one process, the signal sent (`stop`: the daemon's own stop signal; "": the daemon
  /// started, `restart`: stopped then started); what the command needs (NET_ADMIN on its target).
  RealCommand real = RealCommand::Signal;
  std::string_view real_op, real_undo_op, signal;
  bool net_admin = false;
  EntryStamp stamp = EntryStamp::None;

  /// Reads the action's value (`v` at `path`) into `f` (ScenarioError with file:line otherwise).
  void (*read)(const Tree& v, const std::string& path, FaultSpec& f) = nullptr;
  /// The value that reads back as `f` (explore's reproductions).
  Tree (*write)(const FaultSpec& f) = nullptr;
  /// What follows the action's name in a timeline (`drop vrrp from lb1 to lb2`).
  std::string (*summary)(const FaultSpec& f) = nullptr;
  /// Does it to the running simulation; returns its undo (empty: nothing to undo).
  std::function<void()> (*apply)(FaultContext& c) = nullptr;
};

/// Every action: the engine's and the network's, then the daemon kinds' operator steps, in the
/// order the loader lists them.
const std::vector<FaultAction>& fault_actions();
/// The action named `name`, or nullptr.
const FaultAction* find_fault_action(std::string_view name);
/// `find_fault_action` of a name that must be one (the loader checked it).
const FaultAction& fault_action(std::string_view name);

/// The engine command `f` issues, or its undo issues: "exec" on one process or inside the node.
std::string engine_command(const FaultSpec& f, bool undo);
/// What `f`'s command, or its undo, does to its container's name.
DnsEffect dns_effect(const FaultSpec& f, bool undo);

/// "down", "up" or "": the names Detection has in the real runner's plan.
std::string_view detection_name(Detection d);
std::string_view scope_name(FaultScope s);
std::string_view real_command_name(RealCommand r);
std::string_view entry_stamp_name(EntryStamp s);
std::string_view explore_on_name(ExploreOn o);

}  // namespace scenarios
