#include "scenarios/explore.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "scenarios/emit.hpp"
#include "scenarios/fault_actions.hpp"
#include "scenarios/workload_kinds.hpp"
#include "scenarios/job_pool.hpp"
#include "scenarios/kinds/kinds.hpp"
#include "scenarios/kinds/registry.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/output.hpp"
#include "scenarios/reader.hpp"
#include "scenarios/report.hpp"
#include "sim/events.hpp"
#include "sim/json.hpp"
#include "sim/network.hpp"

namespace scenarios {
namespace {

/// The action a profile's fault kind draws, and on what (scenarios/fault_actions.hpp).
struct KindOf {
  const FaultAction* action = nullptr;
  ExploreOn on = ExploreOn::Node;
};

KindOf kind_of(const std::string& kind) {
  for (const auto& a : fault_actions())
    for (const auto& k : a.explore)
      if (k.name == kind) return {&a, k.on};
  return {};
}

bool contains(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

const NodeSpec* node_of(const ScenarioSpec& s, const std::string& name) {
  for (const auto& n : s.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

std::vector<std::string> node_names(const ScenarioSpec& s) {
  std::vector<std::string> out;
  for (const auto& n : s.nodes) out.push_back(n.name);
  return out;
}

/// Every target a profile may name on this scenario, as the kinds declare them: each node that
/// runs a daemon, then its NODE/PROCESS fault targets.
std::vector<std::string> all_targets(const ScenarioSpec& s) {
  std::vector<std::string> out;
  for (const auto& n : s.nodes) {
    const auto targets = fault_targets(n);
    if (targets.empty()) continue;
    out.push_back(n.name);
    for (const auto& t : targets) out.push_back(n.name + "/" + t.name);
  }
  return out;
}

/// The daemon kinds a node runs (their YAML keys).
std::vector<std::string> kinds_on(const NodeSpec& n) {
  std::vector<std::string> out;
  for (const auto& c : n.components) out.emplace_back(kind_key(c));
  return out;
}

/// The workloads `repoint` may send elsewhere (their kinds say so: pg_writer), and for each the nodes it may be repointed to: every node running a
/// daemon of a kind its configured host runs (the other database servers), its host included.
std::vector<std::pair<std::string, std::vector<std::string>>> repoint_choices(const ScenarioSpec& s) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& [name, w] : s.workloads) {
    if (!find_workload_kind(w.kind)->repointable) continue;
    const NodeSpec* host = node_of(s, w.pg.host);
    if (host == nullptr) continue;
    std::vector<std::string> servers;
    for (const auto& n : s.nodes)
      for (const auto& k : kinds_on(n))
        if (contains(kinds_on(*host), k) && !contains(servers, n.name)) servers.push_back(n.name);
    if (!servers.empty()) out.emplace_back(name, servers);
  }
  return out;
}

sim::Time ms(sim::Time t) { return t / sim::kMillisecond; }

/// What each kind may apply to under this profile.
std::map<std::string, std::vector<std::string>> applicable(const ScenarioSpec& s, const FaultProfile& p) {
  std::map<std::string, std::vector<std::string>> out;
  std::vector<std::string> nodes;  // whole-node targets
  for (const auto& t : p.targets)
    if (t.find('/') == std::string::npos) nodes.push_back(t);
  for (const auto& kind : p.kinds) {
    const KindOf k = kind_of(kind);
    std::vector<std::string>& list = out[kind];
    for (const auto& t : p.targets) {
      const auto slash = t.find('/');
      const NodeSpec* ns = node_of(s, t.substr(0, slash));
      if (ns == nullptr) continue;
      if (slash != std::string::npos) {
        if (k.on != ExploreOn::Process) continue;
        const auto targets = fault_targets(*ns);
        const FaultTarget* ft = find_fault_target(targets, t.substr(slash + 1));
        // A forked process (keepalived's VRRP child) is respawned by its parent: it can be
        // killed, stopped or frozen, not restarted.
        if (ft != nullptr && !ft->forked_by.empty() && k.action->starts) continue;
        list.push_back(t);
      } else if (k.on == ExploreOn::Node) {
        list.push_back(t);
      } else if (k.on == ExploreOn::Workload) {
        for (const auto& [w, servers] : repoint_choices(s))
          if (contains(servers, t) && !contains(list, t)) list.push_back(t);
      } else if (k.on == ExploreOn::Link) {
        if (kind == "partition" ? s.nodes.size() >= 2 : nodes.size() >= 2) list.push_back(t);
      } else if (k.on == ExploreOn::Operator && !daemon_for_action(*ns, kind).empty()) {
        list.push_back(t);
      }
    }
    if (list.empty()) out.erase(kind);
  }
  return out;
}

FaultSpec make_fault(const ScenarioSpec& s, const FaultProfile& p, const std::string& kind, const std::string& target,
                     sim::Rng& rng, sim::Time at, sim::Time length) {
  FaultSpec f;
  f.at = at;
  f.jitter = 0;
  f.source = "explore";
  const auto slash = target.find('/');
  const std::string node = target.substr(0, slash);
  const KindOf k = kind_of(kind);
  if (k.on == ExploreOn::Process) {
    f.action = k.action->name;
    f.target = target;
    const NodeSpec* ns = node_of(s, node);
    const auto targets = fault_targets(*ns);
    const FaultTarget* ft = find_fault_target(targets, target.substr(slash + 1));
    const bool forked = ft != nullptr && !ft->forked_by.empty();
    // Undone after `length`, unless undoing it would start a process its parent forks.
    if (k.action->undoable && !(forked && k.action->undo_starts)) f.for_ = length;
  } else if (k.on == ExploreOn::Node) {
    f.action = k.action->name;
    f.target = node;
    // A restart or a re-create is one command with nothing to undo.
    if (k.action->undoable) f.for_ = length;
    if (kind == "delay") {  // netem's added delay, whole milliseconds
      const sim::Time lo = p.delay_min / sim::kMillisecond, hi = std::max(lo, p.delay_max / sim::kMillisecond);
      f.delay = sim::Distribution::constant(rng.uniform_int(lo, hi) * sim::kMillisecond);
    } else if (kind == "loss") {  // a loss probability in whole percent
      const auto lo = static_cast<std::int64_t>(std::llround(p.loss_min * 100));
      const auto hi = std::max(lo, static_cast<std::int64_t>(std::llround(p.loss_max * 100)));
      f.loss = static_cast<double>(rng.uniform_int(lo, hi)) / 100.0;
    }
  } else if (k.on == ExploreOn::Workload) {
    // Among the writers that may go to this server, one drawn.
    std::vector<std::string> writers;
    for (const auto& [w, servers] : repoint_choices(s))
      if (contains(servers, node)) writers.push_back(w);
    f.action = k.action->name;
    f.workload = writers[static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(writers.size()) - 1))];
    f.host = node;
    f.target = s.workloads.at(f.workload).node + "/client:" + f.workload;
  } else if (kind == "partition") {
    f.action = "partition";
    std::vector<std::string> rest;
    for (const auto& n : s.nodes)
      if (n.name != node) rest.push_back(n.name);
    f.groups = {{node}, rest};
    f.for_ = length;
  } else if (kind == "drop" || kind == "drop_proto") {
    std::vector<std::string> others;
    for (const auto& t : p.targets)
      if (t.find('/') == std::string::npos && t != node) others.push_back(t);
    f.action = "drop";
    f.from = {node};
    f.to = {others[static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(others.size()) - 1))]};
    if (kind == "drop_proto") {
      const std::string& proto =
          p.protocols[static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(p.protocols.size()) - 1))];
      f.proto = sim::proto_from_name(proto);
      f.both_ways = true;
    }
    f.for_ = length;
  } else {
    f.action = kind;  // an operator step: promote NODE
    f.target = node;
  }
  return f;
}

