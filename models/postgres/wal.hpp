#pragma once
// The write-ahead log and the control data that live in the data directory (PGDATA) on the
// node's disk: pg_control, timeline history files and WAL segment files in pg_wal/. The disk
// model decides what a crash keeps; this file only writes, fsyncs and reads back.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "models/postgres/protocol.hpp"
#include "sim/disk.hpp"
#include "sim/process.hpp"

namespace models::postgres {

/// The image's PGDATA (docker-library/postgres: /var/lib/postgresql/data).
inline constexpr const char* kPgData = "/var/lib/postgresql/data";

/// pg_control's fields the models use (catalog/pg_control.h ControlFileData). Stored as text
/// "key=value" lines in global/pg_control: readable in tests, written whole and fsynced.
struct ControlFile {
  enum class State { Starting, ShutDown, ShutDownInRecovery, InCrashRecovery, InArchiveRecovery, InProduction };
  std::uint64_t system_identifier = 0;
  State state = State::ShutDown;
  TimeLineId timeline = 1;       // checkPointCopy.ThisTimeLineID
  Lsn checkpoint_lsn = 0;        // the latest checkpoint record
  Lsn redo_lsn = 0;              // its redo point: where recovery starts
  Lsn min_recovery_point = 0;    // a standby's: replayed at least this far
  /// wal_log_hints as the server last started with it, and initdb's --data-checksums (off
  /// unless asked: Debian's initdb and pg_createcluster do not ask): what pg_rewind checks.
  bool wal_log_hints = false;
  bool data_checksums = false;
  /// xlog_seg_size: initdb --wal-segsize, which pg_rewind reads from here.
  std::uint64_t xlog_seg_size = 16ull * 1024 * 1024;
  std::string text() const;
  static std::optional<ControlFile> parse(const std::string& text);
};
const char* to_string(ControlFile::State s);

/// A timeline's history (timeline.c): the ancestors of `timeline`, each with the LSN where
/// the next one forked off ("switchpoint"). `1.history` does not exist: timeline 1 has none.
struct TimelineHistory {
  struct Entry {
    TimeLineId timeline = 0;
    Lsn begin = 0;
    Lsn end = 0;  // switchpoint; UINT64_MAX for the newest (this) timeline
  };
  std::vector<Entry> entries;  // oldest first, the last one is `timeline` itself
  TimeLineId timeline() const { return entries.empty() ? 1 : entries.back().timeline; }
  /// The timeline that wrote `lsn` in this history.
  TimeLineId timeline_at(Lsn lsn) const;
  /// Where `tli` ends in this history (UINT64_MAX for the newest); nullopt if not in it.
  std::optional<Lsn> switchpoint(TimeLineId tli) const;
  bool contains(TimeLineId tli) const { return switchpoint(tli).has_value(); }
  /// The `.history` file's text: "parentTLI\tX/X\treason" per ancestor.
  std::string file_text() const;
  /// Parses a history file of `tli`.
  static TimelineHistory parse(TimeLineId tli, const std::string& text);
  /// This history continued by a new timeline forking at `switch_lsn`.
  TimelineHistory fork(TimeLineId new_tli, Lsn switch_lsn) const;
};

/// The WAL of one server: records inserted (primary) or received (standby) go into 16 MiB
/// segment files in pg_wal/ through the page cache; flush() fsyncs them. The valid records are
/// also kept in memory, by LSN, for walsenders and replay (as the real server reads them back).
class Wal {
 public:
  Wal(sim::Process& owner, std::string pgdata, std::uint64_t segment_size_bytes);

  /// Segment file name (xlog_internal.h XLogFileName): TLI, then the segment number in two halves.
  std::string segment_path(TimeLineId tli, std::uint64_t segno) const;
  std::uint64_t segno(Lsn lsn) const { return lsn / segment_size_; }
  std::uint64_t segment_size() const { return segment_size_; }

  /// Sets the end of valid WAL (after recovery) and the timeline new records get.
  void reset(Lsn end, Lsn last_record, TimeLineId tli, std::map<Lsn, WalRecord> records);
  /// Appends a record at the insert position (a record never straddles a segment: one that
  /// does not fit starts the next segment). Written to the page cache at once; ENOSPC when
  /// its segment cannot be created. Fills in lsn, prev, timeline.
  sim::FsError insert(WalRecord& r);
  /// RequestXLogSwitch: an XLOG_SWITCH record, and the rest of its segment counts as written, so
  /// the next record opens the next segment. Nothing happens at a segment's start (or with no room
  /// left for a record in this one): ReserveXLogSwitch's "nothing to switch".
  sim::FsError switch_segment();
  /// Writes a record received from the primary at its own LSN (a standby).
  sim::FsError write_received(const WalRecord& r);
  /// Continues at `end` on timeline `tli` (promotion): the next record follows `last`.
  void restart_at(Lsn end, Lsn last, TimeLineId tli);
  /// Forgets everything after `end` (a new timeline's WAL replaces it): in memory and on disk.
  void truncate_after(Lsn end);

