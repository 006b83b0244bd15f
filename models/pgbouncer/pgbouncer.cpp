// PgBouncer's pooler, client and server sides, and its janitor, as PgBouncer 1.18's source has
// them (function names kept where the model follows one function).
#include "models/pgbouncer/pgbouncer.hpp"

#include <algorithm>

#include "models/http/http.hpp"
#include "models/pgbouncer/events.hpp"
#include "sim/node.hpp"
#include "sim/tcp.hpp"

namespace models::pgbouncer {

namespace pg = models::postgres;

namespace {
/// janitor.c full_maint_period: {0, USEC / 3}.
constexpr sim::Time kFullMaintPeriod = sim::kSecond / 3;
/// The size of the small protocol messages forwarded (pg::kSmallMessageBytes).
constexpr std::uint64_t kMessageBytes = pg::kSmallMessageBytes;
}  // namespace

Pgbouncer::Pgbouncer(sim::Node& node, PgbouncerConfig config)
    : sim::Process(node, "pgbouncer"),
      config_(std::move(config)),
      dns_(*this, config_.dns_max_ttl, config_.dns_nxdomain_ttl),
      maint_timer_(make_timer()) {}

int Pgbouncer::clients(const std::string& database) const {
  int n = 0;
  for (const auto& [id, c] : clients_) n += c.database == database ? 1 : 0;
  return n;
}

int Pgbouncer::waiting_clients(const std::string& database) const {
  auto it = pools_.find(database);
  return it == pools_.end() ? 0 : static_cast<int>(it->second.waiting.size());
}

int Pgbouncer::servers(const std::string& database) const { return server_count(database); }

void Pgbouncer::record(const char* kind, const std::string& database, std::vector<sim::Field> fields) {
  fields.insert(fields.begin(), sim::Field{"database", database});
  fields.insert(fields.begin(), sim::Field{"node", node().name()});
  sim().record(kind, std::move(fields), true);
}

void Pgbouncer::send_client(sim::ConnId conn, std::any m) {
  flush_client(conn);
  if (sim().tcp().open(conn, *this)) sim().tcp().send_data(conn, *this, std::move(m), kMessageBytes);
}

void Pgbouncer::flush_client(sim::ConnId conn) {
  auto it = outbox_.find(conn);
  if (it == outbox_.end()) return;
  std::vector<sim::Tcp::Payload> parts = std::move(it->second);
  outbox_.erase(it);
  if (!parts.empty() && sim().tcp().open(conn, *this)) sim().tcp().send_data(conn, *this, std::move(parts));
}

void Pgbouncer::flush_forwarded() {
  flush_armed_ = false;
  while (!outbox_.empty()) flush_client(outbox_.begin()->first);  // by connection id: deterministic
}

// ---- start and stop ----

void Pgbouncer::on_start() {
  clients_.clear();
  servers_.clear();
  pools_.clear();
  dns_.clear();
  outbox_.clear();
  flush_armed_ = false;
  for (const auto& d : config_.databases) pools_[d.name];
  sim().tcp().listen(*this, config_.listen_port, [this](sim::ConnId c) { accept(c); });
  maint_timer_.arm_after(kFullMaintPeriod, [this] { full_maint(); });
}

void Pgbouncer::on_exit() {
  // Its sockets close with the process (sim::Tcp::process_exited); nothing survives in memory.
  clients_.clear();
  servers_.clear();
  pools_.clear();
  dns_.clear();
  outbox_.clear();  // the flush event goes with the process's incarnation
  flush_armed_ = false;
}

void Pgbouncer::reload(const std::vector<DatabaseEntry>& databases) {
  if (!running()) return;
  for (const auto& d : databases) {
    DatabaseEntry* old = nullptr;
    for (auto& o : config_.databases)
      if (o.name == d.name) old = &o;
    if (old == nullptr) {
      config_.databases.push_back(d);
      pools_[d.name];
      continue;
    }
    // loader.c parse_database: any change of the connect string tags the database dirty.
    const bool changed = old->connstr() != d.connstr();
    *old = d;
    if (!changed) continue;
    record(kReload, d.name, {{"host", d.host}});
    tag_pool_dirty(d.name);
  }
  per_loop_maint();
}

// ---- clients ----

void Pgbouncer::accept(sim::ConnId conn) {
  Client c;
  c.conn = conn;
  c.connect_time = c.request_time = sim().now();
  clients_[conn] = c;
  sim::Tcp& tcp = sim().tcp();
  tcp.on_data(conn, *this, [this, conn](const std::any& m, std::uint64_t) {
    on_client_message(conn, m);
    per_loop_maint();
  });
  auto gone = [this, conn] {
    auto it = clients_.find(conn);
    if (it == clients_.end()) return;
    // A waiting client's socket is paused (objects.c pause_client: sbuf_pause takes it out of
    // the event loop), so its end goes unnoticed: the client stays in the queue, still asking
    // the pool for a server, until it is activated (its socket read again) or query_wait_timeout.
    if (it->second.state == ClientState::Waiting) {
      it->second.eof = true;
      return;
    }
    disconnect_client(conn, false, "client unexpected eof");
    per_loop_maint();
  };
  tcp.on_close(conn, *this, gone);
  tcp.on_reset(conn, *this, gone);
  tcp.on_timeout(conn, *this, gone);
}

void Pgbouncer::on_client_message(sim::ConnId conn, const std::any& m) {
  auto it = clients_.find(conn);
  if (it == clients_.end()) return;
  Client& c = it->second;
  c.request_time = sim().now();
  if (const auto* sm = std::any_cast<pg::StartupMessage>(&m)) {
    if (c.state != ClientState::Login || !c.database.empty()) return disconnect_client(conn, true, "client re-sent startup pkt");
    return handle_startup(c, *sm);
  }
  if (std::any_cast<pg::CancelRequest>(&m) != nullptr) {
    // A cancel for a query this model never runs long: nothing to forward.
    return disconnect_client(conn, false, "failed cancel request");
  }
  if (std::any_cast<pg::Terminate>(&m) != nullptr) return disconnect_client(conn, false, "client close request");
  if (const auto* q = std::any_cast<pg::Query>(&m)) {
    if (c.state == ClientState::Login || c.state == ClientState::Waiting) {
      c.pending.push_back(*q);  // the socket is paused: read once the client is active again
      return;
    }
    handle_query(c, *q);
  }
}

// client.c handle_client_startup / decide_startup_pool, objects.c finish_client_login.
void Pgbouncer::handle_startup(Client& c, const pg::StartupMessage& sm) {
  const std::string dbname = sm.database.empty() ? sm.user : sm.database;
  c.database = dbname;
  // "nb: new incoming conn will be attached to PgSocket, thus get_active_client_count() counts
  // it"; the admin console (database "pgbouncer") is not limited.
  if (static_cast<int>(clients_.size()) > config_.max_client_conn && dbname != "pgbouncer")
    return disconnect_client(c.conn, true, "no more connections allowed (max_client_conn)");
  if (config_.database(dbname) == nullptr) return disconnect_client(c.conn, true, "no such database: " + dbname);
  finish_client_login(c);
}

bool Pgbouncer::finish_client_login(Client& c) {
  c.state = ClientState::Active;
  if (!pools_[c.database].welcome_ready) {
    // No server has told the pool its parameters yet: the client waits for the first login.
    c.wait_for_welcome = true;
    pause_client(c);
    launch_new_connection(c.database);
    return false;
  }
  c.wait_for_welcome = false;
  welcome_client(c);
  return true;
}

void Pgbouncer::welcome_client(Client& c) {
  // client.c welcome_client: the pool's welcome message, the client's own cancel key and a
  // ReadyForQuery in one packet buffer, "send all together".
  flush_client(c.conn);
  if (!sim().tcp().open(c.conn, *this)) return;
  std::vector<sim::Tcp::Payload> welcome;
  welcome.push_back({pg::AuthenticationOk{}, kMessageBytes});
  welcome.push_back({pg::BackendKeyData{static_cast<std::uint32_t>(node().id()) * 1000u + 1u, next_key_++}, kMessageBytes});
  welcome.push_back({pg::ReadyForQuery{'I'}, kMessageBytes});
  sim().tcp().send_data(c.conn, *this, std::move(welcome));
}

// client.c handle_client_work: the query needs a server first.
void Pgbouncer::handle_query(Client& c, const pg::Query& q) {
  if (c.query_start == 0) c.query_start = sim().now();
  if (!find_server(c)) {
    if (clients_.count(c.conn) != 0 && c.state == ClientState::Waiting) c.pending.push_front(q);
    return;
  }
  Server& s = servers_.at(c.link);
  s.ready = false;
  s.request_time = sim().now();
  sim().tcp().send_data(s.conn, *this, q, kMessageBytes + q.wal_bytes);
}

// objects.c find_server: an idle server, else wait (or fail fast).
bool Pgbouncer::find_server(Client& c) {
  if (c.link != 0) return true;
  Server* s = nullptr;
  while (true) {
    s = first_server(c.database, ServerState::Idle);
    if (s == nullptr) break;
    if (s->close_needed) disconnect_server(s->id, true, "obsolete connection");
    else if (!s->ready) disconnect_server(s->id, true, "idle server got dirty");
    else break;
  }
  if (s == nullptr && !check_fast_fail(c)) return false;
  if (s != nullptr) {
    c.link = s->id;
    s->link = c.conn;
    s->state = ServerState::Active;
    return true;
  }
  pause_client(c);
  return false;
}

// objects.c check_fast_fail: no queueing behind a pool whose logins fail and that has no server.
bool Pgbouncer::check_fast_fail(Client& c) {
  const Pool& pool = pools_[c.database];
  if (!pool.last_login_failed) return true;
  if (server_count(c.database) - server_count(c.database, ServerState::Login) > 0) return true;
  const std::string db = c.database;
  disconnect_client(c.conn, true, "server login has been failing, try again later (server_login_retry)");
  launch_new_connection(db);
  return false;
}

void Pgbouncer::pause_client(Client& c) {
  if (c.state == ClientState::Waiting) return;
  c.state = ClientState::Waiting;
  pools_[c.database].waiting.push_back(c.conn);
}

// objects.c activate_client: the paused socket is read again, its packets handled as new.
void Pgbouncer::activate_client(Client& c) {
  auto& w = pools_[c.database].waiting;
  w.erase(std::remove(w.begin(), w.end(), c.conn), w.end());
  c.state = ClientState::Active;
  const sim::ConnId conn = c.conn;
  // sbuf_continue reads the socket before it handles what it holds: a client that went while it
  // waited is closed on that read's EOF, its buffered query never sent (sbuf.c sbuf_main_loop).
  if (c.eof) return disconnect_client(conn, false, "client unexpected eof");
  if (c.wait_for_welcome) {
    if (!finish_client_login(c)) return;
  }
  while (true) {
    auto it = clients_.find(conn);
    if (it == clients_.end() || it->second.state != ClientState::Active || it->second.pending.empty()) return;
    const pg::Query q = it->second.pending.front();
    it->second.pending.pop_front();
    handle_query(it->second, q);
    auto again = clients_.find(conn);
    if (again == clients_.end() || again->second.state == ClientState::Waiting) return;
  }
}

// objects.c disconnect_client.
void Pgbouncer::disconnect_client(sim::ConnId conn, bool notify, const std::string& reason) {
  auto it = clients_.find(conn);
  if (it == clients_.end()) return;
  Client c = it->second;
  clients_.erase(it);
  if (!c.database.empty()) {
    auto& w = pools_[c.database].waiting;
    w.erase(std::remove(w.begin(), w.end(), conn), w.end());
  }
  if (c.link != 0) {
    auto sit = servers_.find(c.link);
    if (sit != servers_.end()) {
      Server& s = sit->second;
      s.link = 0;
      if (!s.ready) disconnect_server(s.id, true, "client disconnect while server was not ready");
      else release_server(s);
    }
  }
  if (notify) {
    // proto.c send_pooler_error with level_fatal: FATAL 08P01, no ReadyForQuery after it.
    record(kPoolerError, c.database, {{"message", reason}});
    send_client(conn, pg::ErrorResponse{"FATAL", kPoolerSqlstate, reason, ""});
  }
  flush_client(conn);
  if (sim().tcp().open(conn, *this)) sim().tcp().close(conn, *this);
}

// server.c kill_pool_logins: clients waiting for the pool's first login get the server's error.
void Pgbouncer::kill_pool_logins(const std::string& database, const std::string& message) {
  std::vector<sim::ConnId> victims;
  for (auto conn : pools_[database].waiting) {
    auto it = clients_.find(conn);
    if (it != clients_.end() && it->second.wait_for_welcome) victims.push_back(conn);
  }
  for (auto conn : victims) disconnect_client(conn, true, message);
}

// ---- servers ----

int Pgbouncer::pool_size(const std::string& database) const {
  const DatabaseEntry* d = config_.database(database);
  return d != nullptr && d->pool_size >= 0 ? d->pool_size : config_.default_pool_size;
}

int Pgbouncer::server_count(const std::string& database, std::optional<ServerState> state) const {
  int n = 0;
  for (const auto& [id, s] : servers_)
    if (s.database == database && (!state || s.state == *state)) ++n;
  return n;
}

Pgbouncer::Server* Pgbouncer::first_server(const std::string& database, ServerState state) {
  for (auto& [id, s] : servers_)
    if (s.database == database && s.state == state) return &s;
  return nullptr;
}

// objects.c launch_new_connection: one connect at a time, none within server_login_retry of a
// failed one, none past the pool's size (the reserve for a client that waited long enough).
void Pgbouncer::launch_new_connection(const std::string& database) {
  Pool& pool = pools_[database];
  if (server_count(database, ServerState::Login) > 0) return;
  if (pool.last_connect_failed && sim().now() - pool.last_connect_time < config_.server_login_retry) return;
  const int max = server_count(database);
  if (max >= pool_size(database) && pool.welcome_ready) {
    bool reserve = false;
    if (config_.reserve_pool_timeout > 0 && config_.reserve_pool_size > 0 && !pool.waiting.empty()) {
      const Client& first = clients_.at(pool.waiting.front());
      reserve = sim().now() - first.request_time >= config_.reserve_pool_timeout &&
                max < pool_size(database) + config_.reserve_pool_size;
    }
    if (!reserve) return;
  }
  const DatabaseEntry* d = config_.database(database);
  if (d == nullptr) return;
  Server s;
  s.id = next_server_++;
  s.database = database;
  s.host = d->host;
  s.connect_time = s.request_time = sim().now();
  pool.last_connect_time = sim().now();
  servers_[s.id] = s;
  const std::uint64_t id = s.id;
  // dns_connect: an address literal at once, a name through the look-up (cached, or shared with
  // the connections already waiting for it); only the janitor's server_connect_timeout bounds
  // the wait.
  if (const auto ip = sim::Ipv4::parse(d->host)) return dns_callback(id, ip);
  const DnsContext::Lookup l = dns_.resolve(d->host, [this, id](std::optional<sim::Ipv4> addr) {
    dns_callback(id, addr);
    per_loop_maint();  // the look-up ended in an event of its own
  });
  if (l.token) servers_.at(id).dns_token = l.token;
  else dns_callback(id, l.addr);
}

// objects.c dns_callback: a non-blocking connect to the answer, which only the janitor's
// server_connect_timeout bounds (the kernel's SYN retries go on meanwhile).
void Pgbouncer::dns_callback(std::uint64_t id, std::optional<sim::Ipv4> addr) {
  auto sit = servers_.find(id);
  if (sit == servers_.end()) return;
  sit->second.dns_token.reset();
  const DatabaseEntry* d = config_.database(sit->second.database);
  if (!addr || d == nullptr) {
    disconnect_server(id, true, "server DNS lookup failed");
  } else {
    sit->second.addr = addr->str();
    sim().tcp().connect(*this, *addr, d->port, sim().tcp().syn_schedule().give_up(),
                        [this, id](sim::ConnectResult r, sim::ConnId conn) {
      auto it = servers_.find(id);
      if (it == servers_.end()) {  // given up meanwhile (connect timeout, connect string changed)
        if (r == sim::ConnectResult::Connected) sim().tcp().close(conn, *this);
        return;
      }
      if (r != sim::ConnectResult::Connected) disconnect_server(id, false, "connect failed");
      else server_connected(id, conn);
      per_loop_maint();
    });
  }
}

void Pgbouncer::server_connected(std::uint64_t id, sim::ConnId conn) {
  Server& s = servers_.at(id);
  s.conn = conn;
  s.request_time = sim().now();
  sim::Tcp& tcp = sim().tcp();
  record(kServerConnected, s.database, {{"host", s.host}, {"addr", s.addr}});
  tcp.on_data(conn, *this, [this, id](const std::any& m, std::uint64_t) {
    on_server_message(id, m);
    per_loop_maint();
  });
  // server.c server_proto SBUF_EV_RECV_FAILED: an EOF or a socket error from the server.
  auto crashed = [this, id] {
    if (servers_.count(id) == 0) return;
    disconnect_server(id, false, "server conn crashed?");
    per_loop_maint();
  };
  tcp.on_close(conn, *this, crashed);
  tcp.on_reset(conn, *this, crashed);
  tcp.on_timeout(conn, *this, crashed);
  const DatabaseEntry* d = config_.database(s.database);
  pg::StartupMessage sm;
  sm.database = d != nullptr && !d->dbname.empty() ? d->dbname : s.database;
  if (d != nullptr && !d->user.empty()) sm.user = d->user;
  tcp.send_data(conn, *this, sm, kMessageBytes);
}

void Pgbouncer::on_server_message(std::uint64_t id, const std::any& m) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  Server& s = it->second;
  s.request_time = sim().now();
  if (s.state == ServerState::Login) {
    // server.c handle_server_startup.
    if (const auto* e = std::any_cast<pg::ErrorResponse>(&m)) {
      record(kServerLoginFailed, s.database, {{"host", s.host}, {"message", e->severity + " " + e->message}});
      const std::string db = s.database;
      if (!pools_[db].welcome_ready) kill_pool_logins(db, e->message);
      disconnect_server(id, true, "login failed");
      return;
    }
    if (const auto* r = std::any_cast<pg::ReadyForQuery>(&m)) {
      (void)r;
      // The login is done: its ParameterStatus make the pool's welcome message.
      s.ready = true;
      pools_[s.database].welcome_ready = true;
      release_server(s);
    }
    return;
  }
  // server.c handle_server_work.
  if (const auto* r = std::any_cast<pg::ReadyForQuery>(&m)) {
    const bool ready = r->status == 'I';
    if (!ready && config_.pool_mode == PoolMode::Statement)
      return disconnect_server(id, true, "transaction blocks not allowed in statement pooling mode");
    s.ready = ready;
    if (s.link != 0) {
      forward(s, m);
      if (auto cit = clients_.find(s.link); cit != clients_.end()) cit->second.query_start = 0;
    }
    auto again = servers_.find(id);
    if (again == servers_.end()) return;
    Server& sv = again->second;
    // server.c: in transaction/statement mode a server is released when idle; session mode keeps it.
    const bool release = sv.state == ServerState::Used || sv.state == ServerState::Tested ||
                         (sv.state == ServerState::Active && sv.ready && config_.pool_mode != PoolMode::Session);
    if (release && sv.ready) {
      if (sv.link != 0) {
        if (auto cit = clients_.find(sv.link); cit != clients_.end()) cit->second.link = 0;
        sv.link = 0;
      }
      release_server(sv);
    }
    return;
  }
  // 'E' (and 'N') between transactions marks a dying backend: the server is dirty.
  if (std::any_cast<pg::ErrorResponse>(&m) != nullptr || std::any_cast<pg::NoticeResponse>(&m) != nullptr) s.ready = false;
  if (s.link != 0) forward(s, m);
}

