// hasim render: a scenario as the real stack's files. See render.hpp and validation/README.md.
#include "validation/render.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "models/postgres/pg_writer_sql.hpp"
#include "scenarios/checks/detection.hpp"
#include "scenarios/fault_actions.hpp"
#include "scenarios/kinds/registry.hpp"
#include "scenarios/tree.hpp"
#include "sim/network.hpp"
#include "validation/kinds/real_kinds.hpp"
#include "validation/render_detail.hpp"
#include "validation/render_workloads.hpp"

namespace validation {

namespace fs = std::filesystem;
using scenarios::FaultSpec;
using scenarios::NodeSpec;
using scenarios::ScenarioSpec;

namespace detail {

namespace {

[[noreturn]] void unsupported(const std::string& key, const std::string& what) { cannot_render(key, what); }

/// A shell word, single-quoted when needed.
std::string sh_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_") == std::string::npos)
    return s;
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

const NodeSpec* find_node(const ScenarioSpec& spec, const std::string& name) {
  for (const auto& n : spec.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

std::string node_of(const std::string& target) { return target.substr(0, target.find('/')); }
std::string process_of(const std::string& target) {
  const auto slash = target.find('/');
  return slash == std::string::npos ? "" : target.substr(slash + 1);
}

/// The addresses a node's daemons may claim (VIPs), each once, first seen first: what its VIP
/// watcher reports on.
std::vector<std::string> vips_of(const NodeSpec& n) {
  std::vector<std::string> vips;
  for (const auto& ip : scenarios::floating_addresses(n))
    if (std::find(vips.begin(), vips.end(), ip) == vips.end()) vips.push_back(ip);
  return vips;
}

/// The daemons a node runs (their kinds' keys, which are their `pkill -x` names), in start order.
std::vector<std::string> processes_of(const NodeSpec& n) {
  std::vector<std::string> p;
  for (const auto& c : n.components) p.emplace_back(scenarios::kind_key(c));
  return p;
}

/// The signal a daemon's own stop sends (forwarded by PID 1 on `docker stop`), as in the
/// official images' STOPSIGNALs.
std::string stop_signal_of(const std::string& key) {
  std::string sig;
  with_real_daemon(key, [&](auto real) { sig = decltype(real)::stop_signal(); });
  return sig;
}

/// pkill arguments that signal a daemon the way its own stop does: keepalived's parent only (it
/// stops its VRRP child itself, which then sends the priority-0 advert); every haproxy/nginx.
std::vector<std::string> pkill_stop_args(const std::string& key) {
  std::vector<std::string> a = {"pkill", "-" + stop_signal_of(key)};
  with_real_daemon(key, [&](auto real) {
    if (decltype(real)::stop_oldest_only()) a.push_back("-o");
  });
  a.push_back("-x");
  a.push_back(key);
  return a;
}

std::string run_command_of(const std::string& key) {
  std::string cmd;
  with_real_daemon(key, [&](auto real) { cmd = decltype(real)::command(); });
  return cmd;
}

/// Nodes whose containers need NET_ADMIN/NET_RAW: iptables or tc run inside them.
std::set<std::string> netadmin_nodes(const ScenarioSpec& spec) {
  std::set<std::string> out;
  for (const auto& f : spec.faults) {
    if (!scenarios::fault_action(f.action).net_admin) continue;
    // The containers its iptables, tc or ip link run in.
    for (const auto& g : f.groups) out.insert(g.begin(), g.end());  // a partition's every member
    out.insert(f.to.begin(), f.to.end());                           // a drop's receivers
    if (f.both_ways) out.insert(f.from.begin(), f.from.end());
    if (!f.target.empty()) out.insert(f.target);
  }
  for (const auto& n : spec.nodes)
    for (const auto& c : n.components)
      if (visit_real(c, [](const std::string&, auto real, const auto&) { return decltype(real)::net_admin(); }))
        out.insert(n.name);  // keepalived's VRRP: raw sockets, VIPs, gratuitous ARP
  return out;
}

void check_spec(const ScenarioSpec& spec) {
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    const auto& n = spec.nodes[i];
    const std::string key = "nodes." + n.name;
    if (n.router) unsupported(key + ".router", "routing between networks is not rendered yet");
    if (n.networks.empty()) unsupported(key + ".networks", "a container needs at least one network");
    std::map<std::string, int> kinds;
    for (const auto& c : n.components) {
      // A kind whose real stack cannot be rendered says so first (its files refuse).
      visit_real(c, [&](const std::string& k, auto real, const auto& config) {
        decltype(real)::files(RenderContext{spec, n, key + "." + k}, config);
      });
      const std::string k(scenarios::kind_key(c));
      if (++kinds[k] > 1) unsupported(key + "." + k, "more than one " + k + " in one container");
    }
    for (const auto& a : n.networks) {
      bool known = false;
      for (const auto& net : spec.networks) known = known || net.name == a.network;
      if (!known) unsupported(key + ".networks." + a.network, "no such network");
    }
  }
  for (std::size_t i = 0; i < spec.faults.size(); ++i) {
    const auto& f = spec.faults[i];
    const std::string key = "faults." + std::to_string(i) + "." + f.action;
    const std::string proc = process_of(f.target);
    if (!proc.empty() && scenarios::fault_action(f.action).scope != scenarios::FaultScope::Workload) {
      const NodeSpec* n = find_node(spec, node_of(f.target));
      if (n == nullptr) unsupported(key, "no node '" + node_of(f.target) + "'");
      std::vector<std::string> procs;
      for (const auto& t : scenarios::fault_targets(*n)) procs.push_back(t.name);
      if (std::find(procs.begin(), procs.end(), proc) == procs.end())
        unsupported(key, "node '" + n->name + "' runs no process '" + proc + "'");
    }
    if (f.action == "drop") {
      if (f.proto != sim::kAnyProto && (f.proto & sim::kArp)) unsupported(key + ".proto", "ARP cannot be dropped with iptables");
    }
    if (f.action == "delay") {
      using K = sim::Distribution::Kind;
      if (f.delay.kind != K::Constant && f.delay.kind != K::Uniform && f.delay.kind != K::Normal)
        unsupported(key + ".add", "tc netem takes a constant, uniform or normal delay");
    }
  }
  for (const auto& [name, w] : spec.workloads) {
    if (find_node(spec, w.node) == nullptr) unsupported("workloads." + name + ".node", "no node '" + w.node + "'");
    // Where its kind's client can run (validation/render_workloads.cpp).
    workload_render(w.kind).check_node("workloads." + name + ".node", processes_of(*find_node(spec, w.node)));
  }
}

}  // namespace

std::string project_name(const ScenarioSpec& spec) {
  std::string p = "hasim-";
  for (char c : spec.name) {
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    p += (std::isalnum(static_cast<unsigned char>(l)) || l == '-' || l == '_') ? l : '-';
  }
  return p;
}

/// An `ip_range` for a network's dynamic addresses that keeps clear of its fixed addresses and
/// VIPs (IPAM hands out addresses in order and would otherwise give a fixed one, or the VIP, to
/// a container started earlier): the subnet's upper half, else its lower half, else none.
std::string dynamic_range(const ScenarioSpec& spec, const scenarios::NetworkSpec& net) {
  const auto slash = net.subnet.find('/');
  const auto base = sim::Ipv4::parse(net.subnet.substr(0, slash));
  const int bits = slash == std::string::npos ? 32 : std::stoi(net.subnet.substr(slash + 1));
  if (!base || bits > 29) return "";
  std::vector<std::uint32_t> fixed;
  for (const auto& n : spec.nodes) {
    for (const auto& a : n.networks)
      if (a.network == net.name && !a.address.empty() && !n.dynamic_address)
        if (auto ip = sim::Ipv4::parse(a.address)) fixed.push_back(ip->value);
    for (const auto& a : scenarios::floating_addresses(n))
      if (auto ip = sim::Ipv4::parse(a)) fixed.push_back(ip->value);
  }
  if (fixed.empty()) return "";
  const std::uint32_t mask = ~((1u << (32 - bits)) - 1);
  const std::uint32_t net0 = base->value & mask, half = 1u << (32 - bits - 1);
  for (const std::uint32_t lo : {net0 + half, net0}) {
    bool clear = true;
    for (auto f : fixed) clear = clear && !(f >= lo && f < lo + half);
    if (clear) {
      sim::Ipv4 r;
      r.value = lo;
      return r.str() + "/" + std::to_string(bits + 1);
    }
  }
  return "";
}

std::string image_kind(const NodeSpec& n) {
  const auto procs = processes_of(n);
  std::string k;  // the kinds' order, not the node's, so equal package sets share one image
  for (const auto& p : scenarios::kind_keys())
    if (std::find(procs.begin(), procs.end(), p) != procs.end()) k += (k.empty() ? "" : "-") + p;
  return k.empty() ? "base" : k;
}

/// A node without daemons runs the image its first workload with a client image of its own asks
/// for (a pg_writer's psql, an http_probe's probe.sh); every other node's image is its daemons'.
std::string image_kind(const ScenarioSpec& spec, const NodeSpec& n) {
  if (processes_of(n).empty())
    for (const auto& [name, w] : spec.workloads)
      if (w.node == n.name)
        if (const auto image = workload_render(w.kind).client_image; !image.empty()) return std::string(image);
  return image_kind(n);
}

std::string render_compose(const ScenarioSpec& spec, const std::string& project, Engine engine) {
  const auto netadmin = netadmin_nodes(spec);
  std::ostringstream o;
  o << "# Rendered by `hasim render` from " << (spec.file.empty() ? spec.name : spec.file) << ".\n";
  o << "# docker compose -p " << project << " up -d --build   (or docker-compose 1.29 against podman)\n";
  o << "# Images hold packages and hasim's scripts only (./images/KIND, tagged by a hash of that\n";
  o << "# directory, shared by nodes and scenarios); each node's configuration is bind-mounted\n";
  o << "# read-only from ./NODE, so changing a config needs no rebuild.\n";
  o << "version: \"2.4\"\n\nservices:\n";
  std::vector<std::string> named_volumes;
  for (const auto& n : spec.nodes) {
    const std::string kind = image_kind(spec, n);
    o << "  " << n.name << ":\n";
    o << "    build: ./images/" << kind << "\n";
    o << "    image: " << image_name(kind) << "\n";
    o << "    hostname: " << n.name << "\n";
    const auto procs = processes_of(n);
    if (!procs.empty()) {
      o << "    command: [";  // the entrypoint's arguments: the daemons to start, in this order
      for (std::size_t i = 0; i < procs.size(); ++i) o << (i ? ", " : "") << procs[i];
      o << "]\n";
    }
    if (const auto vips = vips_of(n); !vips.empty()) {
      // The entrypoint starts vip-watch.sh on these before the daemons (see entrypoint()).
      std::string list;
      for (const auto& v : vips) list += (list.empty() ? "" : " ") + v;
      o << "    environment:\n      HASIM_VIPS: \"" << list << "\"\n";
    }
    std::vector<std::string> mounts;
    for (const auto& c : n.components)
      for (const auto& [from, to] : visit_real(c, [](const std::string&, auto real, const auto&) { return decltype(real)::mounts(); }))
        mounts.push_back("./" + n.name + "/" + from + ":" + to + ":ro");
    // The node's own `volumes:`: a named volume per node and name (compose would share one name
    // between services; the simulator gives each node its own), kept by a re-create and removed
    // by `compose down -v`; a tmpfs, gone with the container, its size the volume's capacity.
    std::vector<std::string> tmpfs;
    for (const auto& v : n.volumes) {
      if (v.kind == sim::VolumeKind::Named) {
        mounts.push_back(n.name + "-" + v.name + ":" + v.target);
        named_volumes.push_back(n.name + "-" + v.name);
      } else if (v.kind == sim::VolumeKind::Tmpfs) {
        const auto cap = v.config.capacity_bytes;
        tmpfs.push_back(v.target + (cap == sim::VolumeConfig::kUnlimited ? "" : ":size=" + std::to_string(cap)));
      }
    }
    if (!mounts.empty()) {
      o << "    volumes:\n";
      for (const auto& m : mounts) o << "      - " << m << "\n";
    }
    if (!tmpfs.empty()) {
      o << "    tmpfs:\n";
      for (const auto& t : tmpfs) o << "      - " << t << "\n";
    }
    o << "    networks:\n";
    for (const auto& a : n.networks) {
      if (a.address.empty() || n.dynamic_address) o << "      " << a.network << ": {}\n";
      else o << "      " << a.network << ":\n        ipv4_address: " << a.address << "\n";
    }
    if (netadmin.count(n.name)) o << "    cap_add: [NET_ADMIN, NET_RAW, NET_BROADCAST]\n";
    // runtime.kernel: per network namespace, so every container gets the scenario's values.
    if (const auto& k = spec.runtime.kernel; !k.empty()) {
      o << "    sysctls:\n";
      if (k.tcp_syn_retries) o << "      net.ipv4.tcp_syn_retries: " << *k.tcp_syn_retries << "\n";
      if (k.tcp_syn_linear_timeouts) o << "      net.ipv4.tcp_syn_linear_timeouts: " << *k.tcp_syn_linear_timeouts << "\n";
    }
    if (!n.depends_on.empty()) {
      o << "    depends_on:\n";
      for (const auto& d : n.depends_on) o << "      - " << d << "\n";
    }
    o << "    stop_grace_period: " << haproxy_time(n.stop_timeout.value_or(10 * sim::kSecond)) << "\n";
  }
  o << "\nnetworks:\n";
  for (const auto& net : spec.networks) {
    o << "  " << net.name << ":\n";
    o << "    driver: bridge\n";
    o << "    internal: true            # no route out of the machine\n";
    o << "    ipam:\n";
    // podman reports its networks' IPAM options back ({driver: host-local}); docker-compose 1.29
    // compares them with the file's on every later `up` (a recreate) and refuses a difference:
    // "needs to be recreated - IPAM option "driver" has changed". Docker reports none.
    if (engine == Engine::Podman) o << "      options: {driver: host-local}\n";
    o << "      config:\n        - subnet: " << net.subnet << "\n";
    const std::string range = dynamic_range(spec, net);
    if (!range.empty()) o << "          ip_range: " << range << "   # dynamic addresses clear of the fixed ones and VIPs\n";
  }
  if (!named_volumes.empty()) {
    o << "\nvolumes:\n";
    for (const auto& v : named_volumes) o << "  " << v << ": {}\n";
  }
  return o.str();
}

namespace {

struct Step {
  std::string json;   // one op object
  std::string shell;  // the command a person would type
};

std::string container_ref(const std::string& node) { return node; }

Step op_simple(const std::string& op, const std::string& node, const std::string& extra_json, const std::string& shell) {
  return Step{"{\"op\": " + json_str(op) + ", \"service\": " + json_str(node) + extra_json + "}", shell};
}

Step exec_step(const std::string& node, const std::vector<std::string>& argv, bool detach = false) {
  std::string shell = "docker exec " + std::string(detach ? "-d " : "") + container_ref(node);
  for (const auto& a : argv) shell += " " + sh_quote(a);
  return Step{"{\"op\": \"exec\", \"service\": " + json_str(node) + ", \"argv\": " + json_list(argv) +
                  ", \"detach\": " + (detach ? "true" : "false") + "}",
              shell};
}

std::vector<std::string> iptables_protos(std::uint32_t mask) {
  if (mask == sim::kAnyProto) return {"all"};
  std::vector<std::string> p;
  if (mask & sim::kTcp) p.push_back("tcp");
  if (mask & sim::kUdp) p.push_back("udp");
  if (mask & sim::kVrrp) p.push_back("vrrp");  // ip proto 112
  if (mask & sim::kIcmp) p.push_back("icmp");
  return p;
}

/// `block`: inside `node`, DROP every packet from `peers` (their addresses looked up when the step
/// runs: dynamic addresses change on restart) in the HASIM chain hooked into INPUT.
Step block_step(const std::string& op, const std::string& node, const std::vector<std::string>& peers,
                const std::vector<std::string>& protos) {
  std::string shell;
  for (const auto& p : peers)
    for (const auto& pr : protos)
      shell += std::string(shell.empty() ? "" : "; ") + "docker exec " + node + " iptables " + (op == "block" ? "-A" : "-D") +
               " HASIM -s $(ip of " + p + ")" + (pr == "all" ? "" : " -p " + std::string(pr == "vrrp" ? "112" : pr)) + " -j DROP";
  return Step{"{\"op\": " + json_str(op) + ", \"service\": " + json_str(node) + ", \"peers\": " + json_list(peers) +
                  ", \"protos\": " + json_list(protos) + "}",
              shell};
}

std::vector<std::string> netem_args(const FaultSpec& f) {
  using K = sim::Distribution::Kind;
  if (f.action == "loss") {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f%%", f.loss * 100.0);
    return {"loss", buf};
  }
  const auto& d = f.delay;
  if (d.kind == K::Constant) return {"delay", haproxy_time(d.a)};
  if (d.kind == K::Uniform) return {"delay", haproxy_time((d.a + d.b) / 2), haproxy_time((d.b - d.a) / 2)};
  return {"delay", haproxy_time(d.a), haproxy_time(d.b), "distribution", "normal"};
}

/// Every interface of the container but lo set down, from inside it (crash's first step).
const char* const kLinksDown = "for d in /sys/class/net/*; do n=${d##*/}; [ \"$n\" = lo ] || ip link set \"$n\" down; done";

/// A whole node's engine command: `op` in plan.json, and the docker command it stands for.
Step engine_step(const std::string& op, const std::string& node, const std::string& grace) {
  if (op == "stop") return op_simple("stop", node, ", \"timeout_s\": " + grace, "docker stop -t " + grace + " " + node);
  if (op == "kill") return op_simple("kill", node, ", \"signal\": \"KILL\"", "docker kill -s KILL " + node);
  if (op == "restart")
    return op_simple("restart", node, ", \"timeout_s\": " + grace, "docker restart -t " + grace + " " + node);
  // The old container is stopped (SIGTERM, then SIGKILL after the grace) and removed; a new one
  // is created from the image, with the same addresses, and started.
  if (op == "recreate")
    return op_simple("recreate", node, ", \"timeout_s\": " + grace,
                     "docker-compose up -d --no-deps --force-recreate -t " + grace + " " + node);
  return op_simple(op, node, "", "docker " + op + " " + node);  // start, pause, unpause
}

/// The steps of one fault and of its undo (for `for:`), as its action's declaration says the
/// real stack carries it out (scenarios/fault_actions.hpp).
void fault_steps(const ScenarioSpec& spec, const FaultSpec& f, std::vector<Step>& doit, std::vector<Step>& undo) {
  const std::string node = node_of(f.target);
  const std::string proc = process_of(f.target);
  const NodeSpec* n = node.empty() ? nullptr : find_node(spec, node);
  const std::string grace = n ? seconds(n->stop_timeout.value_or(10 * sim::kSecond)) : "10";
  const scenarios::FaultAction& action = scenarios::fault_action(f.action);
  using R = scenarios::RealCommand;
  switch (action.real) {
    case R::OperatorExec:
      if (action.operator_step) {  // the daemon kind's command for it, inside the node
        std::vector<std::string> argv;
        with_real_daemon(scenarios::daemon_for_action(*n, f.action),
                         [&](auto real) {
                           using R = decltype(real);
                           // A kind whose steps take settings (sql's statement, reload's
                           // databases) renders them.
                           if constexpr (requires { R::operator_command_with(f.action, f.settings); })
                             argv = R::operator_command_with(f.action, f.settings);
                           else
                             argv = R::operator_command(f.action);
                         });
        doit.push_back(exec_step(node, argv));
      } else {  // the application's connection string: pg-writer.sh reads this file before each write
        const std::string w = proc.substr(proc.find(':') + 1);
        doit.push_back(exec_step(node, {"sh", "-c", "echo " + f.host + " > /tmp/hasim-pg-host-" + w}));
      }
      return;
    case R::Signal:
      break;  // below
    case R::Network: {
      std::vector<std::string> nets;
      for (const auto& att : n->networks)
        if (f.network.empty() || att.network == f.network) nets.push_back(att.network);
      for (const auto& net : nets) {
        std::string addr;
        for (const auto& att : n->networks)
          if (att.network == net && !n->dynamic_address) addr = att.address;
        Step dis = op_simple("network_disconnect", node, ", \"network\": " + json_str(net),
                             "docker network disconnect " + net + " " + node);
        Step con = op_simple("network_connect", node, ", \"network\": " + json_str(net) + ", \"ipv4_address\": " + json_str(addr),
                             "docker network connect " + std::string(addr.empty() ? "" : "--ip " + addr + " ") + net + " " + node);
        if (action.undoable) {
          doit.push_back(dis);
          undo.push_back(con);
        } else {
          doit.push_back(con);
        }
      }
      return;
    }
    case R::IpLink:
      // `ip link set ethN down|up` inside the node (ethN in the node's network order, as compose
      // attaches them); NET_ADMIN comes with the fault (netadmin_nodes).
      for (std::size_t k = 0; k < n->networks.size(); ++k) {
        if (!f.network.empty() && n->networks[k].network != f.network) continue;
        const std::string dev = "eth" + std::to_string(k);
        Step down = exec_step(node, {"ip", "link", "set", dev, "down"});
        Step up = exec_step(node, {"ip", "link", "set", dev, "up"});
        if (action.undoable) {
          doit.push_back(down);
          undo.push_back(up);
        } else {
          doit.push_back(up);
        }
      }
      return;
    case R::Iptables: {
      // A partition cuts every group from the others both ways; a drop blocks `from` at each of
      // `to` (and the reverse, both_ways).
      std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> blocks;  // (members, peers)
      std::vector<std::string> protos = {"all"};
      for (std::size_t g = 0; g < f.groups.size(); ++g) {
        std::vector<std::string> others;
        for (std::size_t h = 0; h < f.groups.size(); ++h)
          if (h != g) others.insert(others.end(), f.groups[h].begin(), f.groups[h].end());
        blocks.emplace_back(f.groups[g], others);
      }
      if (!f.to.empty()) {
        protos = iptables_protos(f.proto);
        blocks.emplace_back(f.to, f.from);
        if (f.both_ways) blocks.emplace_back(f.from, f.to);
      }
      for (const auto& [members, peers] : blocks)
        for (const auto& member : members) {
          doit.push_back(block_step("block", member, peers, protos));
          undo.push_back(block_step("unblock", member, peers, protos));
        }
      return;
    }
    case R::PowerLoss:
      // The node falls silent before its processes die, so its peers get no FIN or RST (a bare
      // `docker kill` closes every socket: the standbys saw "server closed the connection
      // unexpectedly" at once, 2026-12-03). Every interface is set down from inside (`docker
      // exec --privileged`: no capability added to the container), then the container is killed.
      // The host keeps its page cache, so unsynced writes survive, unlike a real power loss: a
      // scenario that starts the node again reads more than the simulator's node does.
      doit.push_back(Step{"{\"op\": \"exec\", \"service\": " + json_str(node) + ", \"privileged\": true, \"argv\": " +
                              json_list({"sh", "-c", kLinksDown}) + ", \"detach\": false}",
                          "docker exec --privileged " + container_ref(node) + " sh -c " + sh_quote(kLinksDown)});
      doit.push_back(engine_step("kill", node, grace));
      undo.push_back(engine_step("start", node, grace));
      return;
    case R::HealAll:
      doit.push_back(Step{"{\"op\": \"heal_all\"}", "# every HASIM iptables rule flushed, netem removed, networks reconnected, links up"});
      return;
    case R::Netem: {
      const auto args = netem_args(f);
      std::string sh = "docker exec " + f.target + " tc qdisc replace dev eth0 root netem";
      for (const auto& x : args) sh += " " + x;
      doit.push_back(Step{"{\"op\": \"netem\", \"service\": " + json_str(f.target) + ", \"args\": " + json_list(args) + "}", sh});
      undo.push_back(Step{"{\"op\": \"netem_clear\", \"service\": " + json_str(f.target) + "}",
                          "docker exec " + f.target + " tc qdisc del dev eth0 root"});
      return;
    }
  }
  // A signal: to a whole node, the engine command; to one process, inside the node.
  if (proc.empty()) {
    doit.push_back(engine_step(std::string(action.real_op), node, grace));
    if (!action.real_undo_op.empty()) undo.push_back(engine_step(std::string(action.real_undo_op), node, grace));
    return;
  }
  // One process of a daemon that pkill cannot single out (keepalived's parent or VRRP child: both
  // are "keepalived"; nginx's master and worker are both "nginx"): by its own pid file, as its
  // kind declares; any other by exact name (pkill -x), inside the container.
  std::vector<scenarios::FaultTarget> targets;
  if (n != nullptr) targets = scenarios::fault_targets(*n);
  const scenarios::FaultTarget* target = scenarios::find_fault_target(targets, proc);
  const std::string pid_file = target ? target->pid_file : "";
  const std::string daemon = target ? target->daemon : proc;
  auto start_proc = [&] { return exec_step(node, {"/hasim/run-" + daemon + ".sh"}, true); };
  auto signal = [&](const std::string& sig) {
    if (!pid_file.empty()) return exec_step(node, {"sh", "-c", "kill -" + sig + " \"$(cat " + pid_file + ")\""});
    return exec_step(node, {"pkill", "-" + sig, "-x", proc});
  };
  const std::string_view sig = action.signal;
  const std::string stopped = pid_file.empty() ? proc : daemon;  // what a restart stops
  if (sig == "restart") {  // the daemon's own restart, waiting for its exit
    doit.push_back(exec_step(node, {"/hasim/stop-process.sh", stopped, stop_signal_of(stopped), grace}));
    doit.push_back(start_proc());
  } else if (sig.empty()) {
    doit.push_back(start_proc());
  } else if (sig == "stop") {
    // The daemon's own graceful stop signal (keepalived SIGTERM, nginx SIGQUIT).
    doit.push_back(pid_file.empty() ? exec_step(node, pkill_stop_args(proc)) : signal(stop_signal_of(daemon)));
  } else {
    doit.push_back(signal(std::string(sig)));
  }
  // The loader allows `for` on a forked process's parent only.
  if (action.undo_starts) undo.push_back(start_proc());
  else if (action.undoable) undo.push_back(signal("CONT"));  // a freeze thawed
}

std::string steps_json(const std::vector<Step>& steps, const std::string& indent) {
  std::string o = "[";
  for (std::size_t i = 0; i < steps.size(); ++i) o += (i ? ",\n" : "\n") + indent + "  " + steps[i].json;
  return o + (steps.empty() ? "]" : "\n" + indent + "]");
}

std::vector<std::string> shells(const std::vector<Step>& steps) {
  std::vector<std::string> s;
  for (const auto& st : steps) s.push_back(st.shell);
  return s;
}

}  // namespace

std::string render_plan(const ScenarioSpec& spec, const std::string& project, Engine engine) {
  // The real runner replays faults and their `for`; it has no heal step yet, so a scenario
  // that relies on one would silently diverge from its simulation.
  if (spec.heal_at) unsupported("heal_at", "the real runs do not replay heal_at yet (use `for:` on each fault)");
  std::ostringstream o;
  o << "{\n";
  o << "  \"format\": \"hasim-plan/1\",\n";
  o << "  \"scenario\": " << json_str(spec.name) << ",\n";
  o << "  \"file\": " << json_str(spec.file) << ",\n";
  o << "  \"project\": " << json_str(project) << ",\n";
  // The engine the configs were rendered for: run_real.py (podman) refuses a Docker rendering.
  o << "  \"engine\": " << json_str(engine_name(engine)) << ",\n";
  o << "  \"seed\": " << spec.seed << ",\n";
  o << "  \"duration_s\": " << seconds(spec.duration) << ",\n";
  o << "  \"fault_jitter_s\": " << seconds(spec.fault_jitter) << ",\n";
  std::vector<std::string> services, stopped;
  for (const auto& n : spec.nodes) {
    services.push_back(n.name);
    if (!n.start) stopped.push_back(n.name);
  }
  o << "  \"services\": " << json_list(services) << ",\n";
  o << "  \"initially_stopped\": " << json_list(stopped) << ",\n";
  o << "  \"logs\": " << json_list(services) << ",\n";
  o << "  \"networks\": {";
  for (std::size_t i = 0; i < spec.networks.size(); ++i)
    o << (i ? ", " : "") << json_str(spec.networks[i].name) << ": {\"subnet\": " << json_str(spec.networks[i].subnet)
      << ", \"gateway\": " << json_str(gateway_of(spec.networks[i].subnet)) << "}";
  o << "},\n";
  // The images run_real.py makes sure exist (built only when missing), and which node runs which.
  std::map<std::string, std::vector<std::string>> by_kind;
  for (const auto& n : spec.nodes) by_kind[image_kind(spec, n)].push_back(n.name);
  o << "  \"images\": [";
  bool first_image = true;
  for (const auto& [kind, nodes] : by_kind) {
    o << (first_image ? "\n" : ",\n") << "    {\"kind\": " << json_str(kind) << ", \"name\": " << json_str(image_name(kind))
      << ", \"context\": " << json_str("images/" + kind) << ", \"services\": " << json_list(nodes) << "}";
    first_image = false;
  }
  o << (first_image ? "],\n" : "\n  ],\n");
  o << "  \"node_processes\": {";
  for (std::size_t i = 0; i < spec.nodes.size(); ++i)
    o << (i ? ", " : "") << json_str(spec.nodes[i].name) << ": " << json_list(processes_of(spec.nodes[i]));
  o << "},\n";

  // HAProxy instances: where run_real.py reads stats, and which server stands for which node.
  std::string probe;
  for (const auto& [name, w] : spec.workloads) {
    probe = w.node;
    break;
  }
  if (probe.empty() && !spec.nodes.empty()) probe = spec.nodes.back().name;
  o << "  \"probe_service\": " << json_str(probe) << ",\n";
  // The log line that says each kind of daemon is ready: run_real.py measures start-ups with it.
  o << "  \"ready_logs\": {";
  bool first_ready = true;
  each_real([&](const std::string& key, auto real) {
    o << (first_ready ? "" : ", ") << json_str(key) << ": " << json_str(decltype(real)::ready_log());
    first_ready = false;
  });
  o << "},\n";
  // What run_real.py needs of each daemon kind (HAProxy: its stats and servers), a list per kind.
  std::map<std::string, std::vector<std::string>> entries;
  for (const auto& n : spec.nodes)
    for (const auto& c : n.components)
      visit_real(c, [&](const std::string& key, auto real, const auto& config) {
        const RenderContext ctx{spec, n, (spec.file.empty() ? spec.name : spec.file) + ": nodes." + n.name + "." + key, engine};
        if (std::string e = decltype(real)::plan_entry(ctx, config); !e.empty()) entries[key].push_back(e);
      });
  each_real([&](const std::string& key, auto) {
    const auto& list = entries[key];
    o << "  " << json_str(key) << ": [";
    for (std::size_t i = 0; i < list.size(); ++i) o << (i ? ",\n" : "\n") << "    " << list[i];
    o << (list.empty() ? "],\n" : "\n  ],\n");
  });

  // Nodes whose daemons claim addresses (keepalived's VIPs), and the addresses to watch on each.
  o << "  \"vip_watch\": [";
  bool first = true;
  for (const auto& n : spec.nodes)
    if (!vips_of(n).empty()) {
      o << (first ? "\n" : ",\n") << "    {\"service\": " << json_str(n.name) << ", \"vips\": " << json_list(vips_of(n)) << "}";
      first = false;
    }
  o << (first ? "],\n" : "\n  ],\n");
  o << "  \"workloads\": [";
  first = true;
  for (const auto& [name, w] : spec.workloads) {
    o << (first ? "\n" : ",\n") << "    " << workload_render(w.kind).plan_entry(spec, name, w);
    first = false;
  }
  o << (first ? "],\n" : "\n  ],\n");

  o << "  \"faults\": [";
  for (std::size_t i = 0; i < spec.faults.size(); ++i) {
    const auto& f = spec.faults[i];
    std::vector<Step> doit, undo;
    fault_steps(spec, f, doit, undo);
    o << (i ? ",\n" : "\n") << "    {\n";
    o << "      \"index\": " << i << ",\n";
    o << "      \"at_s\": " << seconds(f.at) << ",\n";
    o << "      \"jitter_s\": " << seconds(f.jitter_or(spec.fault_jitter)) << ",\n";
    o << "      \"action\": " << json_str(f.action) << ",\n";
    o << "      \"target\": " << json_str(f.target) << ",\n";
    o << "      \"node\": " << json_str(node_of(f.target)) << ",\n";
    o << "      \"detection\": " << json_str(scenarios::detection_direction(f.action)) << ",\n";
    o << "      \"source\": " << json_str(f.source) << ",\n";
    o << "      \"steps\": " << steps_json(doit, "      ") << ",\n";
    o << "      \"shell\": " << json_list(shells(doit)) << ",\n";
    if (f.for_) {
      o << "      \"for_s\": " << seconds(*f.for_) << ",\n";
      o << "      \"undo\": " << steps_json(undo, "      ") << ",\n";
      o << "      \"undo_shell\": " << json_list(shells(undo)) << "\n";
    } else {
      o << "      \"for_s\": null,\n      \"undo\": [],\n      \"undo_shell\": []\n";
    }
    o << "    }";
  }
  o << (spec.faults.empty() ? "]\n" : "\n  ]\n");
  o << "}\n";
  return o.str();
}

}  // namespace detail

namespace {

using detail::haproxy_time;

const char* kLoadScript = R"SH(#!/bin/bash
# The seed's load-test.sh (URL REQUESTS DELAY: `curl -s -w "%{http_code}" URL; sleep DELAY`, one
# request after the other), with one parseable line per request:
#   HASIM_REQ seq=N start_ns=EPOCH_NS mono_ns=MONO_NS end_ns=EPOCH_NS status=CODE time_total=S
#             curl_exit=N time_namelookup=S time_connect=S body=FIRST_64_BYTES
# (curl_exit 6 = the name did not resolve, 7 = connect failed, 28 = a timeout.)
# start_ns/end_ns: CLOCK_REALTIME from bash's $EPOCHREALTIME (microsecond resolution), the clock
# the host and every container share (no time namespaces), so they line up with the fault times
# run_real.py records. mono_ns: CLOCK_BOOTTIME from /proc/uptime (10 ms resolution), a check
# against clock steps. status 000 = no HTTP answer (curl's connect/transfer error or --max-time).
# Usage: load.sh URL COUNT(0 = until RUN_FOR) INTERVAL_S MAX_TIME_S CONNECT_TIMEOUT_S RUN_FOR_S
set -u
url="$1"; count="$2"; interval="$3"; max_time="$4"; connect_timeout="$5"; run_for="$6"
now_ns() { local t="$EPOCHREALTIME"; echo "${t%.*}${t#*.}000"; }
mono_ns() { local u; read -r u _ < /proc/uptime; echo "${u%.*}${u#*.}0000000"; }
# The seed's loop targets localhost:8080 and resolves nothing; here the URL names a container, and
# podman's DNS stalls for seconds around container and network changes. So the name is resolved
# once and pinned (curl --resolve), and again only after a connect or resolve failure.
hostport="${url#*://}"; hostport="${hostport%%/*}"; host="${hostport%%:*}"; port="${hostport#*:}"
[ "$port" = "$hostport" ] && port=80
pin() {
  case "$host" in *[!0-9.]*) ;; *) pinned=(); return ;; esac  # an IP literal: nothing to pin
  local ip; ip=$(timeout 3 getent ahostsv4 "$host" 2>/dev/null | awk 'NR==1 {print $1}')
  if [ -n "$ip" ]; then pinned=(--resolve "$host:$port:$ip"); else pinned=(); fi
}
pin
limits=(--connect-timeout "$connect_timeout")
[ "$max_time" != 0 ] && limits+=(--max-time "$max_time")  # 0: none, as in the seed's loop
start=$(now_ns)
limit=$(( start + ${run_for%.*} * 1000000000 ))
seq=0
while :; do
  [ "$count" -gt 0 ] && [ "$seq" -ge "$count" ] && break
  [ "$(now_ns)" -ge "$limit" ] && break
  seq=$((seq + 1))
  t0=$(now_ns); m0=$(mono_ns)
  out=$(curl -s -o /tmp/hasim-body -w '%{http_code} %{time_total} %{exitcode} %{time_namelookup} %{time_connect}' "${limits[@]}" "${pinned[@]}" "$url" 2>/dev/null)
  read -r code ttotal cexit tdns tconn <<< "$out"
  case "${cexit:-0}" in 6|7) pin ;; esac
  t1=$(now_ns)
  body=$(head -c 64 /tmp/hasim-body 2>/dev/null | tr -d ' \r\n' || true)
  rm -f /tmp/hasim-body
  echo "HASIM_REQ seq=$seq start_ns=$t0 mono_ns=$m0 end_ns=$t1 status=${code:-000} time_total=${ttotal:-0} curl_exit=${cexit:-0} time_namelookup=${tdns:-0} time_connect=${tconn:-0} body=${body:--}"
  sleep "$interval"
