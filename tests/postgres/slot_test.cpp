// Physical slots and max_slot_wal_keep_size (PostgreSQL 15's KeepLogSeg,
// InvalidateObsoleteReplicationSlots, GetWALAvailability): a slot too far behind is invalidated
// at a checkpoint, its walsender terminated, its standby left unable to resume, pg_wal bounded.
#include <catch2/catch.hpp>

#include "../support/pg_cluster.hpp"

using namespace sim::literals;
using testing::PgCluster;
namespace pg = models::postgres;
using models::postgres::Lsn;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

/// pg1 and pg2 streaming through the slot "pg2"; `keep_mb` is pg1's max_slot_wal_keep_size.
PgCluster slot_cluster(std::int64_t keep_mb, std::int64_t max_wal_size_mb = 64, sim::Time sender_timeout = 60_s) {
  return PgCluster(1, [=](const std::string& name, pg::PostgresConfig& c) {
    c.max_wal_size_mb = max_wal_size_mb;
    c.wal_sender_timeout = sender_timeout;
    if (name == "pg1") c.max_slot_wal_keep_size_mb = keep_mb;
    if (name == "pg2") c.primary_slot_name = "pg2";
  });
}

std::optional<pg::Postgres::SlotRow> slot_row(PgCluster& cluster, const std::string& server, const std::string& slot) {
  for (const auto& row : cluster[server].replication_slots())
    if (row.slot_name == slot) return row;
  return std::nullopt;
}

/// The standby stopped while the primary writes 512 KiB every 20 ms (25 MiB/s) for `t`.
void stop_standby_and_write(PgCluster& cluster, sim::Time t) {
  cluster.run_for(1_s);
  REQUIRE(slot_row(cluster, "pg1", "pg2")->active);
  cluster.stop("pg2").run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 20_ms, 512 * 1024);
  cluster.run_for(t);
  w.kill();
  cluster.run_for(1_s);
}

}  // namespace

TEST_CASE("a slot further behind than max_slot_wal_keep_size is invalidated at a checkpoint and pg_wal stays bounded",
          "[postgres][slots]") {
  PgCluster cluster = slot_cluster(32);
  pg::Postgres::create_slot(cluster.node("pg1").disk(), "pg2");
  // The disk that an unbounded slot fills (see server_test's PANIC) is enough with the cap.
  cluster.node("pg1").disk().root().config.capacity_bytes = 256 * kMiB;
  stop_standby_and_write(cluster, 30_s);
  const auto inv = cluster.events(pg::kSlotInvalidated, "pg1");
  REQUIRE(inv.size() == 1);
  REQUIRE(inv[0].text("slot") == "pg2");
  REQUIRE(PgCluster::num(inv[0], "terminated_pid") == 0);  // the standby was stopped: nobody held it
  REQUIRE(PgCluster::num(inv[0], "exceeds_bytes") > 0);
  // It happened inside a checkpoint (the one whose record is written at the same instant).
  bool at_checkpoint = false;
  for (const auto& cp : cluster.events(pg::kCheckpoint, "pg1")) at_checkpoint |= cp.time == inv[0].time;
  REQUIRE(at_checkpoint);
  REQUIRE(cluster.events(pg::kPanic, "pg1").empty());
  // pg_wal: max_wal_size's share plus the segment being written, not 30 s of writes (~750 MiB).
  REQUIRE(cluster["pg1"].wal().disk_bytes() <= 96 * kMiB);
  const auto row = slot_row(cluster, "pg1", "pg2");
  REQUIRE(row);
  REQUIRE(row->wal_status == "lost");
  REQUIRE(row->restart_lsn == 0);
  REQUIRE_FALSE(row->safe_wal_size);
  REQUIRE_FALSE(row->active);
}