void Pgbouncer::forward(Server& s, const std::any& m) {
  if (s.link == 0) return;
  outbox_[s.link].push_back({m, kMessageBytes});
  if (!flush_armed_) {
    flush_armed_ = true;
    after(0, [this] { flush_forwarded(); });
  }
}

// objects.c release_server: back to idle, or closed (lifetime over, connect string changed).
void Pgbouncer::release_server(Server& s) {
  Pool& pool = pools_[s.database];
  ServerState next = ServerState::Idle;
  if (s.state == ServerState::Active) {
    if (!config_.server_reset_query.empty() && config_.pool_mode == PoolMode::Session) next = ServerState::Tested;
    else if (config_.server_check_delay == 0 && !config_.server_check_query.empty()) next = ServerState::Used;
  } else if (s.state == ServerState::Login) {
    pool.last_login_failed = false;
    pool.last_connect_failed = false;
  }
  if (s.state != ServerState::Login && sim().now() - s.connect_time >= config_.server_lifetime) {
    const sim::Time gap = pool_size(s.database) > 0 ? config_.server_lifetime / pool_size(s.database) : 0;
    if (sim().now() - pool.last_lifetime_disconnect >= gap) {
      pool.last_lifetime_disconnect = sim().now();
      return disconnect_server(s.id, true, "server lifetime over");
    }
  }
  if (s.close_needed) return disconnect_server(s.id, true, "close_needed");
  s.link = 0;
  s.state = next;
  if (next == ServerState::Idle) return reuse_on_release(s);
  if (next == ServerState::Tested) {
    s.ready = false;
    s.request_time = sim().now();
    sim().tcp().send_data(s.conn, *this, pg::Query{config_.server_reset_query, 0}, kMessageBytes);
  }
}

