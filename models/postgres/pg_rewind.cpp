// pg_rewind (src/bin/pg_rewind/pg_rewind.c, filemap.c, libpq_source.c; PostgreSQL 15).
#include "models/postgres/pg_rewind.hpp"

#include <algorithm>
#include <memory>

#include "models/postgres/data_directory.hpp"
#include "models/postgres/events.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

namespace {
constexpr std::uint64_t kShutdownCheckpointBytes = 120;  // as the server writes one
std::int64_t lsn_field(std::optional<Lsn> l) { return l ? static_cast<std::int64_t>(*l) : -1; }
}  // namespace

void PgRewind::run(const PgRewindOptions& options) {
  options_ = options;
  start();
}

void PgRewind::on_start() {
  started_ = sim().now();
  finished_ = false;
  outcome_ = Outcome::None;
  message_.clear();
  diverged_.reset();
  checkpoint_ = redo_ = 0;
  copied_bytes_ = 0;
  // PQconnectdb(connstr_source) comes first: a source that cannot be reached fails the run
  // before the target is looked at.
  connect_to(options_.source_host, options_.port, options_.user, false);
}

void PgRewind::on_ready() {
  const sim::Disk& disk = node().disk();
  const auto text = disk.read_file(pg_control_path(kPgData));
  const auto control = text ? ControlFile::parse(*text) : std::nullopt;
  if (!control) return finish(false, "could not open file \"" + std::string(kPgData) + "/global/pg_control\" for reading: No such file or directory");
  target_ = *control;
  const bool clean = target_.state == ControlFile::State::ShutDown || target_.state == ControlFile::State::ShutDownInRecovery;
  sim::Time took = 0;
  if (!clean && options_.ensure_shutdown && !ensure_clean_shutdown(took)) return;
  after(took, [this] { send_message(RewindSourceQuery{}); });
}

