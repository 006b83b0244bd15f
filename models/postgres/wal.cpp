// WAL segments, pg_control and timeline history files on the node's disk (access/transam/
// xlog.c, timeline.c, xlog_internal.h).
#include "models/postgres/wal.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <sstream>

#include "sim/node.hpp"

namespace models::postgres {

std::string format_lsn(Lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

namespace {
std::optional<Lsn> parse_lsn(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  try {
    const std::uint64_t hi = std::stoull(text.substr(0, slash), nullptr, 16);
    const std::uint64_t lo = std::stoull(text.substr(slash + 1), nullptr, 16);
    return (hi << 32) | lo;
  } catch (...) {
    return std::nullopt;
  }
}
std::string wal_dir(const std::string& pgdata) { return pgdata + "/pg_wal"; }
std::string basename(const std::string& path) {
  const auto s = path.rfind('/');
  return s == std::string::npos ? path : path.substr(s + 1);
}
/// A 24-hex-digit segment file name: its timeline and segment number.
bool parse_segment_name(const std::string& name, std::uint64_t segs_per_xlogid, TimeLineId& tli, std::uint64_t& segno) {
  if (name.size() != 24 || name.find_first_not_of("0123456789ABCDEF") != std::string::npos) return false;
  tli = static_cast<TimeLineId>(std::stoul(name.substr(0, 8), nullptr, 16));
  segno = std::stoull(name.substr(8, 8), nullptr, 16) * segs_per_xlogid + std::stoull(name.substr(16, 8), nullptr, 16);
  return true;
}
}  // namespace

const char* to_string(ControlFile::State s) {
  switch (s) {
    case ControlFile::State::Starting: return "starting up";
    case ControlFile::State::ShutDown: return "shut down";
    case ControlFile::State::ShutDownInRecovery: return "shut down in recovery";
    case ControlFile::State::InCrashRecovery: return "in crash recovery";
    case ControlFile::State::InArchiveRecovery: return "in archive recovery";
    case ControlFile::State::InProduction: return "in production";
  }
  return "?";
}

std::string ControlFile::text() const {
  std::ostringstream o;
  o << "system_identifier=" << system_identifier << "\n"
    << "state=" << static_cast<int>(state) << "\n"
    << "timeline=" << timeline << "\n"
    << "checkpoint_lsn=" << format_lsn(checkpoint_lsn) << "\n"
    << "redo_lsn=" << format_lsn(redo_lsn) << "\n"
    << "min_recovery_point=" << format_lsn(min_recovery_point) << "\n"
    << "wal_log_hints=" << (wal_log_hints ? 1 : 0) << "\n"
    << "data_checksums=" << (data_checksums ? 1 : 0) << "\n"
    << "xlog_seg_size=" << xlog_seg_size << "\n";
  return o.str();
}

std::optional<ControlFile> ControlFile::parse(const std::string& text) {
  ControlFile c;
  std::istringstream in(text);
  std::string line;
  int seen = 0;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    try {
      if (k == "system_identifier") c.system_identifier = std::stoull(v), ++seen;
      else if (k == "state") c.state = static_cast<State>(std::stoi(v)), ++seen;
      else if (k == "timeline") c.timeline = static_cast<TimeLineId>(std::stoul(v)), ++seen;
      else if (k == "checkpoint_lsn") c.checkpoint_lsn = parse_lsn(v).value_or(0), ++seen;
      else if (k == "redo_lsn") c.redo_lsn = parse_lsn(v).value_or(0), ++seen;
      else if (k == "min_recovery_point") c.min_recovery_point = parse_lsn(v).value_or(0);
      else if (k == "wal_log_hints") c.wal_log_hints = v == "1";
      else if (k == "data_checksums") c.data_checksums = v == "1";
      else if (k == "xlog_seg_size") c.xlog_seg_size = std::stoull(v);
    } catch (...) {
      return std::nullopt;
    }
  }
  if (seen < 5) return std::nullopt;  // torn or empty: "incorrect checksum in control file"
  return c;
}

TimeLineId TimelineHistory::timeline_at(Lsn lsn) const {
  for (const auto& e : entries)
    if (lsn < e.end) return e.timeline;
  return timeline();
}

std::optional<Lsn> TimelineHistory::switchpoint(TimeLineId tli) const {
  for (const auto& e : entries)
    if (e.timeline == tli) return e.end;
  return std::nullopt;
}

std::string TimelineHistory::file_text() const {
  std::string out;
  for (std::size_t i = 0; i + 1 < entries.size(); ++i)
    out += std::to_string(entries[i].timeline) + "\t" + format_lsn(entries[i].end) + "\tno recovery target specified\n";
  return out;
}

TimelineHistory TimelineHistory::parse(TimeLineId tli, const std::string& text) {
  TimelineHistory h;
  std::istringstream in(text);
  std::string line;
  Lsn begin = 0;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string parent, lsn;
    if (!(f >> parent >> lsn)) continue;
    const auto end = parse_lsn(lsn);
    if (!end) continue;
    h.entries.push_back({static_cast<TimeLineId>(std::stoul(parent)), begin, *end});
    begin = *end;
  }
  h.entries.push_back({tli, begin, UINT64_MAX});
  return h;
}

