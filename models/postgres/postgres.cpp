// The postmaster, its backends and the startup process (postmaster.c, postgres.c, xlog.c,
// xlogrecovery.c): start-up from the data directory, crash recovery, hot standby replay,
// promotion, commits, checkpoints, shutdown modes and the client protocol's server side.
#include "models/postgres/postgres.hpp"

#include "models/postgres/data_directory.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "models/postgres/events.hpp"
#include "models/postgres/page_layout.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

namespace {
/// XLogRecord header + xl_xact_commit: a commit record's size beyond its payload.
constexpr std::uint64_t kCommitOverheadBytes = 64;
/// A checkpoint record (XLOG_CHECKPOINT_ONLINE/SHUTDOWN: header + CheckPoint) and END_OF_RECOVERY.
constexpr std::uint64_t kCheckpointRecordBytes = 120;
constexpr std::uint64_t kEndOfRecoveryRecordBytes = 48;
/// The Heap2 PRUNE of demodb's pg_attribute page with the page's image (pg_waldump, 2026-12-04:
/// "len (rec/tot): 59/7935 ... rel 1663/16385/1249 blk 17 FPW"; see prunable_catalog_path).
constexpr std::uint64_t kCatalogPruneRecordBytes = 7935;
/// The seed's application database, whose catalog the first session prunes.
constexpr const char* kSeedDatabase = "demodb";
/// pgbench's TPC-B-like transaction writes about 409 bytes of WAL when no page needs a full-page
/// image (measured, PostgreSQL 15.18, pgbench -s 1 -c 1, a second run after the first touched
/// every page: 409 bytes per transaction). Three heap updates, one insert and the commit record:
/// the split between the statements is ours, their sum is the measurement.
constexpr std::uint64_t kHeapUpdateRecordBytes = 90;
constexpr std::uint64_t kHeapInsertRecordBytes = 75;
/// A full-page image: BLCKSZ. pgbench's tables are filled at fillfactor 100, so their pages have
/// no free hole for the image to omit.
constexpr std::uint64_t kFullPageImageBytes = 8192;
/// The seed's table (validation/kinds/postgres.cpp: users (id serial PRIMARY KEY, name text,
/// email text, created_at timestamptz)) as pg-writer.sh fills it: a heap tuple is its 23-byte
/// header, MAXALIGNed to 24, and id (4), name 'load-N' and email 'load-N@hasim.invalid' (short
/// varlenas, 1 + length each), created_at (8, aligned to 8): 64 bytes; a page holds
/// (8192 - 24) / (64 + 4) = 120 of them. users_pkey's leaf entries: IndexTupleData (8) + int4,
/// MAXALIGNed to 16, behind the leaf's BTPageOpaqueData (16): (8192 - 24 - 16) / (16 + 4) = 407.
/// Checked against the real record: the first commit on the promoted replica1 in
/// validation/results/2026-12-03/demo2-manual-failover (row 67, rows 1-36 on both pages before
/// it) moved the commits' LSN by 4232 bytes: 208 for the commit, 24 + 36 * 68 = 2472 and
/// 24 + 36 * 20 + 16 = 760 for the two images, the rest the old primary's shutdown checkpoint,
/// the end-of-recovery and checkpoint records, the sequence's record.
constexpr const char* kUsersTable = "users";
constexpr std::uint64_t kUsersHeapTupleBytes = 64;
/// The users row the writer's `wal_bytes` stands for: 'load-10' .. 'load-99999' make a 72-byte
/// tuple (created_at aligned to 64, not 56), and consecutive commits 208 bytes apart in the real
/// runs; rows 'load-1' .. 'load-9' are 200 apart (the stored real records of 2026-12-03 and 04:
/// 460 of 554 steps between consecutive rows up to row 9 are 200 bytes, 10,726 of 12,206 after
/// it 208; the others have a page header or another record between them).
constexpr std::uint64_t kUsersReferenceTupleBytes = 72;

/// The length (t_len) of a users heap tuple whose text columns (name, email) hold `texts`
/// characters, as heap_fill_tuple lays it out: the header (23 bytes, MAXALIGNed: no null bitmap,
/// no OID), id (int4), each text as a short varlena (one length byte, unaligned) up to 126
/// bytes, else a 4-byte header at int alignment, then created_at (timestamptz) at double
/// alignment.
std::uint64_t users_tuple_bytes(const std::vector<std::size_t>& texts) {
  std::uint64_t off = 24 + 4;
  for (std::size_t len : texts) off = len + 1 <= 127 ? off + 1 + len : ((off + 3) & ~std::uint64_t{3}) + 4 + len;
  return maxalign(off) + 8;
}
constexpr std::int64_t kUsersHeapRowsPerPage = 120;
constexpr std::int64_t kUsersBtreeEntriesPerPage = 407;
/// users' first row and its serial (pg_waldump, 2026-12-04, the seed's init then one INSERT):
/// nextval's XLOG_SEQ_LOG (99 bytes, MAXALIGNed to 104) when it logs, which it does at its first
/// call after a start or a checkpoint's redo point and then every SEQ_LOG_VALS + 1 = 33 calls; and
/// the empty primary key's first entry makes its root (Btree NEWROOT, 90 -> 96 bytes).
constexpr std::uint64_t kSequenceLogRecordBytes = 104;
constexpr std::int64_t kSequenceLogValues = 32;
constexpr std::uint64_t kBtreeNewRootRecordBytes = 96;
/// For writes whose completion nobody waits on.
void noop_done(sim::FsError) {}
/// A DDL statement's command tag (CommandComplete): its first word, upper case, and the object
/// kind after CREATE and DROP ("CREATE TABLE", "DROP TABLE", "TRUNCATE TABLE").
std::string command_tag(const std::string& text) {
  std::istringstream in(text);
  std::string a, b;
  in >> a >> b;
  auto upper = [](std::string w) {
    for (char& ch : w) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return w;
  };
  a = upper(a);
  return a == "CREATE" || a == "DROP" ? a + " " + upper(b) : a == "TRUNCATE" ? a + " TABLE" : a;
}
}  // namespace

const char* to_string(ServerState s) {
  switch (s) {
    case ServerState::Starting: return "starting";
    case ServerState::Recovering: return "recovering";
    case ServerState::HotStandby: return "hot_standby";
    case ServerState::Running: return "running";
    case ServerState::ShuttingDown: return "shutting_down";
    case ServerState::Stopped: return "stopped";
  }
  return "?";
}

const char* to_string(ShutdownMode m) {
  switch (m) {
    case ShutdownMode::Smart: return "smart";
    case ShutdownMode::Fast: return "fast";
    case ShutdownMode::Immediate: return "immediate";
  }
  return "?";
}

Postgres::Postgres(sim::Node& node, PostgresConfig config)
    : sim::Process(node, "postgres"),
      base_config_(config),
      config_(std::move(config)),
      retry_timer_(make_timer()),
      checkpoint_timer_(make_timer()),
      walwriter_timer_(make_timer()),
      rng_(rng("backend")),
      latch_rng_(rng("latch")),
      walreceiver_rng_(rng("walreceiver_write")),
      walreceiver_start_rng_(rng("walreceiver_start")),
      warmup_rng_(rng("backend_warmup")),
      commit_flush_rng_(rng("commit_flush")),
      startup_latch_(make_timer(), latch_wakeup, latch_rng_) {}

// ---- the data directory ----

void Postgres::initdb(sim::Disk& disk, std::uint64_t system_identifier, std::uint64_t seg, bool switched) {
  const std::string pgdata = kPgData;
  WalRecord cp;
  cp.kind = WalRecord::Kind::Checkpoint;
  // initdb's first checkpoint, in segment 1: at its start, or ending with it (switched).
  cp.lsn = switched ? 2 * seg - kCheckpointRecordBytes : seg + kSegmentHeaderBytes;
  cp.size_bytes = kCheckpointRecordBytes;
  cp.timeline = 1;
  cp.redo = cp.lsn;
  cp.shutdown = true;
  const std::string path = segment_file_path(pgdata, 1, 1, seg);
  disk.write(path, 0, sim::Data::sized(seg));
  disk.write(path, cp.lsn % seg, sim::Data::record(cp.size_bytes, cp));
  ControlFile c;
  c.system_identifier = system_identifier;
  c.state = ControlFile::State::ShutDown;
  c.timeline = 1;
  c.checkpoint_lsn = c.redo_lsn = cp.lsn;
  c.xlog_seg_size = seg;
  disk.write_file(pg_control_path(pgdata), c.text());
  // The seed's init (CREATE DATABASE demodb, CREATE TABLE users) left the dead catalog tuples
  // its first later session prunes; a standby cloned before that session has them too.
  disk.write_file(prunable_catalog_path(pgdata), "");
  disk.fsync(path, disk.kernel(), noop_done);
  disk.fsync(pg_control_path(pgdata), disk.kernel(), noop_done);
  disk.fsync(prunable_catalog_path(pgdata), disk.kernel(), noop_done);
  // The catalogs and the rest, which the server never reads here but pg_rewind's and
  // pg_basebackup's walk over the directory does (left to the kernel's writeback).
  write_cluster_files(disk, pgdata, kClusterFilesBytes);
}

