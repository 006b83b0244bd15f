// The `haproxy:` section of a node: haproxy.cfg's sections and directives, spelled as in the
// real file (`timeout check`, `option httpchk`, `http-check expect`, `default-server`).
#include "scenarios/kinds/haproxy.hpp"

#include "models/haproxy/events.hpp"
#include "models/haproxy/haproxy.hpp"
#include "scenarios/checks/detection.hpp"
#include "scenarios/checks/responses.hpp"
#include "scenarios/reader.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/spec.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace scenarios {
namespace {

using models::haproxy::BackendConfig;
using models::haproxy::HaproxyConfig;
using models::haproxy::ServerConfig;

/// HAProxy's time arguments (src/tools.c parse_time_err, used by `inter`, `timeout *` and the
/// resolvers' timers): whole milliseconds, a fraction rounded up to the next millisecond (so
/// `inter 1ns` is `inter 1ms`, as `inter 1us` is in haproxy); above 2147483647 ms haproxy
/// refuses the configuration ("timer overflow"), and so does hasim.
std::optional<sim::Time> hap_time(const MapReader& r, const std::string& key, bool allow_zero = false) {
  auto v = r.opt_duration(key, allow_zero, sim::kMillisecond);
  if (!v) return v;
  constexpr sim::Time kMaxMs = 2147483647;
  if (*v > kMaxMs * sim::kMillisecond)
    fail(*r.get(key), r.sub(key), "timer overflow: haproxy allows at most 2147483647 ms (~24.8 days), found '" +
                                      shown(r.get(key)->scalar) + "'");
  return (*v + sim::kMillisecond - 1) / sim::kMillisecond * sim::kMillisecond;
}

sim::Time hap_time(const MapReader& r, const std::string& key, sim::Time fallback, bool allow_zero = false) {
  return hap_time(r, key, allow_zero).value_or(fallback);
}

const std::vector<std::string> kServerKeys = {"address", "check", "inter", "fastinter", "downinter", "rise", "fall",
                                              "weight", "backup", "maxconn", "resolvers", "init-addr"};

void read_server_keys(const MapReader& r, ServerConfig& s) {
  if (r.has("address")) {
    const std::string a = r.required_str("address");
    const auto colon = a.rfind(':');
    if (colon == std::string::npos) {
      s.address = a;
    } else {
      s.address = a.substr(0, colon);
      s.port = static_cast<std::uint16_t>(integer_of(Tree{Tree::Kind::Scalar, a.substr(colon + 1), false, {}, {}, {}, r.get("address")->src},
                                                     r.sub("address") + " (port)", 1, 65535));
    }
    if (s.address.empty()) fail(*r.get("address"), r.sub("address"), "expected HOST:PORT");
  }
  s.check = r.boolean("check", s.check);
  s.inter = hap_time(r, "inter", s.inter);
  if (auto v = hap_time(r, "fastinter")) s.fastinter = v;
  if (auto v = hap_time(r, "downinter")) s.downinter = v;
  s.rise = static_cast<int>(r.integer("rise", s.rise, 1, 1000));
  s.fall = static_cast<int>(r.integer("fall", s.fall, 1, 1000));
  s.weight = static_cast<int>(r.integer("weight", s.weight, 0, 256));
  s.backup = r.boolean("backup", s.backup);
  s.maxconn = static_cast<int>(r.integer("maxconn", s.maxconn, 0, 1000000));
  s.resolvers = r.str("resolvers", s.resolvers);
  if (r.has("init-addr")) {
    s.init_addr.clear();
    std::string v = r.required_str("init-addr");
    std::size_t start = 0;
    while (start <= v.size()) {
      const auto comma = v.find(',', start);
      const std::string m = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (m != "last" && m != "libc" && m != "none" && !sim::Ipv4::parse(m))
        fail(*r.get("init-addr"), r.sub("init-addr"), "unknown method '" + shown(m) + "' (use last, libc, none or an IPv4 address)");
      s.init_addr.push_back(m);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
}

BackendConfig read_backend(const std::string& name, const Tree& t, const std::string& path, const HaproxyConfig& hc) {
  MapReader r(t, path, {"balance", "option httpchk", "http-check expect", "option redispatch", "option allbackups",
                        "retries", "on-marked-down", "timeout check", "timeout connect", "timeout server",
                        "default-server", "servers"});
  BackendConfig b;
  b.name = name;
  b.balance = r.str("balance", "roundrobin");
  const std::vector<std::string> algos = {"roundrobin", "leastconn", "source", "first"};
  if (std::find(algos.begin(), algos.end(), b.balance) == algos.end())
    fail(*r.get("balance"), r.sub("balance"), "unknown algorithm '" + shown(b.balance) + "' (did you mean '" + closest(b.balance, algos) + "'?)");
  if (const Tree* h = r.get("option httpchk")) {
    const std::string v = scalar_of(*h, r.sub("option httpchk"));
    if (v == "false") {
      b.httpchk = false;
    } else {
      b.httpchk = true;
      if (v != "true" && !v.empty()) {
        // "METHOD URI" or just "URI"
        const auto sp = v.find(' ');
        if (sp == std::string::npos) {
          b.httpchk_uri = v;
        } else {
          b.httpchk_method = v.substr(0, sp);
          b.httpchk_uri = v.substr(sp + 1);
        }
        if (b.httpchk_uri.empty() || b.httpchk_uri[0] != '/')
          fail(*h, r.sub("option httpchk"), "expected [METHOD] URI, e.g. 'GET /health'");
      }
    }
  }
  if (const Tree* e = r.get("http-check expect")) {
    const std::string v = scalar_of(*e, r.sub("http-check expect"));
    if (v.rfind("status ", 0) != 0) fail(*e, r.sub("http-check expect"), "only 'status N' is modelled, found '" + shown(v) + "'");
    b.expect_status = static_cast<int>(integer_of(Tree{Tree::Kind::Scalar, v.substr(7), false, {}, {}, {}, e->src},
                                                  r.sub("http-check expect"), 100, 599));
  }
  b.redispatch = r.boolean("option redispatch", false);
  b.allbackups = r.boolean("option allbackups", false);
  if (r.has("retries")) b.retries = static_cast<int>(r.integer("retries", hc.retries, 0, 100));
  if (r.has("on-marked-down")) {
    const std::string v = r.required_str("on-marked-down");
    if (v != "shutdown-sessions") fail(*r.get("on-marked-down"), r.sub("on-marked-down"), "only 'shutdown-sessions' is known");
    b.shutdown_sessions_on_down = true;
  }
  if (auto v = hap_time(r, "timeout check")) b.timeout_check = v;
  if (auto v = hap_time(r, "timeout connect")) b.timeout_connect = v;
  if (auto v = hap_time(r, "timeout server")) b.timeout_server = v;
  ServerConfig defaults;
  if (const Tree* d = r.get("default-server")) read_server_keys(MapReader(*d, r.sub("default-server"), kServerKeys), defaults);
  const Tree* servers = r.get("servers");
  if (servers == nullptr) fail(t, r.sub("servers"), "missing (a backend needs at least one server)");
  // Any name is a server's: only the shape is checked (a reader allowing its own keys compared
  // every key with every other, 18 million string compares at 3,000 servers).
  if (!servers->is_map()) fail(*servers, r.sub("servers"), "expected a mapping of servers by name");
  if (servers->map.empty()) fail(*servers, r.sub("servers"), "a backend needs at least one server");
  for (const auto& [sname, st] : servers->map) {
    ServerConfig s = defaults;
    s.name = sname;
    MapReader one(st, r.sub("servers") + "." + sname, kServerKeys);
    read_server_keys(one, s);
    if (s.address.empty()) fail(st, one.sub("address"), "missing (HOST:PORT)");
    b.servers.push_back(s);
  }
  return b;
}

}  // namespace

HaproxyConfig DaemonKind<HaproxyConfig>::read(const Tree& t, const std::string& path) {
  MapReader r(t, path, {"global", "defaults", "resolvers", "frontends", "backends", "start_delay", "stop_delay"});
  HaproxyConfig c;
  if (const Tree* g = r.get("global")) {
    MapReader gr(*g, r.sub("global"), {"spread-checks"});
    c.spread_checks = static_cast<int>(gr.integer("spread-checks", 0, 0, 50));
  }
  if (const Tree* d = r.get("defaults")) {
    MapReader dr(*d, r.sub("defaults"), {"mode", "timeout connect", "timeout client", "timeout server", "timeout check", "retries"});
    const std::string mode = dr.str("mode", "http");
    if (mode != "http") fail(*dr.get("mode"), dr.sub("mode"), "only 'mode http' is modelled so far");
    c.timeout_connect = hap_time(dr, "timeout connect", c.timeout_connect);
    c.timeout_client = hap_time(dr, "timeout client", c.timeout_client);
    c.timeout_server = hap_time(dr, "timeout server", c.timeout_server);
    if (auto v = hap_time(dr, "timeout check")) c.timeout_check = v;
    c.retries = static_cast<int>(dr.integer("retries", c.retries, 0, 100));
  }
  if (const Tree* res = r.get("resolvers")) {
    if (!res->is_map()) fail(*res, r.sub("resolvers"), "expected a mapping of resolvers sections by name");
    for (const auto& [name, rt] : res->map) {
      MapReader rr(rt, r.sub("resolvers") + "." + name, {"resolve_retries", "timeout resolve", "timeout retry",
                                                                    "hold valid", "hold nx", "hold timeout", "hold obsolete"});
      models::haproxy::ResolversConfig rc;
      rc.name = name;
      rc.timeout_resolve = hap_time(rr, "timeout resolve", rc.timeout_resolve);
      rc.hold_valid = hap_time(rr, "hold valid", rc.hold_valid);
      rc.hold_nx = hap_time(rr, "hold nx", rc.hold_nx);
      rc.resolve_retries = static_cast<int>(rr.integer("resolve_retries", rc.resolve_retries, 1, 1000));
      rc.timeout_retry = hap_time(rr, "timeout retry", rc.timeout_retry);
      rc.hold_timeout = hap_time(rr, "hold timeout", rc.hold_timeout);
      rc.hold_obsolete = hap_time(rr, "hold obsolete", rc.hold_obsolete, true);
      c.resolvers.push_back(rc);
    }
  }
  const Tree* bes = r.get("backends");
  if (bes == nullptr || !bes->is_map() || bes->map.empty()) fail(bes ? *bes : t, r.sub("backends"), "expected at least one backend section");
  for (const auto& [name, bt] : bes->map) c.backends.push_back(read_backend(name, bt, r.sub("backends") + "." + name, c));
  std::vector<std::string> backend_names;
  for (const auto& b : c.backends) backend_names.push_back(b.name);
  const Tree* fes = r.get("frontends");
  if (fes == nullptr || !fes->is_map() || fes->map.empty()) fail(fes ? *fes : t, r.sub("frontends"), "expected at least one frontend section");
  for (const auto& [name, ft] : fes->map) {
    MapReader fr(ft, r.sub("frontends") + "." + name, {"bind", "default_backend"});
    models::haproxy::FrontendConfig f;
    f.name = name;
    const std::string bind = fr.required_str("bind");
    auto hp = models::HostPort::parse(bind, 0);
    if (!hp || hp->port == 0) fail(*fr.get("bind"), fr.sub("bind"), "expected [ADDR]:PORT such as '*:80', found '" + shown(bind) + "'");
    f.port = hp->port;
    f.default_backend = fr.required_str("default_backend");
    if (std::find(backend_names.begin(), backend_names.end(), f.default_backend) == backend_names.end())
      fail(*fr.get("default_backend"), fr.sub("default_backend"),
           "no backend named '" + shown(f.default_backend) + "' (did you mean '" + closest(f.default_backend, backend_names) + "'?)");
    c.frontends.push_back(f);
  }
  // Servers naming a resolvers section must name one that exists.
  for (std::size_t bi = 0; bi < c.backends.size(); ++bi)
    for (const auto& s : c.backends[bi].servers) {
      if (s.resolvers.empty()) continue;
      bool found = false;
      for (const auto& rc : c.resolvers) found = found || rc.name == s.resolvers;
      if (!found)
        fail(*bes, r.sub("backends") + "." + c.backends[bi].name + ".servers." + s.name + ".resolvers",
             "no resolvers section named '" + shown(s.resolvers) + "'");
    }
  return c;
}

/// Servers written by name: each must be a node (an IPv4 address may be anything).
std::vector<NodeRef> DaemonKind<HaproxyConfig>::node_refs(const HaproxyConfig& c) {
  std::vector<NodeRef> out;
  for (const auto& b : c.backends)
    for (const auto& sv : b.servers)
      if (!sim::Ipv4::parse(sv.address)) out.push_back(NodeRef{{"backends", b.name, "servers", sv.name, "address"}, sv.address});
  return out;
}

namespace {

/// The haproxy_stats table as `hasim run` prints it, from its rows (fields in the order above).
std::string stats_text(const std::vector<RunResult::Table::Row>& rows) {
  auto pad = [](const std::string& s, std::size_t w) { return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' '); };
  auto text = [](const sim::Field& f) { return std::get<std::string>(f.value); };
  auto count = [](const sim::Field& f) { return std::to_string(std::get<std::int64_t>(f.value)); };
  std::string o = "  " + pad("node", 12) + pad("backend/server", 26) + pad("status", 7) + pad("check", 8) + pad("checks", 8) +
                  pad("failed", 8) + pad("requests", 9) + pad("conn_err", 9) + "downtime\n";
  for (const auto& r : rows) {
    char dt[32];
    std::snprintf(dt, sizeof dt, "%.1f s", std::get<double>(r[10].value));
    o += "  " + pad(text(r[0]), 12) + pad(text(r[1]) + "/" + text(r[2]), 26) + pad(text(r[3]), 7) + pad(text(r[4]), 8) +
         pad(count(r[6]), 8) + pad(count(r[7]), 8) + pad(count(r[8]), 9) + pad(count(r[9]), 9) + dt + "\n";
  }
  return o;
}

}  // namespace

sim::Process& DaemonKind<HaproxyConfig>::build(sim::Node& node, const HaproxyConfig& c, BuildContext& ctx) {
  auto& hp = node.add_process<models::haproxy::Haproxy>(c);
  if (ctx.wakeup_delay) hp.wakeup_delay = *ctx.wakeup_delay;
  // Its `show stat` rows at the end, as `hasim run` prints them: one table for every HAProxy.
  ctx.at_end->push_back([&hp](RunResult& r) {
    auto t = std::find_if(r.tables.begin(), r.tables.end(), [](const RunResult::Table& x) { return x.key == "haproxy_stats"; });
    if (t == r.tables.end()) t = r.tables.insert(t, RunResult::Table{"haproxy_stats", "HAProxy stats", {}, &stats_text});
    const std::string node = hp.node().name();
    for (const auto& row : hp.stats())
      t->rows.push_back({{"node", node}, {"backend", row.backend}, {"server", row.server}, {"status", row.status},
                         {"check_status", row.check_status}, {"addr", row.addr},
                         {"checks", static_cast<std::int64_t>(row.checks)}, {"checks_failed", static_cast<std::int64_t>(row.checks_failed)},
                         {"requests", static_cast<std::int64_t>(row.requests)},
                         {"connect_errors", static_cast<std::int64_t>(row.connect_errors)}, {"downtime_s", row.downtime_s}});
  });
  // `converge: {holds: [backends_up]}`: this HAProxy runs and sees every server UP.
  if (ctx.conditions != nullptr)
    (*ctx.conditions)["backends_up"].push_back([&hp](std::vector<std::string>& problems) {
      if (!hp.running()) {
        problems.push_back("haproxy on " + hp.node().name() + " is not running");
        return;
      }
      for (const auto& row : hp.stats())
        if (row.status != "UP") problems.push_back(hp.node().name() + " sees " + row.backend + "/" + row.server + " " + row.status);
    });
  return hp;
}

std::vector<FaultTarget> DaemonKind<HaproxyConfig>::fault_targets(const HaproxyConfig&) {
  return {FaultTarget{"haproxy", "haproxy", true, "", "", "haproxy"}};
}

std::vector<std::string> DaemonKind<HaproxyConfig>::floating_addresses(const HaproxyConfig&) { return {}; }

/// Detection times per server and the state-change counts (scenarios/checks/detection.hpp), and
/// the answers by status (scenarios/checks/responses.hpp).
void DaemonKind<HaproxyConfig>::add_checks(const ScenarioSpec& spec, sim::Invariants&, CheckSet& checks) {
  std::map<std::string, std::string> server_node;  // HAPROXY_NODE/backend/server -> node name
  bool any = false;
  for (const auto& ns : spec.nodes)
    for (const auto& c : ns.components)
      if (const auto* h = std::get_if<HaproxyConfig>(&c)) {
        any = true;
        for (const auto& b : h->backends)
          for (const auto& sv : b.servers) server_node[ns.name + "/" + b.name + "/" + sv.name] = node_named_by(spec, sv.address);
      }
  if (!any) return;
  checks.once<DetectionChecks>("haproxy", std::move(server_node));
  checks.once<ResponseChecks>("haproxy_responses");
}

std::vector<std::string_view> DaemonKind<HaproxyConfig>::event_kinds() {
  namespace e = models::haproxy::events;
  return {e::kCheck, e::kServerDown, e::kServerUp, e::kServerMaint, e::kServerReady, e::kServerAddrChange,
          e::kDnsError, e::kBackendDown, e::kSessionsShutdown, e::kStartFailed, e::kHttpNon2xx};
}

/// No operator step of its own: its faults are the engine's and the signals'.
std::vector<std::string> DaemonKind<HaproxyConfig>::operator_actions() { return {}; }
void DaemonKind<HaproxyConfig>::act(sim::Process&, const std::string&) {}

}  // namespace scenarios
