// The bulk statements pgbench -i sends (pgbench.c initGenerateDataClientSide, initVacuum,
// initCreatePKeys): COPY FROM STDIN into a heap, ALTER TABLE ... ADD PRIMARY KEY (a B-tree
// build) and VACUUM ANALYZE, with the WAL each writes page by page.
//
// Sizes are from pg_waldump --stats over each step of `pgbench -i -q -s 1` (Debian's
// PostgreSQL 15.18 on the validation host, 2026-12-05, steps run one at a time with -I):
//   g (COPY pgbench_accounts ... WITH (FREEZE ON)): 1,640 Heap2/MULTI_INSERT+INIT and 98
//     MULTI_INSERT records (10,691,074 bytes for 100,000 rows: 106.9 per row), 1,640
//     Heap2/VISIBLE (59 bytes each; FREEZE marks each new page all-visible); 10,798,745 in all.
//   p (the three primary keys): 280 XLOG/FPI (log_newpage of each B-tree page the build
//     writes, 7,272 bytes on average) and about 40 kB of catalog records; 2,075,471 in all.
//   t (four CREATE TABLE): 105,638; v (four VACUUM ANALYZE): 23,197.
// At scale 10 the same steps wrote 108,385,880 (g) and 20,469,528 (p): ten times as much.
// Times, same host, quiet, each step its own pgbench process (about 0.08 s of which is the
// process and its connection): g 0.25-0.33 s at scale 1 and 1.05-1.31 s at scale 10; p 0.18-0.19
// and 0.80-0.82 s; v 0.18-0.20 and 0.30-0.41 s. Per row past scale 1: COPY 0.9-1.1 us, the index
// build 0.69 us (sort and leaf writes), VACUUM ANALYZE 0.13-0.23 us.
#include "models/postgres/postgres.hpp"

#include <algorithm>
#include <deque>

#include "models/postgres/events.hpp"
#include "models/postgres/page_layout.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

namespace {
/// A heap_multi_insert record's header (XLogRecord, its block reference and xl_heap_multi_insert)
/// and each tuple in it (xl_multi_insert_tuple and the tuple without its header, SHORTALIGNed): a
/// pgbench_accounts row (aid, bid, abalance, filler char(84)) is 106 bytes. pgbench's COPY runs
/// WITH (FREEZE ON), so each new page is marked all-visible: a Heap2/VISIBLE record (59 bytes,
/// MAXALIGNed to 64). The model writes one MULTI_INSERT per page; the real COPY also splits a
/// page's rows where its 1,000-tuple buffer flushes (98 extra headers at scale 1: 0.05%).
constexpr std::uint64_t kMultiInsertHeaderBytes = 55;
constexpr std::uint64_t kMultiInsertTupleBytes = 106;
constexpr std::uint64_t kVisibleRecordBytes = 64;
/// COPY's BULKWRITE ring (GetAccessStrategy: 16 MB of buffers): a page's buffer is reused, and
/// so written out, 2,048 pages later, and a dirty buffer is written only once the WAL up to its
/// LSN is flushed (FlushBuffer's XLogFlush).
constexpr std::size_t kBulkWriteRingPages = 2048;
/// A B-tree build (nbtsort.c) fills leaf pages to BTREE_DEFAULT_FILLFACTOR (90%) and upper
/// pages to BTREE_NONLEAF_FILLFACTOR (70%) of the 8,152 bytes a page has for items: an int4
/// key's entry is 16 bytes and its line pointer 4, so 366 entries a leaf, 285 an upper page.
/// Each page is logged whole by log_newpage without its hole: the record's header (51 bytes),
/// the page header (24), the line pointers and entries, the special space (16).
constexpr std::int64_t kBtreeLeafEntries = 366;
constexpr std::int64_t kBtreeUpperEntries = 285;
constexpr std::uint64_t kNewPageRecordHeaderBytes = 51;
constexpr std::uint64_t kBtreeEntryBytes = kBtreeIndexTupleBytes + kItemIdBytes;
constexpr std::uint64_t kBtreePageFixedBytes = kPageHeaderBytes + kBtreeSpecialBytes;
/// The measured per-row costs of the index build and of VACUUM ANALYZE as fractions of COPY's
/// (0.69 and 0.13-0.23 us against 1.0 us, the header's measurements).
constexpr double kIndexBuildRowFactor = 0.69;
constexpr double kVacuumRowFactor = 0.18;
/// The COPY's and the index build's commit records (their transactions' only commit records:
/// the model's commits count the writers' rows, so these are plain records).
constexpr std::uint64_t kBulkCommitBytes = 64;

std::uint64_t heap_page_bytes(std::int64_t rows) {
  return maxalign(kMultiInsertHeaderBytes + static_cast<std::uint64_t>(rows) * kMultiInsertTupleBytes) + kVisibleRecordBytes;
}

std::uint64_t btree_page_bytes(std::int64_t entries) {
  return maxalign(kNewPageRecordHeaderBytes + kBtreePageFixedBytes + static_cast<std::uint64_t>(entries) * kBtreeEntryBytes);
}
}  // namespace