void Postgres::init_standby(sim::Disk& disk, std::uint64_t system_identifier, std::uint64_t seg, bool switched,
                            int later_clone_ends) {
  initdb(disk, system_identifier, seg, switched);
  if (switched && later_clone_ends > 0) {
    // initdb's checkpoint takes the last bytes of segment 1 (see initdb).
    const Lsn checkpoint = 2 * seg - kCheckpointRecordBytes;
    for (const auto& r : backup_end_records(2 * seg, checkpoint, later_clone_ends, 1, seg)) {
      const std::string path = segment_file_path(kPgData, 1, r.lsn / seg, seg);
      if (!disk.exists(path)) disk.write(path, 0, sim::Data::sized(seg));
      disk.write(path, r.lsn % seg, sim::Data::record(r.size_bytes, r));
      disk.fsync(path, disk.kernel(), noop_done);
    }
  }
  disk.write_file(standby_signal_path(kPgData), "");
  disk.fsync(standby_signal_path(kPgData), disk.kernel(), noop_done);
}

void Postgres::create_slot(sim::Disk& disk, const std::string& name) {
  disk.write_file(slot_path(kPgData, name), "0\n");
  disk.fsync(slot_path(kPgData, name), disk.kernel(), noop_done);
}

void Postgres::save_slots() {
  // CheckPointReplicationSlots: each slot's state file, written at checkpoints.
  sim::Disk& disk = node().disk();
  for (const auto& [name, slot] : slots_) {
    // The state file keeps invalidated_at too: an invalidated slot stays "lost" after a restart.
    disk.write_file(slot_path(kPgData, name), std::to_string(slot.restart_lsn) + " " + std::to_string(slot.invalidated_at) + "\n");
    disk.fsync(slot_path(kPgData, name), owner(), noop_done);
  }
}

bool Postgres::load_config() {
  config_ = base_config_;
  const auto text = node().disk().read_file(auto_conf_path(kPgData));
  if (!text) return true;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos || line.empty() || line[0] == '#') continue;
    config_.set(line.substr(0, eq), line.substr(eq + 1));
  }
  return true;
}

void Postgres::record(const char* kind, std::vector<sim::Field> fields, bool notable) {
  fields.insert(fields.begin(), sim::Field{"node", node().name()});
  sim().record(kind, std::move(fields), notable);
}

sim::Tcp& Postgres::tcp() const { return sim().tcp(); }

TimeLineId Postgres::timeline() const {
  if (in_recovery_) return replay_tli_;
  return wal_ ? wal_->timeline() : control_.timeline;
}

std::vector<const WalSender*> Postgres::walsenders() const {
  std::vector<const WalSender*> out;
  for (const auto& [c, ws] : walsenders_) out.push_back(ws.get());
  return out;
}

WalSender* Postgres::walsender(sim::ConnId conn) const {
  auto it = walsenders_.find(conn);
  return it == walsenders_.end() ? nullptr : it->second.get();
}

int Postgres::regular_backends() const {
  int n = 0;
  for (const auto& [c, b] : backends_)
    if (b.started && !b.walsender) ++n;
  return n;
}

bool Postgres::has_commit(TimeLineId tli, Lsn lsn) const {
  if (!wal_) return false;
  const WalRecord* r = wal_->record_at(lsn);
  if (!r || r->timeline != tli || r->kind != WalRecord::Kind::Commit) return false;
  return in_recovery_ ? lsn < replay_lsn_ : true;
}

// ---- start-up ----

void Postgres::on_start() {
  state_ = ServerState::Starting;
  in_recovery_ = true;
  startup_done_ = false;
  replaying_ = false;
  promote_requested_ = false;
  promotion_waits_walreceiver_ = false;
  promote_not_before_ = 0;
  checkpoint_running_ = false;
  after_checkpoint_.clear();
  shutdown_mode_.reset();
  shutdown_checkpoint_started_ = shutdown_checkpoint_done_ = false;
  last_fail_time_ = -sim::kNever / 2;
  backends_.clear();
  walsenders_.clear();
  flush_waiters_.clear();
  row_locks_.clear();
  pages_since_redo_.clear();
  load_config();
  wal_ = std::make_unique<Wal>(*this, kPgData, config_.wal_segment_size_bytes);
  wal_->on_flushed = [this] { wal_flushed(); };
  walreceiver_ = std::make_unique<WalReceiver>(*this);
  sync_rep_ = std::make_unique<SyncRep>(*this);
  sync_rep_->configure(SyncStandbyNames::parse(config_.synchronous_standby_names).value_or(SyncStandbyNames{}));
  // The postmaster binds its socket before the startup process runs: clients connecting
  // meanwhile are answered, with 57P03.
  tcp().listen(*this, config_.port, [this](sim::ConnId c) { accept(c); });
  start_recovery();
}

void Postgres::start_recovery() {
  sim::Disk& disk = node().disk();
  const auto text = disk.read_file(pg_control_path(kPgData));
  const auto control = text ? ControlFile::parse(*text) : std::nullopt;
  if (!control) {
    record(kStartFailed, {{"message", std::string("could not open file \"global/pg_control\"")}});
    after(0, [this] { kill(); });
    return;
  }
  control_ = *control;
  // StartupXLOG: a data directory that was not shut down cleanly (a crash, kill -9, pg_ctl -m
  // immediate, or a base backup or rewind of a running server) may hold writes the kernel has not
  // flushed yet, which a later power loss could undo under the redo that relies on them. So before
  // redo the startup process fsyncs every file in it (SyncDataDirectory, recovery_init_sync_method
  // = fsync): a second or more for a fresh cluster's ~1,300 files, logged by nothing but the gap
  // between "database system was interrupted" and "entering standby mode" (2026-12-06: 1.78 s
  // after a re-clone, 0.65-0.97 s for the set-up standbys).
  if (control_.state != ControlFile::State::ShutDown && control_.state != ControlFile::State::ShutDownInRecovery) {
    const sim::Time begun = sim().now();
    const auto files = static_cast<std::int64_t>(disk.list_tree(kPgData).size());
    fsync_pgdata(disk, kPgData, owner(), [this, begun, files] {
      record(kDataDirectorySynced, {{"files", files},
                                    {"duration_ms", static_cast<std::int64_t>((sim().now() - begun) / sim::kMillisecond)}});
      redo_from_checkpoint();
    });
    return;
  }
  redo_from_checkpoint();
}