TEST_CASE("without max_slot_wal_keep_size the slot of a stopped standby keeps every segment", "[postgres][slots]") {
  PgCluster cluster = slot_cluster(-1);
  pg::Postgres::create_slot(cluster.node("pg1").disk(), "pg2");
  stop_standby_and_write(cluster, 10_s);
  REQUIRE(cluster.events(pg::kSlotInvalidated).empty());
  REQUIRE(cluster["pg1"].wal().disk_bytes() >= 200 * kMiB);
  const auto row = slot_row(cluster, "pg1", "pg2");
  REQUIRE(row->wal_status == "extended");  // beyond max_wal_size, held by the slot
  REQUIRE_FALSE(row->safe_wal_size);       // no limit, nothing to count down
  REQUIRE(row->restart_lsn != 0);
}

TEST_CASE("the standby of an invalidated slot cannot resume streaming and retries in vain", "[postgres][slots]") {
  PgCluster cluster = slot_cluster(32);
  pg::Postgres::create_slot(cluster.node("pg1").disk(), "pg2");
  stop_standby_and_write(cluster, 10_s);
  REQUIRE(cluster.events(pg::kSlotInvalidated, "pg1").size() == 1);
  const std::size_t before = cluster.events(pg::kWalReceiverDisconnected, "pg2").size();
  cluster.start("pg2").run_for(30_s);
  const auto lost = cluster.events(pg::kWalReceiverDisconnected, "pg2");
  // One failure per wal_retrieve_retry_interval (5 s), each the removed segment.
  REQUIRE(lost.size() - before >= 4);
  for (std::size_t i = before; i < lost.size(); ++i)
    REQUIRE(lost[i].text("reason").find("has already been removed") != std::string::npos);
  REQUIRE_FALSE(cluster["pg2"].walreceiver()->streaming());
  REQUIRE(cluster["pg2"].replay_lsn() < cluster["pg1"].flush_lsn());
  REQUIRE(slot_row(cluster, "pg1", "pg2")->wal_status == "lost");
}

TEST_CASE("the walsender holding a slot too far behind is terminated before the slot is invalidated",
          "[postgres][slots]") {
  // wal_sender_timeout off: a frozen standby keeps its walsender, and the slot its restart_lsn.
  PgCluster cluster = slot_cluster(32, 64, 0);
  pg::Postgres::create_slot(cluster.node("pg1").disk(), "pg2");
  cluster.run_for(1_s);
  const auto held = slot_row(cluster, "pg1", "pg2");
  REQUIRE(held->active);
  cluster.freeze("pg2").run_for(100_ms);
  auto& w = cluster.writer("w1", "pg1", 20_ms, 512 * 1024);
  cluster.run_for(10_s);
  w.kill();
  const auto inv = cluster.events(pg::kSlotInvalidated, "pg1");
  REQUIRE(inv.size() == 1);
  REQUIRE(PgCluster::num(inv[0], "terminated_pid") == held->active_pid);
  bool terminated = false;
  for (const auto& e : cluster.events(pg::kWalSenderEnded, "pg1"))
    terminated |= e.time == inv[0].time && e.text("reason") == "terminating connection due to administrator command";
  REQUIRE(terminated);
  REQUIRE(cluster["pg1"].walsenders().empty());
  // Thawed, the standby learns its walsender is gone and cannot come back.
  cluster.thaw("pg2").run_for(15_s);
  bool removed = false;
  for (const auto& e : cluster.events(pg::kWalReceiverDisconnected, "pg2"))
    removed |= e.text("reason").find("has already been removed") != std::string::npos;
  REQUIRE(removed);
  REQUIRE_FALSE(cluster["pg2"].walreceiver()->streaming());
}

