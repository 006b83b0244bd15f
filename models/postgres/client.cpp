// libpq's side of the protocol over sim::Tcp, and the write-load client.
#include "models/postgres/client.hpp"

#include <algorithm>

#include "models/http/getaddrinfo.hpp"
#include "models/http/http.hpp"
#include "models/postgres/events.hpp"
#include "models/postgres/pg_writer_sql.hpp"
#include "sim/disk.hpp"
#include "sim/json.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

struct PgConnection::State {
  sim::Process* owner = nullptr;
  std::string host;                 // the host being tried, or the session's
  std::vector<std::string> hosts;   // the conninfo's list
  HostWalk walk;
  // What connect() was given, for each host it tries.
  sim::Time connect_timeout = 0;
  sim::TcpOptions tcp_options;
  std::string application_name, database;
  std::vector<std::pair<std::string, std::string>> options;
  TargetSessionAttrs target = TargetSessionAttrs::Any;
  // The server's startup report, and the last host's FATAL (its SQLSTATE is the attempt's).
  bool in_hot_standby = false, default_read_only = false;
  std::optional<PgResult> last_server_error;
  std::uint16_t port = 5432;
  sim::ConnId conn = 0;
  bool open = false;
  std::uint64_t gen = 0;
  BackendKeyData key;
  struct Pending {
    bool is_connect = false;
    Query q;
    Done done;
  };
  std::deque<Pending> queue;
  bool in_flight = false;
  PgResult partial;

  void finish(PgResult r) {
    if (queue.empty()) return;
    Pending p = std::move(queue.front());
    queue.pop_front();
    in_flight = false;
    partial = PgResult{};
    if (p.done) p.done(r);
  }
  void lost(const std::string& why) {
    open = false;
    ++gen;
    conn = 0;
    PgResult r;
    r.message = why;
    // Everything queued fails: the session is gone.
    while (!queue.empty()) finish(r);
  }
  void pump(const std::shared_ptr<State>& self) {
    if (in_flight || queue.empty() || queue.front().is_connect || !open) return;
    in_flight = true;
    // Moved, not copied: the pending call keeps only its `done` once the query is on the wire.
    Query& q = queue.front().q;
    const std::uint64_t bytes = kSmallMessageBytes + q.wal_bytes + q.copy_bytes;
    owner->sim().tcp().send_data(conn, *owner, std::move(q), bytes);
  }
  bool connecting() const { return !open && !queue.empty() && queue.front().is_connect; }
  /// Tries the walk's current host; out of hosts, the connect fails with every host's reason.
  void attempt(const std::shared_ptr<State>& self);
  /// getaddrinfo for `host` (models::getaddrinfo: a DNS that answers nothing blocks it 10 s),
  /// then resolved().
  void resolve(const std::shared_ptr<State>& self);
  /// The look-up's outcome: the connection to its address, or the next host.
  void resolved(const std::shared_ptr<State>& self, const runtime::DnsAnswer& answer);
  /// False where the caller looked the name up itself and hands libpq the address (`hostaddr`,
  /// pg-writer.sh and pg-reader.sh after getent): no getaddrinfo to block in.
  bool libpq_resolves = true;
  /// The current host is left for `why`: the next one.
  void next_host(const std::shared_ptr<State>& self, const std::string& why) {
    if (conn != 0) owner->sim().tcp().close(conn);
    conn = 0;
    ++gen;
    walk.next(std::string("connection to server at \"") + host + "\" failed: " + why);
    attempt(self);
  }
  void on_message(const std::shared_ptr<State>& self, const std::any& m) {
    if (const auto* ps = std::any_cast<ParameterStatus>(&m)) {
      if (ps->name == "in_hot_standby") in_hot_standby = ps->value == "on";
      if (ps->name == "default_transaction_read_only") default_read_only = ps->value == "on";
    } else if (const auto* e = std::any_cast<ErrorResponse>(&m)) {
      partial.ok = false;
      partial.sqlstate = e->code;
      partial.message = e->message;
      partial.detail = e->detail;
      if (e->severity == "FATAL" && connecting() && e->code == sqlstate::kCannotConnectNow) {
        // "cannot connect now" (starting up, shutting down): libpq tries the next host.
        last_server_error = partial;
        partial = PgResult{};
        next_host(self, "FATAL:  " + e->message);
        return;
      }
      if (e->severity == "FATAL") {
        // The server ends the session: the pending call fails with this error.
        PgResult r = partial;
        open = false;
        ++gen;
        if (conn != 0) owner->sim().tcp().close(conn);
        conn = 0;
        while (!queue.empty()) finish(r);
      }
    } else if (const auto* n = std::any_cast<NoticeResponse>(&m)) {
      partial.warning = n->message;
    } else if (const auto* k = std::any_cast<BackendKeyData>(&m)) {
      key = *k;
    } else if (const auto* c = std::any_cast<CommandComplete>(&m)) {
      partial.ok = true;
      partial.result = *c;
    } else if (std::any_cast<ReadyForQuery>(&m) != nullptr) {
      if (!queue.empty() && queue.front().is_connect) {
        if (!walk.fits(in_hot_standby, default_read_only)) {
          // CONNECTION_CHECK_TARGET: the wrong kind of server; close politely, next host.
          owner->sim().tcp().send_data(conn, *owner, Terminate{}, 5);
          last_server_error.reset();
          partial = PgResult{};
          next_host(self, walk.mismatch());
          return;
        }
        open = true;
        PgResult r;
        r.ok = true;
        finish(r);
      } else {
        finish(std::move(partial));  // finish starts the next answer afresh anyway
      }
      pump(self);
    }
  }
};