void Postgres::redo_from_checkpoint() {
  sim::Disk& disk = node().disk();
  // Slots: pg_replslot/<name>.
  slots_.clear();
  for (const auto& path : disk.list(std::string(kPgData) + "/pg_replslot")) {
    const std::string name = path.substr(path.rfind('/') + 1);
    Slot s;
    if (const auto t = disk.read_file(path)) {
      std::istringstream in(*t);
      in >> s.restart_lsn >> s.invalidated_at;
    }
    slots_[name] = s;
  }
  standby_mode_ = disk.exists(standby_signal_path(kPgData));
  // recovery_target_timeline = 'latest' (the default since 12): the newest history file.
  const TimeLineId target = standby_mode_ ? newest_timeline(disk, kPgData, control_.timeline) : control_.timeline;
  history_ = read_history(disk, kPgData, target);

  const auto scanned = wal_->scan();
  auto find = [&](Lsn lsn) -> const WalRecord* {
    auto it = scanned.find(lsn);
    if (it == scanned.end()) return nullptr;
    auto jt = it->second.find(history_.timeline_at(lsn));
    return jt == it->second.end() ? nullptr : &jt->second;
  };
  const WalRecord* cp = find(control_.checkpoint_lsn);
  if (cp == nullptr || cp->kind != WalRecord::Kind::Checkpoint) {
    record(kStartFailed, {{"message", std::string("could not locate a valid checkpoint record")}});
    after(0, [this] { kill(); });
    return;
  }
  auto records = std::make_shared<std::map<Lsn, WalRecord>>();
  // Older records still in pg_wal (walsenders may need them): follow xl_prev backwards.
  for (const WalRecord* r = cp; r != nullptr;) {
    (*records)[r->lsn] = *r;
    const WalRecord* p = r->prev != 0 ? find(r->prev) : nullptr;
    r = (p != nullptr && p->end() <= r->lsn) ? p : nullptr;
  }
  // Redo: from the checkpoint forwards while each next record's xl_prev names the previous.
  const std::uint64_t seg = config_.wal_segment_size_bytes;
  const WalRecord* cur = cp;
  std::uint64_t replayed_bytes = 0, replayed_records = 0, xid = 0;
  for (const auto& [l, r] : *records)
    if (r.kind == WalRecord::Kind::Commit) xid = std::max(xid, r.xid);
  while (true) {
    const Lsn c1 = record_start(cur->end(), seg);
    const Lsn c2 = (cur->end() / seg + 1) * seg + kSegmentHeaderBytes;
    const WalRecord* next = nullptr;
    for (Lsn c : {c1, c2}) {
      const WalRecord* r = find(c);
      if (r != nullptr && r->prev == cur->lsn) {
        next = r;
        break;
      }
    }
    if (next == nullptr) break;
    (*records)[next->lsn] = *next;
    replayed_bytes += decoded_bytes(*next);
    ++replayed_records;
    if (next->kind == WalRecord::Kind::Commit) xid = std::max(xid, next->xid);
    cur = next;
  }
  const Lsn end = cur->end();
  const Lsn last = cur->lsn;
  replay_tli_ = history_.timeline_at(last);
  state_ = standby_mode_ ? ServerState::Recovering : ServerState::Starting;
  record(kRecoveryStarted, {{"state", std::string(to_string(control_.state))},
                            {"standby", standby_mode_},
                            {"redo_lsn", static_cast<std::int64_t>(control_.redo_lsn)},
                            {"wal_bytes", static_cast<std::int64_t>(replayed_bytes)}});
  sim::Time duration = static_cast<sim::Time>(replayed_records) * replay_record_time;
  if (replay_rate_bytes_per_s > 0)
    duration += static_cast<sim::Time>(replayed_bytes * 1'000'000'000ull / replay_rate_bytes_per_s);
  const bool clean = control_.state == ControlFile::State::ShutDown && replayed_records == 0;
  after(duration, [this, end, last, records, xid, duration, replayed_bytes, clean] {
    record(kRecoveryDone, {{"end_lsn", static_cast<std::int64_t>(end)},
                           {"replayed_bytes", static_cast<std::int64_t>(replayed_bytes)},
                           {"duration_ms", static_cast<std::int64_t>(duration / sim::kMillisecond)}});
    wal_->truncate_after(end);
    wal_->reset(end, last, history_.timeline_at(last), std::move(*records));
    last_xid_ = xid;
    visible_ = static_cast<std::int64_t>(xid);
    replay_lsn_ = end;
    last_replayed_record_ = last;
    last_checkpoint_redo_ = control_.redo_lsn;
    pages_since_redo_.clear();
    last_checkpoint_replayed_ = control_.checkpoint_lsn;
    if (standby_mode_) {
      become_hot_standby();
    } else if (clean) {
      become_primary();
    } else {
      // Crash recovery ends with an end-of-recovery checkpoint before connections are let in.
      wal_->set_timeline(history_.timeline());
      checkpoint(false, [this] { become_primary(); });
    }
  });
}

void Postgres::become_primary() {
  in_recovery_ = false;
  standby_mode_ = false;
  startup_done_ = true;
  state_ = ServerState::Running;
  wal_->set_timeline(history_.timeline());
  if (setup_clone_ends > 0) {
    // The set-up's later clones end (setup_clone_ends): once, at the run's first start.
    for (int i = 0; i < setup_clone_ends; ++i)
      if (!write_backup_end()) return;
    setup_clone_ends = 0;
    wal_->flush();
  }
  control_.state = ControlFile::State::InProduction;
  control_.timeline = wal_->timeline();
  control_.wal_log_hints = config_.wal_log_hints;  // XLogReportParameters
  write_control(nullptr);
  checkpoint_timer_.arm_after(config_.checkpoint_timeout, [this] { checkpoint(false, nullptr); });
  record(kStarted, {{"role", std::string("primary")}, {"timeline", static_cast<std::int64_t>(wal_->timeline())},
                    {"lsn", static_cast<std::int64_t>(wal_->insert_lsn())}});
}

void Postgres::become_hot_standby() {
  startup_done_ = true;
  state_ = config_.hot_standby ? ServerState::HotStandby : ServerState::Recovering;
  control_.state = ControlFile::State::InArchiveRecovery;
  record(kStarted, {{"role", std::string("standby")}, {"timeline", static_cast<std::int64_t>(replay_tli_)},
                    {"lsn", static_cast<std::int64_t>(replay_lsn_)}});
  checkpoint_timer_.arm_after(config_.checkpoint_timeout, [this] { checkpoint(false, nullptr); });
  if (promote_requested_) {
    wake_replay();
    return;
  }
  start_walreceiver();
}

void Postgres::start_walreceiver() {
  if (!in_recovery_ || promote_requested_ || shutdown_mode_ || walreceiver_->active()) return;
  walreceiver_->start();
}

void Postgres::walreceiver_exited(const std::string& /*reason*/) {
  if (promotion_waits_walreceiver_) {
    promotion_waits_walreceiver_ = false;
    if (in_recovery_ && promote_requested_ && !shutdown_mode_) wake_replay();
    return;
  }
  if (!in_recovery_ || promote_requested_ || shutdown_mode_) return;
  // WaitForWALToBecomeAvailable: after a failure, archive and pg_wal are tried (none here), then
  // streaming again, sleeping what is left of wal_retrieve_retry_interval since the last failure.
  sim::Time next = sim().now();
  if (next - last_fail_time_ < config_.wal_retrieve_retry_interval) next = last_fail_time_ + config_.wal_retrieve_retry_interval;
  last_fail_time_ = next;
  retry_timer_.arm_at(next, [this] { start_walreceiver(); });
}

void Postgres::store_history(TimeLineId tli, const std::string& content) {
  sim::Disk& disk = node().disk();
  disk.write_file(history_path(kPgData, tli), content);
  disk.fsync(history_path(kPgData, tli), owner(), noop_done);
}

void Postgres::follow_timeline(TimeLineId tli) {
  history_ = read_history(node().disk(), kPgData, tli);
  record(kTimelineFollowed, {{"timeline", static_cast<std::int64_t>(tli)}});
}

// ---- the startup process: replay ----

void Postgres::wake_replay() {
  if (!replaying_) replay_next();
}

void Postgres::replay_next() {
  if (!in_recovery_ || !startup_done_) return;
  const Lsn limit = promote_requested_ ? wal_->insert_lsn() : wal_->flush_lsn();
  const WalRecord* rec = wal_->at_or_after(replay_lsn_);
  if (rec == nullptr || rec->lsn >= limit) {
    replaying_ = false;
    if (promote_requested_) {
      // ShutdownWalRcv waits for the walreceiver to be gone: walreceiver_exited goes on.
      if (walreceiver_->exiting()) {
        promotion_waits_walreceiver_ = true;
        return;
      }
      if (sim().now() < promote_not_before_) {
        retry_timer_.arm_at(promote_not_before_, [this] { wake_replay(); });
        return;
      }
      finish_promotion();
      return;
    }
    // WaitForWALToBecomeAvailable: having replayed everything received, and about to wait for
    // more, the startup process asks the walreceiver for a reply (WalRcvForceReply) "so that
    // pg_stat_replication doesn't show stale information": the apply position reaches the
    // primary right after the replay, not with the next WAL or status interval.
    if (replayed_since_wait_) {
      replayed_since_wait_ = false;
      walreceiver_->applied(true);
    }
    return;
  }
  replaying_ = true;
  replayed_since_wait_ = true;
  const WalRecord r = *rec;
  sim::Time cost = replay_record_time;
  if (replay_rate_bytes_per_s > 0) cost += static_cast<sim::Time>(decoded_bytes(r) * 1'000'000'000ull / replay_rate_bytes_per_s);
  // recovery_min_apply_delay holds commit records until commit time + delay (not while promoting).
  if (r.kind == WalRecord::Kind::Commit && config_.recovery_min_apply_delay > 0 && !promote_requested_)
    cost = std::max(cost, r.commit_time + config_.recovery_min_apply_delay - sim().now());
  after(cost, [this, r] {
    apply_record(r);
    replay_next();
  });
}

void Postgres::prune_catalog() {
  sim::Disk& disk = node().disk();
  const std::string page = prunable_catalog_path(kPgData);
  if (!disk.exists(page)) return;
  WalRecord r;
  r.kind = WalRecord::Kind::Prune;
  r.size_bytes = kCatalogPruneRecordBytes;
  if (wal_->insert(r) != sim::FsError::Ok) return;  // no space for WAL: the page stays as it was
  // The page is pruned in shared buffers now (a crash before its WAL is flushed would leave it
  // unpruned on disk; not modelled). No commit flushes this record: the WAL writer does, within
  // wal_writer_delay, unless a commit's flush comes first.
  disk.remove(page);
  if (!walwriter_timer_.armed()) walwriter_timer_.arm_after(config_.wal_writer_delay, [this] { wal_->flush(); });
}

void Postgres::apply_record(const WalRecord& r) {
  replay_lsn_ = r.end();
  replay_tli_ = r.timeline;
  last_replayed_record_ = r.lsn;
  if (r.kind == WalRecord::Kind::Commit) {
    last_xid_ = r.xid;
    visible_ = static_cast<std::int64_t>(r.xid);
  } else if (r.kind == WalRecord::Kind::Checkpoint) {
    last_checkpoint_replayed_ = r.lsn;
  } else if (r.kind == WalRecord::Kind::Prune) {
    node().disk().remove(prunable_catalog_path(kPgData));
  }
  walreceiver_->applied(r.kind == WalRecord::Kind::Commit && r.apply_feedback);
}

// ---- promotion ----

bool Postgres::promote() {
  if (!running() || !in_recovery_ || shutdown_mode_) return false;
  if (promote_requested_) return true;
  promote_requested_ = true;
  record(kPromoteRequested, {});
  retry_timer_.cancel();
  // The startup process stops the walreceiver, then replays what was already received. Asleep in
  // its retry wait, it is woken and promotes at once (the trigger is checked after pg_wal). With
  // streaming asked for, it sees the trigger in the XLOG_FROM_STREAM state instead: that counts
  // as a failure of the source, so after ShutdownWalRcv it sleeps what is left of
  // wal_retrieve_retry_interval since the last failure before it checks pg_wal and the trigger
  // again (xlogrecovery.c, WaitForWALToBecomeAvailable). The real runs of 2026-12-07 promoted
  // 5 s late so when pg_promote came 19 and 37 ms after a retry's start.
  if (walreceiver_->active()) {
    promote_not_before_ = last_fail_time_ + config_.wal_retrieve_retry_interval;
    walreceiver_->request_stop("promotion");
  }
  wake_replay();
  return true;
}

void Postgres::finish_promotion() {
  sim::Disk& disk = node().disk();
  const Lsn end = replay_lsn_;
  const TimeLineId old_tli = replay_tli_;
  const TimeLineId new_tli = newest_timeline(disk, kPgData, history_.timeline()) + 1;
  history_ = read_history(disk, kPgData, old_tli).fork(new_tli, end);
  store_history(new_tli, history_.file_text());
  wal_->truncate_after(end);
  wal_->restart_at(end, last_replayed_record_, new_tli);
  in_recovery_ = false;
  promote_requested_ = false;
  promote_not_before_ = 0;
  standby_mode_ = false;
  state_ = ServerState::Running;
  WalRecord eor;
  eor.kind = WalRecord::Kind::EndOfRecovery;
  eor.size_bytes = kEndOfRecoveryRecordBytes;
  if (wal_->insert(eor) != sim::FsError::Ok) {
    panic("could not write to file \"pg_wal\": No space left on device");
    return;
  }
  disk.remove(standby_signal_path(kPgData));
  control_.timeline = new_tli;
  control_.state = ControlFile::State::InProduction;
  control_.wal_log_hints = config_.wal_log_hints;  // XLogReportParameters at the end of recovery
  write_control(nullptr);
  wal_->flush();
  visible_ = static_cast<std::int64_t>(last_xid_);
  record(kPromoted, {{"timeline", static_cast<std::int64_t>(new_tli)}, {"switch_lsn", static_cast<std::int64_t>(end)}});
  // A checkpoint is requested, not waited for.
  after(0, [this] { checkpoint(false, nullptr); });
}

void Postgres::panic(const std::string& message) {
  record(kPanic, {{"message", message}});
  const bool reinit = startup_done_;
  kill();
  if (!reinit) return;  // "aborting startup due to startup process failure": the postmaster exits
  // "all server processes terminated; reinitializing": crash recovery from what the page
  // cache holds (a process failure, not a power loss).
  sim().after(reinit_delay, [this] { start(); });
}

// ---- WAL flush, checkpoints ----

void Postgres::wal_flushed() {
  const Lsn flushed = wal_->flush_lsn();
  while (!flush_waiters_.empty() && flush_waiters_.begin()->first <= flushed) {
    auto fn = std::move(flush_waiters_.begin()->second);
    flush_waiters_.erase(flush_waiters_.begin());
    fn();
    if (!running() || !wal_) return;
  }
  std::vector<sim::ConnId> conns;
  for (const auto& [c, ws] : walsenders_) conns.push_back(c);
  for (auto c : conns)
    if (WalSender* ws = walsender(c)) ws->wal_flushed();
  if (in_recovery_) {
    walreceiver_->wal_flushed();
    // WakeupRecovery: the startup process replays what was flushed once it runs.
    startup_latch_.set([this] {
      if (in_recovery_) wake_replay();
    });
  }
}

void Postgres::wait_flush(Lsn lsn, std::function<void()> fn, std::optional<sim::Time> latency) {
  if (wal_->flush_lsn() >= lsn) {
    fn();
    return;
  }
  flush_waiters_.emplace(lsn, std::move(fn));
  wal_->flush(latency);
}

void Postgres::write_control(std::function<void()> done) {
  sim::Disk& disk = node().disk();
  disk.write_file(pg_control_path(kPgData), control_.text());
  disk.fsync(pg_control_path(kPgData), owner(), [done](sim::FsError) {
    if (done) done();
  });
}

std::uint64_t Postgres::keep_log_seg(Lsn recptr, std::uint64_t segno) const {
  const std::uint64_t seg = wal_->segment_size();
  const std::uint64_t curr = wal_->segno(recptr);
  std::uint64_t keep = curr;
  // XLogGetReplicationSlotMinimumLSN: the oldest restart_lsn of the slots that have one (an
  // invalidated slot has none).
  Lsn slot_min = 0;
  for (const auto& [name, slot] : slots_)
    if (slot.restart_lsn != 0 && (slot_min == 0 || slot.restart_lsn < slot_min)) slot_min = slot.restart_lsn;
  if (slot_min != 0 && slot_min < recptr) {
    keep = wal_->segno(slot_min);
    // max_slot_wal_keep_size caps what the slots hold, in whole segments (ConvertToXSegs).
    if (config_.max_slot_wal_keep_size_mb >= 0) {
      const std::uint64_t slot_keep_segs =
          static_cast<std::uint64_t>(config_.max_slot_wal_keep_size_mb) * 1024 * 1024 / seg;
      if (curr - keep > slot_keep_segs) keep = curr - slot_keep_segs;
    }
  }
  // wal_keep_size is kept whatever the slots say, and never below segment 1.
  if (config_.wal_keep_size_mb > 0) {
    const std::uint64_t keep_segs = static_cast<std::uint64_t>(config_.wal_keep_size_mb) * 1024 * 1024 / seg;
    if (curr - keep < keep_segs) keep = curr <= keep_segs ? 1 : curr - keep_segs;
  }
  return std::min(keep, segno);
}

bool Postgres::invalidate_obsolete_slots(Lsn oldest_lsn) {
  bool any = false;
  for (auto& [name, slot] : slots_) {
    if (slot.restart_lsn == 0 || slot.restart_lsn >= oldest_lsn) continue;
    const Lsn restart = slot.restart_lsn;
    std::int64_t terminated = 0;
    if (slot.active_pid != 0) {
      // "terminating process N to release replication slot": the checkpointer SIGTERMs the
      // walsender holding the slot and waits for it to let go before invalidating.
      terminated = slot.active_pid;
      for (const auto& [conn, ws] : walsenders_)
        if (ws->pid() == slot.active_pid) {
          ws->terminate();
          break;
        }
      slot.active_pid = 0;
    }
    slot.invalidated_at = restart;
    slot.restart_lsn = 0;
    record(kSlotInvalidated, {{"slot", name},
                              {"restart_lsn", static_cast<std::int64_t>(restart)},
                              {"exceeds_bytes", static_cast<std::int64_t>(oldest_lsn - restart)},
                              {"terminated_pid", terminated}});
    any = true;
  }
  // ReplicationSlotSave: the invalidation survives a restart.
  if (any) save_slots();
  return any;
}

int Postgres::remove_old_wal(Lsn recptr) {
  const std::uint64_t seg = wal_->segment_size();
  std::uint64_t keep = keep_log_seg(recptr, wal_->segno(control_.redo_lsn));
  // A slot invalidated no longer holds WAL: the horizon is computed again without it.
  if (invalidate_obsolete_slots(keep * seg)) keep = keep_log_seg(recptr, wal_->segno(control_.redo_lsn));
  return wal_->remove_before(keep * seg);
}

std::vector<Postgres::SlotRow> Postgres::replication_slots() const {
  std::vector<SlotRow> rows;
  const std::uint64_t seg = wal_ ? wal_->segment_size() : 0;
  for (const auto& [name, slot] : slots_) {
    SlotRow row;
    row.slot_name = name;
    row.active = slot.active_pid != 0;
    row.active_pid = slot.active_pid;
    row.restart_lsn = slot.restart_lsn;
    if (!wal_) {
      rows.push_back(row);
      continue;
    }
    // GetWALAvailability, against the current write position.
    const Lsn currpos = wal_->write_lsn();
    const std::uint64_t curr = wal_->segno(currpos);
    enum { Invalid, Reserved, Extended, Unreserved, Removed } state = Invalid;
    if (slot.invalidated()) {
      state = Removed;
    } else if (slot.restart_lsn != 0) {
      const std::uint64_t oldest_slot_seg = keep_log_seg(currpos, curr);
      const auto oldest_lsn = wal_->oldest_lsn();
      const std::uint64_t oldest_seg = oldest_lsn ? wal_->segno(*oldest_lsn) : curr;
      const std::uint64_t max_wal_segs = static_cast<std::uint64_t>(config_.max_wal_size_mb) * 1024 * 1024 / seg + 1;
      const std::uint64_t oldest_max_wal_seg = curr > max_wal_segs ? curr - max_wal_segs : 1;
      const std::uint64_t target = wal_->segno(slot.restart_lsn);
      if (target >= oldest_slot_seg) state = target >= oldest_max_wal_seg ? Reserved : Extended;
      else if (target >= oldest_seg) state = Unreserved;
      else state = Removed;
      // pg_get_replication_slots: a walsender still alive on it may have moved on since, so
      // "unreserved" rather than "lost".
      if (state == Removed && slot.active_pid != 0) state = Unreserved;
    }
    static constexpr const char* kNames[] = {"", "reserved", "extended", "unreserved", "lost"};
    row.wal_status = kNames[state];
    if (state != Removed && state != Invalid && config_.max_slot_wal_keep_size_mb >= 0) {
      // failLSN: the start of the segment after the last one the slot may keep.
      const std::uint64_t slot_keep_segs = static_cast<std::uint64_t>(config_.max_slot_wal_keep_size_mb) * 1024 * 1024 / seg;
      const std::uint64_t keep_segs = static_cast<std::uint64_t>(config_.wal_keep_size_mb) * 1024 * 1024 / seg;
      const Lsn fail_lsn = (wal_->segno(slot.restart_lsn) + std::max(slot_keep_segs, keep_segs) + 1) * seg;
      row.safe_wal_size = static_cast<std::int64_t>(fail_lsn) - static_cast<std::int64_t>(currpos);
    }
    rows.push_back(row);
  }
  return rows;
}

bool Postgres::wal_written(sim::FsError e) {
  if (e == sim::FsError::Ok) return true;
  record(kWalDiskFull, {{"lsn", static_cast<std::int64_t>(wal_->insert_lsn())}});
  panic("could not write to file \"pg_wal/xlogtemp\": No space left on device");
  return false;
}

void Postgres::checkpoint_if_needed(Lsn end) {
  // XLogCheckpointNeeded: CheckPointSegments = max_wal_size / (segment * (1 + completion target)).
  const std::uint64_t seg = config_.wal_segment_size_bytes;
  const auto cp_segments = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(static_cast<double>(config_.max_wal_size_mb) * 1024 * 1024 /
                                    (static_cast<double>(seg) * (1.0 + config_.checkpoint_completion_target))));
  if (end / seg - last_checkpoint_redo_ / seg >= cp_segments && !checkpoint_running_) checkpoint(false, nullptr);
}

void Postgres::checkpoint(bool shutdown, std::function<void()> done) {
  if (checkpoint_running_) {
    after_checkpoint_.push_back([this, shutdown, done] { checkpoint(shutdown, done); });
    return;
  }
  auto finish = [this, done](int removed) {
    checkpoint_running_ = false;
    record(kCheckpoint, {{"redo_lsn", static_cast<std::int64_t>(control_.redo_lsn)},
                         {"removed_segments", static_cast<std::int64_t>(removed)},
                         {"kept_bytes", static_cast<std::int64_t>(wal_->disk_bytes())}}, false);
    if (!shutdown_mode_) checkpoint_timer_.arm_after(config_.checkpoint_timeout, [this] { checkpoint(false, nullptr); });
    auto pending = std::move(after_checkpoint_);
    after_checkpoint_.clear();
    if (done) done();
    for (auto& fn : pending) fn();
  };
  if (in_recovery_) {
    // A restartpoint: at the last checkpoint record replayed.
    const Lsn redo = last_checkpoint_replayed_;
    control_.checkpoint_lsn = control_.redo_lsn = redo;
    control_.min_recovery_point = replay_lsn_;
    control_.timeline = replay_tli_;
    control_.state = shutdown ? ControlFile::State::ShutDownInRecovery : ControlFile::State::InArchiveRecovery;
    checkpoint_running_ = true;
    // CreateRestartPoint keeps WAL from the later of what was received and replayed.
    const Lsn recptr = std::max(wal_->flush_lsn(), replay_lsn_);
    write_control([this, finish, recptr] { finish(remove_old_wal(recptr)); });
    return;
  }
  // Nothing written since the last checkpoint: skipped (CreateCheckPoint's idle check).
  if (!shutdown && control_.state == ControlFile::State::InProduction && startup_done_ &&
      wal_->last_record_lsn() == control_.checkpoint_lsn) {
    if (done) done();
    checkpoint_timer_.arm_after(config_.checkpoint_timeout, [this] { checkpoint(false, nullptr); });
    return;
  }
  WalRecord r;
  r.kind = WalRecord::Kind::Checkpoint;
  r.size_bytes = kCheckpointRecordBytes;
  r.shutdown = shutdown;
  if (!wal_written(wal_->insert(r))) return;
  checkpoint_running_ = true;
  last_checkpoint_redo_ = r.lsn;
  pages_since_redo_.clear();  // the next change of every page writes its image again
  wait_flush(r.end(), [this, r, shutdown, finish] {
    control_.checkpoint_lsn = control_.redo_lsn = r.lsn;
    control_.timeline = r.timeline;
    control_.state = shutdown ? ControlFile::State::ShutDown : ControlFile::State::InProduction;
    write_control([this, r, finish] {
      const int removed = remove_old_wal(r.end());
      save_slots();
      finish(removed);
    });
  });
}

// ---- connections ----

void Postgres::send(sim::ConnId conn, std::any m, std::uint64_t bytes) {
  if (tcp().open(conn, *this)) tcp().send_data(conn, *this, std::move(m), bytes);
}

void Postgres::accept(sim::ConnId conn) {
  Backend backend;
  backend.conn = conn;
  backends_[conn] = std::move(backend);
  tcp().on_data(conn, *this, [this, conn](const std::any& m, std::uint64_t) {
    auto it = backends_.find(conn);
    if (it == backends_.end()) return;
    if (!it->second.started) {
      on_first_message(conn, m);
      return;
    }
    if (it->second.walsender) {
      if (WalSender* ws = walsender(conn)) ws->deliver(m);
      return;
    }
    if (const auto* q = std::any_cast<Query>(&m)) {
      on_query(conn, *q);
    } else if (std::any_cast<RewindSourceQuery>(&m) != nullptr) {
      const RewindSourceState st = rewind_source_state();
      send(conn, st, kSmallMessageBytes + st.control.size() + st.history.size());
    } else if (const auto* f = std::any_cast<RewindFetch>(&m)) {
      // The history's fork point of this server's timeline: what it wrote after it is new to
      // the target (its relation files' tails).
      DataCopy c = rewind_files(f->changed_blocks, history_.entries.size() > 1 ? history_.entries.back().begin : 0);
      const std::uint64_t bytes = c.bytes;
      send(conn, std::move(c), bytes);
    } else if (std::any_cast<Terminate>(&m) != nullptr) {
      tcp().close(conn, *this);
      backend_gone(conn);
    }
  });
  auto gone = [this, conn](const char* reason) {
    if (WalSender* ws = walsender(conn)) {
      ws->end(reason, false);
      tcp().close(conn, *this);
      return;
    }
    if (tcp().open(conn, *this)) tcp().close(conn, *this);
    backend_gone(conn);
  };
  tcp().on_close(conn, *this, [gone] { gone("unexpected EOF on standby connection"); });
  tcp().on_reset(conn, *this, [gone] { gone("could not receive data from client: Connection reset by peer"); });
  tcp().on_timeout(conn, *this, [gone] { gone("could not receive data from client: Connection timed out"); });
}

void Postgres::reject(sim::ConnId conn, const std::string& code, const std::string& message, const std::string& detail) {
  record(kConnectionRejected, {{"sqlstate", code}, {"message", message}});
  send(conn, ErrorResponse{"FATAL", code, message, detail});
  tcp().close(conn, *this);
  backends_.erase(conn);
}

void Postgres::on_first_message(sim::ConnId conn, const std::any& m) {
  if (const auto* c = std::any_cast<CancelRequest>(&m)) {
    for (auto& [id, b] : backends_)
      if (b.pid == c->pid && b.key == c->key && b.waiting_commit != 0) sync_rep_->cancel(b.waiting_commit);
    tcp().close(conn, *this);
    backends_.erase(conn);
    return;
  }
  const auto* sm = std::any_cast<StartupMessage>(&m);
  if (sm == nullptr) return;
  // ProcessStartupPacket / canAcceptConnections.
  switch (state_) {
    case ServerState::Starting:
      return reject(conn, sqlstate::kCannotConnectNow, "the database system is starting up");
    case ServerState::Recovering:
      if (startup_done_)
        return reject(conn, sqlstate::kCannotConnectNow, "the database system is not accepting connections",
                      "Hot standby mode is disabled.");
      return reject(conn, sqlstate::kCannotConnectNow, "the database system is not yet accepting connections",
                    "Consistent recovery state has not been yet reached.");
    case ServerState::ShuttingDown:
    case ServerState::Stopped:
      return reject(conn, sqlstate::kCannotConnectNow, "the database system is shutting down");
    default: break;
  }
  Backend& b = backends_[conn];
  if (sm->replication) {
    if (static_cast<int>(walsenders_.size()) >= config_.max_wal_senders)
      return reject(conn, sqlstate::kTooManyConnections,
                    "number of requested standby connections exceeds max_wal_senders (currently " +
                        std::to_string(config_.max_wal_senders) + ")");
  } else if (regular_backends() >= config_.max_connections) {
    return reject(conn, sqlstate::kTooManyConnections, "sorry, too many clients already");
  }
  for (const auto& [name, value] : sm->options) {
    // process_startup_options: a bad value ends the connection attempt with a FATAL.
    PostgresConfig probe = config_;
    if (!probe.set(name, value))
      return reject(conn, sqlstate::kInvalidParameterValue, "invalid value for parameter \"" + name + "\": \"" + value + "\"");
    if (name == "synchronous_commit") b.synchronous_commit = probe.synchronous_commit;
  }
  b.started = true;
  // InitPostgres reads the database's catalog, and a writable server prunes its full pages on the
  // way (heap_page_prune_opt; a hot standby never does).
  if (!sm->replication && sm->database == kSeedDatabase && !in_recovery_) prune_catalog();
  b.pid = next_pid_++;
  b.key = static_cast<std::uint32_t>(rng_.next_u64());
  b.walsender = sm->replication;
  if (b.walsender)
    walsenders_[conn] = std::make_unique<WalSender>(*this, conn, b.pid,
                                                    sm->application_name.empty() ? "walreceiver" : sm->application_name);
  // The login's answer leaves in one send(2): sendAuthRequest does not flush AUTH_REQ_OK ("need
  // not be sent until we are ready for queries", auth.c), the ParameterStatus and BackendKeyData
  // messages are buffered, and the first ReadyForQuery flushes them all.
  if (!tcp().open(conn, *this)) return;
  std::vector<sim::Tcp::Payload> answer;
  answer.push_back({AuthenticationOk{}, kSmallMessageBytes});
  if (!b.walsender) {
    // Reported at startup (PostgreSQL 14+): libpq's target_session_attrs decides from them.
    answer.push_back({ParameterStatus{"in_hot_standby", in_recovery_ ? "on" : "off"}, 24});
    answer.push_back({ParameterStatus{"default_transaction_read_only", config_.default_transaction_read_only ? "on" : "off"}, 40});
  }
  answer.push_back({BackendKeyData{b.pid, b.key}, kSmallMessageBytes});
  answer.push_back({ReadyForQuery{'I'}, kSmallMessageBytes});
  tcp().send_data(conn, *this, std::move(answer));
}

void Postgres::backend_gone(sim::ConnId conn) {
  backends_.erase(conn);
  // Its open transaction aborts: its row locks go to their next waiters.
  row_locks_.release_all(conn);
  if (shutdown_mode_) shutdown_step();
}

void Postgres::walsender_ended(sim::ConnId conn) {
  after(0, [this, conn] {
    walsenders_.erase(conn);
    backends_.erase(conn);
    sync_rep_->standbys_changed();
    if (shutdown_mode_) shutdown_step();
  });
}

const std::vector<Statement>& Postgres::statements_of(const std::string& sql, std::vector<Statement>& fresh) {
  if (auto it = parsed_.find(sql); it != parsed_.end()) return it->second;
  fresh = parse_statements(sql);
  const bool row = std::any_of(fresh.begin(), fresh.end(), [](const Statement& st) { return st.kind == Statement::Kind::Insert; });
  if (!row && parsed_.size() < kParsedKept) return parsed_.emplace(sql, std::move(fresh)).first->second;
  return fresh;
}

const sim::Distribution& Postgres::statement_time_of(const std::string& sql) {
  if (statement_time_by_command.empty() && statement_time_by_relation.empty()) return statement_time;
  std::size_t i = 0;
  while (i < sql.size() && (sql[i] == ' ' || (sql[i] >= '\t' && sql[i] <= '\r'))) ++i;
  std::size_t j = i;
  std::string word;
  for (; j < sql.size() && ((sql[j] >= 'A' && sql[j] <= 'Z') || (sql[j] >= 'a' && sql[j] <= 'z')); ++j)
    word += sql[j] >= 'a' ? static_cast<char>(sql[j] - 'a' + 'A') : sql[j];
  if (!statement_time_by_relation.empty()) {
    // Read only where some relation has its own times (validation of a pgbench record): one
    // statement on a relation, as pgbench sends them.
    std::vector<Statement> fresh;
    const auto& statements = statements_of(sql, fresh);
    using K = Statement::Kind;
    if (statements.size() == 1 && (statements.front().kind == K::Update || statements.front().kind == K::Select ||
                                   statements.front().kind == K::Insert)) {
      if (auto rel = statement_time_by_relation.find(statements.front().name); rel != statement_time_by_relation.end())
        if (auto it = rel->second.find(word); it != rel->second.end()) return it->second;
    }
  }
  // END is COMMIT (the grammar's synonym): the time measured for COMMIT is its time.
  if (word == "END") word = "COMMIT";
  if (auto it = statement_time_by_command.find(word); it != statement_time_by_command.end()) return it->second;
  return statement_time;
}

void Postgres::on_query(sim::ConnId conn, const Query& q) {
  Backend& b = backends_[conn];
  b.busy = true;
  sim::Time t = statement_time_of(q.sql).sample(rng_);
  // A client backend's first statement also fills its empty caches (the writer's first one is
  // its BEGIN: the whole transaction's extra, charged once, where the session starts).
  if (!b.warm && !b.walsender) t += backend_warmup.sample(warmup_rng_);
  b.warm = true;
  // An init-capture: a plain [q] of a const reference makes a const member, which the move into
  // the event's storage copies (a query's text copied twice per statement).
  after(t, [this, conn, query = q] {
    if (backends_.count(conn) != 0) run_query(conn, query);
  });
}

void Postgres::complete(sim::ConnId conn, CommandComplete c) {
  auto it = backends_.find(conn);
  if (it == backends_.end()) return;
  it->second.busy = false;
  c.served_by = node().name();
  if (c.timeline == 0) c.timeline = timeline();
  // ReadyForQuery's status: idle, in a transaction block, or in a failed one. EndCommand only
  // buffers CommandComplete; ReadyForQuery flushes the buffer (dest.c pq_flush), so both leave
  // in one send(2) and arrive together.
  const char status = it->second.in_block ? (it->second.block_failed ? 'E' : 'T') : 'I';
  if (!tcp().open(conn, *this)) return;
  std::vector<sim::Tcp::Payload> reply;
  reply.reserve(2);
  reply.push_back({std::move(c), kSmallMessageBytes});
  reply.push_back({ReadyForQuery{status}, kSmallMessageBytes});
  tcp().send_data(conn, *this, std::move(reply));
}

void Postgres::fail_query(sim::ConnId conn, const std::string& code, const std::string& message) {
  auto it = backends_.find(conn);
  if (it == backends_.end()) return;
  it->second.busy = false;
  if (it->second.in_block) it->second.block_failed = true;  // the rest of the block is refused
  // Two sends: send_message_to_frontend flushes an error at once (elog.c: "so that the client has
  // some clue what happened if the backend dies"), then ReadyForQuery flushes itself.
  send(conn, ErrorResponse{"ERROR", code, message, ""});
  send(conn, ReadyForQuery{it->second.in_block ? 'E' : 'I'});
}

SynchronousCommit Postgres::commit_level(sim::ConnId conn, std::optional<SynchronousCommit> local) const {
  if (local) return *local;
  if (auto it = backends_.find(conn); it != backends_.end() && it->second.synchronous_commit) return *it->second.synchronous_commit;
  return config_.synchronous_commit;
}

bool Postgres::block_statement(const Statement& st) const {
  using K = Statement::Kind;
  switch (st.kind) {
    case K::Begin:
    case K::Commit:
    case K::Rollback:
    case K::Update:
    case K::Select: return true;
    default: return false;
  }
}

void Postgres::run_query(sim::ConnId conn, const Query& q) {
  using K = Statement::Kind;
  std::vector<Statement> fresh;
  const std::vector<Statement>& statements = statements_of(q.sql, fresh);
  // One statement of a transaction block (pgbench's script, pg-writer.sh's four statements); an
  // INSERT outside a block commits on its own below.
  if (statements.size() == 1) {
    const Statement& st = statements.front();
    // pg-writer.sh's SELECT of txid_current() and the insert LSN, inside its block, likewise.
    if (block_statement(st) || ((st.kind == K::Insert || st.kind == K::TransactionInfo) && backends_[conn].in_block))
      return run_dml(conn, st, q.wal_bytes);
  }
  // Several statements in one query (PgConnection::write's BEGIN; [SET LOCAL ...;] INSERT;
  // COMMIT, as psql -c sends them), or one outside a block: the last SET of synchronous_commit
  // applies, an INSERT commits.
  const Statement* set = nullptr;
  const Statement* main = nullptr;  // what the answer is about: the first statement that is not
                                    // transaction control or a SET
  bool insert = false;
  for (const auto& st : statements) {
    if (st.kind == K::Set && st.name == "synchronous_commit") set = &st;
    if (st.kind == K::Insert) insert = true;
    if (main == nullptr && st.kind != K::Set && st.kind != K::Begin && st.kind != K::Commit && st.kind != K::Rollback &&
        st.kind != K::Other)
      main = &st;
  }
  std::optional<SynchronousCommit> local;
  if (set != nullptr) {
    // guc.c: an unknown level is an ERROR and changes nothing (nor, in a transaction block, lets
    // the rest of it run).
    const auto level = parse_synchronous_commit(set->value);
    if (!level)
      return fail_query(conn, sqlstate::kInvalidParameterValue,
                        "invalid value for parameter \"synchronous_commit\": \"" + set->value + "\"");
    if (set->local) local = level;
    else backends_[conn].synchronous_commit = *level;
    if (!insert) return complete(conn, CommandComplete{.tag = "SET"});
  }
  if (insert) return commit(conn, q.wal_bytes, local);
  if (main == nullptr && q.wal_bytes > 0) {
    // DDL whose catalog rows the client declares (pgbench -i's DROP, CREATE and TRUNCATE TABLE).
    if (in_recovery_ || config_.default_transaction_read_only)
      return fail_query(conn, sqlstate::kReadOnlyTransaction, "cannot execute " + command_tag(statements.back().text) +
                                                                  " in a read-only transaction");
    Lsn end = 0;
    if (!insert_data(q.wal_bytes, &end)) return;
    // Its transaction's commit: flushed before the client hears.
    return wait_flush(end, [this, conn, tag = command_tag(statements.back().text)] {
      if (backends_.count(conn) != 0) complete(conn, CommandComplete{.tag = tag});
    });
  }
  if (main == nullptr) return complete(conn, CommandComplete{.tag = "SELECT 1"});
  const Statement& st = *main;
  switch (st.kind) {
    case K::IsInRecovery: {
      CommandComplete c{.tag = "SELECT 1"};
      c.value = in_recovery_;
      return complete(conn, c);
    }
    case K::LastWalReceiveLsn: {
      // xlogfuncs.c: WalRcv->flushedUpto, what the walreceiver has received and flushed; it stays
      // after the walreceiver exits (a failover script asks once the primary is gone). NULL when
      // this server never streamed (a primary started without recovery).
      CommandComplete c{.tag = "SELECT 1"};
      if (walreceiver_ && walreceiver_->flushed_lsn() != 0) c.lsn = walreceiver_->flushed_lsn();
      return complete(conn, c);
    }
    case K::LastWalReplayLsn: {
      // The startup process's last replayed record; NULL when the server never ran recovery.
      CommandComplete c{.tag = "SELECT 1"};
      if (replay_lsn_ != 0) c.lsn = replay_lsn_;
      return complete(conn, c);
    }
    case K::Promote: {
      if (!in_recovery_) return fail_query(conn, sqlstate::kObjectNotInPrerequisiteState, "recovery is not in progress");
      promote();
      // pg_promote(wait => true, wait_seconds => 60): polls until recovery has ended.
      const sim::Time deadline = sim().now() + 60 * sim::kSecond;
      after(promote_poll, [this, conn, deadline] { poll_promote(conn, deadline); });
      return;
    }
    case K::ReloadConf: {
      reload();
      CommandComplete c{.tag = "SELECT 1"};
      c.value = true;
      return complete(conn, c);
    }
    case K::AlterSystemSet:
    case K::AlterSystemReset: {
      // ALTER SYSTEM SET name = value / name TO value: postgresql.auto.conf, applied at reload.
      PostgresConfig probe = config_;
      if (st.kind == K::AlterSystemSet && !probe.set(st.name, st.value))
        return fail_query(conn, "22023", "invalid value for parameter \"" + st.name + "\"");
      write_auto_conf(st.name, st.kind == K::AlterSystemSet ? st.value : "");
      return complete(conn, CommandComplete{.tag = "ALTER SYSTEM"});
    }
    case K::CreateSlot: {
      if (st.name.empty()) return fail_query(conn, "42601", "syntax error");
      if (slots_.count(st.name) != 0) return fail_query(conn, "42710", "replication slot \"" + st.name + "\" already exists");
      slots_[st.name] = Slot{};
      save_slots();
      return complete(conn, CommandComplete{.tag = "SELECT 1"});
    }
    case K::Checkpoint:
      return checkpoint(false, [this, conn] { complete(conn, CommandComplete{.tag = "CHECKPOINT"}); });
    case K::Copy: return copy_from(conn, st, q);
    case K::AddPrimaryKey: return add_primary_key(conn, st, q.wal_bytes);
    case K::Vacuum: return vacuum(conn, st, q.wal_bytes);
    case K::StandbysBehind: {
      // pg_current_wal_lsn() is an error during recovery; on a primary, the walsenders (every
      // row of pg_stat_replication) whose standby has not replayed up to it (NULL is distinct).
      if (in_recovery_)
        return fail_query(conn, "55000", "recovery is in progress");
      CommandComplete c{.tag = "SELECT 1"};
      for (const auto& [cid, ws] : walsenders_)
        if (ws->replay_lsn() != wal_->insert_lsn()) ++c.rows;
      return complete(conn, c);
    }
    case K::RowCount: {
      // count(*) or max(id) of the writers' table from a new snapshot: the workload's rows are its
      // commits, numbered by xid (one row each, ids rising in commit order as a serial's do with
      // one writer). A hot standby's snapshot holds what replay applied (visible_ follows each
      // commit record replayed), a primary's what has committed and left any sync-rep wait.
      CommandComplete c{.tag = "SELECT 1"};
      c.rows = visible_;
      return complete(conn, c);
    }
    default: return complete(conn, CommandComplete{.tag = "SELECT 1"});
  }
}

std::uint64_t Postgres::insert_wal_bytes(const Statement& insert, std::uint64_t declared) {
  // The records: the client's row (the writer's `wal_bytes`: its heap insert and primary-key
  // entry), else pgbench_history's heap insert (no index).
  std::uint64_t bytes = declared > 0 ? declared : kHeapInsertRecordBytes;
  if (insert.name != kUsersTable) return bytes;
  // The heap insert record carries the tuple (less its header): a narrower or wider row than the
  // one `wal_bytes` was measured on moves it by the difference (both are multiples of 8 here, as
  // created_at ends the tuple at double alignment).
  if (declared > 0 && insert.literal_lengths.size() == 2) {
    const std::uint64_t t = users_tuple_bytes(insert.literal_lengths);
    bytes = t >= kUsersReferenceTupleBytes ? bytes + (t - kUsersReferenceTupleBytes)
                                           : bytes - std::min(bytes, kUsersReferenceTupleBytes - t);
  }
  // The seed's users table: its rows are the commits, numbered by xid (as count/max read them),
  // appended to the heap's last page and to its primary key's rightmost leaf. A page's first
  // change since the redo point writes its image (XLogRecordAssemble, full_page_writes), without
  // the hole between pd_lower and pd_upper: the page header, the line pointers and the tuples
  // so far. A row that starts a new page initialises it in its record (XLOG_HEAP_INIT_PAGE,
  // REGBUF_WILL_INIT): no image.
  const auto row = static_cast<std::int64_t>(last_xid_);  // 0-based: the xid this commit takes, minus 1
  auto image = [&](const char* rel, std::int64_t per_page, std::uint64_t item_bytes, std::uint64_t special) -> std::uint64_t {
    const std::int64_t on_page = row % per_page;
    if (!pages_since_redo_[rel].insert(row / per_page).second || on_page == 0) return 0;
    return kPageHeaderBytes + static_cast<std::uint64_t>(on_page) * (item_bytes + kItemIdBytes) + special;
  };
  bytes += image("users", kUsersHeapRowsPerPage, kUsersHeapTupleBytes, 0);
  bytes += image("users_pkey", kUsersBtreeEntriesPerPage, kBtreeIndexTupleBytes, kBtreeSpecialBytes);
  if (row == 0) bytes += kBtreeNewRootRecordBytes;
  // nextval: it logs when its logged values ran out, or when its page's LSN is not past the redo
  // point (a checkpoint since: the next change must be logged whole), fetching 32 ahead.
  if (seq_log_cnt_ == 0 || seq_logged_at_ <= last_checkpoint_redo_) {
    bytes += kSequenceLogRecordBytes;
    seq_log_cnt_ = kSequenceLogValues;
    seq_logged_at_ = wal_->insert_lsn();
  } else {
    --seq_log_cnt_;
  }
  return bytes;
}

std::uint64_t Postgres::row_change_wal_bytes(const std::string& relation, std::int64_t key, std::uint64_t record_bytes) {
  const bool first = pages_since_redo_[relation].insert(key / kHeapRowsPerPage).second;
  return record_bytes + (first ? kFullPageImageBytes : 0);
}

void Postgres::run_dml(sim::ConnId conn, const Statement& d, std::uint64_t wal_bytes) {
  using K = Statement::Kind;
  Backend& b = backends_[conn];
  if (b.in_block && b.block_failed && d.kind != K::Commit && d.kind != K::Rollback)
    return fail_query(conn, "25P02", "current transaction is aborted, commands ignored until end of transaction block");
  switch (d.kind) {
    case K::Begin:
      // A BEGIN inside a block: WARNING "there is already a transaction in progress", no change.
      if (!b.in_block) {
        b.in_block = true;
        b.block_failed = false;
        b.block_wal_bytes = 0;
      }
      return complete(conn, CommandComplete{.tag = "BEGIN"});
    case K::Rollback:
      b.in_block = b.block_failed = false;
      row_locks_.release_all(conn);
      return complete(conn, CommandComplete{.tag = "ROLLBACK"});
    case K::Commit: {
      // END of a failed block rolls back; a block that wrote nothing has no xid and writes no
      // commit record (RecordTransactionCommit); outside a block: WARNING, nothing to do.
      const bool failed = b.block_failed;
      const std::uint64_t bytes = b.block_wal_bytes;
      const bool was_open = b.in_block;
      b.in_block = b.block_failed = false;
      b.block_wal_bytes = 0;
      if (!was_open || failed || bytes == 0) {
        row_locks_.release_all(conn);
        return complete(conn, CommandComplete{.tag = failed ? "ROLLBACK" : "COMMIT"});
      }
      return commit(conn, bytes, std::nullopt);
    }
    case K::Select:
      return complete(conn, CommandComplete{.tag = "SELECT 1"});
    case K::TransactionInfo: {
      // pg-writer.sh's SELECT txid_current(), pg_current_wal_insert_lsn(): the xid its commit
      // will carry (xids are given at commit here, in commit order) and where WAL is inserted
      // next, which is where its commit record goes while it is the only writer.
      CommandComplete c{.tag = "SELECT 1"};
      c.xid = last_xid_ + 1;
      if (wal_) c.lsn = wal_->insert_lsn();
      return complete(conn, c);
    }
    case K::Insert:
    case K::Update: {
      if (in_recovery_ || config_.default_transaction_read_only)
        return fail_query(conn, sqlstate::kReadOnlyTransaction,
                          std::string("cannot execute ") + (d.kind == K::Insert ? "INSERT" : "UPDATE") + " in a read-only transaction");
      if (d.kind == K::Insert) {
        // An append to the heap's last page: no row lock.
        b.block_wal_bytes += insert_wal_bytes(d, wal_bytes);
        return complete(conn, CommandComplete{.tag = "INSERT 0 1"});
      }
      const bool implicit = !b.in_block;  // an UPDATE outside a block commits on its own
      row_locks_.acquire(conn, {d.name, d.key}, [this, conn, d, implicit] {
        auto it = backends_.find(conn);
        if (it == backends_.end()) return;
        const std::uint64_t bytes = row_change_wal_bytes(d.name, d.key, kHeapUpdateRecordBytes);
        if (implicit) return commit(conn, bytes, std::nullopt);
        it->second.block_wal_bytes += bytes;
        complete(conn, CommandComplete{.tag = "UPDATE 1"});
      });
      return;
    }
    default:  // not a block statement (block_statement() chose): the query path answers those
      return complete(conn, CommandComplete{.tag = "SELECT 1"});
  }
}

void Postgres::write_auto_conf(const std::string& name, const std::string& value) {
  // AlterSystemSetConfigFile: postgresql.auto.conf rewritten (through a temporary file, renamed,
  // durable), the parameter's line replaced, or dropped by RESET (an empty value here).
  sim::Disk& disk = node().disk();
  std::string text = disk.read_file(auto_conf_path(kPgData)).value_or("");
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line))
    if (line.rfind(name + " =", 0) != 0) out += line + "\n";
  if (!value.empty()) out += name + " = " + value + "\n";
  disk.write_file(auto_conf_path(kPgData), out);
  disk.fsync(auto_conf_path(kPgData), owner(), noop_done);
}