/// One fault as the scenario entry that loads back as it: {at, ACTION: ..., for, jitter: 0s}.
Tree fault_tree(const FaultSpec& f) {
  Tree t;
  t.kind = Tree::Kind::Map;
  auto put = [](Tree& m, const std::string& k, Tree v) {
    m.map.emplace_back(k, std::move(v));
    m.key_sources.push_back(Source{});
  };
  put(t, "at", scalar_tree(exact_duration_text(f.at)));
  put(t, f.action, fault_action(f.action).write(f));
  if (f.for_) put(t, "for", scalar_tree(exact_duration_text(*f.for_)));
  put(t, "jitter", scalar_tree("0s"));
  return t;
}

void set_key(Tree& m, const std::string& key, Tree value) {
  if (Tree* t = m.find(key)) {
    *t = std::move(value);
    return;
  }
  m.map.emplace_back(key, std::move(value));
  m.key_sources.push_back(Source{});
}

std::string slug(const std::string& kind) {
  std::string s = kind;
  std::replace(s.begin(), s.end(), '/', '-');
  return s;
}

std::string seconds_text(sim::Time t) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3fs", sim::to_seconds(t));
  return buf;
}

/// The first violation of `kind` in a run.
const sim::Violation* first_of(const RunResult& r, const std::string& kind) {
  for (const auto& v : r.violations) {
    const std::string k = v.invariant == "converge" ? "liveness/" + v.detail.substr(0, v.detail.find(' ')) : v.invariant;
    if (k == kind) return &v;
  }
  return nullptr;
}

/// One line from the trace: who held the VIP when, which servers ran as primaries when, which
/// commits were lost, what had not settled after the heal.
std::string explain(const std::string& kind, const RunResult& r) {
  const sim::Violation* v = first_of(r, kind);
  if (v == nullptr) return "";
  char length[32];
  std::snprintf(length, sizeof length, "%.3f s", sim::to_seconds(v->duration()));
  const std::string span = " from " + seconds_text(v->start) + " to " + seconds_text(v->end) + " (" + length + ")";
  if (kind == "single_vip_holder") {
    const std::string vip = v->detail.substr(0, v->detail.find(' '));
    std::map<std::string, sim::Time> since;  // holder -> when it last added the VIP
    for (const auto& e : r.events) {
      if (e.time > v->start) break;
      if (e.kind == sim::events::kVipAdded && e.text(sim::events::field::kVip) == vip) since[e.text("node")] = e.time;
      if (e.kind == sim::events::kVipRemoved && e.text(sim::events::field::kVip) == vip) since.erase(e.text("node"));
    }
    std::string who;
    for (const auto& [node, t] : since) who += (who.empty() ? "" : " and ") + node + " (since " + seconds_text(t) + ")";
    return vip + " held by " + who + span;
  }
  if (kind == "no_acked_commit_lost") {
    std::size_t n = 0;
    for (const auto& x : r.violations) n += x.invariant == kind;
    return std::to_string(n) + " acknowledged commit(s) lost; the first, acknowledged at " + seconds_text(v->start) + ": " +
           v->detail;
  }
  if (kind.rfind("liveness/", 0) == 0) return "at " + seconds_text(v->start) + ": " + v->detail;
  return v->detail + span;
}

}  // namespace