double copy_wal_bytes_per_row() {
  return static_cast<double>(heap_page_bytes(kHeapRowsPerPage)) / static_cast<double>(kHeapRowsPerPage);
}

/// One bulk statement's pages, written one after another: each after its rows' CPU time.
struct Postgres::PageWrite {
  std::string tag;                   // its CommandComplete
  std::int64_t rows = 0;             // rows (or entries) left
  std::int64_t rows_per_page = 0;
  sim::Time row_time = 0;            // this statement's CPU time per row
  std::uint64_t (*page_bytes)(std::int64_t) = nullptr;
  bool ring = false;                 // through COPY's BULKWRITE ring (an index build writes past shared buffers)
  std::deque<Lsn> ring_pages;        // the ring's pages by the end of their record
  std::vector<std::int64_t> then;    // more levels to write after these rows (an index's upper levels)
};

bool Postgres::insert_data(std::uint64_t bytes, Lsn* end) {
  WalRecord r;
  r.kind = WalRecord::Kind::Data;
  r.size_bytes = std::max(bytes, kMinRecordBytes);
  const std::uint64_t segno_before = wal_->segno(wal_->insert_lsn());
  if (!wal_written(wal_->insert(r))) return false;
  if (end != nullptr) *end = r.end();
  if (wal_->segno(r.end()) != segno_before) {
    // XLogWrite: a segment written to its end (by this record, or skipped to the next) it fsyncs
    // at once (and wakes the walsenders: they send up to the flush position), and asks for a
    // checkpoint when max_wal_size's worth of segments have gone by since the last redo point.
    wal_->flush();
    checkpoint_if_needed(r.end());
    if (!running()) return false;
  } else if (!walwriter_timer_.armed()) {
    // XLogBackgroundFlush: the WAL writer flushes what is written within wal_writer_delay.
    walwriter_timer_.arm_after(config_.wal_writer_delay, [this] { wal_->flush(); });
  }
  return true;
}

void Postgres::copy_from(sim::ConnId conn, const Statement& st, const Query& q) {
  if (in_recovery_ || config_.default_transaction_read_only)
    return fail_query(conn, sqlstate::kReadOnlyTransaction, "cannot execute COPY FROM in a read-only transaction");
  // FREEZE needs the table created or truncated in this transaction (pgbench truncates it
  // first): a COPY into a relation the model has not heard of loads it just the same.
  auto job = std::make_shared<PageWrite>();
  job->tag = "COPY " + std::to_string(q.copy_rows);
  job->rows = q.copy_rows;
  job->rows_per_page = kHeapRowsPerPage;
  job->row_time = bulk_row.sample(rng_);
  job->page_bytes = heap_page_bytes;
  job->ring = true;
  table_rows_[st.name] = q.copy_rows;
  write_pages(conn, std::move(job));
}