void Postgres::operator_sql(const std::vector<OperatorStatement>& statements) {
  // psql cannot connect to a server that is down, starting up or shutting down.
  if (!running() || (state_ != ServerState::Running && state_ != ServerState::HotStandby)) return;
  for (const auto& st : statements) {
    record(kStatementStarted, {{"statement", st.text}});
    using K = OperatorStatement::Kind;
    switch (st.kind) {
      case K::AlterSystemSet: write_auto_conf(st.name, st.value); break;
      case K::AlterSystemReset: write_auto_conf(st.name, ""); break;
      // pg_reload_conf() signals the postmaster (SIGHUP); its children reload at once.
      case K::ReloadConf: reload(); break;
      case K::Promote: promote(); break;
      case K::Checkpoint:
        if (!in_recovery_) checkpoint(false, nullptr);
        break;
      case K::CreateSlot:
        // "replication slot ... already exists" leaves the existing one as it is.
        if (slots_.count(st.name) == 0) {
          slots_[st.name] = Slot{};
          save_slots();
        }
        break;
      default: break;  // parse_operator_sql refuses every other kind
    }
  }
}

void Postgres::poll_promote(sim::ConnId conn, sim::Time deadline) {
  if (!in_recovery_ || sim().now() >= deadline) {
    CommandComplete c{.tag = "SELECT 1"};
    c.value = !in_recovery_;  // false: "server did not promote within 60 seconds"
    complete(conn, c);
    return;
  }
  after(promote_poll, [this, conn, deadline] { poll_promote(conn, deadline); });
}

