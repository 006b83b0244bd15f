#include "scenarios/runner.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <set>
#include <stdexcept>

#include "models/postgres/client.hpp"
#include "models/runtime/embedded_dns.hpp"
#include "models/workloads/http_client.hpp"
#include "scenarios/checks/check.hpp"
#include "scenarios/chrome_spans.hpp"
#include "scenarios/events.hpp"
#include "scenarios/fault_actions.hpp"
#include "scenarios/kinds/registry.hpp"
#include "scenarios/postgres_ready.hpp"
#include "scenarios/workload_kinds.hpp"
#include "sim/events.hpp"
#include "sim/json.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"
#include "sim/tcp.hpp"

namespace scenarios {
namespace {

struct Built {
  std::vector<std::function<void(RunResult&)>> at_end;   // what daemons add to the result
  /// converge's conditions, by name: each entry lists what is not settled yet.
  std::map<std::string, std::vector<std::function<void(std::vector<std::string>&)>>> conditions;
};

std::string target_node(const std::string& target) { return target.substr(0, target.find('/')); }

void apply_timing(sim::Process& p, const ProcessTiming& t) {
  if (t.start_delay) p.start_delay = *t.start_delay;
  if (t.stop_delay) p.stop_delay = *t.stop_delay;
}

/// The stack, and its workloads unless `workloads` is false (the set-up's replay: the real
/// harness starts them only after its time 0).
Built build(sim::Simulation& s, const ScenarioSpec& spec, bool workloads = true) {
  Built b;
  sim::Network& net = s.network();
  for (const auto& n : spec.networks) net.add_segment(n.name, *sim::Subnet::parse(n.subnet), n.latency);
  // Fixed addresses first, so dynamic ones never take an address a later node asks for.
  for (const auto& ns : spec.nodes) s.add_node(ns.name);
  for (const auto& ns : spec.nodes) {
    sim::Node& node = *s.find_node(ns.name);
    for (const auto& a : ns.networks)
      if (!a.address.empty()) net.attach(node, *net.find_segment(a.network), sim::Ipv4::parse(a.address));
  }
  for (const auto& ns : spec.nodes) {
    sim::Node& node = *s.find_node(ns.name);
    for (const auto& a : ns.networks)
      if (a.address.empty()) net.attach(node, *net.find_segment(a.network), std::nullopt);
    node.dynamic_address = ns.dynamic_address;
    if (ns.router) net.set_router(node.id(), true);
    if (ns.start_delay) node.start_delay = *ns.start_delay;
    // Started with the stack (`compose up`): the engine's measured start-up, unless the scenario
    // says how this node starts. A host (runtime kind host) is up, its daemons running, at time 0,
    // and a later start brings it back at once (its link; the daemons' start-ups follow).
    const bool with_stack = ns.start;
    const bool host = spec.runtime.kind == models::runtime::RuntimeKind::Host;
    if (host && !ns.start_delay) {
      node.start_delay = sim::Distribution::constant(0);
      if (with_stack) node.first_start_delay = sim::Distribution::constant(0);
    }
    if (with_stack && !ns.start_delay && spec.runtime.compose_up.container) node.first_start_delay = *spec.runtime.compose_up.container;
    if (ns.stop_timeout) node.stop_timeout = *ns.stop_timeout;
    if (spec.runtime.teardown_delay) node.teardown_delay = *spec.runtime.teardown_delay;
    if (spec.runtime.kill_teardown_delay) node.kill_teardown_delay = *spec.runtime.kill_teardown_delay;
    node.disk().root().config = ns.disk;
    for (const auto& v : ns.volumes) node.disk().add_volume(v.name, v.target, v.kind).config = v.config;
    for (std::size_t i = 0; i < ns.components.size(); ++i) {
      BuildContext ctx{spec, spec.runtime.wakeup_delay ? &*spec.runtime.wakeup_delay : nullptr, &b.at_end, &b.conditions};
      sim::Process* p = &visit_kind(ns.components[i], [&](auto kind, const auto& c) -> sim::Process& {
        return decltype(kind)::build(node, c, ctx);
      });
      const std::string key(kind_key(ns.components[i]));
      const bool own_start = i < ns.timings.size() && ns.timings[i].start_delay;
      // The engine's measured start-ups, unless the node's section says how this daemon starts.
      if (auto d = spec.runtime.daemon_start.find(key); d != spec.runtime.daemon_start.end() && !own_start)
        p->start_delay = d->second;
      if (i < ns.timings.size()) apply_timing(*p, ns.timings[i]);
      if (with_stack && !own_start && host) p->first_start_delay = sim::Distribution::constant(0);
      if (with_stack && !own_start) {
        auto d = spec.runtime.compose_up.daemons.find(key);
        if (d != spec.runtime.compose_up.daemons.end()) p->first_start_delay = d->second;
      }
    }
  }
  // A machine keeps its NIC across a boot, and with it its MAC: its peers' neighbour entries for
  // its addresses stay valid (the network model gives every node start a new MAC, a restarted
  // container's new veth). So a host's later boot repoints them, as if they had never changed.
  // Real runs in namespaces (a node's veth kept across its stop and start): the rebooted nginx was
  // UP 2.7-4.8 s after its boot, where a new MAC cost a median of 10.8 s.
  if (spec.runtime.kind == models::runtime::RuntimeKind::Host) {
    std::map<std::string, std::vector<sim::SegmentId>> segments;
    for (const auto& ns : spec.nodes)
      for (const auto& a : ns.networks) segments[ns.name].push_back(*net.find_segment(a.network));
    s.trace().observe([&s, segments](const sim::TraceRecord& r) {
      sim::Node* n = s.find_node(r.text("node"));
      auto it = segments.find(r.text("node"));
      if (n == nullptr || n->starts() <= 1 || it == segments.end()) return;
      for (const auto seg : it->second)
        if (auto ip = s.network().address_of(n->id(), seg)) s.network().gratuitous_arp(n->id(), *ip);
    }, {sim::events::kNodeUp});
  }
  // The kernel's SYN retransmission settings, when the scenario gives its hosts' (one kernel for
  // every node, as containers share their host's; a real run sets them per container).
  if (const auto& k = spec.runtime.kernel; !k.empty()) {
    sim::SynSchedule syn = s.tcp().syn_schedule();
    if (k.tcp_syn_retries) syn.syn_retries = *k.tcp_syn_retries;
    if (k.tcp_syn_linear_timeouts) syn.linear_timeouts = *k.tcp_syn_linear_timeouts;
    s.tcp().set_syn_schedule(syn);
  }
  // One draw per run, shared by every loop on the machine (its stream exists only when used, so
  // scenarios without it keep their traces).
  double load = 1.0;
  if (spec.runtime.exec_load_sigma > 0) {
    sim::Rng rng = s.rng("runtime/exec_load");
    load = rng.lognormal_median(1.0, spec.runtime.exec_load_sigma);
  }
  if (workloads)
    for (const auto& [name, w] : spec.workloads) find_workload_kind(w.kind)->build(s, spec, name, w, load);
  return b;
}

/// Runs `effect` once the engine has carried out `command`, issued now: at once for an ideal
/// engine (no `runtime.command_delay` for it), else after a draw from the command's distribution.
void after_command(sim::Simulation& s, const ScenarioSpec& spec, const std::string& command, const std::string& stream,
                   std::function<void()> effect) {
  auto it = command.empty() ? spec.runtime.command_delay.end() : spec.runtime.command_delay.find(command);
  if (it == spec.runtime.command_delay.end()) {
    effect();
    return;
  }
  sim::Rng rng = s.rng(stream);
  const sim::Time d = it->second.sample(rng);
  if (d <= 0) {
    effect();
    return;
  }
  s.after(d, std::move(effect), sim::Phase::Fault);
}

/// Tells the engine's DNS what a fault's command does to a container's name, when the command is
/// issued (the delays it models are measured from there).
void tell_dns(sim::Simulation& s, DnsEffect effect, const std::string& node) {
  auto* dns = models::runtime::EmbeddedDns::of(s);
  if (dns == nullptr || node.empty()) return;
  if (effect == DnsEffect::Started) dns->container_started(node);
  else if (effect == DnsEffect::Stopped) dns->container_stopped(node);
}

/// The faults in effect: each entry ends its fault once (the undo command, as `for` issues it)
/// and does nothing after that; `healed` is set at `heal_at`, after which a fault whose command
/// takes effect late is ended as soon as it does.
struct FaultsInEffect {
  std::vector<std::function<void()>> enders;
  /// One per stop, kill or crash: at heal_at, starts its target again if the fault's own start
  /// (its `for`) left it down, because that start came while the target was still going down
  /// (a `docker start` then does nothing) or the daemon refused to run. The liveness phase
  /// starts from every fault healed, not from the operator's race.
  std::vector<std::function<void()>> restorers;
  /// Stops, kills and crashes in effect per target: a restorer leaves a target alone while
  /// another fault still holds it down (that fault's own end starts it).
  std::map<std::string, int> holding;
  bool healed = false;
};

/// Starts a node or process once it has finished going down (a start before that does
/// nothing), polling every 10 ms for at most 10 simulated minutes (a stop never takes that
/// long unless a scenario says so; the poll must not outlive it by running to the end);
/// at once if it is down already; nothing if it runs.
void start_when_down(sim::Simulation& s, sim::Node* node, sim::Process* proc, int polls_left = 60000) {
  const bool going = proc ? proc->state() == sim::ProcessState::Stopping : node->going_down();
  if (going) {
    if (polls_left > 0)
      s.after(10 * sim::kMillisecond, [&s, node, proc, polls_left] { start_when_down(s, node, proc, polls_left - 1); },
              sim::Phase::Fault);
    return;
  }
  const bool down = proc ? proc->state() == sim::ProcessState::Stopped : !node->up();
  if (!down) return;
  s.record(events::kHealStart, {{sim::events::field::kNode, node->name()}, {sim::events::field::kProcess, proc ? proc->name() : std::string()}},
           true);
  proc ? proc->start() : node->start();
}

/// A fault's process target on `node`, as the real commands find it (validation/render.cpp):
/// `NAME` is the process of that name, and a kill or freeze signals every process whose comm is
/// NAME (`pkill -x NAME`: keepalived's parent and VRRP child); `NAME_parent` is the process NAME
/// alone, without the children it forked (`kill $(cat its pid file)`). `group` gets what a kill
/// or freeze signals.
/// The process a fault's NODE/NAME signals, and in `group` every process the signal reaches: a
/// daemon's target as its kind declares it (keepalived's parent alone, or both its processes as
/// `pkill -x` would), else the process of that name and those sharing its `comm`.
sim::Process* resolve_process(sim::Node& node, const NodeSpec* spec, const std::string& name, std::vector<sim::Process*>& group) {
  if (spec != nullptr) {
    const std::vector<FaultTarget> targets = fault_targets(*spec);
    if (const FaultTarget* t = find_fault_target(targets, name)) {
      sim::Process* p = node.process(t->process);
      if (p != nullptr) group = t->same_comm ? node.processes_with_comm(p->comm()) : std::vector<sim::Process*>{p};
      return p;
    }
  }
  sim::Process* p = node.process(name);
  if (p == nullptr) return nullptr;
  group = p->comm() == name ? node.processes_with_comm(name) : std::vector<sim::Process*>{p};
  return p;
}

void schedule_faults(sim::Simulation& s, const ScenarioSpec& spec, const std::vector<FaultSpec>& faults, FaultsInEffect& live) {
  for (std::size_t i = 0; i < faults.size(); ++i) {
    const FaultSpec& f = faults[i];
    sim::Time at = f.at;
    if (const sim::Time width = f.jitter_or(spec.fault_jitter); width > 0) {
      sim::Rng jitter = s.rng("faults/" + std::to_string(i) + "/jitter");
      at += jitter.uniform_int(0, width - 1);
    }
    const std::string stream = "runtime/command/faults/" + std::to_string(i);
    s.at(s.origin() + at, [&s, &spec, &live, f, stream] {
      sim::Network& net = s.network();
      sim::Node* node = f.target.empty() ? nullptr : s.find_node(target_node(f.target));
      sim::Process* proc = nullptr;
      std::vector<sim::Process*> group;  // what a kill or freeze signals
      if (node != nullptr && f.target.find('/') != std::string::npos) {
        const std::string name = f.target.substr(f.target.find('/') + 1);
        const auto ns = std::find_if(spec.nodes.begin(), spec.nodes.end(), [&](const NodeSpec& n) { return n.name == node->name(); });
        proc = resolve_process(*node, ns == spec.nodes.end() ? nullptr : &*ns, name, group);
      }
      std::optional<sim::SegmentId> seg;
      if (!f.network.empty()) seg = net.find_segment(f.network);
      s.log().info("fault: {} {} ({})", f.action, f.target, f.source);
      // The record marks the command's issue: detection metrics count from here, as the real
      // runs do (validation/README.md).
      namespace ev = scenarios::events;
      s.record(ev::kFault, {{sim::events::field::kNode, node ? node->name() : std::string()}, {ev::field::kAction, f.action},
                            {ev::field::kTarget, f.target}, {ev::field::kSource, f.source}}, true);
      const FaultAction& action = fault_action(f.action);
      // Operator steps run as `docker exec` (psql's pg_promote(), rewriting the writer's target),
      // as do signals to one process and `ip link set`: they take effect after the engine's exec
      // latency, which validation measures.
      const std::string command = engine_command(f, false);
      tell_dns(s, dns_effect(f, false), node ? node->name() : std::string());
      // What the fault does, and how to undo it, once the engine has acted.
      auto undo = std::make_shared<std::function<void()>>();
      // Ends the fault: the undo command is issued now and takes effect after its latency.
      auto ended_early = std::make_shared<bool>(false);  // by its `for`, before heal_at
      auto end = [&s, &spec, &live, &action, f, node, undo, stream, ended_early] {
        if (!*undo) return;
        *ended_early = !live.healed;
        if (action.undo_starts) --live.holding[f.target];
        std::function<void()> back_effect = std::move(*undo);
        *undo = nullptr;  // once: `for` and heal_at may both come
        s.record(events::kFaultEnd, {{events::field::kAction, f.action}, {events::field::kTarget, f.target},
                                     {events::field::kSource, f.source}}, true);
        const std::string back = engine_command(f, true);
        tell_dns(s, dns_effect(f, true), node ? node->name() : std::string());
        after_command(s, spec, back, stream + "/undo", [back_effect] { back_effect(); });
      };
      live.enders.push_back(end);
      auto apply = [&s, &spec, &live, &action, f, node, proc, group, seg, undo, end, ended_early] {
        FaultContext c{s, spec, f, node, proc, group, seg};
        *undo = action.apply(c);
        if (action.undo_starts && *undo) {
          ++live.holding[f.target];
          live.restorers.push_back([&s, &live, f, node, proc, ended_early] {
            if (*ended_early && live.holding[f.target] == 0) start_when_down(s, node, proc);
          });
        }
        if (live.healed) end();  // took effect after heal_at: it ends at once
      };
      after_command(s, spec, command, stream, apply);
      // The undo command is issued `for` after this one, whenever this one took effect.
      if (f.for_) s.after(*f.for_, end, sim::Phase::Fault);
    }, sim::Phase::Fault);
  }
}

/// heal_at: every fault still in effect ends, and every network rule goes; `converge` then checks
/// that the invariants it names hold again `within` later.
/// What a converge condition finds unsettled now, one line each (none: it holds).
using ConditionCheck = std::function<std::vector<std::string>(const std::string& condition)>;

void schedule_heal(sim::Simulation& s, const ScenarioSpec& spec, FaultsInEffect& live, ConditionCheck unsettled) {
  if (!spec.heal_at) return;
  s.at(s.origin() + *spec.heal_at, [&s, &live] {
    s.record(events::kHealAt, {{"faults", static_cast<std::int64_t>(live.enders.size())}}, true);
    for (auto& restore : live.restorers) restore();
    live.healed = true;
    for (auto& end : live.enders) end();
    s.network().heal_all();
  }, sim::Phase::Fault);
  if (!spec.converge) return;
  const ConvergeSpec& c = *spec.converge;
  s.at(s.origin() + *spec.heal_at + c.within, [&s, &c, unsettled] {
    int missed = 0;
    const auto& conditions = converge_conditions();
    for (const auto& name : c.holds) {
      if (std::find(conditions.begin(), conditions.end(), name) != conditions.end()) {
        for (const auto& detail : unsettled(name)) {
          ++missed;
          s.invariants().point(s.scenario_now(), "converge",
                               name + " not reached " + sim::format_duration(c.within) + " after heal_at: " + detail);
        }
        continue;
      }
      for (const auto& detail : s.invariants().open_now(name)) {
        ++missed;
        s.invariants().point(s.scenario_now(), "converge",
                             name + " still violated " + sim::format_duration(c.within) + " after heal_at: " + detail);
      }
    }
    s.record(events::kConverge, {{"ok", missed == 0}, {"missed", static_cast<std::int64_t>(missed)}, {"source", c.source}}, true);
  }, sim::Phase::Fault);
}

/// Starts the nodes as compose does: a node with `depends_on` starts once every node it depends
/// on has come up (compose waits for the containers to start, not to be healthy).
void start_nodes(sim::Simulation& s, const ScenarioSpec& spec) {
  for (const auto& ns : spec.nodes) {
    if (!ns.start) continue;
    sim::Node* node = s.find_node(ns.name);
    if (ns.depends_on.empty()) {
      node->start();
      continue;
    }
    std::vector<sim::Node*> deps;
    for (const auto& d : ns.depends_on) deps.push_back(s.find_node(d));
    auto poll = std::make_shared<std::function<void()>>();
    std::weak_ptr<std::function<void()>> weak = poll;
    *poll = [&s, node, deps, weak] {
      for (sim::Node* d : deps)
        if (!d->up()) {
          if (auto again = weak.lock()) s.after(10 * sim::kMillisecond, [again] { (*again)(); });
          return;
        }
      node->start();
    };
    s.at(s.now(), [poll] { (*poll)(); });
  }
}

/// The engine time that is the run's time 0: for a PostgreSQL stack with standbys, when the real
/// harness's wait for the set-up would end (scenarios/postgres_ready.hpp), else 0. The set-up is
/// replayed once alone, from the same seed, to find that moment: the run's own set-up is then
/// the same one (its workloads, faults and monitors come after it and draw from streams of their
/// own). Where the wait would not end (a standby that never streams), 0, as if there were no
/// set-up to wait for.
sim::Time set_up_origin(const ScenarioSpec& spec, std::uint64_t seed) {
  if (!PostgresReadyWait::needed(spec)) return 0;
  sim::Simulation s(seed);
  PostgresReadyWait wait(s, spec);
  s.trace().set_keep(sim::Trace::Keep::None);
  s.trace().set_hashing(false);
  Built b = build(s, spec, /*workloads=*/false);
  models::runtime::EmbeddedDns dns(s, spec.runtime.dns);
  start_nodes(s, spec);
  wait.start();
  while (!wait.ready_at() && s.now() <= PostgresReadyWait::kLimit && s.step()) {
  }
  return wait.ready_at().value_or(0);
}

/// s.run_until(spec.duration), one event at a time so that a run cannot outgrow its event
/// budget (a runaway costs memory as well as time). `reached` is set by a marker at duration +
/// 1 ns that run_scenario schedules before anything else, so it is the first event past the
/// end: every event up to the end runs, in the same order, and nothing after it, exactly as
/// run_until would.
std::string seconds(sim::Time t) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3fs", sim::to_seconds(t));
  return buf;
}

void run_to_end(sim::Simulation& s, const ScenarioSpec& spec, const RunOptions& options, const bool& reached) {
  while (!reached && s.step()) {
    const std::uint64_t n = s.events_processed();
    if (options.max_events > 0 && n > options.max_events)
      throw ScenarioError(spec.duration_source, "duration",
                          "the run stopped at " + seconds(s.scenario_now()) + " of " + seconds(spec.duration) + " simulated after " +
                              std::to_string(options.max_events) +
                              " events, its budget: shorten the run or slow what repeats, or raise the budget (--max-events N, "
                              "Python max_events=N; 0 for no limit)");
    if (options.on_progress && (n & 0xffff) == 0) options.on_progress(s.scenario_now(), n);
  }
}

}  // namespace

