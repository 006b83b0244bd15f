#include "scenarios/loader.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "scenarios/fault_actions.hpp"
#include "scenarios/kinds/registry.hpp"
#include "scenarios/reader.hpp"
#include "scenarios/workload_kinds.hpp"
#include "sim/network.hpp"

namespace scenarios {

const std::vector<std::string>& known_invariants() {
  static const std::vector<std::string> names = {"backend_available", "no_acked_commit_lost", "no_failed_requests",
                                                 "single_vip_holder", "single_writable_primary"};
  return names;
}

const std::vector<std::string>& converge_conditions() {
  static const std::vector<std::string> names = {"backends_up", "daemons_running", "one_primary", "standbys_streaming",
                                                 "vip_held"};
  return names;
}

std::string node_named_by(const ScenarioSpec& spec, const std::string& address) {
  const auto ip = sim::Ipv4::parse(address);
  if (!ip) return address;
  for (const auto& n : spec.nodes)
    for (const auto& a : n.networks)
      if (const auto held = sim::Ipv4::parse(a.address); held && *held == *ip) return n.name;
  return "";
}

namespace {

/// Every fault action's name, in the table's order (scenarios/fault_actions.hpp).
const std::vector<std::string>& fault_action_names() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> a;
    for (const auto& fa : fault_actions()) a.push_back(fa.name);
    return a;
  }();
  return all;
}

std::vector<std::string> keys_of(const Tree& t) {
  std::vector<std::string> k;
  for (const auto& [name, v] : t.map) k.push_back(name);
  return k;
}