void Postgres::commit(sim::ConnId conn, std::uint64_t wal_bytes, std::optional<SynchronousCommit> local) {
  if (in_recovery_ || config_.default_transaction_read_only)
    return fail_query(conn, sqlstate::kReadOnlyTransaction, "cannot execute INSERT in a read-only transaction");
  const SynchronousCommit mode = commit_level(conn, local);
  WalRecord r;
  r.kind = WalRecord::Kind::Commit;
  r.size_bytes = wal_bytes + kCommitOverheadBytes;
  r.xid = last_xid_ + 1;
  r.commit_time = sim().now();
  r.apply_feedback = mode == SynchronousCommit::RemoteApply && sync_rep_->defined();
  if (!wal_written(wal_->insert(r))) return;
  last_xid_ = r.xid;
  checkpoint_if_needed(r.end());
  if (!running()) return;
  auto done = [this, conn, r](bool canceled) {
    visible_ = std::max<std::int64_t>(visible_, static_cast<std::int64_t>(r.xid));
    // The transaction has ended (after its flush and any sync-rep wait): its rows are free.
    row_locks_.release_all(conn);
    record(kCommitDone, {{"xid", static_cast<std::int64_t>(r.xid)}, {"timeline", static_cast<std::int64_t>(r.timeline)},
                         {"lsn", static_cast<std::int64_t>(r.lsn)}}, false);
    if (canceled)
      send(conn, NoticeResponse{"WARNING", sqlstate::kQueryCanceled,
                                "canceling wait for synchronous replication due to user request",
                                "The transaction has already committed locally, but might not have been replicated to the standby."});
    CommandComplete c{.tag = "COMMIT"};
    c.commit_lsn = r.lsn;
    c.timeline = r.timeline;
    c.xid = r.xid;
    complete(conn, c);
  };
  if (mode == SynchronousCommit::Off) {
    // The WAL writer flushes it within wal_writer_delay (up to 3x under load).
    if (!walwriter_timer_.armed()) walwriter_timer_.arm_after(config_.wal_writer_delay, [this] { wal_->flush(); });
    return done(false);
  }
  auto flushed = [this, conn, r, mode, done] {
    if (!sync_rep_->defined() || mode < SynchronousCommit::RemoteWrite) return done(false);
    const std::uint64_t id = next_wait_id_++;
    if (auto it = backends_.find(conn); it != backends_.end()) it->second.waiting_commit = id;
    record(kCommitWaitingForSync, {{"xid", static_cast<std::int64_t>(r.xid)}, {"lsn", static_cast<std::int64_t>(r.lsn)}});
    sync_rep_->wait(id, r.end(), mode, [this, conn, r, done](bool canceled) {
      if (auto it = backends_.find(conn); it != backends_.end()) it->second.waiting_commit = 0;
      if (canceled) record(kSyncWaitCanceled, {{"xid", static_cast<std::int64_t>(r.xid)}, {"lsn", static_cast<std::int64_t>(r.lsn)}});
      done(canceled);
    });
  };
  // Where the real runs timed their COMMITs (commit_flush), the flush takes what a committing
  // backend met: on a loaded host its own fdatasync's wake-up and the CPU it waits for too.
  wait_flush(r.end(), flushed, commit_flush ? std::optional<sim::Time>(commit_flush->sample(commit_flush_rng_)) : std::nullopt);
}