bool PgRewind::ensure_clean_shutdown(sim::Time& took) {
  // "executing "postgres" for target server to complete crash recovery": postgres --single,
  // which refuses to run beside a postmaster (its lock file, postmaster.pid).
  const sim::Process* server = node().process("postgres");
  if (server != nullptr && server->running()) {
    finish(false, "postgres single-user mode in target cluster failed");
    return false;
  }
  sim::Disk& disk = node().disk();
  const std::uint64_t seg = target_.xlog_seg_size;
  Wal reader(*this, kPgData, seg);
  const auto scanned = reader.scan();
  const TimelineHistory history = read_history(disk, kPgData, target_.timeline);
  auto find = [&](Lsn lsn) -> const WalRecord* {
    auto it = scanned.find(lsn);
    if (it == scanned.end()) return nullptr;
    auto jt = it->second.find(history.timeline_at(lsn));
    return jt == it->second.end() ? nullptr : &jt->second;
  };
  const WalRecord* cur = find(target_.checkpoint_lsn);
  if (cur == nullptr) {
    finish(false, "postgres single-user mode in target cluster failed");
    return false;
  }
  // Redo to the end of valid WAL: each next record names the one before in xl_prev.
  std::uint64_t bytes = 0, records = 0;
  while (true) {
    const Lsn c1 = record_start(cur->end(), seg);
    const Lsn c2 = (cur->end() / seg + 1) * seg + kSegmentHeaderBytes;
    const WalRecord* next = nullptr;
    for (Lsn c : {c1, c2})
      if (const WalRecord* r = find(c); r != nullptr && r->prev == cur->lsn) {
        next = r;
        break;
      }
    if (next == nullptr) break;
    bytes += next->size_bytes;
    ++records;
    cur = next;
  }
  // The end-of-recovery shutdown checkpoint, at the end of valid WAL.
  WalRecord cp;
  cp.kind = WalRecord::Kind::Checkpoint;
  cp.size_bytes = kShutdownCheckpointBytes;
  cp.shutdown = true;
  cp.timeline = history.timeline_at(cur->lsn);
  cp.prev = cur->lsn;
  cp.lsn = place_record(cur->end(), cp.size_bytes, seg);
  cp.redo = cp.lsn;
  const std::string path = segment_file_path(kPgData, cp.timeline, cp.lsn / seg, seg);
  if (!disk.exists(path)) disk.write(path, 0, sim::Data::sized(seg));
  disk.write(path, cp.lsn % seg, sim::Data::record(cp.size_bytes, cp));
  target_.state = ControlFile::State::ShutDown;
  target_.checkpoint_lsn = target_.redo_lsn = cp.lsn;
  target_.timeline = cp.timeline;
  disk.write_file(pg_control_path(kPgData), target_.text());
  took = static_cast<sim::Time>(records) * replay_record_time;
  if (replay_rate_bytes_per_s > 0) took += static_cast<sim::Time>(bytes * 1'000'000'000ull / replay_rate_bytes_per_s);
  return true;
}

void PgRewind::on_reply(const std::any& m) {
  if (const auto* e = std::any_cast<ErrorResponse>(&m)) return finish(false, e->message);
  if (const auto* s = std::any_cast<RewindSourceState>(&m)) return on_source_state(*s);
  if (const auto* c = std::any_cast<DataCopy>(&m)) return on_files(*c);
}

void PgRewind::on_source_state(const RewindSourceState& s) {
  const auto source = ControlFile::parse(s.control);
  if (!source) return finish(false, "unexpected control file size 0, expected 8192");
  // sanityChecks
  if (source->system_identifier != target_.system_identifier) return finish(false, "source and target clusters are from different systems");
  if (!target_.data_checksums && !target_.wal_log_hints)
    return finish(false, "target server needs to use either data checksums or \"wal_log_hints = on\"");
  if (target_.state != ControlFile::State::ShutDown && target_.state != ControlFile::State::ShutDownInRecovery)
    return finish(false, "target server must be shut down cleanly");

  const TimeLineId source_tli = source->timeline, target_tli = target_.timeline;
  if (source_tli == target_tli) {
    // "source and target cluster are on the same timeline"
    outcome_ = Outcome::NoRewindRequired;
    return finish(true, "no rewind required");
  }
  const TimelineHistory theirs = source_tli <= 1 ? TimelineHistory{{{1, 0, UINT64_MAX}}} : TimelineHistory::parse(source_tli, s.history);
  target_history_ = read_history(node().disk(), kPgData, target_tli);
  // findCommonAncestorTimeline: the first entry that differs in timeline or start.
  const auto& a = theirs.entries;
  const auto& b = target_history_.entries;
  std::size_t i = 0;
  while (i < std::min(a.size(), b.size()) && a[i].timeline == b[i].timeline && a[i].begin == b[i].begin) ++i;
  if (i == 0) return finish(false, "could not find common ancestor of the source and target cluster's timelines");
  --i;
  const Lsn diverge = std::min(a[i].end, b[i].end);
  diverged_ = diverge;
  const TimeLineId common_tli = b[i].timeline;

  // The target's WAL ends at its last (shutdown) checkpoint record, or its minRecoveryPoint.
  Wal reader(*this, kPgData, target_.xlog_seg_size);
  const auto scanned = reader.scan();
  auto version = [&](Lsn lsn) -> const WalRecord* {
    auto it = scanned.find(lsn);
    if (it == scanned.end()) return nullptr;
    auto jt = it->second.find(target_history_.timeline_at(lsn));
    return jt == it->second.end() ? nullptr : &jt->second;
  };
  const WalRecord* last = version(target_.checkpoint_lsn);
  if (last == nullptr) return finish(false, "could not read WAL record at " + format_lsn(target_.checkpoint_lsn));
  const Lsn end = std::max(target_.min_recovery_point, last->end());
  if (end <= diverge) {
    outcome_ = Outcome::NoRewindRequired;
    return finish(true, "no rewind required");
  }
  // findLastCheckpoint: the last checkpoint record before the fork, on the common timeline.
  const WalRecord* cp = nullptr;
  for (auto it = scanned.lower_bound(diverge); it != scanned.begin();) {
    --it;
    const WalRecord* r = version(it->first);
    if (r != nullptr && r->kind == WalRecord::Kind::Checkpoint && r->timeline == common_tli) {
      cp = r;
      break;
    }
  }
  if (cp == nullptr) return finish(false, "could not find previous WAL record at " + format_lsn(diverge));
  checkpoint_ = cp->lsn;
  redo_ = cp->redo != 0 ? cp->redo : cp->lsn;
  checkpoint_tli_ = cp->timeline;
  // extractPageMap: the blocks the target's WAL touched from that checkpoint on.
  std::vector<WalRecord> touched;
  for (auto it = scanned.lower_bound(cp->lsn); it != scanned.end() && it->first < end; ++it)
    if (const WalRecord* r = version(it->first)) touched.push_back(*r);
  send_message(RewindFetch{changed_blocks(touched)});
}

void PgRewind::on_files(const DataCopy& c) {
  copied_bytes_ = c.bytes;
  sim::Disk& disk = node().disk();
  auto source = ControlFile::parse(c.control);
  if (!source) return finish(false, "unexpected control file size 0, expected 8192");
  std::vector<std::string> written;
  write_wal_copy(disk, kPgData, target_.xlog_seg_size, c.wal, c.histories);
  for (const auto& seg : c.wal) written.push_back(segment_file_path(kPgData, seg.timeline, seg.segno, target_.xlog_seg_size));
  for (const auto& [tli, text] : c.histories) written.push_back(history_path(kPgData, tli));
  disk.write_file(auto_conf_path(kPgData), c.auto_conf);
  written.push_back(auto_conf_path(kPgData));
  // The catalog page as the source has it: a page changed on either side since the fork is
  // copied from the source.
  if (c.catalog_prunable) {
    disk.write_file(prunable_catalog_path(kPgData), "");
    written.push_back(prunable_catalog_path(kPgData));
  } else {
    disk.remove(prunable_catalog_path(kPgData));
  }
  // createBackupLabel and the new control file: replay starts at the last common checkpoint
  // (or the source's older restartpoint) and must reach the source's insert position.
  ControlFile next = *source;
  if (source->redo_lsn >= redo_) {
    next.checkpoint_lsn = checkpoint_;
    next.redo_lsn = redo_;
  }
  next.min_recovery_point = c.insert_lsn;
  next.state = ControlFile::State::InArchiveRecovery;
  if (options_.write_recovery_conf) write_recovery_conf(written);
  disk.write_file(pg_control_path(kPgData), next.text());
  written.push_back(pg_control_path(kPgData));
  // sync_target_dir: fsync_pgdata over the whole target directory before "Done!".
  fsync_pgdata(disk, kPgData, owner(), [this] { finish(true, "Done!"); });
}

void PgRewind::write_recovery_conf(std::vector<std::string>& written) {
  // WriteRecoveryConfig(GenerateRecoveryConfig(conn, NULL)): appended to postgresql.auto.conf,
  // the source connection's parameters less dbname; no slot.
  sim::Disk& disk = node().disk();
  std::string text = disk.read_file(auto_conf_path(kPgData)).value_or("");
  text += "primary_conninfo = 'user=" + options_.user + " host=" + options_.source_host + " port=" + std::to_string(options_.port) + "'\n";
  disk.write_file(auto_conf_path(kPgData), text);
  disk.write_file(standby_signal_path(kPgData), "");
  written.push_back(standby_signal_path(kPgData));
}

void PgRewind::finish(bool ok, const std::string& message) {
  if (finished_) return;
  finished_ = true;
  if (!ok) outcome_ = Outcome::Failed;
  else if (outcome_ == Outcome::None) outcome_ = Outcome::Done;
  if (ok && outcome_ == Outcome::NoRewindRequired && options_.write_recovery_conf) {
    std::vector<std::string> written;
    write_recovery_conf(written);
  }
  message_ = message;
  const char* outcome = outcome_ == Outcome::Done ? "done" : outcome_ == Outcome::NoRewindRequired ? "no_rewind_required" : "failed";
  sim().record(kRewind, {{"node", node().name()}, {"source", options_.source_host}, {"outcome", std::string(outcome)},
                         {"message", message}, {"diverged_lsn", lsn_field(diverged_)},
                         {"checkpoint_lsn", checkpoint_ != 0 ? static_cast<std::int64_t>(checkpoint_) : std::int64_t{-1}},
                         {"copied_bytes", static_cast<std::int64_t>(copied_bytes_)},
                         {"duration_ms", static_cast<std::int64_t>((sim().now() - started_) / sim::kMillisecond)}},
               true);
  after(0, [this] { kill(); });
}

}  // namespace models::postgres
