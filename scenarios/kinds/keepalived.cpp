// The `keepalived:` section of a node: keepalived.conf's `vrrp_script` and `vrrp_instance`
// blocks, keys spelled as in the real file (`virtual_router_id`, `advert_int`, `auth_pass`).
#include <algorithm>

#include "scenarios/kinds/keepalived.hpp"

#include "models/keepalived/events.hpp"
#include "models/keepalived/keepalived.hpp"
#include "scenarios/checks/vips.hpp"
#include "scenarios/reader.hpp"
#include "scenarios/spec.hpp"
#include "sim/node.hpp"
#include "sim/network.hpp"

namespace scenarios {
namespace {

using models::keepalived::KeepalivedConfig;
using models::keepalived::VrrpInstanceConfig;
using models::keepalived::VrrpScriptConfig;

std::vector<std::string> names_of(const Tree& t) {
  std::vector<std::string> out;
  for (const auto& [k, v] : t.map) out.push_back(k);
  return out;
}

/// keepalived reads a vrrp_script's `interval` and `timeout` as whole seconds from 0 to 4294
/// (vrrp_parser.c: UINT_MAX / TIMER_HZ) and sets 0 to 1 ("must be greater than 0, setting to
/// 1"); hasim does the same, so a value below a second is a second. A fraction above one
/// second, or more than 4294, keepalived ignores with a configuration error: hasim refuses it.
sim::Time script_seconds(const MapReader& r, const std::string& key, sim::Time fallback) {
  const Tree* v = r.get(key);
  if (v == nullptr) return fallback;
  const sim::Time t = duration_of(*v, r.sub(key), true);
  if (t < sim::kSecond) return sim::kSecond;
  if (t % sim::kSecond != 0 || t > 4294 * sim::kSecond)
    fail(*v, r.sub(key), "keepalived reads whole seconds from 1 to 4294 here, found '" + shown(v->scalar) + "'");
  return t;
}

VrrpScriptConfig read_script(const std::string& name, const Tree& t, const std::string& path) {
  MapReader r(t, path, {"script", "checks", "interval", "timeout", "weight", "rise", "fall"});
  VrrpScriptConfig c;
  c.name = name;
  c.script = r.required_str("script");
  if (const Tree* ct = r.get("checks")) {
    // Any command, told what it checks: exactly one of process, pidfile, http, exit.
    const std::string cp = r.sub("checks");
    const std::string one = "expected one of {process: NAME}, {pidfile: /path/to/file.pid}, {http: URL}, {exit: CODE}";
    if (!ct->is_map()) fail(*ct, cp, one);
    MapReader cr(*ct, cp, {"process", "pidfile", "http", "exit"});
    if (ct->map.size() != 1) fail(*ct, cp, one);
    const std::string kind = ct->map[0].first;
    if (kind == "process") {
      c.checks.kind = models::keepalived::ScriptCheck::Kind::Process;
      c.checks.what = cr.required_str("process");
    } else if (kind == "pidfile") {
      c.checks.kind = models::keepalived::ScriptCheck::Kind::Pidfile;
      c.checks.what = cr.required_str("pidfile");
      if (c.checks.what.empty() || c.checks.what[0] != '/')
        fail(*cr.get("pidfile"), cr.sub("pidfile"), "expected an absolute path, e.g. /run/haproxy.pid");
    } else if (kind == "http") {
      c.checks.kind = models::keepalived::ScriptCheck::Kind::Http;
      c.checks.what = cr.required_str("http");
      const auto hp = models::HostPort::parse(c.checks.what, 80);
      if (c.checks.what.rfind("http://", 0) != 0 || !hp || hp->host.empty())
        fail(*cr.get("http"), cr.sub("http"), "expected http://HOST[:PORT]/PATH (HOST: localhost, a node or an IPv4 address)");
    } else {
      c.checks.kind = models::keepalived::ScriptCheck::Kind::Exit;
      c.checks.exit_code = static_cast<int>(cr.integer("exit", 0, 0, 255));
    }
  } else {
    // Without `checks`, only commands whose outcome the model can compute by reading them.
    std::string cmd = c.script.substr(0, c.script.find(' '));
    cmd = cmd.substr(cmd.rfind('/') == std::string::npos ? 0 : cmd.rfind('/') + 1);
    const std::vector<std::string> known = {"killall", "pidof", "pgrep", "true", "false"};
    if (std::find(known.begin(), known.end(), cmd) == known.end())
      fail(*r.get("script"), r.sub("script"),
           "command '" + shown(cmd) +
               "' is not modelled: say what it checks with 'checks: {process: NAME}', {pidfile: PATH}, "
               "{http: URL} or {exit: CODE}, or use 'killall -0 PROCESS', 'pidof PROCESS', 'pgrep PROCESS', true or false");
    if ((cmd == "killall" || cmd == "pidof" || cmd == "pgrep") && c.script.find(' ') == std::string::npos)
      fail(*r.get("script"), r.sub("script"), "'" + cmd + "' needs a process name, e.g. 'killall -0 haproxy'");
  }
  c.interval = script_seconds(r, "interval", c.interval);
  if (r.has("timeout")) c.timeout = script_seconds(r, "timeout", c.interval);
  c.weight = static_cast<int>(r.integer("weight", 0, -253, 253));
  c.rise = static_cast<int>(r.integer("rise", 1, 1, 1000));
  c.fall = static_cast<int>(r.integer("fall", 1, 1, 1000));
  return c;
}

VrrpInstanceConfig read_instance(const std::string& name, const Tree& t, const std::string& path,
                                 const std::vector<std::string>& script_names) {
  MapReader r(t, path, {"state", "interface", "virtual_router_id", "priority", "advert_int", "version", "nopreempt",
                        "preempt_delay", "authentication", "unicast_peer", "virtual_ipaddress", "track_script",
                        "garp_master_delay", "garp_master_repeat", "garp_lower_prio_delay", "garp_lower_prio_repeat"});
  VrrpInstanceConfig c;
  c.name = name;
  c.state = r.str("state", c.state);
  if (c.state != "MASTER" && c.state != "BACKUP")
    fail(*r.get("state"), r.sub("state"), "expected MASTER or BACKUP, found '" + shown(c.state) + "'");
  c.interface = r.str("interface", c.interface);
  if (!r.has("virtual_router_id")) fail(t, r.sub("virtual_router_id"), "missing (1..255, the same on every peer)");
  c.virtual_router_id = static_cast<int>(r.integer("virtual_router_id", 0, 1, 255));
  c.priority = static_cast<int>(r.integer("priority", c.priority, 1, 255));
  c.advert_int = r.duration("advert_int", c.advert_int);
  // vrrp_parser.c: advert_int from 0.01 to 255 seconds, else the line is ignored; refused here.
  if (c.advert_int > 255 * sim::kSecond)
    fail(*r.get("advert_int"), r.sub("advert_int"), "keepalived allows at most 255 seconds, found '" + shown(r.get("advert_int")->scalar) + "'");
  c.version = static_cast<int>(r.integer("version", 2, 2, 3));
  if (c.version == 2 && c.advert_int % sim::kSecond != 0)
    fail(*r.get("advert_int"), r.sub("advert_int"), "VRRPv2 advertises whole seconds (use version: 3 for sub-second)");
  if (c.version == 3 && c.advert_int % (10 * sim::kMillisecond) != 0)
    fail(*r.get("advert_int"), r.sub("advert_int"), "VRRPv3 advertises in centiseconds (a multiple of 10ms)");
  c.nopreempt = r.boolean("nopreempt", false);
  c.preempt_delay = r.duration("preempt_delay", 0, true);
  // vrrp_parser.c: preempt_delay from 0 to TIMER_MAX_SEC (1000) seconds.
  if (c.preempt_delay > 1000 * sim::kSecond)
    fail(*r.get("preempt_delay"), r.sub("preempt_delay"), "keepalived allows at most 1000 seconds, found '" + shown(r.get("preempt_delay")->scalar) + "'");
  if (const Tree* a = r.get("authentication")) {
    MapReader ar(*a, r.sub("authentication"), {"auth_type", "auth_pass"});
    c.auth_type = ar.str("auth_type", "PASS");
    if (c.auth_type != "PASS")
      fail(*ar.get("auth_type"), ar.sub("auth_type"), "only PASS is modelled, found '" + shown(c.auth_type) + "'");
    c.auth_pass = ar.required_str("auth_pass");
  }
  c.unicast_peer = r.str_list("unicast_peer");
  for (const auto& p : c.unicast_peer)
    if (!sim::Ipv4::parse(p)) fail(*r.get("unicast_peer"), r.sub("unicast_peer"), "expected IPv4 addresses, found '" + shown(p) + "'");
  c.virtual_ipaddress = r.str_list("virtual_ipaddress");
  if (c.virtual_ipaddress.empty()) fail(t, r.sub("virtual_ipaddress"), "missing (e.g. [172.20.0.100/16])");
  for (const auto& v : c.virtual_ipaddress) {
    const bool ok = v.find('/') == std::string::npos ? sim::Ipv4::parse(v).has_value() : sim::Subnet::parse(v).has_value();
    if (!ok) fail(*r.get("virtual_ipaddress"), r.sub("virtual_ipaddress"), "expected ADDRESS or ADDRESS/PREFIX, found '" + shown(v) + "'");
  }
  c.track_script = r.str_list("track_script");
  for (const auto& s : c.track_script)
    if (std::find(script_names.begin(), script_names.end(), s) == script_names.end())
      fail(*r.get("track_script"), r.sub("track_script"),
           "no vrrp_script named '" + shown(s) + "'" + (script_names.empty() ? "" : " (did you mean '" + closest(s, script_names) + "'?)"));
  c.garp_master_delay = r.duration("garp_master_delay", c.garp_master_delay, true);
  c.garp_master_repeat = static_cast<int>(r.integer("garp_master_repeat", c.garp_master_repeat, 1, 255));
  if (r.has("garp_lower_prio_repeat")) c.garp_lower_prio_repeat = static_cast<int>(r.integer("garp_lower_prio_repeat", 0, 0, 255));
  c.garp_lower_prio_delay = r.opt_duration("garp_lower_prio_delay", true);
  return c;
}

}  // namespace

KeepalivedConfig DaemonKind<KeepalivedConfig>::read(const Tree& t, const std::string& path) {
  MapReader r(t, path, {"vrrp_script", "vrrp_instance", "start_delay", "stop_delay"});
  KeepalivedConfig c;
  std::vector<std::string> script_names;
  if (const Tree* ss = r.get("vrrp_script")) {
    if (!ss->is_map()) fail(*ss, r.sub("vrrp_script"), "expected a mapping of scripts by name");
    script_names = names_of(*ss);
    for (const auto& [name, st] : ss->map) c.scripts.push_back(read_script(name, st, r.sub("vrrp_script") + "." + name));
  }
  const Tree* is = r.get("vrrp_instance");
  if (is == nullptr || !is->is_map() || is->map.empty())
    fail(is ? *is : t, r.sub("vrrp_instance"), "expected at least one vrrp_instance, e.g. {VI_1: {virtual_router_id: 51, ...}}");
  for (const auto& [name, it] : is->map)
    c.instances.push_back(read_instance(name, it, r.sub("vrrp_instance") + "." + name, script_names));
  return c;
}

/// Unicast peers are addresses, not names.
std::vector<NodeRef> DaemonKind<KeepalivedConfig>::node_refs(const KeepalivedConfig&) { return {}; }

sim::Process& DaemonKind<KeepalivedConfig>::build(sim::Node& node, const KeepalivedConfig& c, BuildContext& ctx) {
  auto& k = node.add_process<models::keepalived::Keepalived>(c);
  if (ctx.wakeup_delay) k.vrrp().wakeup_delay = *ctx.wakeup_delay;
  return k;
}

/// The daemon (both processes, as `pkill -x keepalived` reaches them), its parent alone, its
/// VRRP child alone (models/keepalived/keepalived.hpp). The real stack tells the two apart by
/// their pid files: they share the executable's name.
std::vector<FaultTarget> DaemonKind<KeepalivedConfig>::fault_targets(const KeepalivedConfig&) {
  return {FaultTarget{"keepalived", "keepalived", true, "", "", "keepalived"},
          FaultTarget{"keepalived_parent", "keepalived", false, "", "/run/keepalived.pid", "keepalived"},
          FaultTarget{"keepalived_vrrp", "keepalived_vrrp", false, "its parent", "/run/vrrp.pid", "keepalived"}};
}

/// Its instances' `virtual_ipaddress` entries, without prefix length, in order.
std::vector<std::string> DaemonKind<KeepalivedConfig>::floating_addresses(const KeepalivedConfig& c) {
  std::vector<std::string> out;
  for (const auto& inst : c.instances)
    for (const auto& v : inst.virtual_ipaddress) out.push_back(v.substr(0, v.find('/')));
  return out;
}

/// Who holds its VIPs (scenarios/checks/vips.hpp): single_vip_holder, the vip.* metrics, vip_held.
void DaemonKind<KeepalivedConfig>::add_checks(const ScenarioSpec& spec, sim::Invariants& invariants, CheckSet& checks) {
  std::vector<std::string> vips, nodes;
  for (const auto& n : spec.nodes) {
    nodes.push_back(n.name);
    for (const auto& c : n.components)
      if (const auto* k = std::get_if<KeepalivedConfig>(&c))
        for (const auto& v : floating_addresses(*k)) vips.push_back(v);
  }
  if (!vips.empty()) checks.once<VipChecks>("vips", vips, nodes, invariants);
}

std::vector<std::string_view> DaemonKind<KeepalivedConfig>::event_kinds() {
  namespace e = models::keepalived::events;
  return {e::kState, e::kAdvert, e::kDrop, e::kForceElection, e::kPriority, e::kScript, e::kScriptResult, e::kRespawn,
          e::kDaemonRefused};
}

/// No operator step of its own: its faults are the engine's and the signals'.
std::vector<std::string> DaemonKind<KeepalivedConfig>::operator_actions() { return {}; }
void DaemonKind<KeepalivedConfig>::act(sim::Process&, const std::string&) {}

}  // namespace scenarios