done
echo "HASIM_LOAD_DONE requests=$seq end_ns=$(now_ns)"
)SH";

const char* kProbeScript = R"SH(#!/bin/bash
# The open-loop probe (workload kind http_probe): one curl started in the background every
# INTERVAL on a fixed schedule (the k-th at start + k * INTERVAL, whatever the earlier ones are
# doing), each bounded by its own --connect-timeout and --max-time, as load generators and
# monitoring probes send. One parseable line per request, when it ends:
#   HASIM_REQ seq=N sched_ns=EPOCH_NS start_ns=EPOCH_NS end_ns=EPOCH_NS status=CODE time_total=S
#             curl_exit=N time_namelookup=S time_connect=S remote_ip=IP lb=NODE server=NAME
#             body=FIRST_64_BYTES
# lb, server: the X-Hasim-Lb and X-Hasim-Server headers the rendered haproxy.cfg adds to every
# answer (the HAProxy that relayed it, the server it chose; empty when none did). Each line is
# one write shorter than PIPE_BUF, so the lines of concurrent requests do not interleave. Times
# as load.sh's (CLOCK_REALTIME from $EPOCHREALTIME). Nothing but builtins between two sends,
# and per request only its subshell and curl: on a loaded 2-core host every extra process per
# request (an `rm` of the body file: they are removed at the end instead) made the schedule lag.
# Usage: probe.sh URL COUNT(0 = until RUN_FOR) INTERVAL_S MAX_TIME_S CONNECT_TIMEOUT_S RUN_FOR_S
set -u
url="$1"; count="$2"; interval="$3"; max_time="$4"; connect_timeout="$5"; run_for="$6"
stamp() { local t="$EPOCHREALTIME"; printf -v "$1" '%s' "${t%.*}${t#*.}000"; }
to_ns() { local w="${1%%.*}" f=0; [[ "$1" == *.* ]] && f="${1#*.}"; f="${f}000000000"; echo $(( 10#${w:-0} * 1000000000 + 10#${f:0:9} )); }
tmp=$(mktemp -d)
# The name is resolved once and pinned (curl --resolve), as load.sh does, and again in the
# background after a resolve or connect failure, so a slow DNS answer never holds the schedule.
hostport="${url#*://}"; hostport="${hostport%%/*}"; host="${hostport%%:*}"; port="${hostport#*:}"
[ "$port" = "$hostport" ] && port=80
repin() {
  case "$host" in *[!0-9.]*) ;; *) return ;; esac  # an IP literal: nothing to pin
  mkdir "$tmp/repin" 2>/dev/null || return          # one at a time
  local ip; ip=$(timeout 3 getent ahostsv4 "$host" 2>/dev/null | awk 'NR==1 {print $1}')
  if [ -n "$ip" ]; then printf '%s\n' "$ip" > "$tmp/ip.new" && mv "$tmp/ip.new" "$tmp/ip"; fi
  rmdir "$tmp/repin"
}
repin
limits=(--connect-timeout "$connect_timeout")
[ "$max_time" != 0 ] && limits+=(--max-time "$max_time")  # 0: none, as curl without --max-time
fmt='status=%{http_code} time_total=%{time_total} curl_exit=%{exitcode} time_namelookup=%{time_namelookup} time_connect=%{time_connect} remote_ip=%{remote_ip} lb=%header{x-hasim-lb} server=%header{x-hasim-server}'
req() {  # SEQ SCHED_NS [--resolve H:P:IP]
  local seq="$1" sched="$2" t0 t1 out body="" f="$tmp/$1.body"
  shift 2
  stamp t0
  out=$(curl -s -o "$f" -w "$fmt" "${limits[@]}" "$@" "$url" 2>/dev/null)
  stamp t1
  case "$out" in *" curl_exit=6 "*|*" curl_exit=7 "*) repin ;; esac
  [ -s "$f" ] && { IFS= read -r -n 64 body < "$f" || true; }
  body="${body//[[:space:]]/}"
  echo "HASIM_REQ seq=$seq sched_ns=$sched start_ns=$t0 end_ns=$t1 $out body=${body:--}"
}
f=$(mktemp -u); mkfifo "$f"; exec {idle}<>"$f"; rm -f "$f"  # idle waits: `read -t`, a builtin
step=$(to_ns "$interval")
stamp start
next=$start
limit=$(( start + $(to_ns "$run_for") ))
seq=0
while :; do
  [ "$count" -gt 0 ] && [ "$seq" -ge "$count" ] && break
  [ "$next" -ge "$limit" ] && break
  seq=$((seq + 1))
  ip=""; [ -s "$tmp/ip" ] && read -r ip < "$tmp/ip"
  if [ -n "$ip" ]; then req "$seq" "$next" --resolve "$host:$port:$ip" & else req "$seq" "$next" & fi
  next=$((next + step))
  stamp now
  if [ "$next" -gt "$now" ]; then
    d=$((next - now)); printf -v s '%d.%06d' $((d / 1000000000)) $(( (d % 1000000000) / 1000 ))
    read -t "$s" -u "$idle" _ || true
  fi
