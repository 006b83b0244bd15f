// pg_basebackup (src/bin/pg_basebackup/pg_basebackup.c, streamutil.c; PostgreSQL 15).
#include "models/postgres/pg_basebackup.hpp"

#include <memory>

#include "models/postgres/data_directory.hpp"
#include "models/postgres/events.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

void PgBasebackup::run(const PgBasebackupOptions& options) {
  options_ = options;
  start();
}

void PgBasebackup::on_start() {
  started_ = sim().now();
  finished_ = false;
  outcome_ = Outcome::None;
  message_.clear();
  copied_bytes_ = 0;
  slot_requested_ = false;
  // The operator's `rm -rf` needs the server down: a running postmaster would keep writing into
  // the directory being cloned (the real step refuses too: validation/kinds/postgres.cpp).
  if (const sim::Process* server = node().process("postgres"); server != nullptr && server->running())
    return finish(false, "the server is running: stop it before re-cloning its data directory");
  empty_data_directory();
  connect_to(options_.source_host, options_.port, options_.user, true);
}

void PgBasebackup::empty_data_directory() {
  // `rm -rf PGDATA/*`: everything under it, at any depth.
  sim::Disk& disk = node().disk();
  for (const auto& path : disk.list_tree(kPgData)) disk.remove(path);
}

void PgBasebackup::on_ready() {
  if (options_.create_slot && !options_.slot.empty()) {
    slot_requested_ = true;
    return send_message(CreateReplicationSlot{options_.slot});
  }
  send_message(BaseBackupCommand{options_.fast_checkpoint, options_.slot});
}

void PgBasebackup::on_reply(const std::any& m) {
  if (const auto* e = std::any_cast<ErrorResponse>(&m)) {
    const std::string command = slot_requested_ ? "CREATE_REPLICATION_SLOT \"" + options_.slot + "\"" : "BASE_BACKUP";
    return finish(false, "could not send replication command \"" + command + "\": ERROR:  " + e->message);
  }
  if (std::any_cast<CommandComplete>(&m) != nullptr && slot_requested_) {
    slot_requested_ = false;
    return send_message(BaseBackupCommand{options_.fast_checkpoint, options_.slot});
  }
  if (const auto* c = std::any_cast<DataCopy>(&m)) on_backup(*c);
}

void PgBasebackup::on_backup(const DataCopy& c) {
  sim::Disk& disk = node().disk();
  auto control = ControlFile::parse(c.control);
  if (!control) return finish(false, "could not read the backup's global/pg_control");
  // The tar stream's files: the source's data directory less pg_wal/ (streamed beside it). What
  // pg_basebackup reports copied ("31262/31262 kB") is that stream, the WAL not included: since
  // BASE_BACKUP switches segments, the WAL is at least the rest of one, 16 MiB.
  std::uint64_t wal_bytes = 0;
  for (const auto& seg : c.wal)
    for (const auto& r : seg.records) wal_bytes += r.size_bytes;
  copied_bytes_ = c.bytes > wal_bytes ? c.bytes - wal_bytes : 0;
  write_cluster_files(disk, kPgData, copied_bytes_);
  write_wal_copy(disk, kPgData, control->xlog_seg_size, c.wal, c.histories);
  std::string conf = c.auto_conf;
  if (options_.write_recovery_conf) {
    // GenerateRecoveryConfig(conn, replication_slot): appended to postgresql.auto.conf.
    conf += "primary_conninfo = 'user=" + options_.user + " host=" + options_.source_host + " port=" + std::to_string(options_.port) + "'\n";
    if (!options_.slot.empty()) conf += "primary_slot_name = '" + options_.slot + "'\n";
    disk.write_file(standby_signal_path(kPgData), "");
  }
  disk.write_file(auto_conf_path(kPgData), conf);
  if (c.catalog_prunable) disk.write_file(prunable_catalog_path(kPgData), "");  // the source's page as it is
  // backup_label's role: recovery starts at the backup's checkpoint and must reach its end.
  control->checkpoint_lsn = c.checkpoint_lsn;
  control->redo_lsn = c.redo_lsn;
  control->timeline = c.timeline;
  control->min_recovery_point = c.insert_lsn;
  control->state = ControlFile::State::InArchiveRecovery;
  disk.write_file(pg_control_path(kPgData), control->text());
  // "syncing data to disk ...": fsync_pgdata over the whole new directory (unless --no-sync).
  fsync_pgdata(disk, kPgData, owner(), [this] { finish(true, "base backup completed"); });
}

void PgBasebackup::finish(bool ok, const std::string& message) {
  if (finished_) return;
  finished_ = true;
  outcome_ = ok ? Outcome::Done : Outcome::Failed;
  message_ = message;
  sim().record(kBaseBackup, {{"node", node().name()}, {"source", options_.source_host}, {"outcome", std::string(ok ? "done" : "failed")},
                             {"message", message}, {"slot", options_.slot},
                             {"copied_bytes", static_cast<std::int64_t>(copied_bytes_)},
                             {"duration_ms", static_cast<std::int64_t>((sim().now() - started_) / sim::kMillisecond)}},
               true);
  after(0, [this] { kill(); });
}

}  // namespace models::postgres
