#pragma once
// The client side of the protocol (libpq as psql or psycopg2 use it): PgConnection for one
// session, and WriteClient, a pgbench-like process committing one small transaction per
// interval and recording every acknowledgement in the trace.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/postgres/config.hpp"
#include "models/postgres/host_walk.hpp"
#include "models/postgres/script_loop.hpp"
#include "models/postgres/protocol.hpp"
#include "sim/callback.hpp"
#include "sim/process.hpp"
#include "sim/tcp.hpp"

namespace models::postgres {

/// What a call returns: an ErrorResponse (ok false, `sqlstate`, `message`), a connection
/// failure (ok false, sqlstate empty: refused, timeout, closed), or the command's result.
struct PgResult {
  bool ok = false;
  std::string sqlstate, message, detail;
  std::string warning;  // a NoticeResponse's message (sync-rep cancel)
  CommandComplete result;
};

/// One libpq session from `owner` to host:port. `host` may be a comma-separated list, walked as
/// libpq does with `target_session_attrs` (host_walk.hpp): the session is with the first host
/// that accepts and fits. Calls queue and run one at a time, each `done` exactly once, in `owner`.
///
///   PgConnection c(app, "pg1");
///   c.connect([&](const PgResult& r) { if (r.ok) c.write(200, on_commit); });
class PgConnection {
 public:
  PgConnection(sim::Process& owner, std::string host, std::uint16_t port = 5432);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// In place up to 64 bytes: a caller's continuation (the writer's holds its statements, their
  /// index, the attempt and its clock) would otherwise be an allocation per statement.
  using Done = sim::Function<void(const PgResult&), 64>;
  /// libpq `connect_timeout` (0: the TCP handshake's own retries, 127 s).
  sim::Time connect_timeout = 5 * sim::kSecond;
  /// libpq `tcp_user_timeout` and `keepalives_*` (the socket's, once connected).
  sim::TcpOptions tcp_options;
  std::string application_name = "psql";
  /// libpq `options` (PGOPTIONS): `-c name=value` run-time parameters for the session.
  std::vector<std::pair<std::string, std::string>> options;
  /// The StartupMessage's database (libpq `dbname`): PostgreSQL here serves one database
  /// whatever the name, a pooler picks its [databases] entry by it.
  std::string database = "postgres";
  /// libpq `target_session_attrs` (any: the first host that accepts).
  TargetSessionAttrs target_session_attrs = TargetSessionAttrs::Any;
  /// libpq resolves each host name with getaddrinfo, which blocks 10 s while the engine's DNS
  /// answers nothing. False: the caller looked the names up and hands libpq the addresses
  /// (`hostaddr`, as pg-writer.sh and pg-reader.sh do after getent).
  bool libpq_resolves = true;

  void connect(Done done);
  /// The host the session is with (one of the list), once connected.
  const std::string& host() const;
  bool connected() const;
  /// Simple-protocol query.
  void query(Query q, Done done);
  /// BEGIN; INSERT (a row making `wal_bytes` of WAL); COMMIT.
  void write(std::uint64_t wal_bytes, Done done);
  void is_in_recovery(Done done) { query({"SELECT pg_is_in_recovery()", 0}, std::move(done)); }
  void promote(Done done) { query({"SELECT pg_promote()", 0}, std::move(done)); }
  /// ALTER SYSTEM SET name = 'value'; SELECT pg_reload_conf().
  void set_and_reload(const std::string& name, const std::string& value, Done done);
  /// PQcancel: a CancelRequest on a new connection for the running query.
  void cancel();
  /// Terminate and close.
  void close();
  /// The socket closed with no Terminate and no answer to what is queued (the client process
  /// killed: its kernel sends the FIN).
  void abandon();