std::vector<std::string> profile_fault_kinds() {
  std::vector<std::string> out;
  for (const ExploreOn on : {ExploreOn::Link, ExploreOn::Process, ExploreOn::Node, ExploreOn::Workload, ExploreOn::Operator})
    for (const auto& a : fault_actions())
      for (const auto& k : a.explore)
        if (k.on == on) out.push_back(k.name);
  return out;
}

FaultProfile load_fault_profile(const std::string& path, const ScenarioSpec& scenario) {
  const Tree root = load_tree(path);
  MapReader r(root, "", {"name", "description", "kinds", "targets", "protocols", "count", "window", "for", "delay", "loss",
                         "heal_at", "converge", "invariants"});
  FaultProfile p;
  p.file = path;
  p.name = r.str("name", "");
  p.description = r.str("description", "");
  if (p.name.empty()) fail(r.has("name") ? *r.get("name") : root, "name", "missing (a short name for the profile)");
  // Kinds.
  const auto kinds = profile_fault_kinds();
  if (!r.has("kinds")) fail(root, "kinds", "missing (the fault kinds to draw from, e.g. [partition, freeze, crash])");
  p.kinds = r.str_list("kinds");
  for (std::size_t i = 0; i < p.kinds.size(); ++i) {
    const Tree& at = r.get("kinds")->is_seq() ? r.get("kinds")->seq[i] : *r.get("kinds");
    if (!contains(kinds, p.kinds[i])) {
      std::string all;
      for (const auto& k : kinds) all += (all.empty() ? "" : ", ") + k;
      fail(at, "kinds." + std::to_string(i),
           "unknown fault kind '" + shown(p.kinds[i]) + "' (did you mean '" + closest(p.kinds[i], kinds) + "'?); valid: " + all);
    }
  }
  if (p.kinds.empty()) fail(*r.get("kinds"), "kinds", "names no fault kind");
  // Targets: every one the stack's kinds declare, unless the profile lists its own.
  const std::vector<std::string> nodes = node_names(scenario);
  if (r.has("targets")) {
    p.targets = r.str_list("targets");
    const Tree& tt = *r.get("targets");
    for (std::size_t i = 0; i < p.targets.size(); ++i) {
      const Tree& at = tt.is_seq() ? tt.seq[i] : tt;
      const std::string ap = "targets." + std::to_string(i);
      const std::string& t = p.targets[i];
      const auto slash = t.find('/');
      const std::string node = t.substr(0, slash);
      const NodeSpec* ns = node_of(scenario, node);
      if (ns == nullptr)
        fail(at, ap, "the scenario has no node named '" + shown(node) + "' (did you mean '" + closest(node, nodes) + "'?)");
      if (slash != std::string::npos) {
        std::vector<std::string> procs;
        for (const auto& ft : fault_targets(*ns)) procs.push_back(ft.name);
        const std::string proc = t.substr(slash + 1);
        if (!contains(procs, proc))
          fail(at, ap, "node '" + node + "' runs no process '" + shown(proc) + "'" +
                           (procs.empty() ? "" : " (did you mean '" + closest(proc, procs) + "'?)"));
      }
    }
  } else {
    p.targets = all_targets(scenario);
  }
  if (r.has("protocols")) {
    p.protocols = r.str_list("protocols");
    for (std::size_t i = 0; i < p.protocols.size(); ++i)
      if (sim::proto_from_name(p.protocols[i]) == 0 || p.protocols[i] == "all")
        fail(r.get("protocols")->is_seq() ? r.get("protocols")->seq[i] : *r.get("protocols"), "protocols." + std::to_string(i),
             "unknown protocol '" + shown(p.protocols[i]) + "' (tcp, udp, vrrp, icmp or arp)");
    if (p.protocols.empty()) fail(*r.get("protocols"), "protocols", "names no protocol");
  }
  if (const Tree* c = r.get("count")) {
    MapReader cr(*c, "count", {"min", "max"});
    p.count_min = static_cast<int>(cr.integer("min", p.count_min, 1, 64));
    p.count_max = static_cast<int>(cr.integer("max", std::max(p.count_min, p.count_max), 1, 64));
    if (p.count_max < p.count_min) fail(*cr.get("max"), "count.max", "is below count.min");
  }
  if (const Tree* w = r.get("window")) {
    MapReader wr(*w, "window", {"from", "to"});
    p.window_from = wr.duration("from", p.window_from, true);
    p.window_to = wr.duration("to", std::max(p.window_from, p.window_to), true);
    if (p.window_to < p.window_from) fail(*wr.get("to"), "window.to", "is before window.from");
  }
  if (const Tree* f = r.get("for")) {
    MapReader fr(*f, "for", {"min", "max"});
    p.for_min = fr.duration("min", p.for_min);
    p.for_max = fr.duration("max", std::max(p.for_min, p.for_max));
    if (p.for_max < p.for_min) fail(*fr.get("max"), "for.max", "is below for.min");
  }
  if (const Tree* d = r.get("delay")) {
    MapReader dr(*d, "delay", {"min", "max"});
    p.delay_min = dr.duration("min", p.delay_min, true);
    p.delay_max = dr.duration("max", std::max(p.delay_min, p.delay_max), true);
    if (p.delay_max < p.delay_min) fail(*dr.get("max"), "delay.max", "is below delay.min");
    if (p.delay_max > 60 * sim::kSecond) fail(*dr.get("max"), "delay.max", "is over 60s (netem's added delay)");
  }
  if (const Tree* l = r.get("loss")) {
    MapReader lr(*l, "loss", {"min", "max"});
    p.loss_min = lr.real("min", p.loss_min, 0.0, 1.0);
    p.loss_max = lr.real("max", std::max(p.loss_min, p.loss_max), 0.0, 1.0);
    if (p.loss_max < p.loss_min) fail(*lr.get("max"), "loss.max", "is below loss.min");
  }
  const sim::Time last_end = p.window_to + p.for_max;
  p.heal_at = r.duration("heal_at", last_end, true);
  if (p.heal_at < last_end)
    fail(*r.get("heal_at"), "heal_at",
         "comes before the last fault can end (window.to + for.max = " + sim::format_duration(last_end) + ")");
  for (const auto& name : r.str_list("invariants")) {
    if (!contains(known_invariants(), name))
      fail(*r.get("invariants"), "invariants",
           "unknown invariant '" + shown(name) + "' (did you mean '" + closest(name, known_invariants()) + "'?)");
    p.invariants.push_back(name);
  }
  if (const Tree* ct = r.get("converge")) {
    MapReader cr(*ct, "converge", {"within", "holds"});
    if (!cr.has("within")) fail(*ct, "converge.within", "missing (how long after heal_at, e.g. 'within: 10s')");
    p.converge.within = cr.duration("within", 0);
    p.converge.source = ct->src.file + ":" + std::to_string(ct->src.line);
    std::vector<std::string> known = known_invariants();
    known.insert(known.end(), converge_conditions().begin(), converge_conditions().end());
    p.converge.holds = cr.str_list("holds");
    for (const auto& name : p.converge.holds)
      if (!contains(known, name))
        fail(*cr.get("holds"), "converge.holds",
             "unknown invariant or condition '" + shown(name) + "' (did you mean '" + closest(name, known) + "'?)");
    if (p.converge.holds.empty()) fail(*ct, "converge.holds", "names nothing to check (invariants or conditions)");
  } else if (scenario.converge) {
    p.converge = *scenario.converge;
  } else {
    fail(root, "converge", "missing, and the scenario has none (e.g. 'converge: {within: 20s, holds: [vip_held]}')");
  }
  if (applicable(scenario, p).empty())
    fail(*r.get("kinds"), "kinds", "none of these kinds applies to any target of the scenario");
  return p;
}

