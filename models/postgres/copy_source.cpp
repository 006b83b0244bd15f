// The server as the source of a copy of itself: pg_rewind's libpq source reads pg_control, the
// history files and the files of its file map through SQL functions (pg_read_binary_file), and
// BASE_BACKUP (replication/basebackup.c) sends the data directory after a checkpoint, its WAL
// streamed alongside (pg_basebackup -X stream).
#include "models/postgres/data_directory.hpp"
#include "models/postgres/postgres.hpp"
#include "sim/node.hpp"

namespace models::postgres {

namespace {
std::vector<std::pair<TimeLineId, std::string>> history_files(const sim::Disk& disk, TimeLineId newest) {
  std::vector<std::pair<TimeLineId, std::string>> out;
  for (TimeLineId t = 2; t <= newest; ++t)
    if (auto text = disk.read_file(history_path(kPgData, t))) out.emplace_back(t, *text);
  return out;
}
}  // namespace

std::uint64_t Postgres::data_directory_bytes() const {
  return kClusterFilesBytes + table_bytes(static_cast<std::uint64_t>(std::max<std::int64_t>(visible_, 0)));
}

RewindSourceState Postgres::rewind_source_state() const {
  const sim::Disk& disk = node().disk();
  RewindSourceState s;
  s.control = disk.read_file(pg_control_path(kPgData)).value_or("");
  const auto c = ControlFile::parse(s.control);
  const TimeLineId tli = c ? c->timeline : 1;
  if (tli > 1) s.history = disk.read_file(history_path(kPgData, tli)).value_or("");
  return s;
}

DataCopy Postgres::rewind_files(std::uint64_t changed_blocks_wanted, Lsn fork) const {
  const sim::Disk& disk = node().disk();
  DataCopy c;
  std::uint64_t wal_bytes = 0;
  c.wal = wal_->segment_files(&wal_bytes);
  c.histories = history_files(disk, newest_timeline(disk, kPgData, timeline()));
  c.auto_conf = disk.read_file(auto_conf_path(kPgData)).value_or("");
  c.catalog_prunable = disk.exists(prunable_catalog_path(kPgData));
  // Relation files grown here since the fork are copied from the target's size on (COPY_TAIL):
  // the pages this server's own commits after the fork filled.
  std::vector<WalRecord> after_fork;
  for (const auto& seg : c.wal)
    for (const auto& r : seg.records)
      if (r.lsn >= fork && r.timeline == timeline()) after_fork.push_back(r);
  const std::uint64_t blocks = changed_blocks_wanted + changed_blocks(after_fork);
  c.bytes = wal_bytes + kRewindOtherFilesBytes + blocks * kBlockBytes;
  for (const auto& [t, text] : c.histories) c.bytes += text.size();
  c.insert_lsn = wal_->insert_lsn();
  c.control = disk.read_file(pg_control_path(kPgData)).value_or("");  // fetched last
  c.timeline = timeline();
  return c;
}

bool Postgres::write_backup_end() {
  WalRecord end;
  end.kind = WalRecord::Kind::BackupEnd;
  end.size_bytes = kBackupEndRecordBytes;
  return wal_written(wal_->insert(end)) && wal_written(wal_->switch_segment());
}

void Postgres::base_backup(const BaseBackupCommand& cmd, std::function<void(DataCopy)> done) {
  // do_pg_backup_start: RequestXLogSwitch, so the checkpoint's segment holds no older pages, then
  // RequestCheckpoint(CHECKPOINT_FORCE | CHECKPOINT_WAIT, and IMMEDIATE with FAST); a standby's
  // backup starts at its last restartpoint instead, and writes no WAL.
  auto send = [this, cmd, done] {
    if (!running()) return;
    // do_pg_backup_stop on a primary: XLOG_BACKUP_END, then RequestXLogSwitch, so the backup's
    // WAL ends in a finished segment (pg_basebackup -X stream receives it through that switch).
    // A standby streaming from here receives the rest of that segment too: the clones of the
    // real set-up that finish first stream the later clones' ends (docs/validation.md).
    if (!in_recovery_) {
      if (!write_backup_end()) return;
      wal_->flush();
    }
    const sim::Disk& disk = node().disk();
    DataCopy c;
    c.checkpoint_lsn = control_.checkpoint_lsn;
    c.redo_lsn = control_.redo_lsn;
    c.timeline = timeline();
    if (!cmd.slot.empty())
      if (auto it = slots_.find(cmd.slot); it != slots_.end() && (it->second.restart_lsn == 0 || it->second.restart_lsn > c.redo_lsn))
        slots_.at(cmd.slot).restart_lsn = c.redo_lsn;
    std::uint64_t wal_bytes = 0;
    for (auto& seg : wal_->segment_files()) {
      if (seg.segno < wal_->segno(c.redo_lsn)) continue;
      for (const auto& r : seg.records) wal_bytes += r.size_bytes;
      c.wal.push_back(std::move(seg));
    }
    c.histories = history_files(disk, newest_timeline(disk, kPgData, timeline()));
    c.auto_conf = disk.read_file(auto_conf_path(kPgData)).value_or("");
    c.catalog_prunable = disk.exists(prunable_catalog_path(kPgData));
    c.control = disk.read_file(pg_control_path(kPgData)).value_or("");
    c.insert_lsn = wal_->insert_lsn();
    c.bytes = data_directory_bytes() + wal_bytes;
    done(std::move(c));
  };
  if (in_recovery_) return send();
  if (!wal_written(wal_->switch_segment())) return;
  wal_->flush();
  checkpoint(false, send);
}

}  // namespace models::postgres