void Pgbouncer::reuse_on_release(Server& s) {
  auto& w = pools_[s.database].waiting;
  if (w.empty()) return;
  auto it = clients_.find(w.front());
  if (it != clients_.end()) activate_client(it->second);
}

// janitor.c launch_recheck: a server idle past server_check_delay is checked before use.
void Pgbouncer::launch_recheck(const std::string& database) {
  Server* s = nullptr;
  while (true) {
    s = first_server(database, ServerState::Used);
    if (s == nullptr) return;
    if (s->ready) break;
    disconnect_server(s->id, true, "idle server got dirty");
  }
  bool need_check = !config_.server_check_query.empty();
  if (need_check && config_.server_check_delay > 0 && sim().now() - s->request_time < config_.server_check_delay)
    need_check = false;
  if (!need_check) return release_server(*s);
  s->state = ServerState::Tested;
  s->ready = false;
  sim().tcp().send_data(s->conn, *this, pg::Query{config_.server_check_query, 0}, kMessageBytes);
}

// objects.c disconnect_server.
void Pgbouncer::disconnect_server(std::uint64_t id, bool send_term, const std::string& reason) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  Server s = it->second;
  servers_.erase(it);
  if (s.dns_token) dns_.cancel(*s.dns_token);  // adns_cancel: the look-up itself goes on
  record(kServerClosed, s.database, {{"host", s.host}, {"reason", reason}});
  if (s.state == ServerState::Active && s.link != 0) {
    auto cit = clients_.find(s.link);
    if (cit != clients_.end()) {
      cit->second.link = 0;
      disconnect_client(s.link, true, reason);
    }
  } else if (s.state == ServerState::Login && !s.ready) {
    // "usually disconnect means problems in startup phase"
    Pool& pool = pools_[s.database];
    pool.last_login_failed = true;
    pool.last_connect_failed = true;
  }
  if (s.conn != 0 && sim().tcp().open(s.conn, *this)) {
    if (send_term) sim().tcp().send_data(s.conn, *this, pg::Terminate{}, 5);
    sim().tcp().close(s.conn, *this);
  }
}

