// pg_basebackup (src/bin/pg_basebackup/pg_basebackup.c, streamutil.c; PostgreSQL 15).
#include "models/postgres/pg_basebackup.hpp"

#include <memory>

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
  sim::Disk& disk = node().disk();
  const std::string root = kPgData;
  for (const std::string dir : {root + "/pg_wal", root + "/pg_replslot", root + "/global", root + "/base/16385", root})
    for (const auto& path : disk.list(dir)) disk.remove(path);
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
  copied_bytes_ = c.bytes;
  sim::Disk& disk = node().disk();
  auto control = ControlFile::parse(c.control);
  if (!control) return finish(false, "could not read the backup's global/pg_control");
  std::vector<std::string> written;
  write_wal_copy(disk, kPgData, control->xlog_seg_size, c.wal, c.histories);
  for (const auto& seg : c.wal) written.push_back(segment_file_path(kPgData, seg.timeline, seg.segno, control->xlog_seg_size));
  for (const auto& [tli, text] : c.histories) written.push_back(history_path(kPgData, tli));
  std::string conf = c.auto_conf;
  if (options_.write_recovery_conf) {
    // GenerateRecoveryConfig(conn, replication_slot): appended to postgresql.auto.conf.
    conf += "primary_conninfo = 'user=" + options_.user + " host=" + options_.source_host + " port=" + std::to_string(options_.port) + "'\n";
    if (!options_.slot.empty()) conf += "primary_slot_name = '" + options_.slot + "'\n";
    disk.write_file(standby_signal_path(kPgData), "");
    written.push_back(standby_signal_path(kPgData));
  }
  disk.write_file(auto_conf_path(kPgData), conf);
  written.push_back(auto_conf_path(kPgData));
  if (c.catalog_prunable) {  // the source's catalog page as it is, dead tuples and all
    disk.write_file(prunable_catalog_path(kPgData), "");
    written.push_back(prunable_catalog_path(kPgData));
  }
  // backup_label's role: recovery starts at the backup's checkpoint and must reach its end.
  control->checkpoint_lsn = c.checkpoint_lsn;
  control->redo_lsn = c.redo_lsn;
  control->timeline = c.timeline;
  control->min_recovery_point = c.insert_lsn;
  control->state = ControlFile::State::InArchiveRecovery;
  disk.write_file(pg_control_path(kPgData), control->text());
  written.push_back(pg_control_path(kPgData));
  // pg_basebackup fsyncs the new directory before it exits (unless --no-sync).
  auto left = std::make_shared<std::size_t>(written.size());
  for (const auto& path : written)
    disk.fsync(path, owner(), [this, left](sim::FsError) {
      if (--*left == 0) finish(true, "base backup completed");
    });
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