std::string default_profile_path(const std::string& scenario_path) {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  std::set<std::string> seen;
  // The scenario's own name, then its includes' names, depth first.
  std::function<void(const std::string&, int)> visit = [&](const std::string& path, int depth) {
    if (depth > Limits::kIncludeDepth || !seen.insert(path).second) return;
    std::error_code ec;
    // As the loader reads files (the loader itself reports a file it refuses, located).
    if (!fs::is_regular_file(path, ec) || fs::file_size(path, ec) > Limits::kFileBytes || ec) return;
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    Tree t;
    try {
      t = parse_yaml(ss.str(), path);
    } catch (const ScenarioError&) {
      return;  // the loader reports it, located, when the scenario itself is read
    }
    if (!t.is_map()) return;
    if (const Tree* n = t.find("name"); n != nullptr && n->is_scalar()) names.push_back(n->scalar);
    const Tree* inc = t.find("include");
    if (inc == nullptr) return;
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    std::vector<const Tree*> items;
    if (inc->is_scalar()) items.push_back(inc);
    for (const auto& i : inc->seq) items.push_back(&i);
    for (const Tree* i : items)
      if (i->is_scalar()) visit(!i->scalar.empty() && i->scalar[0] == '/' ? i->scalar : dir + i->scalar, depth + 1);
  };
  visit(scenario_path, 0);
  const fs::path dir = fs::path(scenario_path).parent_path();
  for (const auto& name : names) {
    if (name.empty() || name.find('/') != std::string::npos) continue;
    for (const fs::path& d : {dir, dir / "..", dir / ".." / ".."}) {
      const fs::path candidate = d / "faults" / (name + ".yaml");
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal().string();
    }
  }
  return "";
}

ScenarioSpec explore_base(const ScenarioSpec& scenario, const FaultProfile& profile) {
  ScenarioSpec s = scenario;
  s.faults.clear();
  for (const auto& inv : profile.invariants)
    if (!contains(s.invariants, inv)) s.invariants.push_back(inv);
  s.heal_at = profile.heal_at;
  s.converge = profile.converge;
  s.duration = profile.heal_at + profile.converge.within;
  return s;
}

std::uint64_t schedule_run_seed(std::uint64_t seed, std::size_t index) {
  sim::Rng rng(seed, "explore/run/" + std::to_string(index));
  return rng.next_u64();
}

