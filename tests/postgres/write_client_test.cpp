// The writer's schedule, pinned against validation's pg-writer.sh (render.cpp): the script's
// first attempt is at its own start (next=NOW before the loop), then one every INTERVAL_S.
#include <catch2/catch.hpp>

#include "../support/pg_cluster.hpp"

using namespace sim::literals;
using testing::PgCluster;
namespace pg = models::postgres;

TEST_CASE("a writer attempts its first commit as it starts, not one interval later, as pg-writer.sh does",
          "[postgres][writer]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  const sim::Time started = cluster.s.now();
  auto& w = cluster.writer("w1", "pg1", 500_ms);
  // Well within the first interval: the connection, the transaction and its flush, no more.
  cluster.run_for(100_ms);
  REQUIRE(w.acks().size() == 1);
  CHECK(w.acks()[0].at - started < 100_ms);
  // Then one every interval from the start: at 0, 0.5, 1.0 and 1.5 s.
  cluster.run_for(1800_ms);
  CHECK(w.acks().size() == 4);
  CHECK(w.failures() == 0);
}

TEST_CASE("a writer's commit is pg-writer.sh's four statements, each its own round trip and backend statement",
          "[postgres][writer]") {
  PgCluster cluster(0);
  // A backend's statement made long enough to dominate a commit: four of them, not one.
  cluster["pg1"].statement_time = sim::Distribution::constant(20_ms);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 500_ms);
  cluster.run_for(1200_ms);
  REQUIRE(w.acks().size() == 3);
  const auto acked = cluster.events(pg::kCommitAcked);
  REQUIRE(acked.size() == 3);
  // The second and third attempts reuse the session: BEGIN, INSERT, SELECT, COMMIT.
  for (std::size_t i = 1; i < acked.size(); ++i) {
    const std::int64_t latency = PgCluster::num(acked[i], "latency_us");
    CHECK(latency >= 80'000);
    CHECK(latency < 100'000);
  }
}

TEST_CASE("the first row a users page gets after a checkpoint's redo point writes the page's image, a row starting a page writes none",
          "[postgres][writer]") {
  PgCluster cluster(0);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 100_ms, 200);
  cluster.run_for(1050_ms);
  const std::size_t before = w.acks().size();
  REQUIRE(before >= 10);
  // From the first commit on, each moves the commit LSN by its own WAL only: the row's records
  // (200, less 8: a row 'w1-N' is a 64-byte tuple, `wal_bytes` one of 72) and the commit record
  // (64). The first row of the table starts its pages: no image, but
  // the key's new root (96) and the sequence's first log record (104).
  // (And 24 bytes for each WAL page a record runs into: its header.)
  for (std::size_t i = 1; i < before; ++i)
    CHECK(w.acks()[i].lsn - w.acks()[i - 1].lsn == (i == 1 ? 256 + 200 : 256) + 24 * (w.acks()[i].lsn / 8192 - w.acks()[i - 1].lsn / 8192));
  REQUIRE(cluster.sql("pg1", "CHECKPOINT").ok);
  cluster.run_for(300_ms);
  const auto& acks = w.acks();
  REQUIRE(acks.size() >= before + 3);
  // A commit's record starts at its acknowledged LSN and holds its statements' WAL, so the next
  // commit's LSN less its own is its size. The first INSERT after the redo point writes both
  // pages' images: header, line pointers and the rows already there, and the index leaf's
  // special space, and nextval logs again (its page's LSN is not past the redo point); the commits
  // around it their own WAL (and the checkpoint's record) only.
  // (Less the headers of the WAL pages it ran into.)
  auto size = [&](std::size_t i) { return acks[i + 1].lsn - acks[i].lsn - 24 * (acks[i + 1].lsn / 8192 - acks[i].lsn / 8192); };
  std::size_t first = 0;
  for (std::size_t i = before - 1; i + 1 < acks.size() && first == 0; ++i)
    if (size(i) > 256 + 200) first = i;
  REQUIRE(first != 0);
  REQUIRE(first + 2 < acks.size());
  const auto rows = static_cast<std::uint64_t>(acks[first].xid - 1);
  CHECK(rows >= 10);
  const std::uint64_t images = (24 + rows * (64 + 4)) + (24 + rows * (16 + 4) + 16);
  CHECK(size(first) == 256 + images + 104);
  CHECK(size(first - 1) <= 256 + 120);
  CHECK(size(first + 1) == 256);
}