// objects.c tag_pool_dirty.
void Pgbouncer::tag_pool_dirty(const std::string& database) {
  pools_[database].welcome_ready = false;
  std::vector<std::uint64_t> logins;
  for (auto& [id, s] : servers_) {
    if (s.database != database) continue;
    s.close_needed = true;
    if (s.state == ServerState::Login) logins.push_back(id);
  }
  for (auto id : logins) disconnect_server(id, true, "connect string changed");
}

// ---- the loops ----

// janitor.c per_loop_maint: after every pass of the event loop.
void Pgbouncer::per_loop_maint() {
  if (!running()) return;
  std::vector<std::string> dbs;
  for (const auto& [name, p] : pools_) dbs.push_back(name);
  for (const auto& db : dbs) per_loop_activate(db);
}

// janitor.c per_loop_activate: give waiting clients the idle servers, or ask for more.
void Pgbouncer::per_loop_activate(const std::string& database) {
  int sv_tested = server_count(database, ServerState::Tested);
  int sv_used = server_count(database, ServerState::Used);
  const std::deque<sim::ConnId> waiting = pools_[database].waiting;
  for (auto conn : waiting) {
    auto it = clients_.find(conn);
    if (it == clients_.end() || it->second.state != ClientState::Waiting) continue;
    if (first_server(database, ServerState::Idle) != nullptr) {
      if (it->second.wait_for_welcome && !pools_[database].welcome_ready) {
        launch_new_connection(database);
        continue;
      }
      activate_client(it->second);
    } else if (sv_tested > 0) {
      --sv_tested;
    } else if (sv_used > 0) {
      launch_recheck(database);
      --sv_used;
    } else {
      launch_new_connection(database);
      break;
    }
  }
}

