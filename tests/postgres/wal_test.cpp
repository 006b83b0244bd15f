// The WAL's in-memory index: what a walsender, replay and a standby's append ask of it, checked
// against a plain scan over the same records.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "models/postgres/wal.hpp"
#include "sim/simulation.hpp"
#include "../support/dummy_process.hpp"

namespace pg = models::postgres;

namespace {

struct OneWal {
  sim::Simulation s{1};
  sim::Node& node = s.add_node("postgres-primary");
  testing::DummyProcess& owner = node.add_process<testing::DummyProcess>("postgres");
  pg::Wal wal{owner, pg::kPgData, 16ull * 1024 * 1024};
};

/// What lower_bound must answer: the first record at or after `lsn`, by a scan.
const pg::WalRecord* scan_at_or_after(const std::vector<pg::WalRecord>& all, pg::Lsn lsn) {
  for (const auto& r : all)
    if (r.lsn >= lsn) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("the WAL finds the record at or after any LSN, among the newest and the oldest alike", "[postgres][wal]") {
  OneWal w;
  std::vector<pg::WalRecord> inserted;
  // Sizes that vary, cross 8 KiB pages and fill more than one 16 MiB segment: 3,000 records.
  for (int i = 0; i < 3000; ++i) {
    pg::WalRecord r;
    r.kind = pg::WalRecord::Kind::Commit;
    r.xid = static_cast<std::uint64_t>(i);
    r.size_bytes = 100 + static_cast<std::uint64_t>(i % 7) * 3000 + (i % 500 == 0 ? 9000 : 0);
    REQUIRE(w.wal.insert(r) == sim::FsError::Ok);
    inserted.push_back(r);
  }
  REQUIRE(inserted.back().lsn / (16ull * 1024 * 1024) >= 1);
  std::vector<pg::Lsn> asked = {0, 1, inserted.front().lsn, inserted.back().lsn, inserted.back().end(), inserted.back().end() + 1};
  for (std::size_t i = 0; i < inserted.size(); i += 37) {
    asked.push_back(inserted[i].lsn);
    asked.push_back(inserted[i].lsn + 1);
    asked.push_back(inserted[i].lsn - 1);
  }
  for (std::size_t back = 1; back <= 64; ++back) asked.push_back(inserted[inserted.size() - back].lsn + 3);
  for (const pg::Lsn lsn : asked) {
    INFO("lsn " << lsn);
    const pg::WalRecord* want = scan_at_or_after(inserted, lsn);
    const pg::WalRecord* got = w.wal.at_or_after(lsn);
    REQUIRE((got == nullptr) == (want == nullptr));
    if (want != nullptr) CHECK(got->lsn == want->lsn);
    const pg::WalRecord* exact = w.wal.record_at(lsn);
    CHECK((exact != nullptr) == (want != nullptr && want->lsn == lsn));
  }
  // A walsender's read: the records in [from, to), whole, in order.
  const auto batch = w.wal.read(inserted[100].lsn + 1, inserted[140].lsn + 1, UINT64_MAX);
  REQUIRE(batch.size() == 40);
  CHECK(batch.front().lsn == inserted[101].lsn);
  CHECK(batch.back().lsn == inserted[140].lsn);
  // Forgetting the old ones (remove_before) and cutting the new ones (truncate_after) leave the
  // search right at both ends.
  w.wal.truncate_after(inserted[2500].end());
  REQUIRE(w.wal.at_or_after(inserted[2500].lsn + 1) == nullptr);
  CHECK(w.wal.at_or_after(inserted[2499].lsn + 1)->lsn == inserted[2500].lsn);
  w.wal.remove_before(inserted[1500].lsn);
  REQUIRE(w.wal.oldest_lsn().has_value());
  CHECK(*w.wal.oldest_lsn() <= inserted[1500].lsn);
  CHECK(w.wal.at_or_after(0)->lsn == *w.wal.oldest_lsn());
  CHECK(w.wal.record_at(inserted[2000].lsn)->xid == 2000);
}

TEST_CASE("the set-up's later backup ends are written as a primary's backup stop writes them: end record, then the switch",
          "[postgres][wal]") {
  // A clone that ended first holds none of them and streams them; one that ended later holds
  // them in its copy: both must be the primary's records, LSN for LSN.
  constexpr std::uint64_t seg = 16ull * 1024 * 1024;
  OneWal w;
  pg::WalRecord first;
  first.kind = pg::WalRecord::Kind::Commit;
  first.size_bytes = 500;
  REQUIRE(w.wal.insert(first) == sim::FsError::Ok);
  const auto expected = pg::backup_end_records(w.wal.insert_lsn(), w.wal.last_record_lsn(), 2, w.wal.timeline(), seg);
  std::vector<pg::WalRecord> written;
  for (int i = 0; i < 2; ++i) {
    pg::WalRecord end;
    end.kind = pg::WalRecord::Kind::BackupEnd;
    end.size_bytes = pg::kBackupEndRecordBytes;
    REQUIRE(w.wal.insert(end) == sim::FsError::Ok);
    written.push_back(end);
    REQUIRE(w.wal.switch_segment() == sim::FsError::Ok);
    written.push_back(*w.wal.record_at(w.wal.last_record_lsn()));
  }
  REQUIRE(expected.size() == written.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    INFO("record " << i);
    CHECK(expected[i].kind == written[i].kind);
    CHECK(expected[i].lsn == written[i].lsn);
    CHECK(expected[i].prev == written[i].prev);
    CHECK(expected[i].size_bytes == written[i].size_bytes);
    CHECK(expected[i].timeline == written[i].timeline);
  }
  // Each switch takes the rest of its segment: the WAL ends at segment 2's end.
  CHECK(w.wal.insert_lsn() == 2 * seg);
  CHECK(expected.back().end() == 2 * seg);
}