PgConnection::PgConnection(sim::Process& owner, std::string host, std::uint16_t port) : st_(std::make_shared<State>()) {
  st_->owner = &owner;
  st_->hosts = split_host_list(host);
  st_->host = st_->hosts.front();
  st_->port = port;
}

PgConnection::~PgConnection() {
  // No goodbye here: a destructor may run while the simulation itself is torn down.
  ++st_->gen;
  st_->queue.clear();
}

bool PgConnection::connected() const { return st_->open; }

void PgConnection::connect(Done done) {
  auto st = st_;
  st->queue.push_front(State::Pending{true, {}, std::move(done)});
  st->in_flight = true;
  st->connect_timeout = connect_timeout;
  st->tcp_options = tcp_options;
  st->application_name = application_name;
  st->database = database;
  st->options = options;
  st->target = target_session_attrs;
  st->libpq_resolves = libpq_resolves;
  st->walk = HostWalk(st->hosts, target_session_attrs);
  st->last_server_error.reset();
  st->attempt(st);
}

const std::string& PgConnection::host() const { return st_->host; }

void PgConnection::State::attempt(const std::shared_ptr<State>& self) {
  const auto next = walk.current();
  if (!next) {
    // Every host failed: the last server error's SQLSTATE (if the last failure was one) and
    // each host's reason, as libpq's message lists them (one host: its own reason alone).
    PgResult r = last_server_error.value_or(PgResult{});
    if (hosts.size() > 1 || !last_server_error) r.message = hosts.size() > 1 ? walk.error() : walk.last_error();
    open = false;
    ++gen;
    conn = 0;
    while (!queue.empty()) finish(r);
    return;
  }
  host = *next;
  in_hot_standby = default_read_only = false;
  resolve(self);
}

void PgConnection::State::resolve(const std::shared_ptr<State>& self) {
  if (!libpq_resolves) {
    // The caller's getent handed psql the address: no getaddrinfo to block in. A silence that
    // began since is no resolver failure of psql's.
    runtime::DnsAnswer answer = models::container_dns_query(owner->sim(), host);
    if (answer.status == runtime::DnsStatus::Timeout) answer.status = runtime::DnsStatus::NxDomain;
    return resolved(self, answer);
  }
  // getaddrinfo blocks while the DNS answers nothing; connect_timeout does not bound this (libpq
  // starts it after).
  models::getaddrinfo(
      owner->sim(), host,
      [self](sim::Time delay, sim::Callback then) {
        const std::uint64_t g = ++self->gen;
        self->owner->after(delay, [st = self, g, then] {
          if (g == st->gen) then();
        });
      },
      [self](const runtime::DnsAnswer& answer) { self->resolved(self, answer); });
}

