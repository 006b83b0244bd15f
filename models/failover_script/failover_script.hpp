#pragma once
// The seed's exercise 4 (Demo 2), "a custom failover script": the shell loop a user writes and
// runs in a client container. It is a client of the stack like any other: every step is a psql
// run over the network, with libpq's connect_timeout and PostgreSQL's own errors.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/failover_script/config.hpp"
#include "models/postgres/client.hpp"
#include "sim/process.hpp"
#include "sim/random.hpp"

namespace models::failover_script {

/// The script (validation/kinds/failover_script.cpp renders the same one as bash):
///   1. every `check_interval`, `psql -h PRIMARY -c 'SELECT 1'`; after `failures` consecutive
///      failures (counted once the primary has answered once: a stack still starting is not a
///      failure),
///   2. asks each standby `SELECT pg_last_wal_receive_lsn()` (or `pg_last_wal_replay_lsn()`,
///      `lag_by`) and promotes the one furthest ahead with `SELECT pg_promote()`,
///   4. writes the new primary into the application's host file (/tmp/hasim-pg-host-NAME, read
///      by the writer before each attempt),
///   3. creates each other standby's slot on the new primary and sets its primary_conninfo
///      (`ALTER SYSTEM SET primary_conninfo = '...'`, `SELECT pg_reload_conf()`),
/// then watches the new primary with the remaining standbys. The application comes before the
/// standbys because it is waiting; they stream again whenever they are repointed.
class FailoverScript final : public sim::Process {
 public:
  FailoverScript(sim::Node& node, FailoverScriptConfig config);
  const FailoverScriptConfig& config() const { return config_; }
  /// The server the script watches now (the promoted standby after a failover).
  const std::string& primary() const { return primary_; }
  /// What each psql costs the host before it connects (fork, exec, libpq's start-up): the
  /// scenario's `runtime.exec_delay`, the per-command cost of a client loop. None: free.
  std::optional<sim::Distribution> psql_start;

 protected:
  void on_start() override;
  void on_exit() override;

 private:
  using Done = std::function<void(const postgres::PgResult&)>;
  /// One psql: a new session to `host`, each statement in turn (`-c` ... `-c`, ON_ERROR_STOP),
  /// then Terminate. `done` gets the last statement's result or the first failure.
  void psql(const std::string& host, std::vector<std::string> statements, Done done);
  void connect_psql(const std::string& host, std::vector<std::string> statements, Done done);
  void run_statements(std::shared_ptr<postgres::PgConnection> c, std::vector<std::string> statements, std::size_t i, Done done);
  void check();
  void next_check();
  void detected();
  void ask_standby(std::size_t i);
  void promote();
  void repoint_app();
  void repoint_standby(std::size_t i);
  void record(const char* kind, std::vector<sim::Field> fields);

  FailoverScriptConfig config_;
  std::string primary_;
  std::vector<StandbyEntry> standbys_;
  bool primary_seen_ = false;  // the primary answered once: failures count from then on
  int failed_ = 0;
  std::uint64_t gen_ = 0;  // bumped when the script dies: a psql's late answer finds nobody
  /// The failover in progress: each standby's position (nullopt: no answer), the chosen one.
  std::vector<std::optional<postgres::Lsn>> positions_;
  std::size_t chosen_ = 0;
  sim::Timer timer_;
  sim::Rng psql_rng_;  // "NODE/failover_script/psql": the psql start-up draws
};

}  // namespace models::failover_script
