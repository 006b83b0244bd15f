#include "scenarios/fault_actions.hpp"

#include <algorithm>
#include <set>

#include "models/postgres/client.hpp"
#include "scenarios/emit.hpp"
#include "scenarios/kinds/registry.hpp"
#include "scenarios/reader.hpp"
#include "sim/json.hpp"
#include "sim/node.hpp"
#include "sim/process.hpp"
#include "sim/simulation.hpp"

namespace scenarios {
namespace {

using Undo = std::function<void()>;

// ---- Reading an action's value (the loader), writing it back (explore), summing it up (report).

void read_target(const Tree& v, const std::string& vp, FaultSpec& f) {
  f.target = scalar_of(v, vp);
  if (f.target.empty()) fail(v, vp, "expected a target: NODE or NODE/PROCESS");
}
Tree write_target(const FaultSpec& f) { return scalar_tree(f.target); }
std::string summary_target(const FaultSpec& f) { return " " + f.target; }

std::vector<std::string> node_list(const Tree& t, const std::string& path) {
  std::vector<std::string> out;
  if (t.is_scalar()) return {t.scalar};
  if (!t.is_seq()) fail(t, path, "expected a node name or a list of node names");
  for (std::size_t i = 0; i < t.seq.size(); ++i) out.push_back(scalar_of(t.seq[i], path + "." + std::to_string(i)));
  return out;
}

Tree list_tree(const std::vector<std::string>& names) {
  Tree l;
  l.kind = Tree::Kind::Seq;
  for (const auto& n : names) l.seq.push_back(scalar_tree(n));
  return l;
}

Tree map_tree(std::vector<std::pair<std::string, Tree>> entries) {
  Tree m;
  m.kind = Tree::Kind::Map;
  for (auto& [k, v] : entries) {
    m.map.emplace_back(k, std::move(v));
    m.key_sources.push_back(Source{});
  }
  return m;
}

// An operator step: `promote: NODE`, or `sql: {node: NODE, statement: "..."}` / `reload: {node:
// NODE, KEY: VALUE, KEY: {SUB: VALUE}}` whose other keys are its settings. The kind offering the
// step checks them once the nodes are known (registry operator_settings_error), so a statement
// the model cannot carry out is an error at its own line, not a step silently skipped.
void read_operator(const Tree& v, const std::string& vp, FaultSpec& f) {
  if (!v.is_map()) return read_target(v, vp, f);
  const Tree* node = v.find("node");
  if (node == nullptr) fail(v, vp, "expected 'node' (the node whose daemon takes the step) among the step's settings");
  f.target = scalar_of(*node, vp + ".node");
  for (std::size_t i = 0; i < v.map.size(); ++i) {
    const auto& [k, t] = v.map[i];
    if (k == "node") continue;
    if (!t.is_map()) {
      f.settings.emplace_back(k, scalar_of(t, vp + "." + k));
      continue;
    }
    for (const auto& [k2, t2] : t.map) f.settings.emplace_back(k + "." + k2, scalar_of(t2, vp + "." + k + "." + k2));
  }
}
Tree write_operator(const FaultSpec& f) {
  if (f.settings.empty()) return write_target(f);
  std::vector<std::pair<std::string, Tree>> m = {{"node", scalar_tree(f.target)}};
  for (const auto& [k, v] : f.settings) {
    const auto dot = k.find('.');
    if (dot == std::string::npos) {
      m.emplace_back(k, scalar_tree(v, true));
      continue;
    }
    const std::string outer = k.substr(0, dot);
    auto it = std::find_if(m.begin(), m.end(), [&](const auto& e) { return e.first == outer; });
    if (it == m.end()) {
      m.emplace_back(outer, map_tree({}));
      it = m.end() - 1;
    }
    it->second.map.emplace_back(k.substr(dot + 1), scalar_tree(v, true));
    it->second.key_sources.emplace_back();
  }
  return map_tree(m);
}
std::string summary_operator(const FaultSpec& f) {
  std::string s = " " + f.target;
  for (const auto& [k, v] : f.settings) s += " " + k + "=" + v;
  return s;
}

std::string names_text(const std::vector<std::string>& names) {
  if (names.size() == 1) return names.front();
  std::string s = "[";
  for (const auto& n : names) s += (s.size() > 1 ? ", " : "") + n;
  return s + "]";
}

const std::vector<std::pair<std::uint32_t, const char*>>& protocols() {
  static const std::vector<std::pair<std::uint32_t, const char*>> protos = {
      {sim::kTcp, "tcp"}, {sim::kUdp, "udp"}, {sim::kVrrp, "vrrp"}, {sim::kIcmp, "icmp"}, {sim::kArp, "arp"}};
  return protos;
}

const char* proto_name(std::uint32_t proto) {
  for (const auto& [bit, name] : protocols())
    if (proto == bit) return name;
  return "all";
}

void read_partition(const Tree& v, const std::string& vp, FaultSpec& f) {
  if (!v.is_seq() || v.seq.size() < 2) fail(v, vp, "expected a list of at least two groups, e.g. [[lb1], [lb2, web1]]");
  for (std::size_t i = 0; i < v.seq.size(); ++i) f.groups.push_back(node_list(v.seq[i], vp + "." + std::to_string(i)));
}
Tree write_partition(const FaultSpec& f) {
  Tree groups;
  groups.kind = Tree::Kind::Seq;
  for (const auto& g : f.groups) groups.seq.push_back(list_tree(g));
  return groups;
}
std::string summary_partition(const FaultSpec& f) {
  std::string o;
  for (std::size_t i = 0; i < f.groups.size(); ++i) o += (i == 0 ? " " : " | ") + names_text(f.groups[i]);
  return o;
}

// `heal: all` (or true): every partition, drop, delay and loss rule, disconnection and downed
// link ends.
void read_heal(const Tree&, const std::string&, FaultSpec&) {}
std::string summary_heal(const FaultSpec&) { return " all"; }

void read_drop(const Tree& v, const std::string& vp, FaultSpec& f) {
  MapReader dr(v, vp, {"from", "to", "proto", "both_ways"});
  if (!dr.has("from") || !dr.has("to")) fail(v, vp, "needs 'from' and 'to' (node names or lists)");
  f.from = node_list(*dr.get("from"), dr.sub("from"));
  f.to = node_list(*dr.get("to"), dr.sub("to"));
  const std::string proto = dr.str("proto", "all");
  f.proto = sim::proto_from_name(proto);
  if (f.proto == 0)
    fail(*dr.get("proto"), dr.sub("proto"), "unknown protocol '" + shown(proto) + "' (tcp, udp, vrrp, icmp, arp or all)");
  f.both_ways = dr.boolean("both_ways", false);
}
Tree write_drop(const FaultSpec& f) {
  return map_tree({{"from", list_tree(f.from)}, {"to", list_tree(f.to)}, {"proto", scalar_tree(proto_name(f.proto))},
                   {"both_ways", scalar_tree(f.both_ways ? "true" : "false")}});
}
std::string summary_drop(const FaultSpec& f) {
  std::string o;
  if (f.proto != sim::kAnyProto)
    for (const auto& [bit, name] : protocols())
      if (f.proto & bit) o += std::string(" ") + name;
  return o + " from " + names_text(f.from) + " to " + names_text(f.to) + (f.both_ways ? " (both ways)" : "");
}

void read_delay(const Tree& v, const std::string& vp, FaultSpec& f) {
  MapReader dr(v, vp, {"node", "add"});
  f.target = dr.required_str("node");
  if (!dr.has("add")) fail(v, dr.sub("add"), "missing (the added delay, e.g. 200ms)");
  f.delay = *dr.distribution("add");
}
Tree write_delay(const FaultSpec& f) {
  return map_tree({{"node", scalar_tree(f.target)}, {"add", scalar_tree(exact_duration_text(f.delay.a))}});
}
std::string summary_delay(const FaultSpec& f) { return " " + f.target + " by " + f.delay.describe(); }

void read_loss(const Tree& v, const std::string& vp, FaultSpec& f) {
  MapReader lr(v, vp, {"node", "p"});
  f.target = lr.required_str("node");
  f.loss = lr.real("p", 0.0, 0.0, 1.0);
}
Tree write_loss(const FaultSpec& f) {
  return map_tree({{"node", scalar_tree(f.target)}, {"p", scalar_tree(sim::number_text(f.loss))}});
}
std::string summary_loss(const FaultSpec& f) { return " " + f.target + " p=" + sim::number_text(f.loss); }

// The application reconfigured to another database server (the seed's "update the connection
// string" after a manual failover): its next transaction goes there.
void read_repoint(const Tree& v, const std::string& vp, FaultSpec& f) {
  MapReader rr(v, vp, {"workload", "host"});
  f.workload = rr.required_str("workload");
  f.host = rr.required_str("host");
}
Tree write_repoint(const FaultSpec& f) {
  return map_tree({{"workload", scalar_tree(f.workload)}, {"host", scalar_tree(f.host)}});
}
std::string summary_repoint(const FaultSpec& f) { return " " + f.workload + " to " + f.host; }

// ---- Applying them to a running simulation; each returns its undo.

/// Whether a `docker start` of a whole node is timed by runtime.command_delay.start. That figure
/// runs from the command to the container's entrypoint stamping its start (validation/parse_logs.py
/// command_delays), so the container's own start-up is in it and the node comes up when it ends;
/// without it the node's start_delay stands for the whole start.
bool engine_times_start(const FaultContext& c) { return c.spec.runtime.command_delay.count("start") != 0; }

Undo apply_stop(FaultContext& c) {
  sim::Process* proc = c.process;
  sim::Node* node = c.node;
  proc ? proc->stop() : node->stop();
  return [proc, node, timed = engine_times_start(c)] { proc ? proc->start() : node->start(timed); };
}

Undo apply_kill(FaultContext& c) {
  sim::Process* proc = c.process;
  sim::Node* node = c.node;
  if (proc) {
    for (sim::Process* p : c.group) p->kill();
  } else {
    node->kill();
  }
  return [proc, node, timed = engine_times_start(c)] { proc ? proc->start() : node->start(timed); };
}

Undo apply_crash(FaultContext& c) {
  sim::Node* node = c.node;
  node->crash();
  return [node, timed = engine_times_start(c)] { node->start(timed); };
}

Undo apply_freeze(FaultContext& c) {
  sim::Process* proc = c.process;
  sim::Node* node = c.node;
  if (proc) {
    for (sim::Process* p : c.group) p->freeze();
  } else {
    node->pause();
  }
  return [proc, node, group = c.group] {
    if (!proc) node->unpause();
    for (sim::Process* p : group) p->thaw();
  };
}

Undo apply_thaw(FaultContext& c) {
  if (c.process) {
    for (sim::Process* p : c.group) p->thaw();
  } else {
    c.node->unpause();
  }
  return {};
}

Undo apply_start(FaultContext& c) {
  c.process ? c.process->start() : c.node->start(engine_times_start(c));
  return {};
}

Undo apply_restart(FaultContext& c) {
  if (c.process) c.process->restart();
  else c.node->restart();
  return {};
}

// compose up --force-recreate: stopped as by docker stop, then a new container from the image (a
// fresh writable layer; named volumes stay), started. runtime.command_delay.recreate runs to the
// new container's start (compose creates it first), so a running container is stopped that late
// too, not at once as compose stops it.
Undo apply_recreate(FaultContext& c) {
  c.node->recreate();
  return {};
}

Undo apply_disconnect(FaultContext& c) {
  sim::Network& net = c.sim.network();
  sim::Node* node = c.node;
  const auto seg = c.segment;
  net.disconnect(node->id(), seg);
  return [&net, node, seg] { net.connect(node->id(), seg); };
}

Undo apply_connect(FaultContext& c) {
  c.sim.network().connect(c.node->id(), c.segment);
  return {};
}

Undo apply_link_down(FaultContext& c) {
  sim::Network& net = c.sim.network();
  sim::Node* node = c.node;
  const auto seg = c.segment;
  net.set_link(node->id(), seg, false);
  return [&net, node, seg] { net.set_link(node->id(), seg, true); };
}

Undo apply_link_up(FaultContext& c) {
  c.sim.network().set_link(c.node->id(), c.segment, true);
  return {};
}

std::set<sim::NodeId> node_ids(sim::Simulation& s, const std::vector<std::string>& names) {
  std::set<sim::NodeId> out;
  for (const auto& n : names) out.insert(s.find_node(n)->id());
  return out;
}

Undo apply_partition(FaultContext& c) {
  sim::Network& net = c.sim.network();
  std::vector<std::set<sim::NodeId>> groups;
  for (const auto& g : c.fault.groups) groups.push_back(node_ids(c.sim, g));
  const int id = net.partition(groups);
  return [&net, id] { net.remove_rule(id); };
}

Undo apply_heal(FaultContext& c) {
  sim::Network& net = c.sim.network();
  net.heal_all();
  // And every interface a link_down took down comes up (`ip link set ethN up`), node by node in
  // the scenario's order.
  for (const auto& n : c.spec.nodes) net.set_link(c.sim.find_node(n.name)->id(), std::nullopt, true);
  return {};
}

Undo apply_drop(FaultContext& c) {
  sim::Network& net = c.sim.network();
  const int id = net.add_drop(node_ids(c.sim, c.fault.from), node_ids(c.sim, c.fault.to), c.fault.proto, c.fault.both_ways);
  return [&net, id] { net.remove_rule(id); };
}

Undo apply_delay(FaultContext& c) {
  sim::Network& net = c.sim.network();
  sim::Node* node = c.node;
  net.set_extra_delay(node->id(), c.fault.delay);
  return [&net, node] { net.set_extra_delay(node->id(), std::nullopt); };
}

Undo apply_loss(FaultContext& c) {
  sim::Network& net = c.sim.network();
  sim::Node* node = c.node;
  net.set_loss(node->id(), c.fault.loss);
  return [&net, node] { net.set_loss(node->id(), 0.0); };
}

// The application's configuration, not a daemon's: the real step is `echo HOST >
// /tmp/hasim-pg-host-NAME` on the writer's machine (validation/render.cpp), which pg-writer.sh
// reads before its next attempt, as it reads a failover script's. So the step writes that file
// and no more: an attempt in progress finishes (or times out) against the old server, as the
// real one does, instead of being cut off.
Undo apply_repoint(FaultContext& c) {
  if (auto* w = dynamic_cast<models::postgres::WriteClient*>(c.process))
    w->node().disk().write_file(w->host_file(), c.fault.host + "\n");
  return {};
}

// An operator step (`promote: pg2`) on the daemon of the node whose kind offers it.
Undo apply_operator(FaultContext& c) {
  const NodeSpec* node_spec = nullptr;
  for (const auto& n : c.spec.nodes)
    if (n.name == c.node->name()) node_spec = &n;
  const std::string daemon = node_spec ? daemon_for_action(*node_spec, c.fault.action) : "";
  if (daemon.empty()) return {};
  sim::Process* d = c.node->process(daemon);
  // A step beside a stopped daemon still needs its container up (`docker exec` into it).
  if (d != nullptr && (d->running() || (c.node->up() && operator_acts_on_stopped(*node_spec, c.fault.action))))
    act(*node_spec, c.fault, *d);
  return {};
}

// ---- The table.

std::vector<FaultAction> engine_actions() {
  using S = FaultScope;
  using D = Detection;
  using N = DnsEffect;
  using E = ExploreOn;
  using R = RealCommand;
  std::vector<FaultAction> t;
  auto add = [&t](FaultAction a) {
    if (a.read == nullptr) a.read = read_target;
    if (a.write == nullptr) a.write = write_target;
    if (a.summary == nullptr) a.summary = summary_target;
    t.push_back(std::move(a));
  };
  FaultAction a;

  a = {};  // docker stop / SIGTERM (the daemon's own stop signal)
  a.name = "stop", a.command = "stop", a.undo_command = "start", a.undoable = true, a.undo_starts = true;
  a.dns = N::Stopped, a.undo_dns = N::Started, a.detection = D::Down;
  a.explore = {{"stop", E::Process}, {"container_stop", E::Node}};
  a.real_op = "stop", a.real_undo_op = "start", a.signal = "stop", a.stamp = EntryStamp::Signalled, a.apply = apply_stop;
  add(a);

  a = {};  // docker kill / SIGKILL
  a.name = "kill", a.command = "kill", a.undo_command = "start", a.undoable = true, a.undo_starts = true;
  a.dns = N::Stopped, a.undo_dns = N::Started, a.detection = D::Down;
  a.explore = {{"kill", E::Process}, {"container_kill", E::Node}};
  a.real_op = "kill", a.real_undo_op = "start", a.signal = "KILL", a.apply = apply_kill;
  add(a);

  a = {};  // docker pause / SIGSTOP
  a.name = "freeze", a.command = "pause", a.undo_command = "unpause", a.undoable = true, a.detection = D::Down;
  a.explore = {{"freeze", E::Process}, {"container_pause", E::Node}};
  a.real_op = "pause", a.real_undo_op = "unpause", a.signal = "STOP", a.apply = apply_freeze;
  add(a);

  a = {};  // docker unpause / SIGCONT
  a.name = "thaw", a.opposite = "freeze", a.command = "unpause", a.detection = D::Up;
  a.real_op = "unpause", a.signal = "CONT", a.apply = apply_thaw;
  add(a);

  a = {};  // docker start / the daemon started again
  a.name = "start", a.opposite = "stop", a.command = "start", a.starts = true, a.dns = N::Started, a.detection = D::Up;
  a.real_op = "start", a.stamp = EntryStamp::Start, a.apply = apply_start;
  add(a);

  a = {};  // docker restart / the daemon stopped, then started
  a.name = "restart", a.command = "restart", a.starts = true, a.dns = N::Started, a.detection = D::Up;
  a.explore = {{"restart", E::Process}, {"container_restart", E::Node}};
  a.real_op = "restart", a.signal = "restart", a.apply = apply_restart;
  add(a);

  a = {};  // docker-compose up --force-recreate
  a.name = "recreate", a.scope = S::Node, a.command = "recreate", a.dns = N::Started, a.detection = D::Up;
  a.explore = {{"container_recreate", E::Node}};
  a.real_op = "recreate", a.stamp = EntryStamp::Start, a.apply = apply_recreate;
  add(a);

  a = {};  // a power loss of the node's machine
  // The real stack silences the node with `docker exec --privileged ... ip link set down` before
  // it kills it (validation/render.cpp), so the exec's latency is when it happens there.
  a.name = "crash", a.scope = S::Node, a.command = "exec", a.undo_command = "start", a.undoable = true, a.undo_starts = true;
  a.undo_dns = N::Started, a.detection = D::Down;
  a.explore = {{"crash", E::Node}};
  a.real = R::PowerLoss, a.real_op = "kill", a.real_undo_op = "start", a.apply = apply_crash;
  add(a);

  a = {};  // docker network disconnect
  a.name = "disconnect", a.scope = S::Node, a.command = "disconnect", a.undo_command = "connect", a.undoable = true;
  a.takes_network = true, a.detection = D::Down;
  a.explore = {{"disconnect", E::Node}};
  a.real = R::Network, a.apply = apply_disconnect;
  add(a);

  a = {};  // docker network connect
  a.name = "connect", a.opposite = "disconnect", a.scope = S::Node, a.command = "connect", a.takes_network = true, a.detection = D::Up;
  a.real = R::Network, a.apply = apply_connect;
  add(a);

  a = {};  // ip link set ethN down, inside the node
  a.name = "link_down", a.scope = S::Node, a.exec = true, a.undoable = true, a.takes_network = true, a.detection = D::Down;
  a.explore = {{"link_down", E::Node}};
  a.real = R::IpLink, a.net_admin = true, a.apply = apply_link_down;
  add(a);

  a = {};  // ip link set ethN up, inside the node
  a.name = "link_up", a.opposite = "link_down", a.scope = S::Node, a.exec = true, a.takes_network = true, a.detection = D::Up;
  a.real = R::IpLink, a.net_admin = true, a.apply = apply_link_up;
  add(a);

  a = {};  // iptables DROP between groups of nodes, both ways
  a.name = "partition", a.scope = S::Links, a.undoable = true;
  a.explore = {{"partition", E::Link}};
  a.real = R::Iptables, a.net_admin = true;
  a.read = read_partition, a.write = write_partition, a.summary = summary_partition, a.apply = apply_partition;
  add(a);

  a = {};
  a.name = "heal", a.scope = S::Everything, a.real = R::HealAll;
  a.read = read_heal, a.summary = summary_heal, a.apply = apply_heal;
  add(a);

  a = {};  // iptables DROP from some nodes to others, one protocol or all
  a.name = "drop", a.scope = S::Links, a.undoable = true;
  a.explore = {{"drop", E::Link}, {"drop_proto", E::Link}};
  a.real = R::Iptables, a.net_admin = true;
  a.read = read_drop, a.write = write_drop, a.summary = summary_drop, a.apply = apply_drop;
  add(a);

  a = {};  // tc netem delay
  a.name = "delay", a.scope = S::NodeNetem, a.undoable = true;
  a.explore = {{"delay", E::Node}};
  a.real = R::Netem, a.net_admin = true;
  a.read = read_delay, a.write = write_delay, a.summary = summary_delay, a.apply = apply_delay;
  add(a);

  a = {};  // tc netem loss
  a.name = "loss", a.scope = S::NodeNetem, a.undoable = true;
  a.explore = {{"loss", E::Node}};
  a.real = R::Netem, a.net_admin = true;
  a.read = read_loss, a.write = write_loss, a.summary = summary_loss, a.apply = apply_loss;
  add(a);

  a = {};  // the writer's connection string rewritten (docker exec)
  a.name = "repoint", a.scope = S::Workload, a.exec = true;
  a.explore = {{"repoint", E::Workload}};
  a.real = R::OperatorExec;
  a.read = read_repoint, a.write = write_repoint, a.summary = summary_repoint, a.apply = apply_repoint;
  add(a);
  return t;
}

/// Names for the Python export and the plan.
template <class E>
std::string_view name_in(E v, std::initializer_list<std::pair<E, std::string_view>> names) {
  for (const auto& [e, n] : names)
    if (e == v) return n;
  return "";
}

}  // namespace

const std::vector<FaultAction>& fault_actions() {
  static const std::vector<FaultAction> all = [] {
    std::vector<FaultAction> t = engine_actions();
    // The daemons' operator steps (their kinds' declarations): run with `docker exec` on a node
    // running a daemon that offers it; nothing to undo.
    for (const auto& op : operator_actions()) {
      FaultAction a;
      a.name = op;
      a.scope = FaultScope::Node;
      a.exec = true;
      a.operator_step = true;
      // A step that needs settings (sql's statement) has nothing explore could draw them from.
      if (operator_takes_node_alone(op)) a.explore = {{a.name, ExploreOn::Operator}};
      a.real = RealCommand::OperatorExec;
      a.read = read_operator, a.write = write_operator, a.summary = summary_operator, a.apply = apply_operator;
      t.push_back(a);
    }
    return t;
  }();
  return all;
}

const FaultAction* find_fault_action(std::string_view name) {
  for (const auto& a : fault_actions())
    if (a.name == name) return &a;
  return nullptr;
}

const FaultAction& fault_action(std::string_view name) {
  const FaultAction* a = find_fault_action(name);
  if (a == nullptr) throw std::logic_error("no fault action '" + std::string(name) + "'");
  return *a;
}

std::string engine_command(const FaultSpec& f, bool undo) {
  const FaultAction& a = fault_action(f.action);
  if (f.target.find('/') != std::string::npos || a.exec) return "exec";
  return std::string(undo ? a.undo_command : a.command);
}

DnsEffect dns_effect(const FaultSpec& f, bool undo) {
  const FaultAction& a = fault_action(f.action);
  if (f.target.find('/') != std::string::npos || a.exec) return DnsEffect::None;
  return undo ? a.undo_dns : a.dns;
}

std::string_view detection_name(Detection d) {
  return name_in(d, {{Detection::None, ""}, {Detection::Down, "down"}, {Detection::Up, "up"}});
}

std::string_view scope_name(FaultScope s) {
  using S = FaultScope;
  return name_in(s, {{S::NodeOrProcess, "node_or_process"}, {S::Node, "node"}, {S::NodeNetem, "node_netem"},
                     {S::Links, "links"}, {S::Everything, "everything"}, {S::Workload, "workload"}});
}

std::string_view real_command_name(RealCommand r) {
  using R = RealCommand;
  return name_in(r, {{R::Signal, "signal"}, {R::Network, "network"}, {R::IpLink, "ip_link"}, {R::Iptables, "iptables"},
                     {R::Netem, "netem"}, {R::PowerLoss, "power_loss"}, {R::HealAll, "heal_all"}, {R::OperatorExec, "operator_exec"}});
}

std::string_view entry_stamp_name(EntryStamp s) {
  return name_in(s, {{EntryStamp::None, ""}, {EntryStamp::Start, "start"}, {EntryStamp::Signalled, "signalled"}});
}

std::string_view explore_on_name(ExploreOn o) {
  using E = ExploreOn;
  return name_in(o, {{E::Process, "process"}, {E::Node, "node"}, {E::Link, "link"}, {E::Workload, "workload"},
                     {E::Operator, "operator"}});
}

}  // namespace scenarios