void PgConnection::State::resolved(const std::shared_ptr<State>& self, const runtime::DnsAnswer& answer) {
  const auto ip = answer.addr;
  if (!ip) {
    walk.next(models::no_address_message(host, answer));
    attempt(self);
    return;
  }
  const std::uint64_t g = ++gen;
  sim::Process* o = owner;
  auto st = self;
  // connect_timeout bounds each host's attempt (libpq 12+).
  o->sim().tcp().connect(*o, *ip, port, connect_timeout > 0 ? connect_timeout : o->sim().tcp().syn_schedule().give_up(),
                         [st, g, o](sim::ConnectResult r, sim::ConnId c) {
    if (g != st->gen) {
      if (r == sim::ConnectResult::Connected) o->sim().tcp().close(c);
      return;
    }
    if (r != sim::ConnectResult::Connected) {
      st->last_server_error.reset();
      st->next_host(st, r == sim::ConnectResult::Refused ? "Connection refused" : r == sim::ConnectResult::Timeout ? "timeout expired" : "No route to host");
      return;
    }
    st->conn = c;
    sim::Tcp& tcp = o->sim().tcp();
    tcp.set_options(c, *o, st->tcp_options);
    tcp.on_data(c, *o, [st, g](const std::any& m, std::uint64_t) {
      if (g == st->gen) st->on_message(st, m);
    });
    tcp.on_close(c, *o, [st, g, o, c] {
      if (g != st->gen) return;
      o->sim().tcp().close(c);
      st->lost("server closed the connection unexpectedly");
    });
    tcp.on_reset(c, *o, [st, g] {
      if (g == st->gen) st->lost("server closed the connection unexpectedly");
    });
    tcp.on_timeout(c, *o, [st, g] {
      if (g == st->gen) st->lost("connection to server was lost");
    });
    StartupMessage sm;
    sm.application_name = st->application_name;
    sm.options = st->options;
    sm.database = st->database;
    tcp.send_data(c, *o, sm, kSmallMessageBytes);
  });
}

void PgConnection::query(Query q, Done done) {
  if (!st_->open) {
    PgResult r;
    r.message = "no connection to the server";
    if (done) done(r);
    return;
  }
  st_->queue.push_back(State::Pending{false, std::move(q), std::move(done)});
  st_->pump(st_);
}

void PgConnection::write(std::uint64_t wal_bytes, Done done) {
  query({"BEGIN; INSERT INTO t (v) VALUES ($1); COMMIT", wal_bytes}, std::move(done));
}

void PgConnection::set_and_reload(const std::string& name, const std::string& value, Done done) {
  query({"ALTER SYSTEM SET " + name + " = '" + value + "'", 0}, nullptr);
  query({"SELECT pg_reload_conf()", 0}, std::move(done));
}

void PgConnection::cancel() {
  if (!st_->open) return;
  auto st = st_;
  sim::Process* owner = st->owner;
  const auto ip = models::container_dns(owner->sim(), st->host);
  if (!ip) return;
  const BackendKeyData key = st->key;
  owner->sim().tcp().connect(*owner, *ip, st->port, 5 * sim::kSecond, [owner, key](sim::ConnectResult r, sim::ConnId c) {
    if (r != sim::ConnectResult::Connected) return;
    owner->sim().tcp().send_data(c, *owner, CancelRequest{key.pid, key.key}, 16);
  });
}

void PgConnection::close() {
  sim::Tcp& tcp = st_->owner->sim().tcp();
  if (st_->open && st_->conn != 0 && tcp.open(st_->conn, *st_->owner)) {
    tcp.send_data(st_->conn, *st_->owner, Terminate{}, 5);
    tcp.close(st_->conn);
  }
  st_->lost("connection closed");
}

void PgConnection::abandon() {
  sim::Tcp& tcp = st_->owner->sim().tcp();
  if (st_->conn != 0 && tcp.open(st_->conn, *st_->owner)) tcp.close(st_->conn);
  ++st_->gen;  // a connect still under way closes its socket when it completes
  st_->conn = 0;
  st_->open = false;
  st_->in_flight = false;
  st_->queue.clear();
}

