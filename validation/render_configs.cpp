// haproxy.cfg and nginx.conf from the models' config structs.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "scenarios/tree.hpp"
#include "sim/network.hpp"
#include "validation/render_detail.hpp"

namespace validation::detail {

namespace {

[[noreturn]] void bad_config(const std::string& where, const std::string& what) {
  throw scenarios::ScenarioError(scenarios::Source{}, where, "cannot be rendered for the real stack: " + what);
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

std::string haproxy_time(sim::Time t) {
  if (t < 0) t = 0;
  if (t % sim::kSecond == 0) return std::to_string(t / sim::kSecond) + "s";
  if (t % sim::kMillisecond == 0) return std::to_string(t / sim::kMillisecond) + "ms";
  return std::to_string((t + sim::kMicrosecond / 2) / sim::kMicrosecond) + "us";
}

std::string seconds(sim::Time t) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.9f", sim::to_seconds(t));
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s.empty() ? "0" : s;
}

std::string gateway_of(const std::string& subnet) {
  const auto slash = subnet.find('/');
  const auto ip = sim::Ipv4::parse(subnet.substr(0, slash));
  if (!ip) throw scenarios::ScenarioError(scenarios::Source{}, "networks", "bad subnet '" + subnet + "'");
  int bits = slash == std::string::npos ? 32 : std::stoi(subnet.substr(slash + 1));
  const std::uint32_t mask = bits <= 0 ? 0 : (bits >= 32 ? 0xffffffffu : ~((1u << (32 - bits)) - 1));
  sim::Ipv4 gw;
  gw.value = (ip->value & mask) + 1;
  return gw.str();
}

std::string render_haproxy_cfg(const models::haproxy::HaproxyConfig& c, const std::vector<std::string>& nameservers,
                               int stats_port, const std::string& where) {
  std::ostringstream o;
  o << "# Rendered by `hasim render` from " << where << ". HAProxy 2.6 (Debian bookworm).\n";
  o << "global\n";
  o << "    log stdout format raw local0 info\n";
  if (c.spread_checks != 0) {
    if (c.spread_checks < 0 || c.spread_checks > 50) bad_config(where + ".global.spread-checks", "must be 0..50");
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
    if (nameservers.empty()) bad_config(where + ".resolvers." + r.name, "the node has no network to ask");
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
    // Statuses the model has no notion of (aardvark answers an address, NXDOMAIN or nothing):
    // HAProxy's defaults, written out so the file reads like the workshop's.
    o << "    hold other 30s\n    hold refused 30s\n";
  }

  for (const auto& f : c.frontends) {
    if (f.port == stats_port) bad_config(where + ".frontends." + f.name, "port " + std::to_string(stats_port) + " is the rendered stats port");
    o << "\nfrontend " << f.name << "\n";
    o << "    bind *:" << f.port << "\n";
    if (!f.default_backend.empty()) o << "    default_backend " << f.default_backend << "\n";
  }

  for (const auto& b : c.backends) {
    const std::string bw = where + ".backends." + b.name;
    if (b.balance != "roundrobin" && b.balance != "leastconn" && b.balance != "source" && b.balance != "first")
      bad_config(bw + ".balance", "unknown algorithm '" + b.balance + "'");
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
        if (!known) bad_config(bw + ".servers." + s.name + ".resolvers", "no resolvers section '" + s.resolvers + "'");
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

std::string render_nginx_conf(const models::NginxConfig& c, const std::string& where) {
  std::ostringstream o;
  o << "# Rendered by `hasim render` from " << where << ". nginx 1.22 (Debian bookworm).\n";
  o << "user www-data;\nworker_processes 1;\npid /run/nginx.pid;\nerror_log stderr notice;\n\n";
  o << "events { worker_connections 1024; }\n\n";
  o << "http {\n";
  o << "    include /etc/nginx/mime.types;\n";
  o << "    default_type application/octet-stream;\n";
  o << "    log_format hasim '$msec $remote_addr \"$request\" $status $request_time';\n";
  o << "    access_log /dev/stdout hasim;\n";
  o << "    keepalive_timeout 65;\n";
  o << "    server {\n";
  o << "        listen " << c.listen << ";\n";
  if (c.proxy_pass.empty()) {
    o << "        root /var/www/hasim;\n";
    o << "        index index.html;\n";
    o << "        location / { try_files $uri $uri/ =404; }\n";
  } else {
    std::string target = c.proxy_pass;
    if (target.rfind("http://", 0) != 0) target = "http://" + target;
    o << "        location / {\n";
    o << "            proxy_pass " << target << ";\n";
    o << "            proxy_connect_timeout " << haproxy_time(c.proxy_connect_timeout) << ";\n";
    o << "            proxy_read_timeout " << haproxy_time(c.proxy_read_timeout) << ";\n";
    o << "        }\n";
  }
  o << "    }\n}\n";
  return o.str();
}

std::string render_keepalived_conf(const models::keepalived::KeepalivedConfig& c, const std::vector<std::string>& networks,
                                   const std::string& where) {
  std::ostringstream o;
  o << "# Rendered by `hasim render` from " << where << ". keepalived 2.2 (Debian bookworm).\n";
  int version = 2;
  for (const auto& i : c.instances) version = std::max(version, i.version);
  o << "global_defs {\n    enable_script_security\n    script_user root\n    vrrp_version " << version << "\n}\n";
  for (const auto& sc : c.scripts) {
    if (sc.script.find('"') != std::string::npos) bad_config(where + ".vrrp_script." + sc.name + ".script", "contains a double quote");
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
    if (ifname.rfind("eth", 0) != 0) bad_config(iw + ".interface", "'" + i.interface + "' is neither ethN nor a network of the node");
    if (i.auth_type != "" && i.auth_type != "PASS") bad_config(iw + ".authentication.auth_type", "only PASS is rendered");
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

}  // namespace validation::detail
