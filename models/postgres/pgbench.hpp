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
  void connected(Client& c, const PgResult& r);
  void next_transaction(Client& c);
  void begin(Client& c);
  void step(Client& c);
  void abort_client(Client& c, const PgResult& r);
  PgbenchConfig config_;
  std::vector<std::unique_ptr<Client>> clients_;
  int pending_connects_ = 0;
  bool failed_start_ = false;
  sim::Time start_ = 0, end_ = 0;
  sim::Time throttle_trigger_ = 0;
  std::int64_t transactions_ = 0;
  int aborted_ = 0;
  sim::Rng random_, throttle_;
};

}  // namespace models::postgres
