// The real keepalived: Debian's keepalived 2.2.7, its keepalived.conf rendered from the `keepalived:` section.
#include "validation/kinds/keepalived.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "scenarios/tree.hpp"
#include "sim/network.hpp"
#include "validation/render_detail.hpp"

namespace validation {

using detail::cannot_render;
using detail::haproxy_time;
using detail::join;
using detail::json_str;
using detail::seconds;

std::string render_keepalived_conf(const models::keepalived::KeepalivedConfig& c, const std::vector<std::string>& networks,
                                   const std::string& where) {
  std::ostringstream o;
  o << "# Rendered by `hasim render` from " << where << ". keepalived 2.2 (Debian bookworm).\n";
  int version = 2;
  for (const auto& i : c.instances) version = std::max(version, i.version);
  o << "global_defs {\n    enable_script_security\n    script_user root\n    vrrp_version " << version << "\n}\n";
  for (const auto& sc : c.scripts) {
    if (sc.script.find('"') != std::string::npos) cannot_render(where + ".vrrp_script." + sc.name + ".script", "contains a double quote");
    o << "\nvrrp_script " << sc.name << " {\n";
    o << "    script \"" << sc.script << "\"\n";
    o << "    interval " << seconds(sc.interval) << "\n";
    if (sc.timeout) o << "    timeout " << seconds(*sc.timeout) << "\n";
    o << "    weight " << sc.weight << "\n";
    o << "    rise " << sc.rise << "\n    fall " << sc.fall << "\n}\n";
  }
  for (const auto& i : c.instances) {
    const std::string iw = where + ".vrrp_instance." + i.name;
    std::string ifname = i.interface;
    for (std::size_t k = 0; k < networks.size(); ++k)
      if (networks[k] == i.interface) ifname = "eth" + std::to_string(k);
    if (ifname.rfind("eth", 0) != 0) cannot_render(iw + ".interface", "'" + i.interface + "' is neither ethN nor a network of the node");
    if (i.auth_type != "" && i.auth_type != "PASS") cannot_render(iw + ".authentication.auth_type", "only PASS is rendered");
    o << "\nvrrp_instance " << i.name << " {\n";
    o << "    state " << i.state << "\n";
    o << "    interface " << ifname << "\n";
    o << "    virtual_router_id " << i.virtual_router_id << "\n";
    o << "    priority " << i.priority << "\n";
    o << "    advert_int " << seconds(i.advert_int) << "\n";
    if (i.version != version) o << "    version " << i.version << "\n";
    if (i.nopreempt) o << "    nopreempt\n";
    if (i.preempt_delay > 0) o << "    preempt_delay " << seconds(i.preempt_delay) << "\n";
    if (!i.auth_type.empty()) o << "    authentication {\n        auth_type PASS\n        auth_pass " << i.auth_pass << "\n    }\n";
    if (!i.unicast_peer.empty()) {
      o << "    unicast_peer {\n";
      for (const auto& p : i.unicast_peer) o << "        " << p << "\n";
      o << "    }\n";
    }
    o << "    virtual_ipaddress {\n";
    for (const auto& v : i.virtual_ipaddress) o << "        " << v << "\n";
    o << "    }\n";
    if (!i.track_script.empty()) {
      o << "    track_script {\n";
      for (const auto& t : i.track_script) o << "        " << t << "\n";
      o << "    }\n";
    }
    o << "    garp_master_delay " << seconds(i.garp_master_delay) << "\n";
    o << "    garp_master_repeat " << i.garp_master_repeat << "\n";
    if (i.garp_lower_prio_delay) o << "    garp_lower_prio_delay " << seconds(*i.garp_lower_prio_delay) << "\n";
    if (i.garp_lower_prio_repeat) o << "    garp_lower_prio_repeat " << *i.garp_lower_prio_repeat << "\n";
    o << "}\n";
  }
  return o.str();
}

std::vector<std::string> RealDaemon<models::keepalived::KeepalivedConfig>::packages() { return {"keepalived"}; }
/// -n: no fork (a child of PID 1), -l: log to the console (the container log), -D: detailed.
std::string RealDaemon<models::keepalived::KeepalivedConfig>::command() {
  return "exec keepalived -n -l -D -f /etc/keepalived/keepalived.conf";
}
/// A MASTER sends a priority-0 advert and removes its VIPs.
std::string RealDaemon<models::keepalived::KeepalivedConfig>::stop_signal() { return "TERM"; }
/// The parent only: it stops its VRRP child itself, which then sends the priority-0 advert.
bool RealDaemon<models::keepalived::KeepalivedConfig>::stop_oldest_only() { return true; }
std::vector<std::string> RealDaemon<models::keepalived::KeepalivedConfig>::operator_command(const std::string&) { return {}; }
/// VRRP: raw sockets, VIPs, gratuitous ARP.
bool RealDaemon<models::keepalived::KeepalivedConfig>::net_admin() { return true; }

std::vector<NodeFile> RealDaemon<models::keepalived::KeepalivedConfig>::files(const RenderContext& ctx,
                                                                            const models::keepalived::KeepalivedConfig& c) {
  std::vector<std::string> ifnames;  // eth0 = the node's first network, as compose attaches them
  for (const auto& a : ctx.node.networks) ifnames.push_back(a.network);
  return {NodeFile{"keepalived.conf", render_keepalived_conf(c, ifnames, ctx.where)}};
}

std::vector<std::pair<std::string, std::string>> RealDaemon<models::keepalived::KeepalivedConfig>::mounts() {
  return {{"keepalived.conf", "/etc/keepalived/keepalived.conf"}};
}

/// Its VIPs are watched through the node's floating addresses (plan.json's vip_watch).
std::string RealDaemon<models::keepalived::KeepalivedConfig>::plan_entry(const RenderContext&, const models::keepalived::KeepalivedConfig&) {
  return "";
}

/// "Entering BACKUP STATE (init)": the VRRP child has started its instance.
std::string RealDaemon<models::keepalived::KeepalivedConfig>::ready_log() { return "Entering BACKUP STATE (init)"; }

}  // namespace validation