done
wait
rm -rf "$tmp"
stamp done_ns
echo "HASIM_LOAD_DONE requests=$seq end_ns=$done_ns"
)SH";

// pg-writer.sh's four statements as printf's arguments, one per line: the simulated writer's
// (models/postgres/pg_writer_sql.hpp), with the script's NAME-SEQ row; none holds a double quote,
// a backslash or a `$` of its own, so each goes inside double quotes as it is.
std::string pg_writer_statements() {
  namespace w = models::postgres::pg_writer;
  return std::string("\"") + w::kBegin + "\" \\\n    \"" + w::insert("$name-$seq") + "\" \\\n    \"" + w::kTransactionInfo +
         "\" \\\n    \"" + w::kCommit + "\"";
}

const std::string kPgWriter = R"SH(#!/bin/bash
# Demo 2's application (the seed's generate-load.sh: an INSERT into users every interval), with
# one parseable line per attempt:
#   HASIM_PG seq=N sent_ns=EPOCH_NS end_ns=EPOCH_NS host=HOST ok=1 id=N xid=N lsn=X/Y walfile=24HEX server=IP
#   HASIM_PG seq=N sent_ns=EPOCH_NS end_ns=EPOCH_NS host=HOST ok=0 exit=N error=PSQL'S MESSAGE
# One psql session (a coprocess) carries the transactions, as the simulator's WriteClient's one
# libpq session does, and is opened again after an error: each attempt is BEGIN; INSERT ...
# RETURNING id; then, in the same transaction, the server's address (inet_server_addr()), the
# transaction's xid, pg_current_wal_insert_lsn() (where the commit record goes: this writer is
# the only one) and the WAL file name of that position (its first 8 hex digits are the server's
# insertion timeline); COMMIT. ok=1 only when psql saw the COMMIT succeed (its \echo after it).
# Bounded: a 2 s connect timeout, TCP user timeout and keepalives, and 5 s for each attempt's
# answer (then the session is killed). Attempts start on a fixed period (INTERVAL_S); one still
# running when the next is due delays that one to its own end (the loop, past `next`, does not
# sleep; the periods it overran are skipped), as the simulator's. The loop itself forks
# nothing (no command substitution, no sleep process): at a 20 ms period on the busy 2-core host
# a psql per attempt, and a fork per step, held it to one attempt in 0.8-2.6 s (2026-12-03).
# A repoint (the operator's "update the connection string") writes the new host into
# /tmp/hasim-pg-host-NAME, read before each attempt; a new host closes the session. Each
# (re)connection resolves the name first, bounded (getent, 1 s), and hands psql the address as
# hostaddr: podman's DNS stalls for seconds around container changes, and a psql blocked in
# getaddrinfo (which connect_timeout does not bound) was killed at 5 s for 25 s after a repoint.
# Times: CLOCK_REALTIME from bash's $EPOCHREALTIME, as load.sh.
# SYNC_COMMIT (optional, "" for the server's): the session's synchronous_commit, set at connection
# start (PGOPTIONS="-c synchronous_commit=..."). ATTEMPT_TIMEOUT_S (optional, default 5): the bound
# on each attempt's answer; 0 waits as psql itself does, until the run's end (a commit waiting for
# a synchronous standby gets no answer and no error: the last line then says exit=124).
# PORT (optional, default 5432): the server's port (a pgbouncer's 6432).
# Usage: pg-writer.sh NAME HOST INTERVAL_S RUN_FOR_S [SYNC_COMMIT [ATTEMPT_TIMEOUT_S [PORT]]]
set -u
trap '' PIPE  # a write to a psql that has exited fails (EPIPE) instead of ending the script
name="$1"; host="$2"; interval="$3"; run_for="$4"; sync_commit="${5:-}"; attempt_timeout="${6:-5}"; port="${7:-5432}"
# Each statement's server-side duration goes to the server's log (log_min_duration_statement, a
# superuser's setting: PGUSER is postgres), measured per run by run_real.py; not through a
# PgBouncer (PORT 6432), which takes no options in a startup packet.
opts=""
[ "$port" = 5432 ] && opts="-c log_min_duration_statement=0"
[ -n "$sync_commit" ] && opts="$opts -c synchronous_commit=$sync_commit"
[ -n "$opts" ] && export PGOPTIONS="${opts# }"
hostfile="/tmp/hasim-pg-host-$name"
now_ns() { local t="$EPOCHREALTIME"; NOW="${t%.*}${t#*.}000"; }
to_ns() { local s="$1" i f; i="${s%.*}"; f="${s#*.}"; [ "$f" = "$s" ] && f=0; f="${f}000000000"; NS=$(( i * 1000000000 + 10#${f:0:9} )); }
secs() { local frac; printf -v frac '%09d' $(( $1 % 1000000000 )); SECS="$(( $1 / 1000000000 )).$frac"; }
fifo=$(mktemp -u); mkfifo "$fifo"; exec 3<>"$fifo"; rm -f "$fifo"  # `read -t` on it sleeps in-process
to_ns "$interval"; period=$NS
to_ns "$run_for"; now_ns; limit=$(( NOW + NS )); next=$NOW
to_ns "$attempt_timeout"; bound=$NS
seq=0; pid=""; conn=""; RC=0; ERR=""
export PGUSER=postgres PGDATABASE=demodb PGAPPNAME="client:$name"
close_session() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null; RC=$?
    exec 4<&- 5>&-
  fi
  pid=""; conn=""
}
open_session() {
  local ip
  case "$host" in
    *[!0-9.]*) ip=$(timeout 1 getent ahostsv4 "$host" 2>/dev/null); ip="${ip%%[[:space:]]*}" ;;
    *) ip=$host ;;
  esac
  if [ -z "$ip" ]; then
    RC=2; ERR="psql: error: could not translate host name \"$host\" to address (getent, within 1 s)"
    return 1
  fi
  coproc PSQL { exec psql -X -A -t -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose \
    -d "host=$host hostaddr=$ip port=$port connect_timeout=2 tcp_user_timeout=3000 keepalives_idle=1 keepalives_interval=1 keepalives_count=2" 2>&1; }
  pid=$PSQL_PID; conn=$host
  exec 4<&"${PSQL[0]}" 5>&"${PSQL[1]}"
  return 0
}
while :; do
  now_ns
  [ "$NOW" -ge "$limit" ] && break
  if [ "$NOW" -lt "$next" ]; then secs $(( next - NOW )); read -t "$SECS" -u 3 _; now_ns; fi
  [ "$NOW" -ge "$limit" ] && break  # no attempt starts at or after the end (the simulator's neither)
  [ "$next" -le "$NOW" ] && next=$(( next + ((NOW - next) / period + 1) * period ))
  [ -s "$hostfile" ] && read -r host < "$hostfile"
  [ -n "$pid" ] && [ "$conn" != "$host" ] && close_session
  seq=$((seq + 1))
  now_ns; t0=$NOW
  if [ -z "$pid" ] && ! open_session; then
    now_ns; echo "HASIM_PG seq=$seq sent_ns=$t0 end_ns=$NOW host=$host ok=0 exit=$RC error=$ERR"
    continue
  fi
  printf '%s\n' )SH" + pg_writer_statements() + R"SH( '\echo HASIM_EOT' >&5 2>/dev/null
  out=""; ok=0; RC=0
  while :; do
    if [ "$bound" -gt 0 ]; then now_ns; left=$(( t0 + bound - NOW )); else now_ns; left=$(( limit - NOW )); fi
    if [ "$left" -le 0 ]; then RC=124; break; fi
    secs "$left"
    if IFS= read -r -t "$SECS" -u 4 line; then
      [ "$line" = "HASIM_EOT" ] && { ok=1; break; }
      out="$out ${line//$'\r'/}"
    else
      [ $? -gt 128 ] && RC=124  # no answer within the bound; otherwise psql has exited
      break
    fi
  done
  now_ns; t1=$NOW
  if [ "$ok" = 1 ]; then
    echo "HASIM_PG seq=$seq sent_ns=$t0 end_ns=$t1 host=$host ok=1$out"
  else
    rc=$RC; close_session; [ "$rc" = 124 ] && RC=124
    out="${out# }"
    echo "HASIM_PG seq=$seq sent_ns=$t0 end_ns=$t1 host=$host ok=0 exit=$RC error=${out:0:300}"
  fi
done
close_session
now_ns; echo "HASIM_PG_DONE attempts=$seq end_ns=$NOW"
)SH";