void Postgres::reload() {
  const PostgresConfig old = config_;
  load_config();
  sync_rep_->configure(SyncStandbyNames::parse(config_.synchronous_standby_names).value_or(SyncStandbyNames{}));
  record(kReload, {{"synchronous_standby_names", config_.synchronous_standby_names}});
  // SyncRepUpdateSyncStandbysDefined: emptied, every waiter is released.
  if (!sync_rep_->defined()) sync_rep_->release_all();
  else sync_rep_->standbys_changed();
  // Since 13 a changed primary_conninfo or primary_slot_name restarts the walreceiver.
  if (in_recovery_ && (old.primary_conninfo != config_.primary_conninfo || old.primary_slot_name != config_.primary_slot_name)) {
    if (walreceiver_->active()) walreceiver_->stop("primary_conninfo changed");
    else start_walreceiver();
  }
}

// ---- signals and shutdown ----

void Postgres::signal(PgSignal s) {
  if (s == PgSignal::Hup) {
    if (running()) after(0, [this] { reload(); });
    return;
  }
  if (state() == sim::ProcessState::Stopping) {
    const ShutdownMode m = s == PgSignal::Term ? ShutdownMode::Smart : s == PgSignal::Int ? ShutdownMode::Fast : ShutdownMode::Immediate;
    after(0, [this, m] { begin_shutdown(m); });
    return;
  }
  pending_signal_ = s;
  stop();
}

