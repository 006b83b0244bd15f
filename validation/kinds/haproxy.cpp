// The real HAProxy: Debian's haproxy 2.6, its haproxy.cfg rendered from the `haproxy:` section.
#include "validation/kinds/haproxy.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "scenarios/tree.hpp"
#include "sim/network.hpp"
#include "validation/render_detail.hpp"
#include "validation/render_workloads.hpp"

namespace validation {

using detail::cannot_render;
using detail::haproxy_time;
using detail::join;
using detail::json_str;
using detail::seconds;

std::string render_haproxy_cfg(const models::haproxy::HaproxyConfig& c, const std::vector<std::string>& nameservers,
                               int stats_port, const std::string& where, const std::string& tag_as) {
  std::ostringstream o;
  o << "# Rendered by `hasim render` from " << where << ". HAProxy 2.6 (Debian bookworm).\n";
  o << "global\n";
  o << "    log stdout format raw local0 info\n";
  if (c.spread_checks != 0) {
    if (c.spread_checks < 0 || c.spread_checks > 50) cannot_render(where + ".global.spread-checks", "must be 0..50");
    o << "    spread-checks " << c.spread_checks << "\n";
  }
  o << "\ndefaults\n";
  o << "    mode http\n";
  o << "    log global\n";
  o << "    option httplog\n";
  o << "    option log-health-checks\n";
  o << "    retries " << c.retries << "\n";
  o << "    timeout connect " << haproxy_time(c.timeout_connect) << "\n";
  o << "    timeout client " << haproxy_time(c.timeout_client) << "\n";
  o << "    timeout server " << haproxy_time(c.timeout_server) << "\n";
  if (c.timeout_check) o << "    timeout check " << haproxy_time(*c.timeout_check) << "\n";

  for (const auto& r : c.resolvers) {
    if (nameservers.empty()) cannot_render(where + ".resolvers." + r.name, "the node has no network to ask");
    o << "\nresolvers " << r.name << "\n";
    int i = 0;
    for (const auto& ns : nameservers) o << "    nameserver dns" << ++i << " " << ns << ":53\n";
    o << "    resolve_retries " << r.resolve_retries << "\n";
    o << "    timeout resolve " << haproxy_time(r.timeout_resolve) << "\n";
    o << "    timeout retry " << haproxy_time(r.timeout_retry) << "\n";
    o << "    hold valid " << haproxy_time(r.hold_valid) << "\n";
    o << "    hold nx " << haproxy_time(r.hold_nx) << "\n";
    o << "    hold timeout " << haproxy_time(r.hold_timeout) << "\n";
    o << "    hold obsolete " << haproxy_time(r.hold_obsolete) << "\n";
    // Statuses the model has no notion of (the engine's DNS answers an address, NXDOMAIN or nothing):
    // HAProxy's defaults, written out so the file reads like the workshop's.
    o << "    hold other 30s\n    hold refused 30s\n";
  }

  for (const auto& f : c.frontends) {
    if (f.port == stats_port) cannot_render(where + ".frontends." + f.name, "port " + std::to_string(stats_port) + " is the rendered stats port");
    o << "\nfrontend " << f.name << "\n";
    o << "    bind *:" << f.port << "\n";
    if (!f.default_backend.empty()) o << "    default_backend " << f.default_backend << "\n";
    if (!tag_as.empty()) {
      // http-after-response: also HAProxy's own answers (a 503 with no server up), unlike
      // http-response. srv_name is empty when no server was chosen.
      o << "    # Added by hasim render: which load balancer and server answered, for the probe's log.\n";
      o << "    http-after-response set-header X-Hasim-Lb " << tag_as << "\n";
      o << "    http-after-response set-header X-Hasim-Server %[srv_name]\n";
    }
  }

  for (const auto& b : c.backends) {
    const std::string bw = where + ".backends." + b.name;
    if (b.balance != "roundrobin" && b.balance != "leastconn" && b.balance != "source" && b.balance != "first")
      cannot_render(bw + ".balance", "unknown algorithm '" + b.balance + "'");
    o << "\nbackend " << b.name << "\n";
    o << "    balance " << b.balance << "\n";
    if (b.httpchk) {
      o << "    option httpchk";
      if (!b.httpchk_method.empty()) o << " " << b.httpchk_method << " " << (b.httpchk_uri.empty() ? "/" : b.httpchk_uri);
      o << "\n";
      if (b.expect_status > 0) o << "    http-check expect status " << b.expect_status << "\n";
    }
    o << "    option log-health-checks\n";
    if (b.allbackups) o << "    option allbackups\n";
    if (b.redispatch) o << "    option redispatch\n";
    if (b.retries) o << "    retries " << *b.retries << "\n";
    if (b.timeout_check) o << "    timeout check " << haproxy_time(*b.timeout_check) << "\n";
    if (b.timeout_connect) o << "    timeout connect " << haproxy_time(*b.timeout_connect) << "\n";
    if (b.timeout_server) o << "    timeout server " << haproxy_time(*b.timeout_server) << "\n";
    for (const auto& s : b.servers) {
      std::vector<std::string> w = {"server", s.name, s.address + ":" + std::to_string(s.port)};
      if (s.check) {
        w.push_back("check");
        w.push_back("inter " + haproxy_time(s.inter));
        if (s.fastinter) w.push_back("fastinter " + haproxy_time(*s.fastinter));
        if (s.downinter) w.push_back("downinter " + haproxy_time(*s.downinter));
        w.push_back("fall " + std::to_string(s.fall));
        w.push_back("rise " + std::to_string(s.rise));
      }
      if (s.weight != 1) w.push_back("weight " + std::to_string(s.weight));
      if (s.backup) w.push_back("backup");
      if (s.maxconn > 0) w.push_back("maxconn " + std::to_string(s.maxconn));
      if (b.shutdown_sessions_on_down) w.push_back("on-marked-down shutdown-sessions");
      if (!s.resolvers.empty()) {
        bool known = false;
        for (const auto& r : c.resolvers) known = known || r.name == s.resolvers;
        if (!known) cannot_render(bw + ".servers." + s.name + ".resolvers", "no resolvers section '" + s.resolvers + "'");
        w.push_back("resolvers " + s.resolvers);
      }
      if (s.init_addr != std::vector<std::string>{"last", "libc"}) w.push_back("init-addr " + join(s.init_addr, ","));
      o << "    " << join(w, " ") << "\n";
    }
  }

  if (stats_port > 0) {
    o << "\n# Added by hasim render: run_real.py reads server states here (CSV) from inside the stack.\n";
    o << "listen hasim_stats\n";
    o << "    bind *:" << stats_port << "\n";
    o << "    mode http\n    no log\n    stats enable\n    stats uri /stats\n    stats refresh 0\n";
  }
  return o.str();
}

std::vector<std::string> RealDaemon<models::haproxy::HaproxyConfig>::packages() { return {"haproxy"}; }
std::string RealDaemon<models::haproxy::HaproxyConfig>::command() { return "exec haproxy -W -db -f /etc/haproxy/haproxy.cfg"; }
/// The official image's STOPSIGNAL: a soft stop (finish sessions, then exit).
std::string RealDaemon<models::haproxy::HaproxyConfig>::stop_signal() { return "USR1"; }
bool RealDaemon<models::haproxy::HaproxyConfig>::stop_oldest_only() { return false; }
std::vector<std::string> RealDaemon<models::haproxy::HaproxyConfig>::operator_command(const std::string&) { return {}; }
bool RealDaemon<models::haproxy::HaproxyConfig>::net_admin() { return false; }

namespace {
/// The port of the `listen hasim_stats` section run_real.py's health probe reads.
constexpr int kStatsPort = 8404;
}  // namespace

std::vector<NodeFile> RealDaemon<models::haproxy::HaproxyConfig>::files(const RenderContext& ctx, const models::haproxy::HaproxyConfig& c) {
  // Where the engine answers container names: Docker's embedded DNS at 127.0.0.11 in every
  // container; podman's aardvark-dns at the gateway of each of the node's networks.
  std::vector<std::string> ns;
  for (const auto& a : ctx.node.networks)
    for (const auto& net : ctx.spec.networks)
      if (net.name == a.network) ns.push_back(ctx.engine == Engine::Docker ? "127.0.0.11" : detail::gateway_of(net.subnet));
  ns.erase(std::unique(ns.begin(), ns.end()), ns.end());
  // A client that records which HAProxy and which server answered each request (the probe's).
  bool probe = false;
  for (const auto& [name, w] : ctx.spec.workloads) probe = probe || detail::workload_render(w.kind).answerer_headers;
  return {NodeFile{"haproxy.cfg", render_haproxy_cfg(c, ns, kStatsPort, ctx.where, probe ? ctx.node.name : "")}};
}

std::vector<std::pair<std::string, std::string>> RealDaemon<models::haproxy::HaproxyConfig>::mounts() {
  return {{"haproxy.cfg", "/etc/haproxy/haproxy.cfg"}};
}

/// Where run_real.py reads its stats (the health wait), and each server's node and check timers
/// (detection metrics and the host's wake-up measured from late checks).
std::string RealDaemon<models::haproxy::HaproxyConfig>::plan_entry(const RenderContext& ctx, const models::haproxy::HaproxyConfig& c) {
  std::ostringstream o;
  const std::string& name = ctx.node.name;
  o << "{\"service\": " << json_str(name) << ", \"stats_url\": "
    << json_str("http://" + name + ":" + std::to_string(kStatsPort) + "/stats;csv") << ", \"servers\": [";
  bool fs = true;
  for (const auto& b : c.backends)
    for (const auto& s : b.servers) {
      o << (fs ? "" : ", ") << "{\"backend\": " << json_str(b.name) << ", \"server\": " << json_str(s.name)
        << ", \"node\": " << json_str(scenarios::node_named_by(ctx.spec, s.address)) << ", \"check\": " << (s.check ? "true" : "false")
        << ", \"inter_s\": " << seconds(s.inter) << ", \"fastinter_s\": " << seconds(s.fastinter.value_or(s.inter))
        << ", \"timeout_s\": " << seconds(models::haproxy::check_connect_timeout(c, b, s)) << "}";
      fs = false;
    }
  o << "]}";
  return o.str();
}

/// "Loading success.": its workers have loaded the configuration and bound the frontends.
std::string RealDaemon<models::haproxy::HaproxyConfig>::ready_log() { return "Loading success."; }

}  // namespace validation