const char* kPgReader = R"SH(#!/bin/bash
# The seed's reads on a replica (Demo 1: SELECT ... FROM users on replica1 and replica2; Demo 2:
# 20 reads of each every 0.5 s), as the simulator's ReadClient makes them, one parseable line per
# read:
#   HASIM_PGR seq=N sent_ns=EPOCH_NS end_ns=EPOCH_NS host=HOST ok=1 max_id=N server=IP
#   HASIM_PGR seq=N sent_ns=EPOCH_NS end_ns=EPOCH_NS host=HOST ok=0 exit=N error=PSQL'S MESSAGE
# max_id is the freshest row the server's snapshot shows (0 for none): on a hot standby what its
# startup process has replayed. sent_ns is taken before a session is opened, end_ns when psql's
# answer arrived; both are the host's CLOCK_REALTIME, as pg-writer.sh's acknowledgements are, so
# "when did this reader first see that commit" compares times of one clock across containers.
# One psql session (a coprocess), opened again after an error, with pg-writer.sh's bounds: the
# name resolved first (getent, 1 s), connect_timeout=2, TCP user timeout and keepalives, and 5 s
# for each read's answer (then the session is killed). Reads start on a fixed period; one still
# running when the next is due delays that one to its own end (the loop, past `next`, does not
# sleep; the periods it overran are skipped), as the simulator's.
# HOST may be libpq's host list ("a,b,c": each name resolved, handed to psql as the matching
# hostaddr list) and TARGET its target_session_attrs (any, read-write, read-only, primary,
# standby, prefer-standby): psql's libpq walks the list as the simulator's PgConnection does.
# Usage: pg-reader.sh NAME HOST INTERVAL_S RUN_FOR_S COUNT [TARGET] (COUNT 0: no limit on the reads)
set -u
trap '' PIPE
name="$1"; host="$2"; interval="$3"; run_for="$4"; count="${5:-0}"; target="${6:-any}"
now_ns() { local t="$EPOCHREALTIME"; NOW="${t%.*}${t#*.}000"; }
to_ns() { local s="$1" i f; i="${s%.*}"; f="${s#*.}"; [ "$f" = "$s" ] && f=0; f="${f}000000000"; NS=$(( i * 1000000000 + 10#${f:0:9} )); }
secs() { local frac; printf -v frac '%09d' $(( $1 % 1000000000 )); SECS="$(( $1 / 1000000000 )).$frac"; }
fifo=$(mktemp -u); mkfifo "$fifo"; exec 3<>"$fifo"; rm -f "$fifo"  # `read -t` on it sleeps in-process
to_ns "$interval"; period=$NS
to_ns "$run_for"; now_ns; limit=$(( NOW + NS )); next=$NOW
seq=0; pid=""; RC=0; ERR=""
export PGUSER=postgres PGDATABASE=demodb PGAPPNAME="client:$name"
close_session() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null; RC=$?
    exec 4<&- 5>&-
  fi
  pid=""
}
open_session() {
  local ip h ips=""
  for h in ${host//,/ }; do
    case "$h" in
      *[!0-9.]*) ip=$(timeout 1 getent ahostsv4 "$h" 2>/dev/null); ip="${ip%%[[:space:]]*}" ;;
      *) ip=$h ;;
    esac
    if [ -z "$ip" ]; then
      RC=2; ERR="psql: error: could not translate host name \"$h\" to address (getent, within 1 s)"
      return 1
    fi
    ips="${ips:+$ips,}$ip"
  done
  coproc PSQL { exec psql -X -A -t -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose \
    -d "host=$host hostaddr=$ips port=5432 connect_timeout=2 tcp_user_timeout=3000 keepalives_idle=1 keepalives_interval=1 keepalives_count=2 target_session_attrs=$target" 2>&1; }
  pid=$PSQL_PID
  exec 4<&"${PSQL[0]}" 5>&"${PSQL[1]}"
  return 0
}
while :; do
  now_ns
  [ "$NOW" -ge "$limit" ] && break
  [ "$count" -gt 0 ] && [ "$seq" -ge "$count" ] && break
  if [ "$NOW" -lt "$next" ]; then secs $(( next - NOW )); read -t "$SECS" -u 3 _; now_ns; fi
  [ "$next" -le "$NOW" ] && next=$(( next + ((NOW - next) / period + 1) * period ))
  seq=$((seq + 1))
  now_ns; t0=$NOW
  if [ -z "$pid" ] && ! open_session; then
    now_ns; echo "HASIM_PGR seq=$seq sent_ns=$t0 end_ns=$NOW host=$host ok=0 exit=$RC error=$ERR"
    continue
  fi
  printf '%s\n' "SELECT 'max_id=' || coalesce(max(id), 0) || ' server=' || host(inet_server_addr()) FROM users;" \
    '\echo HASIM_EOT' >&5 2>/dev/null
  out=""; ok=0; RC=0
  while :; do
    now_ns; left=$(( t0 + 5000000000 - NOW ))
    if [ "$left" -le 0 ]; then RC=124; break; fi
    secs "$left"
    if IFS= read -r -t "$SECS" -u 4 line; then
      [ "$line" = "HASIM_EOT" ] && { ok=1; break; }
      out="$out ${line//$'\r'/}"
    else
      [ $? -gt 128 ] && RC=124  # no answer within the bound; otherwise psql has exited
      break
    fi
  done
  now_ns; t1=$NOW
  case "$out" in *max_id=*) ;; *) ok=0 ;; esac  # an \echo after an error psql survived is no answer
  if [ "$ok" = 1 ]; then
    echo "HASIM_PGR seq=$seq sent_ns=$t0 end_ns=$t1 host=$host ok=1$out"
  else
    rc=$RC; close_session; [ "$rc" = 124 ] && RC=124
    out="${out# }"
    echo "HASIM_PGR seq=$seq sent_ns=$t0 end_ns=$t1 host=$host ok=0 exit=$RC error=${out:0:300}"
  fi