bool EventSelection::wants(const sim::TraceRecord& r) const {
  if (all || r.notable) return true;
  for (const auto& k : kinds)
    if (k == r.kind) return true;
  return false;
}

EventSelection EventSelection::parse(const std::string& text) {
  EventSelection e;
  if (text == "notable") return e;
  if (text == "all") {
    e.all = true;
    return e;
  }
  std::string::size_type from = 0;
  while (true) {
    const auto comma = text.find(',', from);
    std::string k = text.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    if (k.empty()) throw std::invalid_argument("expected notable, all or a list of event kinds such as request,check");
    e.kinds.push_back(std::move(k));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return e;
}

RunResult run_scenario(const ScenarioSpec& spec, std::uint64_t seed, const RunOptions& options) {
  const sim::Time origin = set_up_origin(spec, seed);
  sim::Simulation s(seed);
  s.set_origin(origin);
  bool reached = false;  // see run_to_end
  s.at(origin + spec.duration + 1, [&reached] { reached = true; }, sim::Phase::Fault);
  s.log().set_level(static_cast<spdlog::level::level_enum>(options.log_level));
  s.trace().set_detail(options.detail || options.keep_trace);
  // Records are hashed as they are made; only what the result needs stays in memory.
  s.trace().set_keep(options.keep_trace     ? sim::Trace::Keep::All
                     : options.verdict_only ? sim::Trace::Keep::None
                                            : sim::Trace::Keep::Notable);
  if (options.verdict_only && !options.keep_trace) s.trace().set_hashing(false);
  if (options.trace_sink) s.trace().set_sink(options.trace_sink);
  for (const auto& inv : spec.invariants) s.invariants().enable(inv);
  if (spec.converge) {
    s.invariants().enable("converge");
    for (const auto& inv : spec.converge->holds) s.invariants().enable(inv);
  }
  // The metrics, invariants and converge conditions the stack's kinds and workloads compute from
  // the records as they are made (scenarios/checks/), the same code `hasim validate` runs on a
  // real run's events.
  CheckSet checks = make_checks(spec, s.invariants());
  // Only the kinds the checks read: a debug record of another kind is then not even made when
  // `detail` is off (explore's runs).
  if (checks.size() > 0) s.trace().observe([&checks](const sim::TraceRecord& r) { checks.on_record(r); }, checks.kinds());
  // `--events all` or KINDS: an observer sees every record, written to the trace or not.
  std::vector<sim::TraceRecord> selected;
  if (!options.events.notable_only())
    s.trace().observe([&selected, &options](const sim::TraceRecord& r) {
      if (options.events.wants(r)) selected.push_back(r);
    });
  Built b = build(s, spec);
  // The engine's DNS, which HAProxy's resolvers and the clients query. Its defaults answer as
  // an ideal engine, the same as no server at all.
  models::runtime::EmbeddedDns dns(s, spec.runtime.dns);
  // A seed above 2^63-1 is recorded as its decimal text: exact, where a signed field would
  // show it negative (seeds up to 2^63-1, all of them before, keep their traces).
  s.record(events::kRunStart, {{"scenario", spec.name},
                         {"seed", seed <= static_cast<std::uint64_t>(INT64_MAX) ? sim::FieldValue(static_cast<std::int64_t>(seed))
                                                                                : sim::FieldValue(std::to_string(seed))}},
           true);
  start_nodes(s, spec);
  FaultsInEffect live;
  schedule_faults(s, spec, options.faults != nullptr ? *options.faults : spec.faults, live);
  // converge's conditions: the kinds' own (b.conditions, then their checks'), and those only the
  // run can see.
  ConditionCheck unsettled = [&s, &spec, &b, &checks](const std::string& condition) {
    std::vector<std::string> problems;
    if (auto it = b.conditions.find(condition); it != b.conditions.end())
      for (const auto& check : it->second) check(problems);
    checks.unsettled(condition, problems);
    if (condition == "daemons_running")
      for (const auto& ns : spec.nodes) {
        if (!ns.start) continue;
        const sim::Node* node = s.find_node(ns.name);
        for (const auto& c : ns.components) {
          const std::string key(kind_key(c));
          const sim::Process* p = node->process(key);
          if (!node->up()) problems.push_back(ns.name + " is down");
          else if (p == nullptr || !p->running()) problems.push_back(key + " on " + ns.name + " is not running");
          if (!node->up()) break;
        }
      }
    return problems;
  };
  schedule_heal(s, spec, live, unsettled);
  run_to_end(s, spec, options, reached);
  std::map<std::string, double> checked;
  checks.finish(spec.duration, checked);  // before the invariants close: it may add violations
  s.invariants().finish(spec.duration);

  RunResult r;
  r.scenario = spec.name;
  r.seed = seed;
  r.duration = spec.duration;
  r.metrics = s.metrics().all();
  for (const auto& [k, v] : checked) r.metrics[k] = v;
  for (const auto& v : s.invariants().violations()) r.metrics["violations." + v.invariant] += 1;
  r.violations = s.invariants().violations();
  if (options.events.notable_only()) {
    for (const auto& rec : s.trace().records())
      if (rec.notable) r.events.push_back(rec);
  } else {
    r.events = std::move(selected);
  }
  for (const auto& f : b.at_end) f(r);
  r.events_processed = s.events_processed() - 1;  // less run_to_end's own marker
  r.trace_records = s.trace().size();
  r.trace_sha256 = s.trace().sha256();
  if (options.keep_trace) {
    r.trace_jsonl = s.trace().jsonl();
    // Intervals as spans (faults, VRRP states, VIPs, servers DOWN, requests), then violations.
    std::vector<sim::Trace::Span> spans = chrome_spans(s.trace().records(), spec.duration);
    for (const auto& v : r.violations) spans.push_back({v.invariant, "invariant " + v.invariant, v.start, v.end, v.detail});
    r.chrome_trace = s.trace().chrome_json(spans);
  }
  return r;
}

}  // namespace scenarios
