#include "models/haproxy/haproxy.hpp"
#include "models/haproxy/events.hpp"
#include "sim/events.hpp"

#include <algorithm>
#include <map>

#include "sim/json.hpp"
#include "sim/node.hpp"

namespace models::haproxy {

Haproxy::Haproxy(sim::Node& node, HaproxyConfig config)
    : sim::Process(node, "haproxy"), config_(std::move(config)), rng_(rng("lb")), wakeup_rng_(rng("wakeup")) {}

sim::Time Haproxy::check_connect_timeout(const Server& s) const {
  return haproxy::check_connect_timeout(config_, s.backend->config, s.config);
}

std::optional<sim::Time> Haproxy::check_read_timeout(const Server& s) const {
  const BackendConfig& b = s.backend->config;
  return b.timeout_check ? b.timeout_check : config_.timeout_check;
}

void Haproxy::build() {
  backends_.clear();
  checks_.clear();
  for (const auto& bc : config_.backends) {
    auto b = std::make_unique<Backend>();
    b->config = bc;
    for (const auto& sc : bc.servers) {
      auto s = std::make_unique<Server>();
      s->config = sc;
      s->backend = b.get();
      // Start-up state: "up, but will fall down at first failure".
      s->health = sc.check ? sc.rise : sc.rise + sc.fall - 1;
      s->up = true;
      b->servers.push_back(std::move(s));
    }
    backends_.push_back(std::move(b));
  }
}

void Haproxy::on_start() {
  build();
  // init-addr: resolve every server name once, at start-up.
  for (auto& b : backends_) {
    for (auto& s : b->servers) {
      bool resolved = false;
      for (const auto& method : s->config.init_addr) {
        if (method == "libc") {
          if (auto ip = container_dns(sim(), s->config.address)) {
            s->addr = ip;
            resolved = true;
          }
        } else if (method == "none") {
          s->maint = true;  // RMAINT until a resolver answers
          resolved = true;
        } else if (auto ip = sim::Ipv4::parse(method)) {
          s->addr = ip;
          resolved = true;
        }  // "last": no server-state file in our containers, so nothing to reuse
        if (resolved) break;
      }
      if (!resolved) {
        // haproxy refuses to start: "could not resolve address 'nginx1'".
        sim().record(events::kStartFailed, {{"node", node().name()}, {"backend", b->config.name},
                                              {"server", s->config.name}, {"reason", "could not resolve " + s->config.address}}, true);
        after(0, [this] { kill(); });
        return;
      }
      if (s->maint)
        sim().record(events::kServerMaint, {{"node", node().name()}, {"backend", b->config.name}, {"server", s->config.name},
                                      {"reason", "init-addr none"}}, true);
    }
  }
  for (std::size_t i = 0; i < config_.frontends.size(); ++i)
    http_listen(*this, config_.frontends[i].port, [this, i](sim::ConnId conn, HttpRequest req) { serve(i, conn, std::move(req)); });
  // First checks, staggered (src/check.c start_checks/start_check_task): mininter is the
  // smallest start-up interval of at least 1 s (0 if none), raised per check to its own interval
  // when that is larger, plus `spread-checks` jitter; check number `pos` starts at
  // mininter × pos / count.
  std::vector<Server*> checked;
  for (auto& b : backends_)
    for (auto& s : b->servers)
      if (s->config.check) checked.push_back(s.get());
  auto startup_inter = [](const Server* s) { return s->config.fastinter.value_or(s->config.inter); };
  sim::Time mininter = 0;
  for (Server* s : checked) {
    const sim::Time i = startup_inter(s);
    if (i >= sim::kSecond && (mininter == 0 || i < mininter)) mininter = i;
  }
  sim::Rng spread = rng("checks/start");
  for (std::size_t i = 0; i < checked.size(); ++i) {
    checks_.push_back(std::make_unique<HealthCheck>(*this, *checked[i]));
    sim::Time m = std::max(mininter, startup_inter(checked[i]));
    if (config_.spread_checks > 0) {
      const sim::Time r = startup_inter(checked[i]) * config_.spread_checks / 100;
      m += spread.uniform_int(-r, r);
    }
    checks_.back()->start(m * static_cast<sim::Time>(i) / static_cast<sim::Time>(checked.size()));
  }
  // The resolvers task runs every resolution at once at start-up; the last valid answer
  // counts from here (resolv_pick_resolution sets last_valid to now).
  for (auto& b : backends_)
    for (auto& s : b->servers)
      if (!s->config.resolvers.empty()) {
        s->resolution.last_valid = sim().now();
        s->resolution.addr_seen = sim().now();
        Server* sp = s.get();
        after(0, [this, sp] { start_resolution(*sp); });
      }
}

void Haproxy::on_exit() {
  // A dead load balancer's backends are not "unavailable": the VIP layer answers for that.
  for (auto& b : backends_)
    sim().invariants().update(sim().scenario_now(), "backend_available", node().name() + "/" + b->config.name, false, "");
  checks_.clear();
  backends_.clear();
}

const ResolversConfig& Haproxy::resolvers_of(const Server& s) const {
  for (const auto& r : config_.resolvers)
    if (r.name == s.config.resolvers) return r;
  static const ResolversConfig defaults;
  return defaults;
}

// One resolution per server, as src/resolvers.c runs them (resolv_run_resolution,
// process_resolvers, resolv_process_responses), with the query pair HAProxy sends by default
// (`resolve-prefer ipv6`: AAAA, then A at once when AAAA fails) folded into one exchange,
// answered in the same instant: the engine's DNS sits on the local bridge.
void Haproxy::start_resolution(Server& s) {
  Server::Resolution& r = s.resolution;
  r.running = true;
  r.got_nx = false;
  // `try` starts at resolve_retries and the first send already spends one.
  r.tries_left = resolvers_of(s).resolve_retries - 1;
  send_query(s);
}

void Haproxy::send_query(Server& s) {
  const ResolversConfig& rc = resolvers_of(s);
  const runtime::DnsAnswer a = container_dns_query(sim(), s.config.address);
  if (a.status == runtime::DnsStatus::Address) {
    resolution_done(s, runtime::DnsStatus::Address, a.addr);
    return;
  }
  if (a.status == runtime::DnsStatus::NxDomain) {
    s.resolution.got_nx = true;
    // Both families answered NXDOMAIN: with no try left the error is reported now, otherwise
    // the resolution waits for `timeout retry` and asks again.
    if (s.resolution.tries_left == 0) {
      resolution_done(s, runtime::DnsStatus::NxDomain, std::nullopt);
      return;
    }
  }
  // No answer (or an NX with tries left): when `timeout retry` expires the query is sent again
  // with one try less, or, when none is left, the resolution ends in TIMEOUT (no answer ever
  // came) or in the error last answered.
  Server* sp = &s;
  after(rc.timeout_retry, [this, sp] {
    Server::Resolution& r = sp->resolution;
    if (!r.running) return;
    if (r.tries_left == 0) {
      resolution_done(*sp, r.got_nx ? runtime::DnsStatus::NxDomain : runtime::DnsStatus::Timeout, std::nullopt);
      return;
    }
    --r.tries_left;
    send_query(*sp);
  });
}

void Haproxy::resolution_done(Server& s, runtime::DnsStatus status, std::optional<sim::Ipv4> ip) {
  const ResolversConfig& rc = resolvers_of(s);
  Backend& b = *s.backend;
  s.resolution.running = false;
  const sim::Time now = sim().now();
  if (status == runtime::DnsStatus::Address) {
    s.resolution.last_valid = now;
    // src/resolvers.c keeps every answered record with the time it was last seen and purges it
    // `hold obsolete` later; snr_resolution_cb keeps the server's address while its record is
    // still listed. So a restarted container's new address is taken only `hold obsolete` after
    // the old one was last answered: measured 29.5-29.9 s after `podman stop` with the rendered
    // `hold obsolete 30s`, whenever the container is started again before `hold nx` ran out.
    const bool old_still_listed = s.addr && !(*s.addr == *ip) && now <= s.resolution.addr_seen + rc.hold_obsolete;
    if (s.addr && *s.addr == *ip) {
      s.resolution.addr_seen = now;
    } else if (!old_still_listed) {
      s.resolution.addr_seen = now;
      sim().record(events::kServerAddrChange, {{"node", node().name()}, {"backend", b.config.name}, {"server", s.config.name},
                                          {"old", s.addr ? s.addr->str() : "none"}, {"new", ip->str()}}, true);
      s.addr = ip;
    }
    if (s.maint) {
      s.maint = false;
      // Leaving maintenance, a DOWN server comes UP at its first good check, without `rise`
      // (real HAProxy 2.6 in validation/results/2026-11-22-demo1.md): one success from here
      // reaches `rise`.
      if (!s.up) s.health = std::max(0, s.config.rise - 1);
      sim().record(events::kServerReady, {{"node", node().name()}, {"backend", b.config.name}, {"server", s.config.name},
                                    {"reason", "resolves again"}}, true);
      backend_available(b);
    }
  } else {
    // A failed resolution is worth a line: it is what moves a server to maintenance, and the
    // NX/timeout difference decides which `hold` applies (snr_update_srv_status).
    const bool nx = status == runtime::DnsStatus::NxDomain;
    sim().record(events::kDnsError, {{"node", node().name()}, {"backend", b.config.name}, {"server", s.config.name},
                               {"status", runtime::to_string(status)}});
    const sim::Time hold = nx ? rc.hold_nx : rc.hold_timeout;
    if (!s.maint && now >= s.resolution.last_valid + hold) {
      s.maint = true;
      // Entering maintenance clears the address and drops the kept records
      // (snr_resolution_error_cb), so the next valid answer is taken at once.
      s.addr.reset();
      sim().record(events::kServerMaint, {{"node", node().name()}, {"backend", b.config.name}, {"server", s.config.name},
                                    {"reason", nx ? "DNS NX status" : "DNS timeout status"}}, true);
      backend_available(b);
    }
  }
  // Back to the wait list: the next resolution `timeout resolve` after this one ended.
  Server* sp = &s;
  after(rc.timeout_resolve, [this, sp] { start_resolution(*sp); });
}

void Haproxy::check_result(Server& s, bool ok, const std::string& status, sim::Time duration) {
  const ServerConfig& c = s.config;
  ++s.checks;
  s.last_check = status;
  s.last_check_duration = duration;
  if (ok) {
    if (s.health < c.rise + c.fall - 1) {
      ++s.health;
      if (s.health >= c.rise) s.health = c.rise + c.fall - 1;
    }
  } else {
    ++s.checks_failed;
    if (s.health > 0) {
      --s.health;
      if (s.health < c.rise) s.health = 0;
    }
  }
  sim().record(events::kCheck, {{"node", node().name()}, {"backend", s.backend->config.name}, {"server", c.name},
                         {"status", status}, {"ok", ok}, {"health", static_cast<std::int64_t>(s.health)},
                         {"duration_ms", static_cast<double>(duration / 1000) / 1000.0}});
  sim().log().debug("{} check {}/{}: {} -> health {}/{}", node().name(), s.backend->config.name, c.name, status,
                    s.health, c.rise + c.fall - 1);
  if (!s.up && s.health >= c.rise) set_state(s, true, status);
  else if (s.up && s.health < c.rise) set_state(s, false, status);
}

void Haproxy::set_state(Server& s, bool up, const std::string& reason) {
  const sim::Time now = sim().now();
  if (!up) s.last_change = now;
  else s.downtime += now - s.last_change;
  if (up) s.last_change = now;
  s.up = up;
  Backend& b = *s.backend;
  sim().log().info("{}: Server {}/{} is {}, reason: {}", node().name(), b.config.name, s.config.name,
                   up ? "UP" : "DOWN", reason);
  sim().record(up ? events::kServerUp : events::kServerDown,
               {{"node", node().name()}, {events::field::kBackend, b.config.name}, {events::field::kServer, s.config.name},
                {events::field::kReason, reason},
                {events::field::kCheckDurationMs, static_cast<double>(s.last_check_duration / 1000) / 1000.0}}, true);
  // haproxy.server_down / server_up are counted from these records (scenarios/checks/detection.cpp).
  const bool any = backend_available(b);
  if (!any) sim().record(events::kBackendDown, {{"node", node().name()}, {"backend", b.config.name}}, true);
  if (!up && b.config.shutdown_sessions_on_down) {
    // on-marked-down shutdown-sessions: every session on this server is killed now.
    sim().record(events::kSessionsShutdown, {{"node", node().name()}, {"backend", b.config.name}, {"server", s.config.name}});
    auto list = std::move(s.sessions);
    s.sessions.clear();
    for (sim::ConnId client_conn : list) sim().tcp().reset(client_conn, *this);
  }
}

bool Haproxy::backend_available(const Backend& b) {
  bool any = false;
  for (const auto& o : b.servers) any = any || o->usable();
  // Invariant `backend_available`: every backend keeps at least one usable server.
  if (any && !sim().invariants().any_open()) return any;  // nothing to report: no strings made per request
  sim().invariants().update(sim().scenario_now(), "backend_available", node().name() + "/" + b.config.name, !any,
                            [&] { return node().name() + " backend " + b.config.name + " has no server available"; });
  return any;
}

Server* Haproxy::pick(Backend& b, const HttpRequest& req, const Server* avoid) {
  std::vector<Server*>& cand = b.candidates;
  cand.clear();
  for (auto& s : b.servers)
    if (s->usable() && !s->config.backup && s.get() != avoid) cand.push_back(s.get());
  if (cand.empty()) {
    for (auto& s : b.servers)
      if (s->usable() && s->config.backup && s.get() != avoid) {
        cand.push_back(s.get());
        if (!b.config.allbackups) break;  // only the first operational backup
      }
  }
  if (cand.empty()) return nullptr;
  const std::string& algo = b.config.balance;
  if (algo == "first") {
    for (Server* s : cand)
      if (s->config.maxconn == 0 || s->active < s->config.maxconn) return s;
    return cand.front();
  }
  if (algo == "source") {
    // Hash of the client address over the running servers' weights: remaps on state change.
    const auto ip = sim().network().address_of(req.client_node);
    std::uint64_t h = sim::fnv1a64(ip ? ip->str() : "0.0.0.0");
    std::int64_t total = 0;
    for (Server* s : cand) total += std::max(1, s->config.weight);
    std::int64_t slot = static_cast<std::int64_t>(h % static_cast<std::uint64_t>(total));
    for (Server* s : cand) {
      slot -= std::max(1, s->config.weight);
      if (slot < 0) return s;
    }
    return cand.back();
  }
  if (algo == "leastconn") {
    int least = INT32_MAX;
    for (Server* s : cand) least = std::min(least, s->active);
    cand.erase(std::remove_if(cand.begin(), cand.end(), [least](const Server* s) { return s->active != least; }), cand.end());
  }
  // Weighted round robin, smooth: every candidate gains its weight, the richest is served
  // and pays the total. Equal weights give plain rotation in configuration order.
  std::int64_t total = 0;
  Server* best = nullptr;
  for (Server* s : cand) {
    s->rr_weight += std::max(1, s->config.weight);
    total += std::max(1, s->config.weight);
    if (best == nullptr || s->rr_weight > best->rr_weight) best = s;
  }
  best->rr_weight -= total;
  return best;
}

void Haproxy::serve(std::size_t fe, sim::ConnId conn, HttpRequest req) {
  // The frontend that accepted the connection (the port the client connected to) routes it to
  // its default_backend.
  Backend* b = nullptr;
  for (auto& be : backends_)
    if (be->config.name == config_.frontends[fe].default_backend) b = be.get();
  if (b == nullptr) {
    reply(conn, HttpResponse{503, "", node().name(), node().name(), ""}, config_.frontends[fe].name);
    return;
  }
  const int retries = b->config.retries.value_or(config_.retries);
  Server* first = pick(*b, req, nullptr);  // before req is moved into forward()
  forward(conn, std::move(req), *b, first, retries);
}

void Haproxy::forward(sim::ConnId client_conn, HttpRequest req, Backend& b, Server* s, int retries_left) {
  if (s == nullptr) {
    // "503 Service Unavailable": no server available.
    reply(client_conn, HttpResponse{503, "", node().name(), node().name(), ""}, b.config.name);
    return;
  }
  ++s->requests;
  ++s->active;
  const sim::Time tconnect = b.config.timeout_connect.value_or(config_.timeout_connect);
  const sim::Time tserver = b.config.timeout_server.value_or(config_.timeout_server);
  HttpRequest up;
  up.method = req.method;
  up.path = req.path;
  Server* srv = s;
  http_request(*this, *s->addr, s->config.port, up, tconnect, tconnect + tserver,
               [this, client_conn, req, &b, srv, retries_left](const HttpResponse& r, sim::ConnId server_conn) {
    --srv->active;
    auto& list = srv->sessions;
    list.erase(std::remove(list.begin(), list.end(), client_conn), list.end());
    if (r.status != 0) {
      HttpResponse out = r;
      out.lb = node().name();
      out.server = srv->config.name;
      reply(client_conn, std::move(out), b.config.name);
      return;
    }
    if (server_conn == 0 && r.error != "reset") {
      // Connection failure. src/stream.c (stream_choose_redispatch, back_handle_st_cer): with
      // `option redispatch`, the retry goes back to load balancing when the server is no longer
      // running, on the last retry (redispatch -1), or at once when the algorithm is not a hash
      // and more than one active server is up. Otherwise it retries the same server, after a
      // turn-around of min(timeout connect, 1 s) if the error came back (not a timeout).
      ++srv->connect_errors;
      if (retries_left > 0 && sim().tcp().open(client_conn)) {
        int active = 0;
        for (const auto& o : b.servers) active += (o->usable() && !o->config.backup) ? 1 : 0;
        const bool last = retries_left == 1;
        const bool redispatch = b.config.redispatch &&
                                (!srv->usable() || last || (b.config.balance != "source" && active > 1));
        const bool error_came_back = r.error != "timeout";
        const sim::Time tconnect = b.config.timeout_connect.value_or(config_.timeout_connect);
        const sim::Time turn = (error_came_back && (!redispatch || active <= 1)) ? std::min(tconnect, sim::kSecond) : 0;
        after(turn, [this, client_conn, req, &b, srv, retries_left, redispatch] {
          Server* next = srv;
          if (redispatch) {
            next = pick(b, req, srv);
            if (next == nullptr) next = pick(b, req, nullptr);
          }
          if (next == nullptr || !next->addr) next = srv->addr ? srv : nullptr;
          forward(client_conn, req, b, next, retries_left - 1);
        });
        return;
      }
      reply(client_conn, HttpResponse{503, "", node().name(), node().name(), srv->config.name}, b.config.name);
      return;
    }
    // Timeout after connect: 504; reset by the server: 502.
    reply(client_conn, HttpResponse{r.error == "timeout" ? 504 : 502, "", node().name(), node().name(), srv->config.name},
          b.config.name);
  });
  srv->sessions.push_back(client_conn);
}

void Haproxy::reply(sim::ConnId client_conn, HttpResponse r, const std::string& backend) {
  if (r.status < 200 || r.status >= 300)
    sim().record(events::kHttpNon2xx, {{sim::events::field::kNode, node().name()}, {events::field::kBackend, backend},
                                       {events::field::kServer, r.server}, {events::field::kStatus, std::int64_t{r.status}}});
  http_reply(*this, client_conn, std::move(r));
}

std::vector<Haproxy::StatRow> Haproxy::stats() const {
  std::vector<StatRow> rows;
  for (const auto& b : backends_)
    for (const auto& s : b->servers) {
      sim::Time down = s->downtime;
      if (!s->up) down += sim().now() - s->last_change;
      rows.push_back(StatRow{b->config.name, s->config.name,
                             s->maint ? "MAINT" : (s->up ? "UP" : "DOWN"), s->last_check,
                             s->addr ? s->addr->str() : "-", s->checks, s->checks_failed, s->requests,
                             s->connect_errors, sim::to_seconds(down)});
    }
  return rows;
}

}  // namespace models::haproxy