done
close_session
now_ns; echo "HASIM_PGR_DONE reads=$seq end_ns=$NOW"
)SH";

const char* kPgbenchScript = R"SH(#!/bin/bash
# pgbench's built-in TPC-B-like script against HOST, as the simulator's Pgbench runs it. First
# `pgbench -i -s SCALE` (retried until the server takes it: the stack may still be starting),
# a CHECKPOINT (so the run starts right after a redo point, as the simulator's first changes
# of each page write full-page images), and a wait until every standby replayed the tables
# (pg_stat_replication, at most 60 s); then, at the workload's start (DELAY_S after this
# script began), `pgbench -c CLIENTS [-R RATE] -T TIME -n --log`. Its per-transaction log and
# its stderr come out as parseable lines:
#   HASIM_PGB_TX client_id transaction_no time_us script_no time_epoch time_us [schedule_lag_us]
#   HASIM_PGB_ERR t_ns=EPOCH_NS pgbench's stderr line (each stamped when it arrived)
#   HASIM_PGB_START t_ns=EPOCH_NS    HASIM_PGB_DONE t_ns=EPOCH_NS exit=N
# The conninfo carries pg-writer.sh's bounds (connect_timeout=2, TCP user timeout, keepalives),
# so a lost server aborts its clients within seconds, as pgbench 15 does on a connection error.
# Usage: pgbench.sh NAME HOST PORT SCALE CLIENTS RATE TIME_S DELAY_S (RATE 0: no -R)
set -u
name="$1"; host="$2"; port="$3"; scale="$4"; clients="$5"; rate="$6"; time_s="$7"; delay="$8"
export PATH=/usr/lib/postgresql/15/bin:$PATH PGUSER=postgres PGAPPNAME=pgbench
begin=$EPOCHREALTIME
conninfo="host=$host port=$port dbname=demodb connect_timeout=2 tcp_user_timeout=3000 keepalives_idle=1 keepalives_interval=1 keepalives_count=2"
stamp() { while IFS= read -r l; do t="$EPOCHREALTIME"; echo "HASIM_PGB_ERR t_ns=${t%.*}${t#*.}000 $l"; done; }
for i in $(seq 1 60); do
  timeout 120 pgbench -i -q -s "$scale" "$conninfo" > /tmp/pgbench-init-$name.log 2>&1 && break
  sleep 1