/// A size in bytes: a whole or decimal number with an optional unit, B, kB, MB, GB, TB (powers
/// of 1000) or KiB, MiB, GiB, TiB (powers of 1024): `16MiB`, `1.5GB`, `4096`. With `per_second`,
/// a rate: the same followed by `/s` (`200MB/s`).
std::uint64_t bytes_of(const Tree& t, const std::string& path, bool per_second = false) {
  const std::string text = scalar_of(t, path);
  std::string s = text;
  const char* example = per_second ? "a rate such as 200MB/s or 1GiB/s" : "a size such as 16MiB, 10GB or 4096";
  if (per_second) {
    if (s.size() < 2 || s.compare(s.size() - 2, 2, "/s") != 0) fail(t, path, std::string("expected ") + example + ", found '" + text + "'");
    s.resize(s.size() - 2);
  }
  std::size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  const std::string number = s.substr(0, i);
  std::string unit = s.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  static const std::vector<std::pair<std::string, double>> kUnits = {
      {"", 1}, {"B", 1}, {"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
      {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
  double scale = 0;
  for (const auto& [u, f] : kUnits)
    if (u == unit) scale = f;
  const bool one_dot = std::count(number.begin(), number.end(), '.') <= 1;
  if (!text.empty() && text[0] == '-') fail(t, path, "must not be negative, found '" + text + "'");
  if (number.empty() || number == "." || !one_dot || scale == 0)
    fail(t, path, std::string("expected ") + example + ", found '" + text + "'");
  double v = 0;  // by hand, not strtod: no locale decides what a '.' is
  double place = 0;
  for (char ch : number) {
    if (ch == '.') {
      place = 0.1;
    } else if (place == 0) {
      v = v * 10 + (ch - '0');
    } else {
      v += (ch - '0') * place;
      place /= 10;
    }
  }
  v *= scale;
  if (v < 1) fail(t, path, "must be at least one byte, found '" + text + "'");
  if (v >= 1.8e19) fail(t, path, "is too large, found '" + text + "'");
  return static_cast<std::uint64_t>(v + 0.5);
}

const std::vector<std::string> kVolumeSettings = {"capacity", "write", "fsync", "fsync_clean", "write_rate", "dirty_expire"};

/// The device under a volume: `capacity`, `write`, `fsync` and `fsync_clean` latencies, `write_rate`,
/// `dirty_expire` (a duration, or `never`).
void read_volume_config(const MapReader& r, sim::VolumeConfig& c) {
  if (const Tree* v = r.get("capacity")) c.capacity_bytes = bytes_of(*v, r.sub("capacity"));
  if (auto d = r.distribution("write")) c.write_latency = *d;
  if (auto d = r.distribution("fsync")) c.fsync_latency = *d;
  if (auto d = r.distribution("fsync_clean")) c.fsync_clean_latency = *d;
  if (const Tree* v = r.get("write_rate")) c.write_rate_bytes_per_s = bytes_of(*v, r.sub("write_rate"), true);
  if (const Tree* v = r.get("dirty_expire"))
    c.dirty_expire = v->is_scalar() && v->scalar == "never" ? sim::kNever : duration_of(*v, r.sub("dirty_expire"), false);
}

/// `volumes: {NAME: {target: /mount/point, type: volume|tmpfs, capacity: ..., ...}}`: compose's
/// named volumes (or bind mounts: they behave alike here) and tmpfs mounts.
std::vector<VolumeSpec> read_volumes(const Tree& t, const std::string& path) {
  std::vector<VolumeSpec> out;
  if (t.kind == Tree::Kind::Null) return out;
  if (!t.is_map()) fail(t, path, "expected a mapping of volumes by name, e.g. {pgdata: {target: /var/lib/postgresql/data}}");
  for (const auto& [name, vt] : t.map) {
    const std::string p = path + "." + name;
    std::vector<std::string> allowed = {"target", "type"};
    allowed.insert(allowed.end(), kVolumeSettings.begin(), kVolumeSettings.end());
    MapReader r(vt, p, allowed);
    VolumeSpec v;
    v.name = name;
    if (name == "root") fail(vt, p, "the name 'root' is the container's writable layer (set it with the node's 'disk' key)");
    v.target = r.required_str("target");
    const Tree& tt = *r.get("target");
    if (v.target.size() < 2 || v.target.front() != '/' || v.target.back() == '/')
      fail(tt, r.sub("target"), "expected an absolute path below / without a trailing '/', found '" + v.target + "'");
    for (const auto& other : out)
      if (other.target == v.target) fail(tt, r.sub("target"), v.target + " is already the target of volume '" + other.name + "'");
    const std::string type = r.str("type", "volume");
    if (type == "tmpfs") v.kind = sim::VolumeKind::Tmpfs;
    else if (type != "volume")
      fail(*r.get("type"), r.sub("type"), "unknown type '" + type + "' (did you mean '" + closest(type, {"volume", "tmpfs"}) + "'?); valid: volume, tmpfs");
    read_volume_config(r, v.config);
    out.push_back(std::move(v));
  }
  return out;
}

NodeSpec read_node(const std::string& name, const Tree& t, const std::string& path) {
  std::vector<std::string> allowed = {"networks", "dynamic_address", "router", "start_delay", "stop_timeout", "start",
                                      "depends_on", "disk", "volumes"};
  const std::vector<std::string> kinds = kind_keys();
  allowed.insert(allowed.end(), kinds.begin(), kinds.end());
  NodeSpec n;
  n.name = name;
  if (t.kind == Tree::Kind::Null) return n;
  MapReader r(t, path, allowed);
  if (const Tree* nets = r.get("networks")) {
    if (nets->is_seq()) {
      for (std::size_t i = 0; i < nets->seq.size(); ++i)
        n.networks.push_back(Attachment{scalar_of(nets->seq[i], r.sub("networks") + "." + std::to_string(i)), ""});
    } else if (nets->is_map()) {
      for (const auto& [net, addr] : nets->map) {
        const std::string a = addr.kind == Tree::Kind::Null ? "" : scalar_of(addr, r.sub("networks") + "." + net);
        if (!a.empty() && a != "dynamic" && !sim::Ipv4::parse(a))
          fail(addr, r.sub("networks") + "." + net, "expected an IPv4 address or 'dynamic', found '" + shown(a) + "'");
        n.networks.push_back(Attachment{net, a == "dynamic" ? "" : a});
      }
    } else {
      fail(*nets, r.sub("networks"), "expected a list of network names or a mapping network: address");
    }
  }
  n.dynamic_address = r.boolean("dynamic_address", false);
  n.router = r.boolean("router", false);
  n.start_delay = r.distribution("start_delay");
  n.stop_timeout = r.opt_duration("stop_timeout", true);
  n.start = r.boolean("start", true);
  n.depends_on = r.str_list("depends_on");
  if (const Tree* d = r.get("disk"); d != nullptr && d->kind != Tree::Kind::Null)
    read_volume_config(MapReader(*d, r.sub("disk"), kVolumeSettings), n.disk);
  if (const Tree* v = r.get("volumes")) n.volumes = read_volumes(*v, r.sub("volumes"));
  for (const auto& [key, value] : t.map)
    Kinds::each([&](auto kind) {
      if (key != decltype(kind)::key) return;
      n.components.emplace_back(decltype(kind)::read(value, r.sub(key)));
      n.timings.push_back(value.is_map() ? read_timing(value, r.sub(key)) : ProcessTiming{});
    });
  return n;
}

FaultSpec read_fault(const Tree& t, const std::string& path) {
  std::vector<std::string> allowed = {"at", "for", "jitter", "note", "network"};
  const auto& kFaultActions = fault_action_names();
  allowed.insert(allowed.end(), kFaultActions.begin(), kFaultActions.end());
  MapReader r(t, path, allowed);
  FaultSpec f;
  f.source = t.src.file + ":" + std::to_string(t.src.line);
  if (!r.has("at")) fail(t, r.sub("at"), "missing (when the fault happens, e.g. 'at: 30s')");
  f.at = r.duration("at", 0, true);
  f.for_ = r.opt_duration("for");
  f.jitter = r.opt_duration("jitter", true);  // 0: this fault exactly at `at`
  std::vector<std::string> actions;
  for (const auto& [k, v] : t.map)
    if (std::find(kFaultActions.begin(), kFaultActions.end(), k) != kFaultActions.end()) actions.push_back(k);
  if (actions.size() != 1) {
    std::string all;
    for (const auto& a : kFaultActions) all += (all.empty() ? "" : ", ") + a;
    fail(t, path, actions.empty() ? "no action: add exactly one of " + all
                                  : "more than one action (" + actions[0] + ", " + actions[1] + "): one per entry");
  }
  f.action = actions[0];
  fault_action(f.action).read(*r.get(f.action), r.sub(f.action), f);
  f.network = r.str("network", "");
  return f;
}

models::runtime::DnsStatus dns_status(const MapReader& r, const std::string& key, models::runtime::DnsStatus fallback) {
  if (!r.has(key)) return fallback;
  const std::string v = scalar_of(*r.get(key), r.sub(key));
  if (v == "nxdomain") return models::runtime::DnsStatus::NxDomain;
  if (v == "timeout") return models::runtime::DnsStatus::Timeout;
  fail(*r.get(key), r.sub(key), "unknown answer '" + shown(v) + "' (did you mean '" + closest(v, {"nxdomain", "timeout"}) +
                                    "'?); valid: nxdomain, timeout");
}

/// `runtime: {dns: {stopped_name, register_delay, deregister_delay, silence: {after_stop, after_start,
///  duration, onset}}, command_delay: {stop: D, ...},
///  teardown_delay: D}`
/// A map of a statement's command (its first word, in any case) to its time, at `at`, into `out`
/// by the command in upper case; `only`, when not empty, the commands allowed.
void command_times(const Tree& t, const std::string& at, const std::vector<std::string>& only,
                   std::map<std::string, sim::Distribution>& out) {
  for (const auto& [command, d] : t.map) {
    const std::string key = at + "." + command;
    std::string upper;
    for (const char ch : command) {
      if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')))
        fail(d, key, "'" + shown(command) + "' is not a command: a statement's first word (letters only), as BEGIN or INSERT");
      upper += ch >= 'a' ? static_cast<char>(ch - 'a' + 'A') : ch;
    }
    if (upper.empty()) fail(d, key, "an empty command: a statement's first word, as BEGIN or INSERT");
    if (!only.empty() && std::find(only.begin(), only.end(), upper) == only.end())
      fail(d, key, "'" + shown(command) + "': only a statement on one relation has a time by relation: UPDATE, SELECT or INSERT");
    if (out.count(upper) != 0) fail(d, key, "'" + upper + "' is given twice (commands are read in any case)");
    out.emplace(upper, distribution_of(d, key));
  }
}

models::runtime::RuntimeConfig read_runtime(const Tree& t) {
  models::runtime::RuntimeConfig rc;
  if (t.kind == Tree::Kind::Null) return rc;
  MapReader r(t, "runtime", {"dns", "command_delay", "teardown_delay", "kill_teardown_delay", "exec_delay",
                             "exec_load_sigma", "wakeup_delay", "latch_wakeup", "walreceiver_write", "walreceiver_start", "getent", "psql_start", "backend_warmup",
                             "statement_time", "statement_time_by_command", "statement_time_by_relation", "commit_flush", "writer_overhead", "bulk_row",
                             "compose_up", "daemon_start", "kind", "kernel", "disk"});
  if (r.has("kind")) {
    const std::string v = scalar_of(*r.get("kind"), r.sub("kind"));
    if (v == "host") rc.kind = models::runtime::RuntimeKind::Host;
    else if (v != "containers")
      fail(*r.get("kind"), r.sub("kind"), "unknown runtime kind '" + shown(v) + "' (did you mean '" +
                                              closest(v, {"containers", "host"}) + "'?); valid: containers, host");
  }
  if (const Tree* u = r.get("compose_up"); u != nullptr && u->kind != Tree::Kind::Null) {
    MapReader ur(*u, r.sub("compose_up"), {"container", "daemons"});
    if (rc.kind == models::runtime::RuntimeKind::Host)
      fail(*u, r.sub("compose_up"), "a container engine's start, and runtime kind host has none (its daemons run at time 0): "
                                    "drop it, or the include that brings it (calibration/podman.yaml)");
    rc.compose_up.container = ur.distribution("container");
    if (const Tree* d = ur.get("daemons"); d != nullptr && d->kind != Tree::Kind::Null) {
      MapReader dr(*d, ur.sub("daemons"), kind_keys());
      for (const auto& name : kind_keys())
        if (auto x = dr.distribution(name)) rc.compose_up.daemons[name] = *x;
    }
  }
  if (const Tree* d = r.get("daemon_start"); d != nullptr && d->kind != Tree::Kind::Null) {
    MapReader dr(*d, r.sub("daemon_start"), kind_keys());
    for (const auto& name : kind_keys())
      if (auto x = dr.distribution(name)) rc.daemon_start[name] = *x;
  }
  if (const Tree* k = r.get("kernel"); k != nullptr && k->kind != Tree::Kind::Null) {
    // net.ipv4.tcp_syn_retries and tcp_syn_linear_timeouts: the kernel accepts 1..127 and 0..127
    // (MAX_TCP_SYNCNT).
    MapReader kr(*k, r.sub("kernel"), {"tcp_syn_retries", "tcp_syn_linear_timeouts"});
    if (kr.has("tcp_syn_retries")) rc.kernel.tcp_syn_retries = static_cast<int>(kr.integer("tcp_syn_retries", 6, 1, 127));
    if (kr.has("tcp_syn_linear_timeouts"))
      rc.kernel.tcp_syn_linear_timeouts = static_cast<int>(kr.integer("tcp_syn_linear_timeouts", 4, 0, 127));
  }
  if (const Tree* d = r.get("disk"); d != nullptr && d->kind != Tree::Kind::Null) {
    MapReader dr(*d, r.sub("disk"), {"fsync", "fsync_clean", "write", "write_rate"});
    rc.disk.fsync = dr.distribution("fsync");
    rc.disk.fsync_clean = dr.distribution("fsync_clean");
    rc.disk.write = dr.distribution("write");
    if (const Tree* w = dr.get("write_rate")) rc.disk.write_rate = bytes_of(*w, dr.sub("write_rate"), true);
  }
  rc.wakeup_delay = r.distribution("wakeup_delay");
  rc.latch_wakeup = r.distribution("latch_wakeup");
  rc.walreceiver_write = r.distribution("walreceiver_write");
  rc.walreceiver_start = r.distribution("walreceiver_start");
  rc.getent = r.distribution("getent");
  rc.psql_start = r.distribution("psql_start");
  rc.backend_warmup = r.distribution("backend_warmup");
  rc.statement_time = r.distribution("statement_time");
  rc.commit_flush = r.distribution("commit_flush");
  rc.writer_overhead = r.distribution("writer_overhead");
  rc.bulk_row = r.distribution("bulk_row");
  if (const Tree* c = r.get("statement_time_by_command"); c != nullptr && c->kind != Tree::Kind::Null) {
    if (!c->is_map()) fail(*c, r.sub("statement_time_by_command"), "expected a map of a command (BEGIN, INSERT, ...) to its time");
    command_times(*c, r.sub("statement_time_by_command"), {}, rc.statement_time_by_command);
  }
  if (const Tree* c = r.get("statement_time_by_relation"); c != nullptr && c->kind != Tree::Kind::Null) {
    const std::string at = r.sub("statement_time_by_relation");
    if (!c->is_map()) fail(*c, at, "expected a map of a relation (pgbench_accounts, ...) to its commands' times");
    for (const auto& [relation, commands] : c->map) {
      const std::string rkey = at + "." + relation;
      // As the server folds an unquoted name: lower case.
      std::string lower;
      for (const char ch : relation) {
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_'))
          fail(commands, rkey, "'" + shown(relation) + "' is not a relation's name (letters, digits and _), as pgbench_accounts");
        lower += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
      }
      if (lower.empty() || (lower[0] >= '0' && lower[0] <= '9'))
        fail(commands, rkey, "'" + shown(relation) + "' is not a relation's name (letters, digits and _, not first a digit)");
      if (rc.statement_time_by_relation.count(lower) != 0) fail(commands, rkey, "'" + lower + "' is given twice (names are read in any case)");
      if (!commands.is_map()) fail(commands, rkey, "expected a map of a command (UPDATE, SELECT, INSERT) to its time");
      command_times(commands, rkey, {"UPDATE", "SELECT", "INSERT"}, rc.statement_time_by_relation[lower]);
    }
  }
  rc.teardown_delay = r.distribution("teardown_delay");
  rc.kill_teardown_delay = r.distribution("kill_teardown_delay");
  rc.exec_delay = r.distribution("exec_delay");
  rc.exec_load_sigma = r.real("exec_load_sigma", 0.0, 0.0, 3.0);
  if (const Tree* d = r.get("dns"); d != nullptr && d->kind != Tree::Kind::Null) {
    MapReader dr(*d, r.sub("dns"), {"stopped_name", "register_delay", "deregister_delay", "silence"});
    rc.dns.stopped_name = dns_status(dr, "stopped_name", rc.dns.stopped_name);
    if (auto x = dr.distribution("register_delay")) rc.dns.register_delay = *x;
    if (auto x = dr.distribution("deregister_delay")) rc.dns.deregister_delay = *x;
    if (const Tree* q = dr.get("silence"); q != nullptr && q->kind != Tree::Kind::Null) {
      MapReader qr(*q, dr.sub("silence"), {"after_stop", "after_start", "duration", "onset"});
      rc.dns.silence.after_stop = qr.real("after_stop", 0.0, 0.0, 1.0);
      rc.dns.silence.after_start = qr.real("after_start", 0.0, 0.0, 1.0);
      if (auto x = qr.distribution("duration")) rc.dns.silence.duration = *x;
      rc.dns.silence.onset = qr.distribution("onset");
    }
  }
  if (const Tree* c = r.get("command_delay"); c != nullptr && c->kind != Tree::Kind::Null) {
    MapReader cr(*c, r.sub("command_delay"), models::runtime::command_names());
    for (const auto& name : models::runtime::command_names())
      if (auto x = cr.distribution(name)) rc.command_delay[name] = *x;
  }
  return rc;
}

/// The host's disk (`runtime.disk`) under each node's writable layer and named volumes, where the
/// node's own `disk:` or the volume's entry does not set that latency (tmpfs is memory: untouched).
/// `node_tree`: each node's section by name (spec_from_tree's index).
void apply_host_disk(const models::runtime::HostDisk& host, const std::map<std::string_view, const Tree*>& node_tree,
                     std::vector<NodeSpec>& specs) {
  auto sets = [](const Tree* t, const char* key) { return t != nullptr && t->is_map() && t->find(key) != nullptr; };
  for (auto& n : specs) {
    const auto found = node_tree.find(n.name);
    const Tree* nt = found == node_tree.end() ? nullptr : found->second;
    const Tree* disk = nt != nullptr && nt->is_map() ? nt->find("disk") : nullptr;
    if (host.fsync && !sets(disk, "fsync")) n.disk.fsync_latency = *host.fsync;
    if (host.fsync_clean && !sets(disk, "fsync_clean")) n.disk.fsync_clean_latency = *host.fsync_clean;
    if (host.write && !sets(disk, "write")) n.disk.write_latency = *host.write;
    if (host.write_rate && !sets(disk, "write_rate")) n.disk.write_rate_bytes_per_s = *host.write_rate;
    const Tree* vols = nt != nullptr && nt->is_map() ? nt->find("volumes") : nullptr;
    for (auto& v : n.volumes) {
      if (v.kind == sim::VolumeKind::Tmpfs) continue;
      const Tree* vt = vols != nullptr && vols->is_map() ? vols->find(v.name) : nullptr;
      if (host.fsync && !sets(vt, "fsync")) v.config.fsync_latency = *host.fsync;
      if (host.fsync_clean && !sets(vt, "fsync_clean")) v.config.fsync_clean_latency = *host.fsync_clean;
      if (host.write && !sets(vt, "write")) v.config.write_latency = *host.write;
      if (host.write_rate && !sets(vt, "write_rate")) v.config.write_rate_bytes_per_s = *host.write_rate;
    }
  }
}

}  // namespace

ScenarioSpec spec_from_tree(const Tree& root, const std::string& file) {
  MapReader r(root, "", {"name", "description", "seed", "runs", "duration", "fault_jitter", "networks", "nodes",
                         "workloads", "faults", "invariants", "heal_at", "converge", "notes", "runtime"});
  ScenarioSpec s;
  s.file = file;
  s.name = r.str("name", "");
  if (s.name.empty()) {
    if (const Tree* n = r.get("name")) fail(*n, "name", "must not be empty (a short name for the scenario)");
    fail(root, "name", "missing (a short name for the scenario)");
  }
  s.description = r.str("description", "");
  if (const Tree* seed = r.get("seed")) s.seed = uint64_of(*seed, "seed");
  s.runs = static_cast<int>(r.integer("runs", 1, 1, kMaxRuns));
  s.duration = r.duration("duration", s.duration);
  s.duration_source = r.has("duration") ? r.get("duration")->src : root.src;
  s.fault_jitter = r.duration("fault_jitter", 0, true);

  // Networks.
  const Tree* nets = r.get("networks");
  if (nets == nullptr || !nets->is_map() || nets->map.empty())
    fail(nets ? *nets : root, "networks", "expected at least one network, e.g. 'networks: {web: {subnet: 172.20.0.0/16}}'");
  for (const auto& [name, nt] : nets->map) {
    NetworkSpec n;
    n.name = name;
    if (nt.kind != Tree::Kind::Null) {
      MapReader nr(nt, "networks." + name, {"subnet", "latency"});
      n.subnet = nr.str("subnet", n.subnet);
      if (!sim::Subnet::parse(n.subnet))
        fail(*nr.get("subnet"), nr.sub("subnet"), "expected CIDR such as 172.20.0.0/16 (prefix 8..30), found '" + shown(n.subnet) + "'");
      if (auto d = nr.distribution("latency")) n.latency = *d;
    }
    s.networks.push_back(n);
  }
  std::vector<std::string> net_names = keys_of(*nets);

  // Nodes.
  const Tree* nodes = r.get("nodes");
  if (nodes == nullptr || !nodes->is_map() || nodes->map.empty())
    fail(nodes ? *nodes : root, "nodes", "expected at least one node");
  for (const auto& [name, nt] : nodes->map) {
    if (name.find('/') != std::string::npos || name.empty()) fail(nt, "nodes." + name, "node names may not contain '/'");
    NodeSpec n = read_node(name, nt, "nodes." + name);
    if (n.networks.empty()) n.networks.push_back(Attachment{net_names.front(), ""});
    for (const auto& a : n.networks) {
      if (std::find(net_names.begin(), net_names.end(), a.network) == net_names.end())
        fail(nt, "nodes." + name + ".networks", "no network named '" + shown(a.network) + "' (did you mean '" + closest(a.network, net_names) + "'?)");
      if (!a.address.empty()) {
        const auto& ns = *std::find_if(s.networks.begin(), s.networks.end(), [&](const NetworkSpec& x) { return x.name == a.network; });
        if (!sim::Subnet::parse(ns.subnet)->contains(*sim::Ipv4::parse(a.address)))
          fail(nt, "nodes." + name + ".networks." + a.network, a.address + " is outside " + ns.subnet);
      }
    }
    s.nodes.push_back(std::move(n));
  }
  std::vector<std::string> node_names = keys_of(*nodes);
  // Each node's section by name, and the names as a set: a scenario with thousands of backends
  // names each in a server line, and a linear search per name made loading quadratic.
  std::map<std::string_view, const Tree*> node_tree;
  for (const auto& [name, nt] : nodes->map) node_tree.emplace(name, &nt);
  auto check_node = [&](const std::string& n, const Tree& at, const std::string& p) {
    if (!node_tree.contains(n)) fail(at, p, "no node named '" + shown(n) + "' (did you mean '" + closest(n, node_names) + "'?)");
  };
  for (const auto& n : s.nodes)
    for (const auto& d : n.depends_on) {
      check_node(d, *node_tree.at(n.name), "nodes." + n.name + ".depends_on");
      if (d == n.name) fail(*node_tree.at(n.name), "nodes." + n.name + ".depends_on", "a node cannot depend on itself");
    }
  // Addresses must be unique on each network.
  {
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& n : s.nodes)
      for (const auto& a : n.networks)
        if (!a.address.empty() && !seen.insert({a.network, a.address}).second)
          fail(*node_tree.at(n.name), "nodes." + n.name + ".networks." + a.network, "address " + a.address + " is used twice");
  }
  // Names in daemons' sections (HAProxy servers) must be nodes. Errors point at the deepest key written
  // (the address itself, or the server when the address comes from default-server).
  auto deepest = [](const Tree* t, const std::vector<std::string>& keys) {
    for (const auto& k : keys) {
      const Tree* next = t->is_map() ? t->find(k) : nullptr;
      if (next == nullptr) break;
      t = next;
    }
    return t;
  };
  for (const auto& n : s.nodes)
    for (const auto& c : n.components)
      visit_kind(c, [&](auto kind, const auto& config) {
        const std::string key(decltype(kind)::key);
        for (const auto& ref : decltype(kind)::node_refs(config)) {
          if (node_tree.contains(ref.node)) continue;  // where the error would point is found only for an error
          std::vector<std::string> keys = {key};
          keys.insert(keys.end(), ref.keys.begin(), ref.keys.end());
          std::string p = "nodes." + n.name;
          for (const auto& k : keys) p += "." + k;
          check_node(ref.node, *deepest(node_tree.at(n.name), keys), p);
        }
      });

  // Workloads.
  if (const Tree* ws = r.get("workloads")) {
    if (!ws->is_map()) fail(*ws, "workloads", "expected a mapping of workloads by name");
    for (const auto& [name, wt] : ws->map) {
      const std::string p = "workloads." + name;
      const Tree* kt = wt.is_map() ? wt.find("kind") : nullptr;
      const std::string kind = kt != nullptr && kt->is_scalar() ? kt->scalar : std::string(workload_kinds().front().name);
      const WorkloadKind* wk = find_workload_kind(kind);
      if (wk == nullptr) {
        std::string all;
        for (const auto& k : workload_kinds()) all += std::string(all.empty() ? "" : ", ") + std::string(k.name);
        fail(*kt, p + ".kind", "unknown workload kind '" + shown(kind) + "' (" + all + ")");
      }
      WorkloadSpec w;
      w.kind = kind;
      wk->read(wt, p, name, check_node, w);
      s.workloads.emplace(name, w);
    }
  }

  // Workloads named in daemons' sections (the failover script's `repoint`): each must exist, be
  // one the application repoints (a writer reading its host file) and run on the daemon's node,
  // whose disk holds that file; otherwise the step would repoint nothing, silently.
  for (const auto& n : s.nodes)
    for (const auto& c : n.components)
      visit_kind(c, [&](auto kind, const auto& config) {
        using K = decltype(kind);
        if constexpr (requires { K::workload_refs(config); }) {
          const std::string key(K::key);
          for (const auto& [field, i, wname] : K::workload_refs(config)) {
            const Tree* at = deepest(node_tree.at(n.name), {key, field});
            if (at->is_seq() && i < at->seq.size()) at = &at->seq[i];
            const std::string p = "nodes." + n.name + "." + key + "." + field + "." + std::to_string(i);
            auto w = s.workloads.find(wname);
            if (w == s.workloads.end() || !find_workload_kind(w->second.kind)->repointable)
              fail(*at, p, "no workload named '" + shown(wname) + "' that reads a host file (pg_writer)");
            if (w->second.node != n.name)
              fail(*at, p, "workload '" + shown(wname) + "' runs on '" + shown(w->second.node) + "', not on '" + shown(n.name) +
                               "' whose disk the host file is written to");
          }
        }
      });

  // Faults.
  if (const Tree* fs = r.get("faults")) {
    if (fs->kind != Tree::Kind::Null) {
      if (!fs->is_seq()) fail(*fs, "faults", "expected a list of {at: TIME, ACTION: TARGET}");
      for (std::size_t i = 0; i < fs->seq.size(); ++i) {
        const std::string p = "faults." + std::to_string(i);
        FaultSpec f = read_fault(fs->seq[i], p);
        const Tree& ft = fs->seq[i];
        if (f.at > s.duration)
          fail(*ft.find("at"), p + ".at", "is after the end of the run (duration " + sim::format_duration(s.duration) + ")");
        // Its own jitter shifts it by up to that much: it must still land inside the run.
        if (f.jitter && *f.jitter > s.duration - f.at)
          fail(*ft.find("jitter"), p + ".jitter",
               "at + jitter is after the end of the run (duration " + sim::format_duration(s.duration) + ")");
        const Tree& av = *ft.find(f.action);
        const std::string ap = p + "." + f.action;
        const FaultAction& action = fault_action(f.action);
        if (action.scope == FaultScope::Workload) {
          auto w = s.workloads.find(f.workload);
          if (w == s.workloads.end() || !find_workload_kind(w->second.kind)->repointable) {
            std::string kinds;
            for (const auto& k : workload_kinds())
              if (k.repointable) kinds += std::string(kinds.empty() ? "" : " or ") + std::string(k.name);
            fail(*av.find("workload"), ap + ".workload", "no " + kinds + " workload named '" + shown(f.workload) + "'");
          }
          if (!sim::Ipv4::parse(f.host)) check_node(f.host, *av.find("host"), ap + ".host");
          if (f.for_) fail(*ft.find("for"), p + ".for", "repoint cannot be undone with 'for' (repoint again)");
          f.target = w->second.node + "/client:" + f.workload;
        }
        if (!f.target.empty() && action.scope != FaultScope::Workload) {
          const auto slash = f.target.find('/');
          const std::string node = f.target.substr(0, slash);
          check_node(node, av, ap);
          if (action.operator_step) {
            // An operator step on a daemon (`promote: pg2`): the node must run a daemon that has it.
            const NodeSpec& ns = *std::find_if(s.nodes.begin(), s.nodes.end(), [&](const NodeSpec& x) { return x.name == node; });
            if (slash != std::string::npos) fail(av, ap, f.action + " names a node, not a process (e.g. '" + node + "')");
            if (daemon_for_action(ns, f.action).empty())
              fail(av, ap, "node '" + shown(node) + "' runs no daemon that can " + f.action);
            if (f.for_) fail(*ft.find("for"), p + ".for", f.action + " cannot be undone with 'for'");
            if (const SettingsError e = operator_settings_error(ns, f); !e.why.empty()) {
              // At the setting's own line when it names one (`faults.0.sql.statement`).
              const Tree* at = &av;
              std::string path = ap;
              for (std::size_t from = 0; !e.setting.empty() && at->is_map() && from <= e.setting.size();) {
                const std::size_t dot = std::min(e.setting.find('.', from), e.setting.size());
                const std::string part = e.setting.substr(from, dot - from);
                const Tree* next = at->find(part);
                if (next == nullptr) break;
                at = next, path += "." + part, from = dot + 1;
              }
              fail(*at, path, e.why);
            }
            for (const auto& ref : operator_node_refs(ns, f)) check_node(ref, av, ap);
          } else if (slash != std::string::npos) {
            const std::string proc = f.target.substr(slash + 1);
            const NodeSpec& ns = *std::find_if(s.nodes.begin(), s.nodes.end(), [&](const NodeSpec& x) { return x.name == node; });
            const std::vector<FaultTarget> targets = fault_targets(ns);
            std::vector<std::string> procs;
            for (const auto& t : targets) procs.push_back(t.name);
            for (const auto& [wn, w] : s.workloads)
              if (w.node == node) procs.push_back("client:" + wn);
            if (std::find(procs.begin(), procs.end(), proc) == procs.end())
              fail(av, ap, "node '" + shown(node) + "' runs no process '" + shown(proc) + "'" +
                               (procs.empty() ? "" : " (did you mean '" + closest(proc, procs) + "'?)"));
            if (action.scope != FaultScope::NodeOrProcess) fail(av, ap, f.action + " applies to a whole node, not to a process");
            const FaultTarget* target = find_fault_target(targets, proc);
            if (target != nullptr && !target->forked_by.empty() && (action.starts || (f.for_ && action.undo_starts)))
              fail(av, ap, "'" + proc + "' is forked by " + target->forked_by + ", which forks a new one when it dies: " +
                               f.action + (f.for_ ? " with 'for'" : "") + " does not apply (target '" + node + "/" +
                               target->daemon + "' to start or restart the daemon)");
          }
        }
        for (const auto& g : f.groups)
          for (const auto& n : g) check_node(n, av, ap);
        for (const auto& n : f.from) check_node(n, av, ap + ".from");
        for (const auto& n : f.to) check_node(n, av, ap + ".to");
        if (!f.network.empty() && std::find(net_names.begin(), net_names.end(), f.network) == net_names.end())
          fail(*ft.find("network"), p + ".network", "no network named '" + shown(f.network) + "'");
        if (action.real == RealCommand::IpLink) {
          // `ip link set ethN down|up` inside the node: an interface it has (every one without `network`).
          const NodeSpec& ns = *std::find_if(s.nodes.begin(), s.nodes.end(), [&](const NodeSpec& x) { return x.name == f.target; });
          if (!f.network.empty() &&
              std::none_of(ns.networks.begin(), ns.networks.end(), [&](const Attachment& at) { return at.network == f.network; }))
            fail(*ft.find("network"), p + ".network", "node '" + shown(f.target) + "' is not attached to network '" + shown(f.network) + "'");
        }
        // One command with nothing to undo (a re-created container's writable layer is gone; a
        // start, thaw or link_up is itself the undo of another action, which takes the `for`).
        if (f.for_ && !action.undoable && !action.operator_step && action.scope != FaultScope::Workload)
          fail(*ft.find("for"), p + ".for",
               f.action + " cannot be undone with 'for'" +
                   (action.opposite.empty() ? "" : " (use " + std::string(action.opposite) + " with 'for')"));
        if (!f.network.empty() && !action.takes_network) {
          std::string takers;
          for (const auto& a : fault_actions())
            if (a.takes_network) takers += std::string(takers.empty() ? "" : ", ") + a.name;
          const auto last = takers.rfind(", ");
          if (last != std::string::npos) takers.replace(last, 2, " and ");
          fail(*ft.find("network"), p + ".network", "only " + takers + " take a network");
        }
        s.faults.push_back(f);
      }
    }
  }

  if (const Tree* rt = r.get("runtime")) s.runtime = read_runtime(*rt);
  apply_host_disk(s.runtime.disk, node_tree, s.nodes);

  // Invariants.
  for (const auto& name : r.str_list("invariants")) {
    const auto& known = known_invariants();
    if (std::find(known.begin(), known.end(), name) == known.end())
      fail(*r.get("invariants"), "invariants",
           "unknown invariant '" + shown(name) + "' (did you mean '" + closest(name, known) + "'?)");
    s.invariants.push_back(name);
  }

  // Liveness: heal_at ends every fault, converge names what must hold again soon after.
  if (r.has("heal_at")) {
    s.heal_at = r.duration("heal_at", 0, true);
    if (*s.heal_at >= s.duration)
      fail(*r.get("heal_at"), "heal_at", "is not before the end of the run (duration " + sim::format_duration(s.duration) + ")");
    for (std::size_t i = 0; i < s.faults.size(); ++i)
      if (s.faults[i].at + s.faults[i].jitter_or(s.fault_jitter) > *s.heal_at)
        fail(*r.get("heal_at"), "heal_at",
             "comes before fault " + std::to_string(i) + " (" + s.faults[i].source + ") can happen: every fault must be over by then");
  }
  if (const Tree* ct = r.get("converge")) {
    const std::string cp = "converge";
    if (!s.heal_at) fail(*ct, cp, "needs heal_at: converge says what holds again after the heal");
    MapReader cr(*ct, cp, {"within", "holds"});
    if (!cr.has("within")) fail(*ct, cp + ".within", "missing (how long after heal_at, e.g. 'within: 10s')");
    ConvergeSpec c;
    c.within = cr.duration("within", 0);
    c.source = ct->src.file + ":" + std::to_string(ct->src.line);
    if (*s.heal_at + c.within > s.duration)
      fail(*cr.get("within"), cp + ".within", "heal_at + within is after the end of the run (duration " +
                                                  sim::format_duration(s.duration) + ")");
    c.holds = cr.has("holds") ? cr.str_list("holds") : s.invariants;
    std::vector<std::string> known = known_invariants();
    known.insert(known.end(), converge_conditions().begin(), converge_conditions().end());
    for (const auto& name : c.holds)
      if (std::find(known.begin(), known.end(), name) == known.end())
        fail(*cr.get("holds"), cp + ".holds",
             "unknown invariant or condition '" + shown(name) + "' (did you mean '" + closest(name, known) + "'?)");
    if (c.holds.empty()) fail(*ct, cp + ".holds", "names no invariant (list them here or under invariants:)");
    s.converge = c;
  }

  // Sources go into the trace (fault records): written relative to the scenario's own folder,
  // so the same scenario gives the same trace whatever folder it is run from and however its
  // path is spelled (scenarios/x.yaml, ./x.yaml, /abs/x.yaml).
  const std::string dir = file.substr(0, file.rfind('/') == std::string::npos ? 0 : file.rfind('/') + 1);
  auto stable = [&dir](std::string& src) {
    if (!dir.empty() && src.compare(0, dir.size(), dir) == 0) src.erase(0, dir.size());
  };
  for (auto& f : s.faults) stable(f.source);
  if (s.converge) stable(s.converge->source);
  return s;
}

ScenarioSpec load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  Tree t = load_tree(path);
  for (const auto& o : overrides) apply_override(t, o);
  return spec_from_tree(t, path);
}

ProcessTiming read_timing(const Tree& t, const std::string& path) {
  ProcessTiming timing;
  if (const Tree* v = t.find("start_delay")) timing.start_delay = distribution_of(*v, path + ".start_delay");
  if (const Tree* v = t.find("stop_delay")) timing.stop_delay = distribution_of(*v, path + ".stop_delay");
  return timing;
}

}  // namespace scenarios