namespace {
/// draw_schedule with the profile's applicable kinds and targets already worked out (they depend
/// on the scenario and the profile alone: the search works them out once, not per schedule).
std::vector<FaultSpec> draw_schedule_from(const ScenarioSpec& base, const FaultProfile& profile,
                                          const std::map<std::string, std::vector<std::string>>& choices,
                                          std::uint64_t seed, std::size_t index) {
  sim::Rng rng(seed, "explore/schedule/" + std::to_string(index));
  std::vector<std::string> kinds;
  for (const auto& k : profile.kinds)
    if (choices.count(k) && !contains(kinds, k)) kinds.push_back(k);
  std::vector<FaultSpec> out;
  if (kinds.empty()) return out;
  const int n = static_cast<int>(rng.uniform_int(profile.count_min, profile.count_max));
  auto pick = [&rng](std::size_t size) { return static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(size) - 1)); };
  for (int i = 0; i < n; ++i) {
    const std::string& kind = kinds[pick(kinds.size())];
    const auto& targets = choices.at(kind);
    const std::string& target = targets[pick(targets.size())];
    const sim::Time at = rng.uniform_int(ms(profile.window_from), ms(profile.window_to)) * sim::kMillisecond;
    const sim::Time length = rng.uniform_int(ms(profile.for_min), ms(profile.for_max)) * sim::kMillisecond;
    out.push_back(make_fault(base, profile, kind, target, rng, at, length));
  }
  // In time order, as a person would write them (stable: equal times keep their draw order).
  std::stable_sort(out.begin(), out.end(), [](const FaultSpec& a, const FaultSpec& b) { return a.at < b.at; });
  return out;
}
}  // namespace

std::vector<FaultSpec> draw_schedule(const ScenarioSpec& base, const FaultProfile& profile, std::uint64_t seed,
                                     std::size_t index) {
  return draw_schedule_from(base, profile, applicable(base, profile), seed, index);
}

std::vector<std::string> finding_kinds(const RunResult& r) {
  std::set<std::string> kinds;
  for (const auto& v : r.violations)
    kinds.insert(v.invariant == "converge" ? "liveness/" + v.detail.substr(0, v.detail.find(' ')) : v.invariant);
  return {kinds.begin(), kinds.end()};
}

namespace {

bool same_fault_place(const FaultSpec& a, const FaultSpec& b) {
  return a.action == b.action && a.target == b.target && a.groups == b.groups && a.from == b.from && a.to == b.to &&
         a.proto == b.proto && a.both_ways == b.both_ways && a.for_.has_value() && b.for_.has_value();
}

}  // namespace

ShrinkResult shrink_schedule(std::vector<FaultSpec> faults, const std::function<bool(const std::vector<FaultSpec>&)>& reproduces,
                             const ShrinkOptions& o) {
  ShrinkResult res;
  res.faults = std::move(faults);
  auto stopped = [&] { return (o.stop != nullptr && o.stop->load()) || res.runs >= o.max_runs; };
  auto test = [&](const std::vector<FaultSpec>& c) {
    ++res.runs;
    return reproduces(c);
  };
  // Rounds durations and times down to the step, so a shrunk value reads as 2.4s, not 2.437s.
  auto floor_step = [&](sim::Time t, sim::Time lo) { return std::max(lo, t - t % o.step); };
  bool changed = true;
  while (changed) {
    changed = false;
    if (stopped()) break;
    // 1. Remove faults: chunks of half the list, then smaller chunks, down to one fault (ddmin's
    // complements; with the few faults of a schedule this is also each single fault). Removing
    // the last one leaves the empty schedule, which reproduces only a violation the stack shows
    // by itself (a misconfiguration): then it is the minimum.
    for (std::size_t chunk = std::max<std::size_t>(res.faults.size() / 2, 1); chunk >= 1 && !res.faults.empty(); chunk /= 2) {
      for (std::size_t start = 0; start < res.faults.size() && !stopped();) {
        std::vector<FaultSpec> c;
        for (std::size_t i = 0; i < res.faults.size(); ++i)
          if (i < start || i >= start + chunk) c.push_back(res.faults[i]);
        if (test(c)) {
          res.faults = std::move(c);
          changed = true;
        } else {
          start += chunk;
        }
      }
      if (chunk == 1) break;
    }
    // 2. Merge two faults of the same action on the same target into one covering both.
    for (std::size_t i = 0; i < res.faults.size() && !stopped(); ++i)
      for (std::size_t j = i + 1; j < res.faults.size() && !stopped(); ++j) {
        const FaultSpec& a = res.faults[i];
        const FaultSpec& b = res.faults[j];
        if (!same_fault_place(a, b)) continue;
        FaultSpec m = a;
        m.at = std::min(a.at, b.at);
        m.for_ = std::max(a.at + *a.for_, b.at + *b.for_) - m.at;
        std::vector<FaultSpec> c = res.faults;
        c[i] = m;
        c.erase(c.begin() + static_cast<std::ptrdiff_t>(j));
        if (test(c)) {
          res.faults = std::move(c);
          changed = true;
          --j;
        }
      }
    // 3. Shorten each duration, 4. move each fault earlier, then 5. lessen each link fault's
    // added delay (in ms) or loss (in percent): a bisection between the least value and the
    // current one, keeping the least value that still reproduces.
    for (int what = 0; what < 3; ++what)
      for (std::size_t i = 0; i < res.faults.size() && !stopped(); ++i) {
        const bool length = what == 0, magnitude = what == 2;
        const FaultSpec& fi = res.faults[i];
        if (length && !fi.for_) continue;
        if (magnitude && fi.action != "delay" && fi.action != "loss") continue;
        const bool delay = fi.action == "delay";
        // Magnitudes bisect in their own unit (a ms of delay, a percent of loss); step 1.
        const sim::Time unit = magnitude ? (delay ? sim::kMillisecond : 1) : 0;
        const sim::Time step = magnitude ? 1 : o.step;
        const sim::Time lo_bound = magnitude ? 1 : length ? o.shortest : o.earliest;
        sim::Time good = magnitude ? (delay ? fi.delay.a / unit : static_cast<sim::Time>(std::llround(fi.loss * 100)))
                         : length  ? *fi.for_
                                   : fi.at;
        sim::Time bad = lo_bound - 1;  // below any value tried
        auto with = [&](sim::Time v) {
          std::vector<FaultSpec> c = res.faults;
          if (magnitude && delay) c[i].delay = sim::Distribution::constant(v * unit);
          else if (magnitude) c[i].loss = static_cast<double>(v) / 100.0;
          else (length ? *c[i].for_ : c[i].at) = v;
          return c;
        };
        // The least value first: often the whole answer.
        if (good > lo_bound) {
          auto c = with(lo_bound);
          if (test(c)) {
            res.faults = std::move(c);
            changed = true;
            continue;
          }
          bad = lo_bound;
        }
        while (good - bad > step && !stopped()) {
          const sim::Time mid = magnitude ? bad + (good - bad) / 2 : floor_step(bad + (good - bad) / 2, lo_bound);
          if (mid <= bad || mid >= good) break;
          auto c = with(mid);
          if (test(c)) {
            good = mid;
            res.faults = std::move(c);
            changed = true;
          } else {
            bad = mid;
          }
        }
      }
  }
  res.complete = !stopped();
  return res;
}