done
psql -X -q -d "$conninfo" -c CHECKPOINT 2>&1 | stamp
for i in $(seq 1 120); do
  behind=$(psql -X -A -t -d "$conninfo" -c "SELECT count(*) FROM pg_stat_replication WHERE replay_lsn IS DISTINCT FROM pg_current_wal_lsn()" 2>/dev/null)
  [ "$behind" = 0 ] && break
  sleep 0.5
done
# The run starts at the workload's start (not before, whatever the set-up took).
left=$(awk -v b="$begin" -v d="$delay" -v n="$EPOCHREALTIME" 'BEGIN { s = b + d - n; print (s > 0 ? s : 0) }')
sleep "$left"
args=(-n -c "$clients" -T "$time_s" --log --log-prefix="/tmp/pgbench-$name")
[ "$rate" != 0 ] && args+=(-R "$rate")
rm -f /tmp/pgbench-"$name".*
t="$EPOCHREALTIME"; echo "HASIM_PGB_START t_ns=${t%.*}${t#*.}000"
# Its sessions log the statements of one transaction in twenty with their server-side
# durations (log_transaction_sample_rate: the whole of a sampled transaction, as
# log_min_duration_statement's lines), so validation times pgbench's own UPDATEs, SELECT,
# INSERT and END rather than lending it the writer's. Not every statement: a line for each of
# its 1,400 a second made the runs' pgbench p50 0.9 ms slower and its p99 three times longer
# (2026-12-05, three runs each way).
PGOPTIONS="-c log_transaction_sample_rate=0.05" \
  timeout $(( ${time_s%.*} + 60 )) pgbench "${args[@]}" "$conninfo" 2> >(stamp) > /tmp/pgbench-out-$name.log