void Postgres::add_primary_key(sim::ConnId conn, const Statement& st, std::uint64_t catalog_bytes) {
  if (in_recovery_ || config_.default_transaction_read_only)
    return fail_query(conn, sqlstate::kReadOnlyTransaction, "cannot execute ALTER TABLE in a read-only transaction");
  if (catalog_bytes > 0 && !insert_data(catalog_bytes)) return;
  const auto found = table_rows_.find(st.name);
  const std::int64_t rows = found == table_rows_.end() ? 0 : found->second;
  auto job = std::make_shared<PageWrite>();
  job->tag = "ALTER TABLE";
  job->rows = rows;
  job->rows_per_page = kBtreeLeafEntries;
  job->row_time = static_cast<sim::Time>(static_cast<double>(bulk_row.sample(rng_)) * kIndexBuildRowFactor);
  job->page_bytes = btree_page_bytes;
  // Each level above the leaves has an entry per page below it, up to a single root; then the
  // metapage.
  for (std::int64_t pages = (rows + kBtreeLeafEntries - 1) / kBtreeLeafEntries; pages > 1;) {
    job->then.push_back(pages);
    pages = (pages + kBtreeUpperEntries - 1) / kBtreeUpperEntries;
  }
  job->then.push_back(1);  // the metapage (few bytes, as one entry's record)
  write_pages(conn, std::move(job));
}

void Postgres::vacuum(sim::ConnId conn, const Statement& st, std::uint64_t catalog_bytes) {
  if (in_recovery_) return fail_query(conn, "25006", "cannot execute VACUUM during recovery");
  const auto found = table_rows_.find(st.name);
  const std::int64_t rows = found == table_rows_.end() ? 0 : found->second;
  // It reads every page (FREEZE left them all-visible: nothing to write but its statistics and
  // pg_class's counts, the catalog records the client declares).
  const auto t = static_cast<sim::Time>(static_cast<double>(bulk_row.sample(rng_)) * kVacuumRowFactor * static_cast<double>(rows));
  after(t, [this, conn, catalog_bytes] {
    if (backends_.count(conn) == 0 || !running()) return;
    if (catalog_bytes > 0 && !insert_data(catalog_bytes)) return;
    complete(conn, CommandComplete{.tag = "VACUUM"});
  });
}

void Postgres::write_pages(sim::ConnId conn, std::shared_ptr<PageWrite> job) {
  if (job->rows == 0 && !job->then.empty()) {
    // The next level up: one entry per page of the level below.
    job->rows = job->then.front();
    job->then.erase(job->then.begin());
    job->rows_per_page = kBtreeUpperEntries;
    job->row_time = 0;
  }
  if (job->rows == 0) {
    // The statement's transaction commits: its record flushed before the client hears.
    Lsn end = 0;
    if (!insert_data(kBulkCommitBytes, &end)) return;
    wait_flush(end, [this, conn, tag = job->tag] {
      if (backends_.count(conn) != 0) complete(conn, CommandComplete{.tag = tag});
    });
    return;
  }
  const std::int64_t rows = std::min(job->rows, job->rows_per_page);
  after(job->row_time * rows, [this, conn, job, rows] {
    // A backend whose client went away ends its statement (the transaction aborts: its pages'
    // WAL stays, harmless, as in the real server).
    if (backends_.count(conn) == 0 || !running()) return;
    Lsn end = 0;
    if (!insert_data(job->page_bytes(rows), &end)) return;
    job->rows -= rows;
    if (job->ring) {
      job->ring_pages.push_back(end);
      if (job->ring_pages.size() > kBulkWriteRingPages) {
        const Lsn needed = job->ring_pages.front();
        job->ring_pages.pop_front();
        // The buffer COPY takes next holds a page the ring wrote 2,048 pages ago: it is written
        // out first, after the WAL up to that page's record is flushed.
        if (wal_->flush_lsn() < needed) return wait_flush(needed, [this, conn, job] { write_pages(conn, job); });
      }
    }
    write_pages(conn, job);
  });
}

}  // namespace models::postgres