std::string schedule_line(const FaultSpec& f) {
  return "at " + sim::format_duration(f.at) + " " + fault_summary(f) + (f.for_ ? " for " + sim::format_duration(*f.for_) : "");
}

std::string schedule_class(const std::vector<FaultSpec>& faults) {
  std::vector<std::string> lines;
  for (FaultSpec f : faults) {
    if (f.both_ways && f.from > f.to) std::swap(f.from, f.to);
    lines.push_back(fault_summary(f));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "; ") + l;
  return out.empty() ? "(no fault)" : out;
}

Catalogue explore(const Tree& tree, const std::string& file, const FaultProfile& profile, const ExploreOptions& options) {
  const ScenarioSpec scenario = spec_from_tree(tree, file);
  const ScenarioSpec base = explore_base(scenario, profile);
  Catalogue cat;
  cat.scenario = scenario.name;
  cat.scenario_file = file;
  cat.profile_file = profile.file;
  cat.seed = options.seed;
  cat.budget = options.budget;

  // Search: each schedule once, its finding kinds kept by index.
  const auto choices = applicable(base, profile);  // kind -> targets, in kind name order
  RunOptions quick;
  quick.detail = false;  // events only: the dynamics are the same, the run faster
  quick.verdict_only = true;  // its violations are all a search or a shrinking step reads
  quick.max_events = options.max_events;
  std::vector<std::vector<std::string>> kinds_of(options.budget);
  std::set<std::string> found;
  std::mutex found_mutex;
  JobPoolOptions pool;
  pool.jobs = options.jobs;
  pool.stop = options.stop_search;
  if (options.on_progress)
    pool.on_progress = [&](std::size_t done, std::size_t total) {
      std::lock_guard<std::mutex> lock(found_mutex);
      options.on_progress("search", done, total, found.size());
    };
  cat.schedules = run_jobs(options.budget, [&](std::size_t i) {
    const std::vector<FaultSpec> faults = draw_schedule_from(base, profile, choices, options.seed, i);
    RunOptions o = quick;
    o.faults = &faults;
    const RunResult r = run_scenario(base, schedule_run_seed(options.seed, i), o);
    kinds_of[i] = finding_kinds(r);
    std::lock_guard<std::mutex> lock(found_mutex);
    found.insert(kinds_of[i].begin(), kinds_of[i].end());
  }, pool);
  cat.interrupted = options.interrupt != nullptr && options.interrupt->load();

  // Per kind: how many schedules showed it, and the first ones, which are shrunk.
  std::map<std::string, Finding> by_kind;
  std::map<std::string, std::vector<std::size_t>> to_shrink;
  for (std::size_t i = 0; i < cat.schedules; ++i) {
    if (!kinds_of[i].empty()) ++cat.schedules_with_findings;
    for (const auto& k : kinds_of[i]) {
      Finding& f = by_kind[k];
      f.kind = k;
      ++f.schedules;
      if (to_shrink[k].size() < std::max<std::size_t>(options.shrinks_per_kind, 1)) to_shrink[k].push_back(i);
    }
  }
  // Every (kind, schedule) pair across the pool; each shrink is sequential and deterministic.
  struct Job {
    std::string kind;
    Reproduction r;
  };
  std::vector<Job> jobs;
  for (const auto& [k, list] : to_shrink)
    for (std::size_t i : list) {
      Job j;
      j.kind = k;
      j.r.schedule = i;
      j.r.run_seed = schedule_run_seed(options.seed, i);
      j.r.original = draw_schedule_from(base, profile, choices, options.seed, i);
      jobs.push_back(std::move(j));
    }
  JobPoolOptions spool;
  spool.jobs = options.jobs;
  if (options.on_progress) spool.on_progress = [&](std::size_t done, std::size_t total) {
    options.on_progress("shrink", done, total, by_kind.size());
  };
  run_jobs(jobs.size(), [&](std::size_t i) {
    Job& j = jobs[i];
    ShrinkOptions so;
    so.earliest = profile.window_from;
    so.shortest = profile.for_min;
    so.stop = options.interrupt;
    auto reproduces = [&](const std::vector<FaultSpec>& faults) {
      RunOptions o = quick;
      o.faults = &faults;
      return contains(finding_kinds(run_scenario(base, j.r.run_seed, o)), j.kind);
    };
    const ShrinkResult sr = shrink_schedule(j.r.original, reproduces, so);
    j.r.minimal = sr.faults;
    j.r.shrink_runs = sr.runs;
    j.r.shrink_complete = sr.complete;
  }, spool);

  // Classes: the distinct minimal schedules of each kind, the smallest first.
  for (auto& j : jobs) {
    Finding& f = by_kind[j.kind];
    ++f.shrunk;
    bool merged = false;
    for (auto& c : f.classes)
      if (schedule_class(c.minimal) == schedule_class(j.r.minimal)) {
        ++c.shrunk_here;
        if (j.r.minimal.size() < c.minimal.size()) {  // the same class, fewer faults (merged ones)
          const std::size_t n = c.shrunk_here;
          c = j.r;
          c.shrunk_here = n;
        }
        merged = true;
      }
    if (!merged) {
      j.r.shrunk_here = 1;
      f.classes.push_back(j.r);
    }
  }
  for (auto& [k, f] : by_kind) {
    std::stable_sort(f.classes.begin(), f.classes.end(), [](const Reproduction& a, const Reproduction& b) {
      return a.minimal.size() != b.minimal.size() ? a.minimal.size() < b.minimal.size() : a.schedule < b.schedule;
    });
    cat.findings.push_back(std::move(f));
  }

  // Each class's reproduction: the scenario as loaded (includes merged, overrides applied),
  // with the minimal faults, the liveness settings and the seed, replayed from its own text.
  std::vector<std::pair<std::size_t, std::size_t>> repro_jobs;  // (finding, class)
  for (std::size_t fi = 0; fi < cat.findings.size(); ++fi)
    for (std::size_t ci = 0; ci < cat.findings[fi].classes.size(); ++ci) repro_jobs.emplace_back(fi, ci);
  JobPoolOptions rpool;
  rpool.jobs = options.jobs;
  run_jobs(repro_jobs.size(), [&](std::size_t n) {
    const Finding& f = cat.findings[repro_jobs[n].first];
    const std::size_t ci = repro_jobs[n].second;
    Reproduction& c = cat.findings[repro_jobs[n].first].classes[ci];
    const std::string stem = slug(f.kind) + (ci == 0 ? "" : "-" + std::to_string(ci + 1));
    c.file = stem + ".yaml";
    c.chrome_trace_file = stem + ".trace.json";
    Tree repro = tree;
    set_key(repro, "name", scalar_tree(scenario.name + "-explore-" + stem));
    set_key(repro, "seed", scalar_tree(std::to_string(c.run_seed)));
    set_key(repro, "runs", scalar_tree("1"));
    set_key(repro, "duration", scalar_tree(exact_duration_text(base.duration)));
    Tree faults;
    faults.kind = Tree::Kind::Seq;
    for (const auto& x : c.minimal) faults.seq.push_back(fault_tree(x));
    set_key(repro, "faults", faults);
    Tree invariants;
    invariants.kind = Tree::Kind::Seq;
    for (const auto& inv : base.invariants) invariants.seq.push_back(scalar_tree(inv));
    set_key(repro, "invariants", invariants);
    set_key(repro, "heal_at", scalar_tree(exact_duration_text(base.heal_at.value_or(0))));
    Tree converge;
    converge.kind = Tree::Kind::Map;
    converge.map.emplace_back("within", scalar_tree(exact_duration_text(base.converge->within)));
    Tree holds;
    holds.kind = Tree::Kind::Seq;
    for (const auto& h : base.converge->holds) holds.seq.push_back(scalar_tree(h));
    converge.map.emplace_back("holds", holds);
    converge.key_sources.resize(2);
    set_key(repro, "converge", converge);
    const std::string header =
        "Found by: hasim explore " + file + " --faults " + profile.file + " --seed " + std::to_string(options.seed) +
        " --budget " + std::to_string(options.budget) + "\n" + f.kind + ": " + std::to_string(f.schedules) + " of " +
        std::to_string(cat.schedules) + " schedules. This is schedule " + std::to_string(c.schedule) + " (" +
        std::to_string(c.original.size()) + " fault(s)) shrunk to " + std::to_string(c.minimal.size()) + " in " +
        std::to_string(c.shrink_runs) + " runs" + (c.shrink_complete ? "" : " (shrinking stopped early)") + "; " +
        std::to_string(c.shrunk_here) + " of the " + std::to_string(f.shrunk) + " schedules shrunk for this kind end here.\n" +
        "Replay: hasim run " + c.file + " (seed " + std::to_string(c.run_seed) + ", below)\n" +
        "The scenario's own faults are replaced by these; includes are merged in, so the file stands alone.\n";
    c.yaml = emit_yaml(repro, header);
    // Replayed from its own text, as `hasim run FILE` will: the hash it reports is the one this
    // file gives (fault records carry the file's name and lines).
    const ScenarioSpec replay = spec_from_tree(parse_yaml(c.yaml, c.file), c.file);
    RunOptions full;
    full.keep_trace = !options.out_dir.empty();
    full.max_events = options.max_events;
    const RunResult r = run_scenario(replay, replay.seed, full);
    c.trace_sha256 = r.trace_sha256;
    c.replayed = contains(finding_kinds(r), f.kind);
    c.explanation = explain(f.kind, r);
    if (!options.out_dir.empty()) {
      write_file_atomic(options.out_dir + "/" + c.file, c.yaml);
      write_file_atomic(options.out_dir + "/" + c.chrome_trace_file, r.chrome_trace);
    }
  }, rpool);
  if (options.interrupt != nullptr && options.interrupt->load()) cat.interrupted = true;
  if (!options.out_dir.empty()) write_file_atomic(options.out_dir + "/catalogue.json", catalogue_json(cat, true) + "\n");
  return cat;
}