rc=$?
sleep 0.2  # the stamping of stderr ends
for f in /tmp/pgbench-"$name".*; do [ -f "$f" ] && sed 's/^/HASIM_PGB_TX /' "$f"; done
sed 's/^/HASIM_PGB_OUT /' /tmp/pgbench-out-$name.log
t="$EPOCHREALTIME"; echo "HASIM_PGB_DONE t_ns=${t%.*}${t#*.}000 exit=$rc"
)SH";

const char* kPgStatProbe = R"SH(#!/bin/bash
# The seed's replication monitor (Demo 3: `watch -n1 ... SELECT ... FROM pg_stat_replication`),
# inside the server's own container over its socket: one psql session re-running the query every
# second (\watch 1, the query left unterminated in psql's buffer so that \watch runs it first;
# a terminated one ran once more just before \watch's first run, a second row at the start), one
# line per row:
#   HASIM_PGSTAT t_us=EPOCH_US app=NAME state=S wal=BYTES sent=BYTES write=BYTES flush=BYTES
#     replay=BYTES write_lag_us=N flush_lag_us=N replay_lag_us=N
# LSNs as byte positions (pg_wal_lsn_diff from 0/0), wal = pg_current_wal_lsn() (-1 on a
# standby), lags as the view shows them (-1 for NULL). t_us is the server's clock_timestamp(),
# the host's clock. When the server is down or starting, psql fails and is started again a
# second later; the whole probe ends after RUN_FOR_S. run_real.py runs it with `docker exec`.
# Usage: pg-stat-probe.sh RUN_FOR_S
set -u
end=$(( ${EPOCHREALTIME%.*} + ${1%.*} + 1 ))
fifo=$(mktemp -u); mkfifo "$fifo"; exec 3<>"$fifo"; rm -f "$fifo"
lsn() { echo "coalesce(pg_wal_lsn_diff($1, '0/0')::bigint::text, '-1')"; }
lag() { echo "coalesce((extract(epoch FROM $1) * 1000000)::bigint::text, '-1')"; }
q="SELECT 'HASIM_PGSTAT t_us=' || (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
  || ' app=' || coalesce(application_name, '') || ' state=' || coalesce(state, '')
  || ' wal=' || CASE WHEN pg_is_in_recovery() THEN '-1' ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint::text END
  || ' sent=' || $(lsn sent_lsn) || ' write=' || $(lsn write_lsn) || ' flush=' || $(lsn flush_lsn) || ' replay=' || $(lsn replay_lsn)
  || ' write_lag_us=' || $(lag write_lag) || ' flush_lag_us=' || $(lag flush_lag) || ' replay_lag_us=' || $(lag replay_lag)
  FROM pg_stat_replication"
while :; do
  left=$(( end - ${EPOCHREALTIME%.*} ))
  [ "$left" -le 0 ] && break
  printf '%s\n\\watch 1\n' "$q" | timeout "$left" psql -X -A -t -q -U postgres -d postgres 2>/dev/null | grep --line-buffered '^HASIM_PGSTAT'
  read -t 1 -u 3 _
done
)SH";

const char* kVipWatch = R"SH(#!/bin/bash
# vip-watch.sh VIP...: prints "HASIM_VIP ip=V held=0|1 t_ns=EPOCH_NS" for each VIP at start and on
# every change. Changes come from the kernel's own address notifications (`ip monitor address`),
# each stamped when it is read, so a hand-over of a few milliseconds is seen as it happens (a
# poller only sees what outlasts its interval). The entrypoint starts it right after the daemons
# (HASIM_VIPS), so it sees the container's whole life whatever `docker exec` costs that day; its
# lines go to the container's log. run_real.py stamps the namespace going away (docker kill) itself.
set -u
declare -A held
report() {  # VIP HELD T_NS
  if [ "${held[$1]:-x}" != "$2" ]; then
    held[$1]=$2
    echo "HASIM_VIP ip=$1 held=$2 t_ns=$3"
  fi
}
# Subscribe first, then read the current state: a change in between is reported, not lost.
exec {mon}< <(exec stdbuf -oL ip -o -4 monitor address 2>/dev/null)
sleep 0.1
addrs=" $(ip -4 -o addr show 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | tr '\n' ' ')"
# Stamped once the pipeline has answered: on a busy host its four processes take up to seconds to
# spawn, and a stamp taken before them dated a VIP added meanwhile a second early (a 1.1 s "two
# holders" in a CI run whose keepalived logs showed 7 ms). A change during the read is still
# reported by the monitor, stamped when it is read.
t="$EPOCHREALTIME"; t="${t%.*}${t#*.}000"
for v in "$@"; do
  case "$addrs" in *" $v "*) report "$v" 1 "$t" ;; *) report "$v" 0 "$t" ;; esac
done
while IFS= read -r line <&"$mon"; do
  t="$EPOCHREALTIME"; t="${t%.*}${t#*.}000"
  [[ $line =~ inet\ ([0-9.]+)/ ]] || continue
  a="${BASH_REMATCH[1]}"
  for v in "$@"; do
    [ "$v" = "$a" ] || continue
    case "$line" in Deleted*) report "$v" 0 "$t" ;; *) report "$v" 1 "$t" ;; esac
  done
done
)SH";

const char* kStopProcess = R"SH(#!/bin/bash
# stop-process.sh NAME SIGNAL GRACE_S: sends SIGNAL to every process named NAME in this container,
# waits up to GRACE_S for them to exit, then SIGKILL (what `docker stop` does to a container).
set -u
name="$1"; sig="$2"; grace="$3"
pkill "-$sig" -x "$name" || exit 0
for _ in $(seq 1 $(( ${grace%.*} * 10 ))); do pgrep -x "$name" >/dev/null || exit 0; sleep 0.1; done
pkill -KILL -x "$name" || true
)SH";

/// PID 1 of every image: generic, the daemons to start come as arguments (compose `command:`),
/// so one image serves every node of its kind and no node name is baked in.
std::string entrypoint() {
  std::ostringstream o;
  o << "#!/bin/bash\n";
  o << "# PID 1 of a hasim node (rendered by hasim; the same for every node and image). Usage:\n";
  o << "#   entrypoint.sh [haproxy|nginx|keepalived]...   (compose `command:`, in start order)\n";
  o << "# It starts the daemons as children and stays PID 1 itself, so a fault on one process\n";
  o << "# (`docker exec NODE pkill -x NAME`) leaves the container running, as in the simulator.\n";
  o << "# `docker stop` sends SIGTERM (the image's STOPSIGNAL) to this script, which forwards each\n";
  o << "# daemon its own stop signal (haproxy SIGUSR1: soft stop; nginx SIGQUIT: graceful;\n";
  o << "# keepalived SIGTERM to the parent only), as the official images' STOPSIGNALs do, and exits\n";
  o << "# once they are gone. After the grace period (stop_grace_period) the runtime SIGKILLs the rest.\n";
  // The engine's latency as the stack sees it, stamped with bash's own clock (no process spawned,
  // so a busy host delays the stamp no more than the event): when PID 1 started (docker start's
  // effect) and when the daemons had their stop signals (docker stop's). run_real.py measures
  // runtime.command_delay from these in every run.
  o << "echo \"HASIM_ENTRY start t_us=${EPOCHREALTIME/./}\"\n";
  o << "set -u\nstopping=0\nprocs=(\"$@\")\n";
  o << "for p in \"${procs[@]}\"; do\n";
  o << "  [ -x \"/hasim/run-$p.sh\" ] || { echo \"hasim: this image runs no '$p'\" >&2; exit 2; }\n";
  o << "done\n";
  o << "stop_one() {\n  case \"$1\" in\n";
  for (const auto& p : scenarios::kind_keys()) {
    o << "    " << p << ")";
    for (const auto& w : detail::pkill_stop_args(p)) o << " " << w;
    o << " || true ;;\n";
  }
  o << "  esac\n}\n";
  o << "on_stop() {\n  stopping=1\n  for p in \"${procs[@]}\"; do stop_one \"$p\"; done\n"
       "  echo \"HASIM_ENTRY signalled t_us=${EPOCHREALTIME/./}\"\n}\n";
  o << "trap on_stop TERM INT QUIT\n";
  o << "echo \"hasim: $(hostname) entrypoint started (${procs[*]:-no daemons})\"\n";
  o << "for p in \"${procs[@]}\"; do \"/hasim/run-$p.sh\" & done\n";
  // The VIP watcher, as a child of PID 1: a `docker exec` of it took 5-13 s on a busy host, so a
  // restarted node's first hand-over went unseen or was stamped late. Started right after the
  // daemons, not before: its own processes would otherwise race them for PIDs, and keepalived's
  // PID in a restarted container must be the one its stale pid file names, as in the seed's
  // containers (kill-haproxy1-container). It misses nothing: keepalived adds no VIP for its first
  // master-down interval. It outlives the daemons (their VIPs' removal at a graceful stop is
  // reported) and is stopped last.
  o << "watcher=\n";
  o << "if [ -n \"${HASIM_VIPS:-}\" ]; then /hasim/vip-watch.sh $HASIM_VIPS & watcher=$!; fi\n";
  o << "finish() {\n"
       "  if [ -n \"$watcher\" ]; then sleep 0.3 & wait $!; kill \"$watcher\" 2>/dev/null; fi\n"
       "  exit 0\n}\n";
  o << "names=$(IFS='|'; echo \"${procs[*]}\")\n";
  // Idle waits are `read -t` on a FIFO nobody writes: a builtin, no process. A `sleep 0.1` per
  // look cost every container 10 spawns a second; three stacks of seven made ~200 a second, which
  // alone held a 2-core host at load 20 and stretched the load loop's iteration from ~0.4 s to 2 s.
  // A trapped signal interrupts the read, so a stop is still seen at once.
  o << "f=$(mktemp -u); mkfifo \"$f\"; exec {idle}<>\"$f\"; rm -f \"$f\"\n";
  o << "while :; do\n";
  o << "  if [ \"$stopping\" = 1 ]; then\n";
  o << "    [ -z \"$names\" ] && finish\n";
  o << "    pgrep -x \"$names\" >/dev/null || finish\n";
  o << "  fi\n  read -t 0.1 -u \"$idle\" _ || true\ndone\n";
  return o.str();
}