TimelineHistory TimelineHistory::fork(TimeLineId new_tli, Lsn switch_lsn) const {
  TimelineHistory h = *this;
  if (h.entries.empty()) h.entries.push_back({1, 0, UINT64_MAX});
  h.entries.back().end = switch_lsn;
  h.entries.push_back({new_tli, switch_lsn, UINT64_MAX});
  return h;
}

std::string pg_control_path(const std::string& pgdata) { return pgdata + "/global/pg_control"; }
std::string history_path(const std::string& pgdata, TimeLineId tli) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "/%08X.history", tli);
  return wal_dir(pgdata) + buf;
}
std::string standby_signal_path(const std::string& pgdata) { return pgdata + "/standby.signal"; }
std::string auto_conf_path(const std::string& pgdata) { return pgdata + "/postgresql.auto.conf"; }
std::string prunable_catalog_path(const std::string& pgdata) { return pgdata + "/hasim_prunable_catalog"; }
std::string slot_path(const std::string& pgdata, const std::string& slot) { return pgdata + "/pg_replslot/" + slot; }

TimelineHistory read_history(const sim::Disk& disk, const std::string& pgdata, TimeLineId tli) {
  if (tli <= 1) return TimelineHistory{{{1, 0, UINT64_MAX}}};
  const auto text = disk.read_file(history_path(pgdata, tli));
  return TimelineHistory::parse(tli, text.value_or(""));
}

TimeLineId newest_timeline(const sim::Disk& disk, const std::string& pgdata, TimeLineId tli) {
  for (const auto& path : disk.list(wal_dir(pgdata))) {
    const std::string name = basename(path);
    if (name.size() == 16 && name.substr(8) == ".history")
      tli = std::max<TimeLineId>(tli, static_cast<TimeLineId>(std::stoul(name.substr(0, 8), nullptr, 16)));
  }
  return tli;
}

Wal::Wal(sim::Process& owner, std::string pgdata, std::uint64_t segment_size_bytes)
    : owner_(owner), pgdata_(std::move(pgdata)), segment_size_(segment_size_bytes) {}

std::string segment_file_path(const std::string& pgdata, TimeLineId tli, std::uint64_t segno, std::uint64_t segment_size) {
  const std::uint64_t per_id = 0x100000000ull / segment_size;
  char buf[32];
  std::snprintf(buf, sizeof buf, "/%08X%08X%08X", tli, static_cast<unsigned>(segno / per_id),
                static_cast<unsigned>(segno % per_id));
  return wal_dir(pgdata) + buf;
}

std::string Wal::segment_path(TimeLineId tli, std::uint64_t segno) const {
  return segment_file_path(pgdata_, tli, segno, segment_size_);
}

void Wal::restart_at(Lsn end, Lsn last, TimeLineId tli) {
  insert_lsn_ = end;
  flush_lsn_ = std::min(flush_lsn_, end);
  last_record_ = last;
  tli_ = tli;
}

void Wal::reset(Lsn end, Lsn last_record, TimeLineId tli, std::map<Lsn, WalRecord> records) {
  insert_lsn_ = flush_lsn_ = end;
  last_record_ = last_record;
  tli_ = tli;
  records_.clear();
  for (auto& [lsn, r] : records) records_.push_back({lsn, sim::Data::record(r.size_bytes, std::move(r))});
}