  /// fsyncs every segment written since the last flush; `done` after all of them (the flush
  /// position then covers what was written when this flush started). Flushes are serialised and
  /// coalesced as XLogFlush's group flush: a request during a flush runs once it completes.
  /// `latency`: how long that flush takes where its caller measured it (a committing backend's
  /// runtime.commit_flush), instead of the disk's fsync.
  void flush(std::optional<sim::Time> latency = std::nullopt);
  /// Called after each completed flush (the owner wakes commits and walsenders).
  std::function<void()> on_flushed;

  Lsn insert_lsn() const { return insert_lsn_; }  // end of the last record
  Lsn write_lsn() const { return insert_lsn_; }   // every insert is written at once
  Lsn flush_lsn() const { return flush_lsn_; }
  Lsn last_record_lsn() const { return last_record_; }
  TimeLineId timeline() const { return tli_; }
  void set_timeline(TimeLineId tli) { tli_ = tli; }
  /// The LSN of the oldest record still in pg_wal/ (nullopt: none).
  std::optional<Lsn> oldest_lsn() const {
    return records_.empty() ? std::nullopt : std::optional<Lsn>(records_.front().lsn);
  }
  /// The record that starts at `lsn`, if any.
  const WalRecord* record_at(Lsn lsn) const;
  /// Records with lsn in [from, to), in order.
  std::vector<WalRecord> read(Lsn from, Lsn to, std::uint64_t max_bytes) const;
  /// The first record at or after `lsn`.
  const WalRecord* at_or_after(Lsn lsn) const;
  bool flush_in_progress() const { return flushing_; }

  /// Removes segment files wholly before `keep_from` (any timeline) and their records from
  /// memory; returns how many files went.
  int remove_before(Lsn keep_from);
  /// Bytes of pg_wal/ on disk.
  std::uint64_t disk_bytes() const;

  /// pg_wal/'s segment files as they are on disk, each with its valid records, and their total
  /// size in bytes (whole files: what a copy of the directory moves).
  std::vector<WalSegmentCopy> segment_files(std::uint64_t* total_bytes = nullptr) const;
  /// Reads every record of pg_wal/ back (recovery): by LSN, each LSN's versions by timeline.
  std::map<Lsn, std::map<TimeLineId, WalRecord>> scan() const;

 private:
  sim::FsError write_at(const WalRecord& r, const sim::Data& data);
  void start_flush();