void Postgres::on_sigterm() {
  hold_exit();
  const PgSignal s = pending_signal_.value_or(stop_signal);
  pending_signal_.reset();
  begin_shutdown(s == PgSignal::Term ? ShutdownMode::Smart : s == PgSignal::Int ? ShutdownMode::Fast : ShutdownMode::Immediate);
}

void Postgres::begin_shutdown(ShutdownMode mode) {
  if (shutdown_mode_ && static_cast<int>(mode) <= static_cast<int>(*shutdown_mode_)) return;
  shutdown_mode_ = mode;
  record(kShutdownRequested, {{"mode", std::string(to_string(mode))}});
  const bool starting = !startup_done_;
  state_ = ServerState::ShuttingDown;
  retry_timer_.cancel();
  checkpoint_timer_.cancel();
  if (mode == ShutdownMode::Immediate || starting) {
    record(kShutdownDone, {{"mode", std::string(to_string(mode))}});
    finish_stop();
    return;
  }
  if (mode == ShutdownMode::Fast) {
    // SIGTERM to every backend: "terminating connection due to administrator command".
    std::vector<sim::ConnId> regular;
    for (const auto& [c, b] : backends_)
      if (!b.walsender) regular.push_back(c);
    for (auto c : regular) {
      if (backends_[c].started)
        send(c, ErrorResponse{"FATAL", sqlstate::kAdminShutdown, "terminating connection due to administrator command", ""});
      tcp().close(c, *this);
      backends_.erase(c);
    }
    sync_rep_->release_all();
  }
  shutdown_step();
}