std::deque<Wal::Kept>::const_iterator Wal::lower_bound(Lsn lsn) const {
  // Nearly every question is about the newest records (a walsender's next batch, replay's next
  // record, a standby's append), and a busy server holds hundreds of thousands: a binary search
  // over them all took 18 steps through the deque's blocks. This gallops back from the end
  // (1, 2, 4, ... records) to the first window that holds the answer, then searches only that.
  std::size_t hi = records_.size();  // records_[hi] is at or after `lsn` (or hi is the end)
  std::size_t lo = 0;
  for (std::size_t step = 1; hi > 0; step *= 2) {
    const std::size_t probe = hi > step ? hi - step : 0;
    if (records_[probe].lsn < lsn) {
      lo = probe + 1;
      break;
    }
    hi = probe;
  }
  return std::lower_bound(records_.begin() + static_cast<std::ptrdiff_t>(lo), records_.begin() + static_cast<std::ptrdiff_t>(hi), lsn,
                          [](const Kept& r, Lsn l) { return r.lsn < l; });
}

const WalRecord* Wal::record_at(Lsn lsn) const {
  auto it = lower_bound(lsn);
  return it != records_.end() && it->lsn == lsn ? &it->record() : nullptr;
}

sim::FsError Wal::write_at(const WalRecord& r, const sim::Data& data) {
  sim::Disk& disk = owner_.node().disk();
  // Records arrive in order, so nearly every one goes to the segment of the one before: its
  // name is formatted once per segment, not once per record.
  if (path_tli_ != r.timeline || path_segno_ != segno(r.lsn) || path_.empty()) {
    path_ = segment_path(r.timeline, segno(r.lsn));
    path_tli_ = r.timeline;
    path_segno_ = segno(r.lsn);
    path_dirty_ = false;
  }
  const std::string& path = path_;
  if (!disk.exists(path)) {
    // XLogFileInit: a new segment is written full of zeros before use (and so takes its space).
    const sim::FsError e = disk.write(path, 0, sim::Data::sized(segment_size_));
    if (e != sim::FsError::Ok) {
      disk.remove(path);
      return e;
    }
  }
  const sim::FsError e = disk.write(path, r.lsn % segment_size_, data);
  if (e == sim::FsError::Ok && !path_dirty_) {
    dirty_segments_.insert(path);
    path_dirty_ = true;
  }
  return e;
}

Lsn record_start(Lsn end, std::uint64_t segment_size) {
  if (end % segment_size == 0) return end + kSegmentHeaderBytes;
  if (end % kWalPageBytes == 0) return end + kWalPageHeaderBytes;
  return end;
}

namespace {
/// `bytes` of record from `start` on, with the header of every page it runs into.
std::uint64_t spanned(Lsn start, std::uint64_t bytes) {
  std::uint64_t total = 0;
  Lsn at = start;
  while (true) {
    const std::uint64_t room = kWalPageBytes - at % kWalPageBytes;
    if (bytes <= room) return total + bytes;
    total += room + kWalPageHeaderBytes;
    bytes -= room;
    at += room + kWalPageHeaderBytes;
  }
}
}  // namespace

Lsn place_record(Lsn end, std::uint64_t& bytes, std::uint64_t segment_size) {
  Lsn lsn = record_start(end, segment_size);
  std::uint64_t len = spanned(lsn, bytes);
  if (lsn % segment_size + len > segment_size) {
    lsn = (lsn / segment_size + 1) * segment_size + kSegmentHeaderBytes;
    len = spanned(lsn, bytes);
  }
  bytes = len;
  return lsn;
}

std::vector<WalRecord> backup_end_records(Lsn end, Lsn last, int count, TimeLineId tli, std::uint64_t segment_size) {
  std::vector<WalRecord> out;
  for (int i = 0; i < count; ++i) {
    WalRecord b;
    b.kind = WalRecord::Kind::BackupEnd;
    b.size_bytes = maxalign(kBackupEndRecordBytes);
    b.lsn = place_record(end, b.size_bytes, segment_size);
    b.prev = last;
    b.timeline = tli;
    out.push_back(b);
    WalRecord s;
    s.kind = WalRecord::Kind::Switch;
    s.lsn = record_start(b.end(), segment_size);
    s.size_bytes = (b.end() / segment_size + 1) * segment_size - s.lsn;
    s.prev = b.lsn;
    s.timeline = tli;
    out.push_back(s);
    end = s.end();
    last = s.lsn;
  }
  return out;
}