/// The daemons an image kind runs ("nginx-keepalived": nginx, keepalived), in the kinds' order.
std::vector<std::string> daemons_of_image(const std::string& kind) {
  std::vector<std::string> parts, out;
  std::string::size_type from = 0;
  while (from <= kind.size()) {
    const auto dash = kind.find('-', from);
    parts.push_back(kind.substr(from, dash == std::string::npos ? std::string::npos : dash - from));
    if (dash == std::string::npos) break;
    from = dash + 1;
  }
  for (const auto& k : scenarios::kind_keys())
    if (std::find(parts.begin(), parts.end(), k) != parts.end()) out.push_back(k);
  return out;
}

std::string dockerfile(const std::string& kind) {
  const std::vector<std::string> daemons = daemons_of_image(kind);
  std::vector<std::string> pkgs;
  if (kind == detail::kPgClientImage) pkgs.push_back("postgresql-client-15");
  // bookworm ships pgbench in the server package (postgresql-15), not in postgresql-client-15
  // nor postgresql-contrib (checked with dpkg -S in both images, 2026-12-03).
  if (kind == detail::kPgbenchImage) pkgs.push_back("postgresql-15");
  for (const auto& d : daemons)
    with_real_daemon(d, [&](auto real) {
      for (const auto& p : decltype(real)::packages()) pkgs.push_back(p);
    });
  std::ostringstream o;
  o << "# Rendered by hasim: the '" << kind << "' image. Packages and hasim's generic scripts only; each\n";
  o << "# node's configuration is bind-mounted read-only by docker-compose.yml, so this directory and\n";
  o << "# the image tag (a hash of it) are the same for every scenario. Builds unchanged against a\n";
  o << "# registry's debian:bookworm-slim.\n";
  o << "FROM debian:bookworm-slim\n";
  // The same first layer for every kind, so it is built once and cached.
  o << "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\\n"
       "      curl procps iproute2 iptables psmisc ca-certificates && rm -rf /var/lib/apt/lists/*\n";
  if (!pkgs.empty()) {
    o << "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends";
    for (const auto& p : pkgs) o << " " << p;
    o << " && rm -rf /var/lib/apt/lists/*\n";
  }
  o << "COPY hasim/ /hasim/\n";
  o << "RUN chmod 755 /hasim/*.sh\n";
  o << "STOPSIGNAL SIGTERM\n";
  o << "ENTRYPOINT [\"/hasim/entrypoint.sh\"]\n";
  o << "CMD [";
  for (std::size_t i = 0; i < daemons.size(); ++i) o << (i ? ", " : "") << "\"" << daemons[i] << "\"";
  o << "]\n";
  return o.str();
}

std::string run_script(const std::string& proc) {
  return "#!/bin/bash\n# Runs " + proc + " in the foreground. Started by `docker exec -d` (a process\n"
         "# fault's undo) its output still goes to the container's log, PID 1's stdout/stderr.\n"
         "exec >/proc/1/fd/1 2>/proc/1/fd/2\n" +
         detail::run_command_of(proc) + "\n";
}

}  // namespace

std::vector<detail::ContextFile> detail::image_context(const std::string& kind) {
  std::vector<ContextFile> f = {{"Dockerfile", dockerfile(kind), false},
                                {"hasim/entrypoint.sh", entrypoint(), true},
                                {"hasim/load.sh", kLoadScript, true},
                                {"hasim/stop-process.sh", kStopProcess, true},
                                {"hasim/vip-watch.sh", kVipWatch, true}};
  for (const auto& p : daemons_of_image(kind)) f.push_back({"hasim/run-" + p + ".sh", run_script(p), true});
  // Only images with psql carry the writer, so every other image (and its tag) stays as it was.
  const auto d = daemons_of_image(kind);
  // A failover script runs in the client container (it rewrites the writer's host file there):
  // its image carries the client's scripts too.
  const bool client = kind == kPgClientImage || std::find(d.begin(), d.end(), "failover_script") != d.end();
  if (client || std::find(d.begin(), d.end(), "postgres") != d.end())
    f.push_back({"hasim/pg-writer.sh", kPgWriter, true});
  // The reader runs from the client container only: a server's image (and tag) stays as it was.
  if (client) f.push_back({"hasim/pg-reader.sh", kPgReader, true});
  if (std::find(d.begin(), d.end(), "postgres") != d.end()) f.push_back({"hasim/pg-stat-probe.sh", kPgStatProbe, true});
  if (kind == kProbeImage) f.push_back({"hasim/probe.sh", kProbeScript, true});
  if (kind == kPgbenchImage) f.push_back({"hasim/pgbench.sh", kPgbenchScript, true});
  std::sort(f.begin(), f.end(), [](const ContextFile& a, const ContextFile& b) { return a.path < b.path; });
  return f;
}

std::string detail::context_hash(const std::vector<ContextFile>& files) {
  std::string all;
  for (const auto& f : files)
    all += f.path + "\n" + (f.executable ? "755" : "644") + "\n" + std::to_string(f.text.size()) + "\n" + f.text;
  return sha256_hex(all);
}

std::string detail::image_name(const std::string& kind) {
  return "localhost/hasim/" + kind + ":" + context_hash(image_context(kind)).substr(0, 12);
}

namespace {

void write_file(const fs::path& root, const std::string& rel, const std::string& text, std::vector<std::string>& written,
                bool executable = false) {
  const fs::path p = root / rel;
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  if (ec) throw std::runtime_error("cannot create " + p.parent_path().string() + ": " + ec.message());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  if (!f) throw std::runtime_error("cannot write " + p.string());
  f << text;
  f.close();
  if (!f) throw std::runtime_error("error writing " + p.string());
  // Explicit modes, whatever the umask: the files are bind-mounted into containers where nginx's
  // workers (www-data) read the docroot, and the image hash counts 755/644.
  const auto r = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;
  const auto x = fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;
  fs::permissions(p, executable ? r | x : r, fs::perm_options::replace, ec);
  // Only the directories rel itself names (never DIR or above it: DIR may be /tmp).
  const fs::path relp(rel);
  fs::path d = root;
  for (auto it = relp.begin(); it != relp.end() && std::next(it) != relp.end(); ++it) {
    d /= *it;
    fs::permissions(d, r | x, fs::perm_options::replace, ec);
  }
  written.push_back(rel);
}

}  // namespace

std::vector<std::string> render_checked(const ScenarioSpec& spec, const std::string& dir, const RenderOptions& options);

const char* engine_name(Engine e) { return e == Engine::Docker ? "docker" : "podman"; }

std::optional<Engine> engine_named(const std::string& name) {
  if (name == "docker") return Engine::Docker;
  if (name == "podman") return Engine::Podman;
  return std::nullopt;
}

std::vector<std::string> render_scenario(const ScenarioSpec& spec, const std::string& dir, const RenderOptions& options) {
  try {
    return render_checked(spec, dir, options);
  } catch (const scenarios::ScenarioError& e) {
    if (!e.where().file.empty() || spec.file.empty()) throw;
    throw scenarios::ScenarioError(scenarios::Source{spec.file, 0, 0}, e.key_path(), e.message());
  }
}

std::vector<std::string> render_checked(const ScenarioSpec& spec, const std::string& dir, const RenderOptions& options) {
  detail::check_spec(spec);
  const std::string project = detail::project_name(spec);
  // Render everything first, so an unsupported feature writes nothing.
  std::vector<std::pair<std::string, std::string>> files, scripts;
  files.emplace_back("docker-compose.yml", detail::render_compose(spec, project, options.engine));
  files.emplace_back("plan.json", detail::render_plan(spec, project, options.engine));
  // One build context per image kind: scripts only, shared by the nodes of that kind.
  std::set<std::string> kinds;
  for (const auto& n : spec.nodes) kinds.insert(detail::image_kind(spec, n));
  for (const auto& kind : kinds)
    for (const auto& f : detail::image_context(kind))
      (f.executable ? scripts : files).emplace_back("images/" + kind + "/" + f.path, f.text);
  for (const auto& n : spec.nodes) {
    const std::string d = n.name + "/";
    const std::string where = (spec.file.empty() ? spec.name : spec.file) + ": nodes." + n.name;
    for (const auto& c : n.components)
      visit_real(c, [&](const std::string& key, auto real, const auto& config) {
        for (const auto& f : decltype(real)::files(RenderContext{spec, n, where + "." + key, options.engine}, config))
          files.emplace_back(d + f.path, f.text);
      });
  }
  const fs::path root(dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec || !fs::is_directory(root)) throw std::runtime_error("cannot create directory " + dir + (ec ? ": " + ec.message() : ""));
  // A context is hashed as rendered: drop what an earlier render left in images/ (other kinds,
  // files since renamed), so the directory run_real.py checks is exactly the hashed one.
  fs::remove_all(root / "images", ec);
  std::vector<std::string> written;
  for (const auto& [rel, text] : files) write_file(root, rel, text, written);
  for (const auto& [rel, text] : scripts) write_file(root, rel, text, written, true);
  return written;
}

}  // namespace validation
