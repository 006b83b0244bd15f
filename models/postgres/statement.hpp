#pragma once
// The SQL the model's PostgreSQL understands, read once: a query's text split into statements
// (at semicolons outside quotes, as psql and the server's parser do) and each statement
// classified with the arguments its kind needs. The server (postgres.cpp) runs a query from
// this, the operator's steps (`psql -c '...'` in a scenario) are checked with it at load time,
// and nothing else reads SQL text.
//
// Kinds are what the clients here send: pgbench's TPC-B-like script (pgbench.c builtin_script
// "tpcb-like": BEGIN, UPDATE/SELECT of a row by key, INSERT, END), pg-writer.sh's transaction
// (BEGIN, INSERT, a SELECT of txid_current()/pg_current_wal_insert_lsn(), COMMIT), SET of
// synchronous_commit, ALTER SYSTEM SET/RESET, CHECKPOINT, and the functions failover scripts
// and readers call (pg_promote, pg_reload_conf, pg_is_in_recovery, pg_last_wal_*_lsn,
// pg_create_physical_replication_slot, count(*)/max(...) of the writers' table), and pgbench -i's
// bulk statements (COPY ... FROM STDIN, ALTER TABLE ... ADD PRIMARY KEY) with pgbench.sh's wait
// for the standbys (a count over pg_stat_replication).
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace models::postgres {

/// One SQL statement, classified.
struct Statement {
  enum class Kind {
    Other,              // anything else: answered "SELECT 1" (SELECT 1, DISCARD ALL, ...)
    Begin,              // BEGIN [TRANSACTION|WORK], START TRANSACTION
    Commit,             // COMMIT, END
    Rollback,           // ROLLBACK, ABORT
    Insert,             // INSERT INTO relation ...
    Update,             // UPDATE relation ... WHERE col = key
    Select,             // SELECT ... FROM relation ... WHERE col = key (a row by its key)
    Set,                // SET [LOCAL|SESSION] name {=|TO} value
    AlterSystemSet,     // ALTER SYSTEM SET name {=|TO} value
    AlterSystemReset,   // ALTER SYSTEM RESET name
    Checkpoint,         // CHECKPOINT
    ReloadConf,         // SELECT pg_reload_conf()
    Promote,            // SELECT pg_promote()
    CreateSlot,         // SELECT pg_create_physical_replication_slot('name')
    IsInRecovery,       // SELECT pg_is_in_recovery()
    LastWalReceiveLsn,  // SELECT pg_last_wal_receive_lsn() ...
    LastWalReplayLsn,   // SELECT pg_last_wal_replay_lsn() ...
    RowCount,           // SELECT count(*) / max(...) FROM ... (no key)
    TransactionInfo,    // SELECT ... txid_current() ... pg_current_wal_insert_lsn() ... (pg-writer.sh)
    StandbysBehind,     // SELECT count(*) FROM pg_stat_replication WHERE replay_lsn IS DISTINCT FROM ...
    Copy,               // COPY relation FROM STDIN ...
    AddPrimaryKey,      // ALTER TABLE relation ADD PRIMARY KEY (...)
    Vacuum,             // VACUUM [ANALYZE] relation
  };
  Kind kind = Kind::Other;
  /// Insert/Update/Select/Copy/AddPrimaryKey/Vacuum: the relation, lower case. Set/AlterSystem*: the parameter, lower case.
  /// CreateSlot: the slot's name as quoted ("" when the argument is not one quoted string).
  std::string name;
  /// Set/AlterSystemSet: the value as written after `=` or TO, trimmed (`'FIRST 1 (pg2)'`, 10s).
  std::string value;
  std::int64_t key = 0;  // Update/Select: `WHERE col = N`
  /// Insert: the length of each string literal ('...') of its VALUES list, in order: what the
  /// row's width, and so its WAL, depends on.
  std::vector<std::size_t> literal_lengths;
  bool local = false;    // Set: SET LOCAL (this transaction only)
  /// The statement is exactly `SELECT fn()` (or `fn(true)`, `fn('arg')` for CreateSlot): the
  /// operator's steps accept nothing around the call.
  bool bare_call = false;
  std::string text;  // the statement as written, trimmed, without its semicolon
};

/// `sql` split into statements and each classified; empty statements (`;;`) are dropped.
///
///   parse_statements("BEGIN; SET LOCAL synchronous_commit = off; INSERT INTO t VALUES (1); COMMIT")
///     -> Begin, Set{synchronous_commit, off, local}, Insert{t}, Commit
std::vector<Statement> parse_statements(std::string_view sql);

/// One statement of an operator step (what the model carries out at a step's instant).
using OperatorStatement = Statement;

/// The statements of an operator step (`psql -c '...'`): ALTER SYSTEM SET/RESET of a GUC the
/// model changes at a reload, SELECT pg_reload_conf(), SELECT pg_promote(),
/// SELECT pg_create_physical_replication_slot('NAME') and CHECKPOINT. Anything else is refused
/// with a reason, so a scenario asking for something the model cannot do fails at load time
/// instead of being ignored. psql runs each `-c` separately: ALTER SYSTEM may not share a
/// transaction block with another statement.
///
///   parse_operator_sql("ALTER SYSTEM SET synchronous_standby_names = ''; SELECT pg_reload_conf()")
std::variant<std::vector<OperatorStatement>, std::string> parse_operator_sql(const std::string& sql);

}  // namespace models::postgres