TEST_CASE("a writer's commit that opens its session waits for getent and psql's start first, later commits of the session do not",
          "[postgres][writer][session]") {
  PgCluster cluster(0);
  // A constant flush: every commit of a session then costs the same, its first one that plus its opening.
  cluster.node("pg1").disk().root().config.fsync_latency = sim::Distribution::constant(1_ms);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 500_ms);
  // Set before its start: pg-writer.sh's look-up process and psql's fork and exec.
  w.getent_time = sim::Distribution::constant(30_ms);
  w.psql_start_time = sim::Distribution::constant(70_ms);
  cluster.run_for(1200_ms);
  const auto acked = cluster.events(pg::kCommitAcked);
  REQUIRE(acked.size() == 3);
  // The first: 100 ms before its connection, then the handshake and what the later ones pay (the
  // four statements and the WAL flush).
  const std::int64_t later = PgCluster::num(acked[1], "latency_us");
  CHECK(later < 10'000);
  CHECK(PgCluster::num(acked[0], "latency_us") - later >= 100'000);
  CHECK(PgCluster::num(acked[0], "latency_us") - later < 103'000);
  CHECK(PgCluster::num(acked[2], "latency_us") < 10'000);
}

TEST_CASE("a writer whose server's name does not resolve fails after getent alone, with no psql started",
          "[postgres][writer][session]") {
  PgCluster cluster(0);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "nosuchhost", 500_ms);
  w.getent_time = sim::Distribution::constant(30_ms);
  w.psql_start_time = sim::Distribution::constant(70_ms);
  cluster.run_for(700_ms);
  const auto failed = cluster.events(pg::kCommitFailed);
  REQUIRE(failed.size() == 2);
  for (const auto& f : failed) CHECK(PgCluster::num(f, "latency_us") == 30'000);
}

TEST_CASE("a writer repointed while it opens a session connects to the new server only",
          "[postgres][writer][session]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 500_ms);
  w.getent_time = sim::Distribution::constant(30_ms);
  w.psql_start_time = sim::Distribution::constant(70_ms);
  // Repointed 50 ms into its first session's opening: that attempt is dropped (as the script
  // closes a session whose host changed), the next one opens a session to pg2.
  cluster.run_for(50_ms);
  w.set_host("pg2");
  cluster.run_for(1_s);
  for (const auto& a : cluster.events(pg::kCommitAcked)) CHECK(std::get<std::string>(*a.find("node")) != "pg1");
}

TEST_CASE("a writer whose look-up gets no answer fails at getent's 1 s bound, and its next attempt starts at once",
          "[postgres][writer][session][dns]") {
  // pg-writer.sh: `timeout 1 getent` outlives the 0.4 s period, so when it fails the loop is past
  // its `next` and starts the next attempt without sleeping, not at the next period (1.2 s): one
  // attempt every 1.03 s, back to back (the real writer's 1.01 s apart while aardvark-dns
  // answered nothing, 2026-12-06).
  PgCluster cluster(0);
  testing::SilentDns silent_dns(cluster, 3_s);
  cluster.run_for(1_s);
  const sim::Time silent = silent_dns.stop_a_container();
  auto& w = cluster.writer("w1", "pg1", 400_ms);
  w.getent_time = sim::Distribution::constant(30_ms);
  cluster.run_for(3500_ms);
  const auto failed = cluster.events(pg::kCommitFailed);
  REQUIRE(failed.size() == 3);
  for (std::size_t i = 0; i < failed.size(); ++i) {
    CHECK(PgCluster::num(failed[i], "latency_us") == 1'030'000);  // getent's own 30 ms, then the bound
    CHECK(failed[i].time == silent + static_cast<sim::Time>(i + 1) * 1030_ms);
    CHECK(failed[i].text("message") == "could not translate host name \"pg1\" to address (getent, within 1 s)");
  }
  // The silence ended at 3 s, during the third attempt: the fourth (3.09 s) commits.
  const auto acked = cluster.events(pg::kCommitAcked);
  REQUIRE_FALSE(acked.empty());
  CHECK(acked[0].time - silent < 3200_ms);
}