 private:
  struct State;
  std::shared_ptr<State> st_;
};

/// A write load: from its start and every `interval` after, one transaction (`wal_bytes` of WAL:
/// the row's heap and index records) on a session to `host`, sent as pg-writer.sh sends it
/// (BEGIN, INSERT, SELECT, COMMIT: four round trips),
/// reconnecting after an error. Its session is the one validation's pg-writer.sh opens
/// (`connect_timeout=2 tcp_user_timeout=3000 keepalives_idle=1 keepalives_interval=1
/// keepalives_count=2`), and an attempt not answered within `attempt_timeout` (the script's 5 s)
/// fails and closes the session: after a silent server's crash the writer fails and reconnects
/// within seconds, as the real one does, instead of waiting out TCP's retransmissions. Each acknowledged commit is a (debug) kCommitAcked record
/// (client, node, timeline, xid, lsn), each failure a kCommitFailed, so an invariant such as
/// no_acked_commit_lost can be checked from the trace alone.
class WriteClient final : public sim::Process {
 public:
  WriteClient(sim::Node& node, std::string name, std::string host, sim::Time interval, std::uint64_t wal_bytes = 200);
  struct Ack {
    sim::Time at = 0;
    std::string node;
    TimeLineId timeline = 0;
    Lsn lsn = 0;
    std::uint64_t xid = 0;
  };
  /// Every acknowledged commit, in order, when `keep_acks` was set before the start (tests);
  /// a scenario's checks read the kCommitAcked records instead, so a run keeps none: a busy
  /// writer would hold one per commit for the whole run.
  const std::vector<Ack>& acks() const { return acks_; }
  bool keep_acks = false;
  int failures() const { return failures_; }
  /// Points the client at another server (an application reconfigured after a failover).
  void set_host(std::string host);
  /// pg-writer.sh's /tmp/hasim-pg-host-NAME on its node's disk: a host written there is the
  /// server of every attempt from then on (the real script reads it before each one).
  const std::string& host_file() const { return host_file_; }
  /// The server's port (a pooler's, such as pgbouncer's 6432, in front of PostgreSQL's 5432).
  std::uint16_t port = 5432;
  /// pg-writer.sh's PGDATABASE: the seed's application database.
  std::string database = "demodb";
  sim::Time connect_timeout = 2 * sim::kSecond;
  sim::TcpOptions tcp_options = writer_tcp_options();
  /// pg-writer.sh's bound on an attempt; 0: none, the attempt waits for its answer as psql does
  /// (until `stop_at`, where the script's run ends).
  sim::Time attempt_timeout = 5 * sim::kSecond;
  /// The session's `synchronous_commit` (PGOPTIONS="-c synchronous_commit=..."); unset: the
  /// server's.
  std::optional<SynchronousCommit> synchronous_commit;
  /// The writer's run ends here: no attempt starts at or after it, and one still waiting for its
  /// answer then is given up (recorded as failed with no answer, as the script's last one is).
  sim::Time stop_at = sim::kNever;
  /// pg-writer.sh's RUN_FOR_S: when set, `stop_at` comes this long after the writer's start at
  /// the latest (the script counts its run from its own start).
  sim::Time run_for = 0;
  /// pg-writer.sh's name look-up before it opens a session (`timeout 1 getent ahostsv4 HOST`: a
  /// process of its own and a query to the engine's DNS; none for an address): runtime.getent,
  /// measured by validation's session probe. 0: at once.
  sim::Distribution getent_time = sim::Distribution::constant(0);
  /// pg-writer.sh's `timeout 1` on getent: a name the engine's DNS does not answer fails then.
  static constexpr sim::Time kGetentBound = sim::kSecond;
  /// psql's own start (fork, exec, the dynamic loader) before it connects, once the name resolved:
  /// runtime.psql_start, measured likewise. 0: at once.
  sim::Distribution psql_start_time = sim::Distribution::constant(0);
  /// The writer's own time per commit beyond its statements' server time and the network the
  /// simulator carries them on: psql reading its next statement and printing each answer, the
  /// script's loop, the host waking both (runtime.writer_overhead; `hasim validate` takes it from
  /// each real run's commits, less what the simulator's round trips already cost). Taken after
  /// the COMMIT's answer, before the acknowledgement. Unset: none.
  std::optional<sim::Distribution> overhead;
  static sim::TcpOptions writer_tcp_options() {
    sim::TcpOptions o;
    o.user_timeout = 3 * sim::kSecond;
    o.keepalive = true;
    o.keepalive_idle = sim::kSecond;
    o.keepalive_interval = sim::kSecond;
    o.keepalive_count = 2;
    return o;
  }

 protected:
  void on_start() override;
  void on_exit() override;

 private:
  /// One attempt: a commit on the open session, or a session opened first.
  void attempt();
  /// pg-writer.sh's open_session for attempt `a`: getent, psql's start, then the connection.
  void open_session(std::uint64_t a);
  void connect_session(std::uint64_t a);
  /// `fn` after `d`, or at once for 0 (no event: a writer with no measured start-up keeps its trace).
  void after_session_step(sim::Time d, std::function<void()> fn);
  /// pg-writer.sh's BEGIN; INSERT ... RETURNING; SELECT txid_current(), ...; COMMIT.
  void transaction();
  /// Sends statement `i` of attempt `a` (begun at `sent`), the next on its success; the COMMIT's
  /// answer is the acknowledgement.
  void step(std::shared_ptr<std::vector<Query>> statements, std::size_t i, sim::Time sent, std::uint64_t a);
  std::string host_;
  std::uint64_t wal_bytes_;
  std::unique_ptr<PgConnection> conn_;
  bool busy_ = false;
  std::uint64_t attempt_ = 0;  // numbers each attempt, so a late answer or bound finds its own
  void fail(const PgResult& r);
  /// The attempt numbered `a` got no answer by `deadline`: the session is given up.
  void give_up(std::uint64_t a);
  sim::Time sent_ = 0;  // when the current attempt began (its connect, or its transaction)
  std::vector<Ack> acks_;
  int failures_ = 0;
  /// The acknowledgement of attempt `a`'s commit, answered `r`.
  void acknowledge(const PgResult& r, sim::Time sent);
  sim::Timer attempt_timer_, session_timer_, overhead_timer_;
  sim::Rng session_rng_, overhead_rng_;
  std::string host_file_;  // host_file(), made once: each attempt reads it first
  ScriptLoop loop_;        // pg-writer.sh's: an attempt per period, a late one at once
};

}  // namespace models::postgres