WriteClient::WriteClient(sim::Node& node, std::string name, std::string host, sim::Time interval, std::uint64_t wal_bytes)
    : sim::Process(node, std::move(name)),
      host_(std::move(host)),
      wal_bytes_(wal_bytes),
      attempt_timer_(make_timer()),
      session_timer_(make_timer()),
      overhead_timer_(make_timer()),
      session_rng_(rng("session")),
      overhead_rng_(rng("writer_overhead")),
      host_file_("/tmp/hasim-pg-host-" + pg_writer::workload_name(this->name())),
      loop_(make_timer(), make_timer(), interval, busy_, [this] { return sim().now() < stop_at; }, [this] { attempt(); }) {
  start_delay = sim::Distribution::constant(0);
  stop_delay = sim::Distribution::constant(0);
}

void WriteClient::set_host(std::string host) {
  host_ = std::move(host);
  if (conn_) conn_->close();
  conn_.reset();
  busy_ = false;
  attempt_timer_.cancel();
  session_timer_.cancel();
}

void WriteClient::on_start() {
  busy_ = false;
  // The script's end, or the run's if that comes first (nothing is recorded after it).
  if (run_for > 0) stop_at = std::min(stop_at, sim().now() + run_for);
  // pg-writer.sh attempts its first commit as soon as it runs (its schedule starts at its own
  // start), not one period later.
  loop_.start();
}

void WriteClient::on_exit() {
  conn_.reset();
  busy_ = false;
  loop_.reset();
}

void WriteClient::fail(const PgResult& r) {
  ++failures_;
  // latency_us: how long the attempt waited for this outcome (an error, or nothing at all).
  sim().record(kCommitFailed, {{"client", name()}, {"node", host_}, {"sqlstate", r.sqlstate}, {"message", r.message},
                               {"latency_us", static_cast<std::int64_t>((sim().now() - sent_) / sim::kMicrosecond)}},
               true);
  busy_ = false;
  attempt_timer_.cancel();
  session_timer_.cancel();
  loop_.attempt_ended();
}

void WriteClient::give_up(std::uint64_t a) {
  if (a != attempt_ || !busy_) return;
  // pg-writer.sh kills its psql at its bound: the kernel closes the socket (a FIN, no
  // Terminate), which a pooler holding the session waiting sees at once.
  if (conn_ && attempt_timeout > 0) conn_->abandon();
  conn_.reset();
  PgResult r;
  // No answer, no error: the client cannot tell a commit waiting for a synchronous standby from
  // a dead server. kNoAnswer marks it (scenarios/postgres_checks.cpp counts hung commits by it).
  r.message = std::string(kNoAnswer) + (attempt_timeout > 0 ? " within " + sim::seconds_text(attempt_timeout) + " s" : " by the end of the run");
  fail(r);
}

void WriteClient::attempt() {
  // pg-writer.sh reads its server from /tmp/hasim-pg-host-NAME before each attempt, when the
  // file is there: whoever writes it (a failover script on the same machine) repoints it.
  if (const auto h = node().disk().read_file(host_file()); h && !h->empty()) {
    const std::string host = h->substr(0, h->find('\n'));
    if (!host.empty() && host != host_) set_host(host);
  }
  busy_ = true;
  sent_ = sim().now();
  const std::uint64_t a = ++attempt_;
  // pg-writer.sh's bound on each attempt (the session is given up and opened again next time),
  // and the end of its run.
  const sim::Time deadline = attempt_timeout > 0 ? sim().now() + attempt_timeout : stop_at;
  if (deadline < sim::kNever) attempt_timer_.arm_at(deadline, [this, a] { give_up(a); });
  if (conn_ && conn_->connected()) {
    transaction();
    return;
  }
  open_session(a);
}

void WriteClient::after_session_step(sim::Time d, std::function<void()> fn) {
  if (d <= 0) return fn();
  session_timer_.arm_after(d, std::move(fn));
}