namespace {

void reproduction_json(sim::JsonWriter& w, const Reproduction& r) {
  w.key("schedule"); w.value(static_cast<std::uint64_t>(r.schedule));
  w.key("seed"); w.value(r.run_seed);
  w.key("class"); w.value(schedule_class(r.minimal));
  w.key("original_faults");
  w.begin_array();
  for (const auto& x : r.original) w.value(schedule_line(x));
  w.end_array();
  w.key("minimal_faults");
  w.begin_array();
  for (const auto& x : r.minimal) w.value(schedule_line(x));
  w.end_array();
  w.key("shrink_runs"); w.value(static_cast<std::int64_t>(r.shrink_runs));
  w.key("shrink_complete"); w.value(r.shrink_complete);
  w.key("shrunk_here"); w.value(static_cast<std::uint64_t>(r.shrunk_here));
  w.key("file"); w.value(r.file);
  w.key("chrome_trace"); w.value(r.chrome_trace_file);
  w.key("trace_sha256"); w.value(r.trace_sha256);
  w.key("replayed"); w.value(r.replayed);
  w.key("explanation"); w.value(r.explanation);
}

}  // namespace

std::string catalogue_json(const Catalogue& c, bool pretty) {
  sim::JsonWriter w(pretty);
  w.begin_object();
  w.key("scenario"); w.value(c.scenario);
  w.key("scenario_file"); w.value(c.scenario_file);
  w.key("profile_file"); w.value(c.profile_file);
  w.key("seed"); w.value(c.seed);
  w.key("budget"); w.value(static_cast<std::uint64_t>(c.budget));
  w.key("schedules"); w.value(static_cast<std::uint64_t>(c.schedules));
  w.key("schedules_with_findings"); w.value(static_cast<std::uint64_t>(c.schedules_with_findings));
  w.key("interrupted"); w.value(c.interrupted);
  w.key("findings");
  w.begin_array();
  for (const auto& f : c.findings) {
    w.begin_object();
    w.key("kind"); w.value(f.kind);
    w.key("schedules"); w.value(static_cast<std::uint64_t>(f.schedules));
    w.key("shrunk"); w.value(static_cast<std::uint64_t>(f.shrunk));
    // The smallest reproduction's fields here; every class under "classes".
    if (!f.classes.empty()) reproduction_json(w, f.classes.front());
    w.key("classes");
    w.begin_array();
    for (const auto& r : f.classes) {
      w.begin_object();
      reproduction_json(w, r);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

std::string catalogue_text(const Catalogue& c) {
  std::ostringstream o;
  o << "Explored " << c.scenario << " (" << c.scenario_file << ") with " << c.profile_file << ", seed " << c.seed << ": "
    << c.schedules << " schedule(s)" << (c.interrupted ? " (interrupted)" : "") << ", " << c.schedules_with_findings
    << " with a finding\n";
  if (c.findings.empty()) {
    o << "\n  no violation found\n";
    return o.str();
  }
  for (const auto& f : c.findings) {
    char share[64];
    std::snprintf(share, sizeof share, "%zu/%zu schedules (%.1f%%)", f.schedules, c.schedules,
                  c.schedules == 0 ? 0.0 : 100.0 * static_cast<double>(f.schedules) / static_cast<double>(c.schedules));
    o << "\n" << f.kind << ": " << share << "; " << f.classes.size() << " class(es) of minimal schedule among the first "
      << f.shrunk << " shrunk\n";
    for (const auto& r : f.classes) {
      o << "  - " << r.shrunk_here << " of " << f.shrunk << ": schedule " << r.schedule << ", " << r.original.size()
        << " fault(s) shrunk to " << r.minimal.size() << " in " << r.shrink_runs << " runs"
        << (r.shrink_complete ? "" : " (stopped early)") << ", seed " << r.run_seed << "\n";
      if (r.minimal.empty()) o << "      (no fault: the stack shows it by itself)\n";
      for (const auto& x : r.minimal) o << "      " << schedule_line(x) << "\n";
      o << "    " << r.explanation << "\n";
      o << "    reproduction: " << r.file << " (trace " << r.trace_sha256.substr(0, 16) << "..."
        << (r.replayed ? "" : ", WARNING: its replay did not show " + f.kind) << "), " << r.chrome_trace_file << "\n";
    }
  }
  return o.str();
}

}  // namespace scenarios
