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
