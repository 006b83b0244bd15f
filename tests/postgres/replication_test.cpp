// Streaming replication: replay order and positions, async loss, partitions, timeouts, the
// walreceiver restart loop.
#include <catch2/catch.hpp>

#include "../support/pg_cluster.hpp"

using namespace sim::literals;
using testing::PgCluster;
namespace pg = models::postgres;

TEST_CASE("a standby replays the primary's commits in order and its flush and replay positions reach the primary's",
          "[postgres]") {
  PgCluster cluster;
  cluster.run_for(1_s);
  REQUIRE(cluster.writable() == "pg1");
  REQUIRE(cluster["pg2"].in_recovery());
  REQUIRE(cluster["pg2"].walreceiver()->streaming());
  auto& w = cluster.writer("w1", "pg1", 50_ms);
  cluster.run_for(3_s);
  w.kill();
  cluster.run_for(1_s);
  REQUIRE(w.acks().size() > 50);
  for (const char* sb : {"pg2", "pg3"}) {
    INFO(sb);
    REQUIRE(cluster[sb].replay_lsn() == cluster["pg1"].flush_lsn());
    REQUIRE(cluster[sb].visible_commits() == static_cast<std::int64_t>(w.acks().size()));
    for (const auto& a : w.acks()) REQUIRE(cluster[sb].has_commit(a.timeline, a.lsn));
  }
  // pg_stat_replication on the primary: both streaming, async, positions caught up.
  const auto senders = cluster["pg1"].walsenders();
  REQUIRE(senders.size() == 2);
  for (const auto* ws : senders) {
    REQUIRE(ws->state() == pg::WalSndState::Streaming);
    REQUIRE(ws->sync_state == "async");
    REQUIRE(ws->flush_lsn() == cluster["pg1"].flush_lsn());
  }
  // Acked LSNs rise with the xids: commits are replayed in the order they were acknowledged.
  for (std::size_t i = 1; i < w.acks().size(); ++i) REQUIRE(w.acks()[i].lsn > w.acks()[i - 1].lsn);
}

TEST_CASE("an async commit is acknowledged before the standby has it and is lost when the primary's node crashes",
          "[postgres]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 100_ms);
  cluster.run_for(1_s);
  const std::size_t replicated = w.acks().size();
  const int cut = cluster.partition("pg1", "pg2");
  cluster.run_for(1_s);
  REQUIRE(w.acks().size() >= replicated + 8);
  cluster.crash("pg1").heal(cut).run_for(100_ms);
  REQUIRE(cluster.sql("pg2", "SELECT pg_promote()").result.value);
  REQUIRE(cluster.writable() == "pg2");
  int lost = 0;
  for (const auto& a : w.acks())
    if (!cluster["pg2"].has_commit(a.timeline, a.lsn)) ++lost;
  REQUIRE(lost >= 8);
  // What had been streamed before the partition survived.
  for (std::size_t i = 0; i + 1 < replicated; ++i) REQUIRE(cluster["pg2"].has_commit(1, w.acks()[i].lsn));
}

TEST_CASE("a partition shorter than the timeouts delivers the backlog without a reconnect", "[postgres]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 50_ms);
  cluster.run_for(1_s);
  const int cut = cluster.partition("pg1", "pg2");
  cluster.run_for(5_s).heal(cut).run_for(3_s);
  w.kill();
  cluster.run_for(2_s);
  REQUIRE(cluster.events(pg::kWalReceiverDisconnected).empty());
  REQUIRE(cluster["pg2"].replay_lsn() == cluster["pg1"].flush_lsn());
  for (const auto& a : w.acks()) REQUIRE(cluster["pg2"].has_commit(a.timeline, a.lsn));
}

TEST_CASE("wal_sender_timeout ends the walsender of a frozen standby", "[postgres]") {
  PgCluster cluster(1, [](const std::string&, pg::PostgresConfig& c) { c.wal_sender_timeout = 10_s; });
  cluster.run_for(1_s);
  cluster.writer("w1", "pg1", 100_ms);
  cluster.run_for(2_s);
  const sim::Time frozen_at = cluster.s.now();
  cluster.freeze("pg2").run_for(15_s);
  const auto ended = cluster.events(pg::kWalSenderEnded, "pg1");
  REQUIRE(ended.size() == 1);
  REQUIRE(ended[0].text("reason") == "terminating walsender process due to replication timeout");
  REQUIRE(ended[0].time >= frozen_at + 9800_ms);
  REQUIRE(ended[0].time <= frozen_at + 10_s + 200_ms);
  // Thawed, the standby finds its socket closed and streams again through a new walsender.
  cluster.thaw("pg2").run_for(10_s);
  REQUIRE(cluster.events(pg::kWalSenderStarted, "pg1").size() == 2);
}

TEST_CASE("wal_receiver_timeout ends the walreceiver of a partitioned primary and the restart loop retries "
          "wal_retrieve_retry_interval apart",
          "[postgres]") {
  PgCluster cluster(1, [](const std::string&, pg::PostgresConfig& c) { c.wal_receiver_timeout = 10_s; });
  cluster.run_for(1_s);
  cluster.writer("w1", "pg1", 100_ms);
  cluster.run_for(2_s);
  const sim::Time cut_at = cluster.s.now();
  const int cut = cluster.partition("pg1", "pg2");
  cluster.run_for(30_s);
  const auto down = cluster.events(pg::kWalReceiverDisconnected, "pg2");
  REQUIRE(down.size() >= 3);
  REQUIRE(down[0].text("reason") == "terminating walreceiver due to timeout");
  REQUIRE(down[0].time >= cut_at + 9800_ms);
  REQUIRE(down[0].time <= cut_at + 10_s + 200_ms);
  // Each later attempt fails (connect_timeout=2) and the next starts 5 s after the previous.
  for (std::size_t i = 2; i < down.size(); ++i) REQUIRE(down[i].time - down[i - 1].time >= 5_s - 1_ms);
  const sim::Time healed_at = cluster.s.now();
  cluster.heal(cut).run_for(10_s);
  const auto up = cluster.events(pg::kWalReceiverConnected, "pg2");
  REQUIRE(up.size() == 2);
  REQUIRE(up[1].time > healed_at);
  REQUIRE(up[1].time <= healed_at + 5_s + 100_ms);
}
