// Cascading replication (Demo 2's exercise 2): a standby streaming from another standby, whose
// walsender sends what its walreceiver has flushed (walsender.c GetStandbyFlushRecPtr) and, once
// its timeline becomes historic (it was promoted, or followed a new timeline), ends the stream at
// the switch point so the downstream standby asks for the new timeline's history and follows it.
#include <catch2/catch.hpp>

#include "../support/pg_cluster.hpp"

using namespace sim::literals;
using testing::PgCluster;
namespace pg = models::postgres;

namespace {

/// pg1 primary, pg2 its standby, pg3 a standby of pg2.
PgCluster cascade(sim::Time pg2_apply_delay = 0) {
  return PgCluster(2, [pg2_apply_delay](const std::string& name, pg::PostgresConfig& c) {
    if (name == "pg3") c.primary_conninfo = "host=pg2 port=5432 user=replicator application_name=pg3 connect_timeout=2";
    if (name == "pg2") c.recovery_min_apply_delay = pg2_apply_delay;
  });
}

}  // namespace

TEST_CASE("a cascaded standby streams from its upstream standby and replays every commit the primary acknowledged",
          "[postgres][cascade]") {
  PgCluster cluster = cascade();
  cluster.run_for(1_s);
  REQUIRE(cluster["pg3"].walreceiver()->streaming());
  REQUIRE(cluster["pg3"].walreceiver()->sender_host() == "pg2");
  REQUIRE(cluster["pg1"].walsenders().size() == 1);  // pg2 only
  REQUIRE(cluster["pg2"].walsenders().size() == 1);  // pg3, a cascading walsender
  auto& w = cluster.writer("w1", "pg1", 50_ms);
  cluster.run_for(3_s);
  w.kill();
  cluster.run_for(1_s);
  REQUIRE(cluster["pg3"].replay_lsn() == cluster["pg1"].flush_lsn());
  REQUIRE(cluster["pg3"].visible_commits() == static_cast<std::int64_t>(w.acks().size()));
  REQUIRE(cluster["pg2"].walsenders().front()->state() == pg::WalSndState::Streaming);
}

TEST_CASE("a cascading walsender sends what its standby has flushed, before that standby's delayed replay applies it",
          "[postgres][cascade]") {
  // pg2 holds commits back by recovery_min_apply_delay; GetStandbyFlushRecPtr sends the WAL its
  // walreceiver flushed, so pg3 (no delay of its own) replays each commit long before pg2 does.
  PgCluster cluster = cascade(5_s);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 100_ms);
  cluster.run_for(3_s);
  REQUIRE(w.acks().size() >= 25);
  CHECK(cluster["pg2"].visible_commits() == 0);
  CHECK(cluster["pg3"].visible_commits() >= static_cast<std::int64_t>(w.acks().size()) - 1);
  CHECK(cluster["pg3"].flush_lsn() <= cluster["pg2"].flush_lsn());
}

TEST_CASE("a cascaded standby follows the new timeline when its upstream standby is promoted, on the same connection",
          "[postgres][cascade]") {
  PgCluster cluster = cascade();
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 50_ms);
  cluster.run_for(2_s);
  cluster.stop("pg1").run_for(1_s);
  REQUIRE(cluster.sql("pg2", "SELECT pg_promote()").result.value);
  REQUIRE(cluster.writable() == "pg2");
  cluster.run_for(500_ms);
  // pg3 learnt timeline 2 from pg2's end of streaming at the switch point ("replication
  // terminated by primary server", as walreceiver.c logs it), then streamed again on the same
  // session at once: no wal_retrieve_retry_interval (5 s) wait, no new connection.
  REQUIRE(cluster["pg3"].history().timeline() == 2);
  REQUIRE(cluster["pg3"].walreceiver()->streaming());
  REQUIRE(cluster.events(pg::kTimelineFollowed, "pg3").size() == 1);
  const auto gone = cluster.events(pg::kWalReceiverDisconnected, "pg3");
  REQUIRE(gone.size() == 1);
  CHECK_THAT(gone[0].text("reason"), Catch::StartsWith("replication terminated by primary server: End of WAL reached on timeline 1"));
  const auto back = cluster.events(pg::kWalReceiverConnected, "pg3");
  REQUIRE(back.size() == 2);
  CHECK(PgCluster::num(back[1], "timeline") == 2);
  CHECK(back[1].time - gone[0].time < 10_ms);
  // Writes on the new primary reach pg3 on timeline 2.
  w.set_host("pg2");
  cluster.run_for(2_s);
  REQUIRE(w.acks().back().node == "pg2");
  REQUIRE(w.acks().back().timeline == 2);
  cluster.run_for(500_ms);
  REQUIRE(cluster["pg3"].has_commit(2, w.acks().back().lsn));
  REQUIRE(cluster["pg3"].replay_lsn() == cluster["pg2"].flush_lsn());
}
