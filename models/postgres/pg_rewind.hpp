#pragma once
// pg_rewind (src/bin/pg_rewind, PostgreSQL 15) with a libpq source: `pg_rewind -D PGDATA
// --source-server='host=SOURCE user=postgres' [-R]`, run on the node of the stopped target.
#include <optional>
#include <string>

#include "models/postgres/frontend.hpp"
#include "models/postgres/wal.hpp"

namespace models::postgres {

/// What the command line says.
struct PgRewindOptions {
  std::string source_host;  // --source-server host=...
  std::uint16_t port = 5432;
  std::string user = "postgres";  // its functions (pg_read_binary_file, pg_ls_dir) need a superuser
  bool write_recovery_conf = true;  // -R
  bool ensure_shutdown = true;      // not --no-ensure-shutdown
};

/// pg_rewind: connects to the source, and (pg_rewind.c main) makes sure the target was shut down
/// cleanly (PG 15: single-user crash recovery when it was not, which fails while the target
/// runs), checks the target's pg_control (system identifier, data checksums or wal_log_hints),
/// finds where the timelines diverged from the histories ("no rewind required" when the target's
/// WAL ends at or before that point, or both are on one timeline), then fetches the files of its
/// file map through the connection: pg_wal/ and the other non-relation files whole, the relation
/// blocks the target's WAL changed since the last common checkpoint, the tails the source added.
/// The target's data directory then holds the source's WAL and configuration
/// (postgresql.auto.conf included), a pg_control whose checkpoint is that last common one
/// (backup_label's role) and whose minRecoveryPoint is the source's insert position, and with
/// -R standby.signal and a primary_conninfo naming the source.
class PgRewind final : public FrontendProgram {
 public:
  explicit PgRewind(sim::Node& node) : FrontendProgram(node, "pg_rewind") {}
  /// Runs it (an exec): the outcome is a kRewind trace record.
  void run(const PgRewindOptions& options);

  // What the last run ended with, for tests.
  enum class Outcome { None, Done, NoRewindRequired, Failed };
  Outcome outcome() const { return outcome_; }
  const std::string& message() const { return message_; }
  std::optional<Lsn> diverged_lsn() const { return diverged_; }
  std::uint64_t copied_bytes() const { return copied_bytes_; }

  /// Redo speed of the single-user crash recovery (the server's own defaults).
  sim::Time replay_record_time = 5 * sim::kMicrosecond;
  std::uint64_t replay_rate_bytes_per_s = 200ull * 1024 * 1024;

 protected:
  void on_start() override;
  void on_ready() override;
  void on_reply(const std::any& m) override;
  void finish(bool ok, const std::string& message) override;

 private:
  /// ensureCleanShutdown: `postgres --single` recovers the target and writes a shutdown
  /// checkpoint; false (with the message set) when it cannot.
  bool ensure_clean_shutdown(sim::Time& took);
  void on_source_state(const RewindSourceState& s);
  void on_files(const DataCopy& c);
  /// -R: standby.signal and primary_conninfo (GenerateRecoveryConfig of the source connection).
  void write_recovery_conf(std::vector<std::string>& written);

  PgRewindOptions options_;
  sim::Time started_ = 0;
  ControlFile target_;
  TimelineHistory target_history_;
  std::optional<Lsn> diverged_;
  Lsn checkpoint_ = 0, redo_ = 0;
  TimeLineId checkpoint_tli_ = 0;
  std::uint64_t copied_bytes_ = 0;
  Outcome outcome_ = Outcome::None;
  std::string message_;
  bool finished_ = false;
};

}  // namespace models::postgres