  sim::Process& owner_;
  std::string pgdata_;
  std::uint64_t segment_size_;
  TimeLineId tli_ = 1;
  Lsn insert_lsn_ = 0, flush_lsn_ = 0, last_record_ = 0;
  /// The valid records by LSN, ascending: appended at the end almost always (an insert, a
  /// received batch), cut at either end (truncate_after, remove_before). A deque, not a map: a
  /// busy primary and its standbys hold every record of pg_wal/ here, and a tree node per record
  /// cost an allocation each and twice the memory. Each holds the very record its segment file
  /// holds in the page cache (a shared, immutable value), not a copy of it.
  struct Kept {
    Lsn lsn = 0;
    sim::Data data;  // a Data::record of the WalRecord
    const WalRecord& record() const { return *data.record_as<WalRecord>(); }
  };
  std::deque<Kept> records_;
  std::deque<Kept>::const_iterator lower_bound(Lsn lsn) const;
  std::set<std::string> dirty_segments_;
  std::string path_;  // the segment the last record went to (write_at)
  TimeLineId path_tli_ = 0;
  std::uint64_t path_segno_ = 0;
  // path_ is in dirty_segments_ already: a record written to the segment of the one before
  // (nearly every record) skips the set's string comparisons.
  bool path_dirty_ = false;
  bool flushing_ = false, flush_again_ = false;
  std::optional<sim::Time> flush_latency_;  // the next flush's, where its requester gave one
};

/// Paths inside PGDATA.
std::string segment_file_path(const std::string& pgdata, TimeLineId tli, std::uint64_t segno, std::uint64_t segment_size);
std::string pg_control_path(const std::string& pgdata);
std::string history_path(const std::string& pgdata, TimeLineId tli);
std::string standby_signal_path(const std::string& pgdata);
std::string auto_conf_path(const std::string& pgdata);
/// The seed's init leaves two dead tuples on a nearly full page of demodb's pg_attribute (block 17
/// of relation 1249, pg_waldump 2026-12-04: Debian's postgresql-15, the init of
/// validation/kinds/postgres.cpp). The first session in demodb after the server starts reads it
/// and heap_page_prune_opt prunes it (too little free space left), its first change since the
/// checkpoint: a Heap2 PRUNE with the page's image, 7,935 bytes of WAL, once per cluster. The model
/// keeps no catalog pages; this file (the model's, not PostgreSQL's: outside base/, so the measured
/// relation files stay as measured) stands for that page's state: present while the page still
/// holds the dead tuples, gone once pruned (or once a standby replayed the prune).
std::string prunable_catalog_path(const std::string& pgdata);
std::string slot_path(const std::string& pgdata, const std::string& slot);
/// Reads a timeline's history from pg_wal/<tli>.history (timeline 1 needs none).
TimelineHistory read_history(const sim::Disk& disk, const std::string& pgdata, TimeLineId tli);
/// The newest timeline with a history file in pg_wal/ (findNewestTimeLine), at least `tli`.
TimeLineId newest_timeline(const sim::Disk& disk, const std::string& pgdata, TimeLineId tli);

/// Replaces pg_wal/ of the disk's data directory with `segments` and `histories` (files of the
/// source that pg_rewind copies whole, or that pg_basebackup receives): target files the source
/// lacks are removed, the others written anew, none of it durable before an fsync.
void write_wal_copy(sim::Disk& disk, const std::string& pgdata, std::uint64_t segment_size,
                    const std::vector<WalSegmentCopy>& segments,
                    const std::vector<std::pair<TimeLineId, std::string>>& histories);

/// MAXALIGN(size) as XLogInsert pads records.
inline std::uint64_t maxalign(std::uint64_t size) { return (size + 7) & ~std::uint64_t{7}; }
/// SizeOfXLogRecord: a record is at least its header.
inline constexpr std::uint64_t kMinRecordBytes = 24;
/// XLOG_BACKUP_END: the header, a short data header and the backup's start LSN (34 bytes).
inline constexpr std::uint64_t kBackupEndRecordBytes = 34;
/// What redo reads of a record: all of it, but of an XLOG_SWITCH only its header (the reader
/// goes on at the next segment; the zeros after the record are never decoded).
inline std::uint64_t decoded_bytes(const WalRecord& r) {
  return r.kind == WalRecord::Kind::Switch ? kMinRecordBytes : r.size_bytes;
}
/// SizeOfXLogLongPHD: the first record of a segment starts after the page header.
inline constexpr std::uint64_t kSegmentHeaderBytes = 40;
/// XLOG_BLCKSZ: WAL is written in 8 KiB pages; every page but a segment's first starts with
/// SizeOfXLogShortPHD (MAXALIGN(sizeof(XLogPageHeaderData)) = 24 bytes), and a record that runs
/// past a page's end continues after the next page's header.
inline constexpr std::uint64_t kWalPageBytes = 8192;
inline constexpr std::uint64_t kWalPageHeaderBytes = 24;
/// Where the record after one that ends at `end` starts: past the header when `end` is a page's
/// (or a segment's) start, as XLogBytePosToRecPtr never points into a header.
Lsn record_start(Lsn end, std::uint64_t segment_size);
/// Places a record of `bytes` (MAXALIGNed, headers not counted) after WAL ending at `end`:
/// returns its LSN and sets `bytes` to its length in WAL, the page headers it spans included.
/// The model keeps a record inside one segment: one that would not fit starts the next.
Lsn place_record(Lsn end, std::uint64_t& bytes, std::uint64_t segment_size);
/// What `count` base backups ending one after another leave after WAL ending at `end` (its last
/// record at `last`) on timeline `tli`: each do_pg_backup_stop's XLOG_BACKUP_END, then its WAL
/// switch (the record and the rest of its segment). Exactly what Wal::insert and
/// Wal::switch_segment write for them, so a clone holding these and a primary writing them agree.
std::vector<WalRecord> backup_end_records(Lsn end, Lsn last, int count, TimeLineId tli, std::uint64_t segment_size);

}  // namespace models::postgres