void Pgbouncer::full_maint() {
  maint_timer_.arm_after(kFullMaintPeriod, [this] { full_maint(); });
  std::vector<std::string> dbs;
  for (const auto& [name, p] : pools_) dbs.push_back(name);
  for (const auto& db : dbs) {
    pool_server_maint(db);
    pool_client_maint(db);
  }
  per_loop_maint();
}

// janitor.c pool_server_maint and check_unused_servers.
void Pgbouncer::pool_server_maint(const std::string& database) {
  const sim::Time now = sim().now();
  std::vector<std::uint64_t> ids;
  for (const auto& [id, s] : servers_)
    if (s.database == database) ids.push_back(id);
  for (auto id : ids) {
    auto it = servers_.find(id);
    if (it == servers_.end()) continue;
    Server& s = it->second;
    const sim::Time age = now - s.connect_time, idle = now - s.request_time;
    if (s.state == ServerState::Idle || s.state == ServerState::Used || s.state == ServerState::Tested) {
      if (s.close_needed) disconnect_server(id, true, "database configuration changed");
      else if (s.state == ServerState::Idle && !s.ready) disconnect_server(id, true, "SV_IDLE server got dirty");
      else if (s.state == ServerState::Used && !s.ready) disconnect_server(id, true, "SV_USED server got dirty");
      else if (config_.server_idle_timeout > 0 && idle > config_.server_idle_timeout)
        disconnect_server(id, true, "server idle timeout");
      else if (age >= config_.server_lifetime) {
        const sim::Time gap = pool_size(database) > 0 ? config_.server_lifetime / pool_size(database) : 0;
        if (now - pools_[database].last_lifetime_disconnect >= gap) {
          pools_[database].last_lifetime_disconnect = now;
          disconnect_server(id, true, "server lifetime over");
        }
      } else if (s.state == ServerState::Idle && !config_.server_check_query.empty() && idle > config_.server_check_delay) {
        s.state = ServerState::Used;
      }
    } else if (s.state == ServerState::Login && config_.server_connect_timeout > 0 && age > config_.server_connect_timeout) {
      disconnect_server(id, true, "connect timeout");
    }
  }
}

// janitor.c pool_client_maint.
void Pgbouncer::pool_client_maint(const std::string& database) {
  const sim::Time now = sim().now();
  const std::deque<sim::ConnId> waiting = pools_[database].waiting;
  for (auto conn : waiting) {
    auto it = clients_.find(conn);
    if (it == clients_.end()) continue;
    const Client& c = it->second;
    const sim::Time age = c.query_start == 0 ? now - c.request_time : now - c.query_start;
    if (config_.query_wait_timeout > 0 && age > config_.query_wait_timeout) disconnect_client(conn, true, "query_wait_timeout");
  }
  if (config_.client_login_timeout > 0 && !pools_[database].welcome_ready) {
    const std::deque<sim::ConnId> still = pools_[database].waiting;
    for (auto conn : still) {
      auto it = clients_.find(conn);
      if (it == clients_.end() || !it->second.wait_for_welcome) continue;
      if (now - it->second.connect_time > config_.client_login_timeout)
        disconnect_client(conn, true, "client_login_timeout (server down)");
    }
  }
}

}  // namespace models::pgbouncer