TEST_CASE("wal_status goes from reserved to unreserved as safe_wal_size runs out, and to lost at the checkpoint",
          "[postgres][slots]") {
  // max_wal_size large: no checkpoint is requested by the writes, only the CHECKPOINT below.
  PgCluster cluster = slot_cluster(32, 1024);
  pg::Postgres::create_slot(cluster.node("pg1").disk(), "pg2");
  cluster.run_for(1_s);
  cluster.stop("pg2").run_for(1_s);
  const auto start = slot_row(cluster, "pg1", "pg2");
  const Lsn start_lsn = cluster["pg1"].insert_lsn();
  REQUIRE(start->wal_status == "reserved");
  REQUIRE(start->safe_wal_size);
  // failLSN = start of (restart segment + 32 MiB / 16 MiB + 1): between 32 and 48 MiB ahead.
  REQUIRE(*start->safe_wal_size > 32 * static_cast<std::int64_t>(kMiB));
  REQUIRE(*start->safe_wal_size <= 48 * static_cast<std::int64_t>(kMiB));
  auto& w = cluster.writer("w1", "pg1", 20_ms, 512 * 1024);
  cluster.run_for(600_ms);  // ~15 MiB
  const auto mid = slot_row(cluster, "pg1", "pg2");
  REQUIRE(mid->wal_status == "reserved");
  REQUIRE(*mid->safe_wal_size < *start->safe_wal_size);
  // It counts down by exactly what was written since.
  REQUIRE(*start->safe_wal_size - *mid->safe_wal_size == static_cast<std::int64_t>(cluster["pg1"].insert_lsn() - start_lsn));
  cluster.run_for(2_s);  // ~50 MiB more: past the cap, the segments still on disk
  w.kill();
  cluster.run_for(500_ms);
  const auto past = slot_row(cluster, "pg1", "pg2");
  REQUIRE(past->wal_status == "unreserved");
  REQUIRE(*past->safe_wal_size < 0);
  REQUIRE(cluster.events(pg::kSlotInvalidated).empty());
  REQUIRE(cluster.sql("pg1", "CHECKPOINT").ok);
  REQUIRE(cluster.events(pg::kSlotInvalidated, "pg1").size() == 1);
  REQUIRE(slot_row(cluster, "pg1", "pg2")->wal_status == "lost");
}

TEST_CASE("max_slot_wal_keep_size set by ALTER SYSTEM and a reload applies at the next checkpoint", "[postgres][slots]") {
  PgCluster cluster = slot_cluster(-1, 1024);
  pg::Postgres::create_slot(cluster.node("pg1").disk(), "pg2");
  stop_standby_and_write(cluster, 2_s);
  REQUIRE(cluster.sql("pg1", "CHECKPOINT").ok);
  REQUIRE(cluster.events(pg::kSlotInvalidated).empty());
  REQUIRE(cluster.sql("pg1", "ALTER SYSTEM SET max_slot_wal_keep_size = '16MB'").ok);
  REQUIRE(cluster.sql("pg1", "SELECT pg_reload_conf()").ok);
  cluster.run_for(100_ms);
  REQUIRE(slot_row(cluster, "pg1", "pg2")->wal_status == "unreserved");
  REQUIRE(cluster.events(pg::kSlotInvalidated).empty());  // nothing happens before a checkpoint
  // A record since the last checkpoint, so that this one is not skipped as idle.
  auto& w = cluster.writer("w2", "pg1", 20_ms);
  cluster.run_for(100_ms);
  w.kill();
  REQUIRE(cluster.sql("pg1", "CHECKPOINT").ok);
  REQUIRE(cluster.events(pg::kSlotInvalidated, "pg1").size() == 1);
}

TEST_CASE("an invalidated slot stays lost after the primary restarts", "[postgres][slots]") {
  PgCluster cluster = slot_cluster(32);
  pg::Postgres::create_slot(cluster.node("pg1").disk(), "pg2");
  stop_standby_and_write(cluster, 10_s);
  REQUIRE(cluster.events(pg::kSlotInvalidated, "pg1").size() == 1);
  cluster.stop("pg1").run_for(5_s).start("pg1").run_for(5_s);
  REQUIRE(cluster.writable() == "pg1");
  const auto row = slot_row(cluster, "pg1", "pg2");
  REQUIRE(row);
  REQUIRE(row->wal_status == "lost");
  REQUIRE(row->restart_lsn == 0);
}