sim::FsError Wal::insert(WalRecord& r) {
  r.size_bytes = maxalign(std::max<std::uint64_t>(r.size_bytes, kMinRecordBytes));
  r.lsn = place_record(insert_lsn_, r.size_bytes, segment_size_);
  r.prev = last_record_;
  r.timeline = tli_;
  return write_received(r);
}

sim::FsError Wal::switch_segment() {
  const Lsn start = record_start(insert_lsn_, segment_size_);
  const Lsn segment_end = (insert_lsn_ / segment_size_ + 1) * segment_size_;
  if (insert_lsn_ % segment_size_ == 0 || start + kMinRecordBytes > segment_end) return sim::FsError::Ok;
  WalRecord r;
  r.kind = WalRecord::Kind::Switch;
  r.lsn = start;
  r.size_bytes = segment_end - start;  // the record and the zeroed pages after it, to the end
  r.prev = last_record_;
  r.timeline = tli_;
  return write_received(r);
}

/// Writes a record at its own LSN (one inserted here, or one a standby received) and moves the
/// end of WAL past it.
sim::FsError Wal::write_received(const WalRecord& r) {
  sim::Data data = sim::Data::record(r.size_bytes, r);
  const sim::FsError e = write_at(r, data);
  if (e != sim::FsError::Ok) return e;
  if (records_.empty() || records_.back().lsn < r.lsn) {
    records_.push_back({r.lsn, std::move(data)});
  } else {  // a record written again at its own LSN (a re-sent batch), or one before the end
    auto it = records_.begin() + (lower_bound(r.lsn) - records_.cbegin());
    if (it != records_.end() && it->lsn == r.lsn) it->data = std::move(data);
    else records_.insert(it, {r.lsn, std::move(data)});
  }
  last_record_ = r.lsn;
  insert_lsn_ = r.end();
  return e;
}

void Wal::truncate_after(Lsn end) {
  records_.erase(lower_bound(end), records_.cend());
  sim::Disk& disk = owner_.node().disk();
  const std::uint64_t per_id = 0x100000000ull / segment_size_;
  for (const auto& path : disk.list(wal_dir(pgdata_))) {
    TimeLineId tli = 0;
    std::uint64_t no = 0;
    if (!parse_segment_name(basename(path), per_id, tli, no)) continue;
    if (no > segno(end)) {
      disk.remove(path);
    } else if (no == segno(end) && end % segment_size_ != 0) {
      // Pages after the end are re-initialised before reuse: nothing stale may follow it.
      const std::uint64_t off = end % segment_size_;
      disk.write(path, off, sim::Data::sized(segment_size_ - off));
    }
  }
  if (insert_lsn_ > end) insert_lsn_ = end;
  if (flush_lsn_ > end) flush_lsn_ = end;
}

void Wal::flush(std::optional<sim::Time> latency) {
  if (latency) flush_latency_ = latency;
  if (flushing_) {
    flush_again_ = true;
    return;
  }
  if (dirty_segments_.empty()) {
    if (flush_lsn_ < insert_lsn_) flush_lsn_ = insert_lsn_;
    flush_latency_.reset();
    return;
  }
  start_flush();
}

void Wal::start_flush() {
  flushing_ = true;
  flush_again_ = false;
  const Lsn target = insert_lsn_;
  std::set<std::string> segs;
  segs.swap(dirty_segments_);
  path_dirty_ = false;
  auto remaining = std::make_shared<std::size_t>(segs.size());
  const std::optional<sim::Time> latency = flush_latency_;
  flush_latency_.reset();
  for (const auto& path : segs) {
    owner_.node().disk().fsync(path, owner_.owner(), [this, remaining, target](sim::FsError) {
      if (--*remaining != 0) return;
      flushing_ = false;
      flush_lsn_ = std::max(flush_lsn_, target);
      if (flush_again_ && !dirty_segments_.empty()) start_flush();
      // A latency asked for during this flush, with nothing left to write, belongs to no later
      // flush (a WAL writer's own must take the disk's fsync).
      else flush_latency_.reset();
      if (on_flushed) on_flushed();
    }, latency);
  }
}

