#pragma once
// pg_basebackup (src/bin/pg_basebackup, PostgreSQL 15): `pg_basebackup -D PGDATA -d 'host=SOURCE
// user=replicator' -R -X stream -c fast [-C] -S SLOT`, into the emptied data directory of a
// stopped server: the re-clone that gives a diverged old primary (or a standby whose WAL is
// gone) a copy of the current primary.
#include <string>

#include "models/postgres/frontend.hpp"
#include "models/postgres/wal.hpp"

namespace models::postgres {

/// What the command line says.
struct PgBasebackupOptions {
  std::string source_host;
  std::uint16_t port = 5432;
  std::string user = "replicator";
  std::string slot;          // -S: streams its WAL through this slot, written as primary_slot_name
  bool create_slot = false;  // -C: CREATE_REPLICATION_SLOT first
  bool write_recovery_conf = true;  // -R
  bool fast_checkpoint = true;      // -c fast
};

/// pg_basebackup after the operator emptied the data directory (`rm -rf PGDATA/*`): a
/// replication connection, CREATE_REPLICATION_SLOT with -C ("already exists" fails the run),
/// BASE_BACKUP (the source's checkpoint, then its data directory and the WAL from that
/// checkpoint on, through the network: the duration follows the size and the link), then with
/// -R standby.signal, primary_conninfo and primary_slot_name. Refuses while the server runs.
class PgBasebackup final : public FrontendProgram {
 public:
  explicit PgBasebackup(sim::Node& node) : FrontendProgram(node, "pg_basebackup") {}
  void run(const PgBasebackupOptions& options);

  enum class Outcome { None, Done, Failed };
  Outcome outcome() const { return outcome_; }
  const std::string& message() const { return message_; }
  std::uint64_t copied_bytes() const { return copied_bytes_; }

 protected:
  void on_start() override;
  void on_ready() override;
  void on_reply(const std::any& m) override;
  void finish(bool ok, const std::string& message) override;

 private:
  void empty_data_directory();
  void on_backup(const DataCopy& c);

  PgBasebackupOptions options_;
  sim::Time started_ = 0;
  bool slot_requested_ = false;
  std::uint64_t copied_bytes_ = 0;
  Outcome outcome_ = Outcome::None;
  std::string message_;
  bool finished_ = false;
};

}  // namespace models::postgres