void Postgres::shutdown_step() {
  if (!shutdown_mode_ || state() != sim::ProcessState::Stopping) return;
  if (*shutdown_mode_ == ShutdownMode::Smart && regular_backends() > 0) return;
  if (in_recovery_ && walreceiver_->active()) walreceiver_->stop("shutdown");
  if (!shutdown_checkpoint_started_) {
    shutdown_checkpoint_started_ = true;
    // The shutdown checkpoint (a restartpoint on a standby), then the walsenders send what is
    // left, WAL up to the checkpoint record included, and exit once it is flushed.
    checkpoint(true, [this] {
      shutdown_checkpoint_done_ = true;
      std::vector<sim::ConnId> conns;
      for (const auto& [c, ws] : walsenders_) conns.push_back(c);
      for (auto c : conns)
        if (WalSender* ws = walsender(c)) ws->begin_stopping();
      shutdown_step();
    });
    return;
  }
  if (!shutdown_checkpoint_done_ || !walsenders_.empty()) return;
  record(kShutdownDone, {{"mode", std::string(to_string(*shutdown_mode_))}});
  finish_stop();
}

void Postgres::on_exit() {
  state_ = ServerState::Stopped;
  walsenders_.clear();
  backends_.clear();
  row_locks_.clear();
  flush_waiters_.clear();
  after_checkpoint_.clear();
  replaying_ = false;
  checkpoint_running_ = false;
}

}  // namespace models::postgres