void WriteClient::open_session(std::uint64_t a) {
  // pg-writer.sh's open_session: a name goes through getent first (its own process, bounded at
  // 1 s, and the engine's DNS), then psql is started as a coprocess and connects to the address.
  // Both are the client container's processes being forked, loaded and scheduled on the host:
  // on the loaded 2-core host of 2026-12-03 a commit that opened its session took 50 ms to 2 s
  // where the session's later ones took 2-5 ms. The attempt's clock (sent_) and its bound run
  // through both, as the script's t0 is taken before them. A name that does not resolve ends the
  // attempt after getent, with no psql started (PgConnection reports it at once).
  //
  // A query the engine's DNS does not answer (a silence): glibc's resolver waits 5 s for its
  // first try, so `timeout 1` kills getent 1 s after it started and the script reports the name
  // as untranslatable, with no psql started: the look-up's own cost (the subshell, timeout's and
  // getent's execs), then the bound (real: 1.004-1.016 s, against 14-22 ms for an NXDOMAIN).
  const bool literal = sim::Ipv4::parse(host_).has_value();
  after_session_step(literal ? 0 : getent_time.sample(session_rng_), [this, a, literal] {
    if (a != attempt_ || !busy_) return;
    const auto answer = literal ? runtime::DnsAnswer{runtime::DnsStatus::Address, std::nullopt}
                                : models::container_dns_query(sim(), host_);
    if (answer.status == runtime::DnsStatus::Timeout) {
      after_session_step(kGetentBound, [this, a] {
        if (a != attempt_ || !busy_) return;
        PgResult r;
        r.message = "could not translate host name \"" + host_ + "\" to address (getent, within 1 s)";
        fail(r);
      });
      return;
    }
    const bool resolves = answer.status == runtime::DnsStatus::Address;
    after_session_step(resolves ? psql_start_time.sample(session_rng_) : 0, [this, a] {
      if (a == attempt_ && busy_) connect_session(a);
    });
  });
}

void WriteClient::connect_session(std::uint64_t a) {
  conn_ = std::make_unique<PgConnection>(*this, host_, port);
  conn_->libpq_resolves = false;  // psql gets getent's address
  conn_->application_name = name();
  conn_->database = database;
  conn_->connect_timeout = connect_timeout;
  conn_->tcp_options = tcp_options;
  if (synchronous_commit) conn_->options = {{"synchronous_commit", to_string(*synchronous_commit)}};
  conn_->connect([this, a](const PgResult& r) {
    if (a != attempt_) return;
    if (!r.ok) {
      fail(r);
      return;
    }
    transaction();
  });
}

void WriteClient::transaction() {
  // pg-writer.sh's attempt: four statements through one psql session, each its own round trip
  // (psql sends the next only after the previous one's answer) and, under ON_ERROR_STOP, none
  // after an error.
  const std::string row = pg_writer::workload_name(name()) + "-" + std::to_string(attempt_);
  const auto statements = std::make_shared<std::vector<Query>>(std::vector<Query>{
      {pg_writer::kBegin, 0}, {pg_writer::insert(row), wal_bytes_}, {pg_writer::kTransactionInfo, 0}, {pg_writer::kCommit, 0}});
  step(statements, 0, sent_, attempt_);
}

void WriteClient::step(std::shared_ptr<std::vector<Query>> statements, std::size_t i, sim::Time sent, std::uint64_t a) {
  // Each statement is sent once: moved out of the list, which is kept for its length.
  conn_->query(std::move((*statements)[i]), [this, statements, i, sent, a](const PgResult& r) {
    if (a != attempt_) return;
    if (!r.ok) {
      // psql exits (ON_ERROR_STOP) and the script closes the session: the next attempt opens
      // another (an open transaction block dies with its backend).
      if (conn_) conn_->close();
      conn_.reset();
      fail(r);
      return;
    }
    if (i + 1 < statements->size()) return step(statements, i + 1, sent, a);
    const sim::Time extra = overhead ? std::max<sim::Time>(0, overhead->sample(overhead_rng_)) : 0;
    if (extra == 0) return acknowledge(r, sent);
    overhead_timer_.arm_after(extra, [this, r, sent, a] {
      if (a == attempt_ && busy_) acknowledge(r, sent);
    });
  });
}

void WriteClient::acknowledge(const PgResult& r, sim::Time sent) {
  busy_ = false;
  attempt_timer_.cancel();
  loop_.attempt_ended();
  if (keep_acks) acks_.push_back(Ack{sim().now(), r.result.served_by, r.result.timeline, r.result.commit_lsn, r.result.xid});
  sim().record(kCommitAcked, {{"client", name()}, {"node", r.result.served_by},
                              {"timeline", static_cast<std::int64_t>(r.result.timeline)},
                              {"xid", static_cast<std::int64_t>(r.result.xid)},
                              {"lsn", static_cast<std::int64_t>(r.result.commit_lsn)},
                              {"latency_us", static_cast<std::int64_t>((sim().now() - sent) / sim::kMicrosecond)}});
}

}  // namespace models::postgres