std::vector<WalRecord> Wal::read(Lsn from, Lsn to, std::uint64_t max_bytes) const {
  std::vector<WalRecord> out;
  std::uint64_t bytes = 0;
  for (auto it = lower_bound(from); it != records_.end() && it->lsn < to; ++it) {
    const WalRecord& r = it->record();
    if (!out.empty() && bytes + r.size_bytes > max_bytes) break;
    out.push_back(r);
    bytes += r.size_bytes;
  }
  return out;
}

const WalRecord* Wal::at_or_after(Lsn lsn) const {
  auto it = lower_bound(lsn);
  return it == records_.end() ? nullptr : &it->record();
}

int Wal::remove_before(Lsn keep_from) {
  sim::Disk& disk = owner_.node().disk();
  const std::uint64_t per_id = 0x100000000ull / segment_size_;
  int removed = 0;
  for (const auto& path : disk.list(wal_dir(pgdata_))) {
    TimeLineId tli = 0;
    std::uint64_t no = 0;
    if (!parse_segment_name(basename(path), per_id, tli, no)) continue;
    if ((no + 1) * segment_size_ <= keep_from) {
      disk.remove(path);
      dirty_segments_.erase(path);
      path_dirty_ = false;
      ++removed;
    }
  }
  const Lsn first_kept = segno(keep_from) * segment_size_;
  records_.erase(records_.cbegin(), lower_bound(first_kept));
  return removed;
}

std::uint64_t Wal::disk_bytes() const {
  const sim::Disk& disk = owner_.node().disk();
  std::uint64_t total = 0;
  for (const auto& path : disk.list(wal_dir(pgdata_))) total += disk.size(path).value_or(0);
  return total;
}

std::vector<WalSegmentCopy> Wal::segment_files(std::uint64_t* total_bytes) const {
  std::vector<WalSegmentCopy> out;
  const sim::Disk& disk = owner_.node().disk();
  const std::uint64_t per_id = 0x100000000ull / segment_size_;
  if (total_bytes) *total_bytes = 0;
  for (const auto& path : disk.list(wal_dir(pgdata_))) {
    WalSegmentCopy seg;
    if (!parse_segment_name(basename(path), per_id, seg.timeline, seg.segno)) continue;
    for (const auto& [offset, rec] : disk.records<WalRecord>(path))
      if (rec.lsn == seg.segno * segment_size_ + offset) seg.records.push_back(rec);
    if (total_bytes) *total_bytes += disk.size(path).value_or(0);
    out.push_back(std::move(seg));
  }
  return out;
}

void write_wal_copy(sim::Disk& disk, const std::string& pgdata, std::uint64_t segment_size,
                    const std::vector<WalSegmentCopy>& segments,
                    const std::vector<std::pair<TimeLineId, std::string>>& histories) {
  for (const auto& path : disk.list(wal_dir(pgdata))) disk.remove(path);
  for (const auto& seg : segments) {
    const std::string path = segment_file_path(pgdata, seg.timeline, seg.segno, segment_size);
    disk.write(path, 0, sim::Data::sized(segment_size));
    for (const auto& r : seg.records) disk.write(path, r.lsn % segment_size, sim::Data::record(r.size_bytes, r));
  }
  for (const auto& [tli, text] : histories) disk.write_file(history_path(pgdata, tli), text);
}

std::map<Lsn, std::map<TimeLineId, WalRecord>> Wal::scan() const {
  std::map<Lsn, std::map<TimeLineId, WalRecord>> out;
  const sim::Disk& disk = owner_.node().disk();
  const std::uint64_t per_id = 0x100000000ull / segment_size_;
  for (const auto& path : disk.list(wal_dir(pgdata_))) {
    TimeLineId tli = 0;
    std::uint64_t no = 0;
    if (!parse_segment_name(basename(path), per_id, tli, no)) continue;
    for (const auto& [offset, rec] : disk.records<WalRecord>(path))
      if (rec.lsn == no * segment_size_ + offset) out[rec.lsn][rec.timeline] = rec;
  }
  return out;
}

}  // namespace models::postgres
