#pragma once
// A read load: the seed's Demo 1 and Demo 2 reads (`SELECT max(id) FROM users` / `count(*)` on a
// replica), one libpq session, every read's outcome in the trace.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/postgres/client.hpp"
#include "models/postgres/script_loop.hpp"
#include "sim/process.hpp"

namespace models::postgres {

/// A reader: every `interval`, `SELECT max(id) FROM users` on a session to `host`, reconnecting
/// after an error. The server answers from a new snapshot: a primary's shows every commit it
/// has acknowledged (and none still waiting for a synchronous standby), a hot standby's what its
/// startup process has replayed (commit records applied, so `recovery_min_apply_delay` holds
/// rows back). Its session is the one validation's pg-reader.sh opens (the writer's options:
/// `connect_timeout=2 tcp_user_timeout=3000 keepalives_*`), and a read not answered within
/// `attempt_timeout` (5 s) fails and closes the session. Each answer is a (debug) kReadDone
/// record (client, node, max_id, latency_us), each failure a kReadFailed with its SQLSTATE, so
/// visibility and staleness are computed from the trace (scenarios/postgres_checks.cpp). A
/// session is opened after pg-reader.sh's look-up of each name (`timeout 1 getent`): one the
/// engine's DNS does not answer fails the read at that 1 s bound. A read that outlives its
/// period is followed by the next at once, as the script's loop does.
class ReadClient final : public sim::Process {
 public:
  ReadClient(sim::Node& node, std::string name, std::string host, sim::Time interval);
  struct Read {
    sim::Time sent = 0, at = 0;
    std::string node;
    std::int64_t max_id = 0;
  };
  const std::vector<Read>& reads() const { return reads_; }
  int failures() const { return failures_; }
  sim::Time connect_timeout = 2 * sim::kSecond;
  sim::TcpOptions tcp_options = WriteClient::writer_tcp_options();
  sim::Time attempt_timeout = 5 * sim::kSecond;
  /// Reads attempted, then no more (the seed's `for i in {1..20}`); 0: no limit.
  int count = 0;
  /// libpq `target_session_attrs` for `host` (a comma-separated list is walked in order).
  TargetSessionAttrs target_session_attrs = TargetSessionAttrs::Any;
  /// The statement (its text decides what the server runs: max( or count( of the table).
  std::string statement = "SELECT max(id) FROM users";

 protected:
  void on_start() override;
  void on_exit() override;

 private:
  /// One read: on the open session, or after pg-reader.sh's getent and a new session.
  void attempt();
  void read(sim::Time sent);
  void fail(const PgResult& r, sim::Time sent);
  std::string host_;
  std::unique_ptr<PgConnection> conn_;
  bool busy_ = false;
  std::uint64_t attempt_ = 0;  // numbers each attempt, so a late answer or bound finds its own
  std::vector<Read> reads_;
  int failures_ = 0;
  sim::Timer attempt_timer_, getent_timer_;
  ScriptLoop loop_;  // pg-reader.sh's: a read per period, a late one at once
};

}  // namespace models::postgres
