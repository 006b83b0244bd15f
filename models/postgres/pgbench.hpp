#pragma once
// pgbench (src/bin/pgbench/pgbench.c, PostgreSQL 15) running its built-in TPC-B-like script.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/postgres/client.hpp"
#include "sim/process.hpp"
#include "sim/random.hpp"

namespace models::postgres {

/// pgbench's options the model acts on, named after them.
struct PgbenchConfig {
  std::string host;            // -h (the conninfo's host)
  std::uint16_t port = 5432;   // -p
  std::string dbname = "demodb";
  int clients = 1;             // -c: concurrent sessions
  /// -R: transactions per second for the whole run, scheduled as a Poisson process (one per
  /// thread: -j 1 here); 0: no limit, each client starts its next transaction at once.
  double rate = 0;
  int scale = 1;               // the -s its tables were initialised with (pgbench -i -s)
  sim::Time time = 60 * sim::kSecond;  // -T
  /// The conninfo's bounds, as validation's pgbench.sh passes them (pg-writer.sh's).
  sim::Time connect_timeout = 2 * sim::kSecond;
  /// pgbench.sh's set-up first: `pgbench -i -q -s scale` (retried every second until the server
  /// takes it, at most 60 times), a CHECKPOINT, and a wait (every 0.5 s, at most 120 times)
  /// until every standby replayed the tables; the run then starts `run_at` after pgbench.sh
  /// began, or at once if the set-up took longer. false: the tables exist already and the run
  /// starts with the process (a test's shortcut).
  bool initialize = false;
  sim::Time run_at = 0;
  /// Not a pgbench option but the machine's (runtime.wakeup_delay): how late pgbench's thread
  /// returns from its timed wait (threadRun's wait_on_socket_set, a ppoll bounded by the next
  /// client's scheduled start under -R). The client starts its transaction then, and pgbench
  /// reports the difference as that transaction's lag (txn_begin - txn_scheduled), which its
  /// latency includes.
  sim::Distribution wakeup_delay = sim::Distribution::constant(0);
};

/// pgbench -c clients [-R rate] -T time: each client runs the TPC-B-like transaction (BEGIN;
/// UPDATE pgbench_accounts; SELECT abalance; UPDATE pgbench_tellers; UPDATE pgbench_branches;
/// INSERT INTO pgbench_history; END), one statement per round trip (-M simple). Under -R a
/// free client takes the next time of the thread's Poisson schedule (getPoissonRand, throttle
/// trigger), waits for it if it lies ahead, and its latency counts from that time (so includes
/// the schedule lag). Every client connects before the clock starts and a failed connection
/// then ends pgbench (exit 1). An error inside a transaction aborts that client ("client N
/// aborted in command M (SQL) of script 0"): pgbench 15 retries nothing but serialization and
/// deadlock failures, which this script cannot cause. Each transaction is a (debug)
/// kPgbenchTransaction record, each aborted client a kPgbenchAborted.
///
/// `pgbench -i` (initialize: pgbench.c's default steps "dtgvp") runs on one session: DROP TABLE
/// IF EXISTS of its four tables, CREATE TABLE of each, TRUNCATE and the data (the branches' and
/// tellers' rows, then COPY pgbench_accounts FROM STDIN WITH (FREEZE ON): 100,000 rows a scale
/// unit), VACUUM ANALYZE of each table, and the three primary keys. The server's bulk statements
/// write their pages' WAL (bulk_load.cpp); the DDL's catalog records are declared here, as
/// measured. The branches' and tellers' few rows (11 a scale unit, one INSERT each) are left
/// out: the model's INSERT is the writers' row.
class Pgbench final : public sim::Process {
 public:
  Pgbench(sim::Node& node, std::string name, PgbenchConfig config);
  const PgbenchConfig& config() const { return config_; }
  /// Transactions completed, clients aborted.
  std::int64_t transactions() const { return transactions_; }
  int aborted() const { return aborted_; }

 protected:
  void on_start() override;
  void on_exit() override;

 private:
  struct Client {
    int id = 0;
    std::unique_ptr<PgConnection> conn;
    std::int64_t tx = 0;            // transactions done (pgbench's transaction_no)
    sim::Time scheduled = 0, begun = 0;
    std::vector<std::string> script;  // this transaction's statements, variables substituted
    std::size_t command = 0;
    bool done = false;
    sim::Timer timer;
  };
  /// A new session to the server, with the conninfo's settings.
  std::unique_ptr<PgConnection> session();
  // pgbench.sh's set-up
  void init_try();
  void init_step(std::size_t i);
  void init_failed();
  void init_checkpoint();
  void wait_standbys(int polls);
  void init_done(bool ok);
  void start_run();
  void connected(Client& c, const PgResult& r);
  void next_transaction(Client& c);
  void begin(Client& c);
  void step(Client& c);
  void abort_client(Client& c, const PgResult& r);
  PgbenchConfig config_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::unique_ptr<PgConnection> init_conn_;
  std::vector<Query> init_statements_;
  int init_attempts_ = 0;
  bool init_ok_ = false;
  sim::Time began_ = 0;
  sim::Timer init_timer_;
  int pending_connects_ = 0;
  bool failed_start_ = false;
  sim::Time start_ = 0, end_ = 0;
  sim::Time throttle_trigger_ = 0;
  std::int64_t transactions_ = 0;
  int aborted_ = 0;
  sim::Rng random_, throttle_, wakeup_;
};

}  // namespace models::postgres
