// Promotion, timelines, split brain, and what a standby can follow.
#include <catch2/catch.hpp>

#include <string>

#include "../support/pg_cluster.hpp"

using namespace sim::literals;
using testing::PgCluster;
namespace pg = models::postgres;

namespace {

/// The operator's `SELECT pg_promote()` on `node`, sent to its address as a psql run beside the
/// server (docker exec) does, with no name to resolve; the time `node` was promoted.
sim::Time promote_by_address(PgCluster& cluster, const std::string& node) {
  const auto address = cluster.s.network().address_of(cluster.id(node));
  REQUIRE(address.has_value());
  REQUIRE(cluster.sql(address->str(), "SELECT pg_promote()").result.value);
  const auto promoted = cluster.events(pg::kPromoted, node);
  REQUIRE(promoted.size() == 1);
  return promoted[0].time;
}

}  // namespace

TEST_CASE("promotion makes a standby writable on timeline 2 after replaying its received backlog", "[postgres]") {
  PgCluster cluster(1);
  cluster["pg2"].replay_record_time = 20_ms;  // a standby slow to replay: a backlog builds up
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 10_ms);
  cluster.run_for(2_s);
  cluster.crash("pg1");
  w.kill();
  const auto received = cluster["pg2"].insert_lsn();
  REQUIRE(cluster["pg2"].replay_lsn() < received);  // a backlog to replay
  const sim::Time asked = cluster.s.now();
  const auto r = cluster.sql("pg2", "SELECT pg_promote()");
  REQUIRE(r.ok);
  REQUIRE(r.result.value);
  const auto promoted = cluster.events(pg::kPromoted, "pg2");
  REQUIRE(promoted.size() == 1);
  REQUIRE(PgCluster::num(promoted[0], "timeline") == 2);
  REQUIRE(static_cast<std::uint64_t>(PgCluster::num(promoted[0], "switch_lsn")) == received);
  REQUIRE(promoted[0].time > asked + 500_ms);  // dominated by the replay backlog
  // The request is taken when it comes ("received promote request"), long before the promotion.
  const auto requested = cluster.events(pg::kPromoteRequested, "pg2");
  REQUIRE(requested.size() == 1);
  REQUIRE(requested[0].time >= asked);
  REQUIRE(requested[0].time < asked + 100_ms);
  REQUIRE(cluster.writable() == "pg2");
  REQUIRE(cluster["pg2"].timeline() == 2);
  // Every commit pg2 had received is kept, on timeline 1 below the switch point.
  for (const auto& a : w.acks())
    if (a.lsn < received) REQUIRE(cluster["pg2"].has_commit(1, a.lsn));
  // The history file is on pg2's disk, with the fork point.
  REQUIRE(cluster.node("pg2").disk().exists(pg::history_path(pg::kPgData, 2)));
  REQUIRE_FALSE(cluster.node("pg2").disk().exists(pg::standby_signal_path(pg::kPgData)));
  auto& w2 = cluster.writer("w2", "pg2", 100_ms);
  cluster.run_for(1_s);
  REQUIRE(w2.acks().size() >= 9);
  REQUIRE(w2.acks().back().timeline == 2);
}

TEST_CASE("an old primary restarted after a promotion runs as a second primary on timeline 1, and its standby "
          "follows it",
          "[postgres]") {
  PgCluster cluster(2);
  cluster.run_for(1_s);
  cluster.writer("w1", "pg1", 100_ms);
  cluster.run_for(1_s);
  cluster.stop("pg1").run_for(1_s);  // docker stop: SIGINT, a fast shutdown
  REQUIRE(cluster.events(pg::kShutdownDone, "pg1").size() == 1);
  REQUIRE(cluster.events(pg::kShutdownDone, "pg1")[0].text("mode") == "fast");
  REQUIRE(cluster.sql("pg2", "SELECT pg_promote()").result.value);
  cluster.start("pg1").run_for(2_s);
  REQUIRE(cluster.writable() == "pg1,pg2");
  REQUIRE(cluster["pg1"].timeline() == 1);
  REQUIRE(cluster["pg2"].timeline() == 2);
  // A client sees two servers that both say they are not in recovery.
  REQUIRE_FALSE(cluster.sql("pg1", "SELECT pg_is_in_recovery()").result.value);
  REQUIRE_FALSE(cluster.sql("pg2", "SELECT pg_is_in_recovery()").result.value);
  auto& a = cluster.writer("a", "pg1", 100_ms);
  auto& b = cluster.writer("b", "pg2", 100_ms);
  // pg3's walreceiver retries every wal_retrieve_retry_interval (5 s) until pg1 is back.
  cluster.run_for(6_s);
  REQUIRE(a.acks().back().timeline == 1);
  REQUIRE(b.acks().back().timeline == 2);
  // pg3 still points at pg1: it follows the old primary on timeline 1.
  REQUIRE(cluster["pg3"].in_recovery());
  REQUIRE(cluster["pg3"].timeline() == 1);
  REQUIRE(cluster["pg3"].has_commit(1, a.acks().front().lsn));
}

TEST_CASE("a standby that replayed past the fork cannot follow the new timeline", "[postgres]") {
  PgCluster cluster(2);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 50_ms);
  cluster.run_for(1_s);
  cluster.partition("pg1", "pg2");  // pg2 falls behind; pg3 keeps streaming
  cluster.run_for(1_s);
  cluster.crash("pg1");
  w.kill();
  cluster.run_for(100_ms);
  REQUIRE(cluster["pg3"].replay_lsn() > cluster["pg2"].replay_lsn());
  REQUIRE(cluster.sql("pg2", "SELECT pg_promote()").result.value);
  // pg3 is pointed at the new primary, as a failover script would.
  REQUIRE(cluster.sql("pg3", "ALTER SYSTEM SET primary_conninfo = 'host=pg2 application_name=pg3 connect_timeout=2'").ok);
  REQUIRE(cluster.sql("pg3", "SELECT pg_reload_conf()").ok);
  cluster.run_for(12_s);
  REQUIRE_FALSE(cluster.events(pg::kTimelineForkBehind, "pg3").empty());
  const auto down = cluster.events(pg::kWalReceiverDisconnected, "pg3");
  REQUIRE(down.size() >= 2);
  REQUIRE(down.back().text("reason").find("on timeline 1 is not in this server's history") != std::string::npos);
  REQUIRE(cluster["pg3"].timeline() == 1);
}

TEST_CASE("a standby that has not passed the fork follows the new primary onto timeline 2", "[postgres]") {
  PgCluster cluster(2);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 50_ms);
  cluster.run_for(1_s);
  w.kill();
  cluster.run_for(200_ms);
  cluster.crash("pg1").run_for(100_ms);
  REQUIRE(cluster.sql("pg2", "SELECT pg_promote()").result.value);
  REQUIRE(cluster.sql("pg3", "ALTER SYSTEM SET primary_conninfo = 'host=pg2 application_name=pg3'").ok);
  REQUIRE(cluster.sql("pg3", "SELECT pg_reload_conf()").ok);
  auto& w2 = cluster.writer("w2", "pg2", 50_ms);
  cluster.run_for(3_s);
  REQUIRE(cluster.events(pg::kTimelineFollowed, "pg3").size() == 1);
  REQUIRE(cluster["pg3"].timeline() == 2);
  for (const auto& a : w2.acks()) REQUIRE(cluster["pg3"].has_commit(2, a.lsn));
}

TEST_CASE("a promotion waits for a walreceiver blocked in getaddrinfo while the engine's DNS answers nothing",
          "[postgres][dns]") {
  // The real promotions of 2026-12-06 that met a silent aardvark-dns finished 10.04 s after the
  // walreceiver's previous exit: its next one had blocked in glibc's two 5 s tries, and
  // ShutdownWalRcv waited for it. Without a silence the promotion comes at once.
  auto promoted_after_stop = [](double silence) {
    PgCluster cluster(1);
    testing::SilentDns silent_dns(cluster, 60_s, silence);
    cluster.run_for(1_s);
    const sim::Time stopped = silent_dns.stop_a_container("pg1");
    cluster.stop("pg1").run_for(2_s);
    return promote_by_address(cluster, "pg2") - stopped;
  };
  const sim::Time quiet = promoted_after_stop(0.0), silent = promoted_after_stop(1.0);
  CHECK(quiet < 2500_ms);
  // The walreceiver left at the fast shutdown (~0.1 s), its next one resolved from then on for 10 s.
  CHECK(silent > 10_s);
  CHECK(silent < 10500_ms);
}

TEST_CASE("a promotion that comes while a walreceiver is being launched sleeps out wal_retrieve_retry_interval first",
          "[postgres]") {
  // The startup process sees the trigger in its XLOG_FROM_STREAM state, which counts as the
  // source failing: after ShutdownWalRcv it sleeps what is left of wal_retrieve_retry_interval
  // since the retry began. The real manual failovers of 2026-12-07 whose pg_promote came 19 and
  // 37 ms after a retry was due promoted 5 s later; one that came 32 ms before it, at once.
  auto promoted_after_retry = [](sim::Time promote_at) {
    PgCluster cluster(1);
    cluster["pg2"].walreceiver_start = sim::Distribution::constant(100_ms);
    cluster.run_for(1_s);
    cluster.stop("pg1").run_for(1_s);
    const auto ended = cluster.events(pg::kWalReceiverDisconnected, "pg2");
    REQUIRE(ended.size() == 2);  // streaming ended at the shutdown, then the retry made at once
    REQUIRE(ended[1].time - ended[0].time >= 100_ms);  // its launch, then NXDOMAIN for pg1
    REQUIRE(ended[1].time - ended[0].time < 101_ms);
    const sim::Time retry = ended[0].time + 5_s;       // the next, wal_retrieve_retry_interval on
    cluster.run_until(retry + promote_at);
    return promote_by_address(cluster, "pg2") - retry;
  };
  const sim::Time during_launch = promoted_after_retry(20_ms);
  CHECK(during_launch >= 5_s);
  CHECK(during_launch < 5010_ms);
  const sim::Time during_sleep = promoted_after_retry(-200_ms);
  CHECK(during_sleep > -200_ms);
  CHECK(during_sleep < -190_ms);
}

TEST_CASE("libpq's connect blocks in getaddrinfo while the engine's DNS answers nothing: 10 s, or its second try's answer",
          "[postgres][dns]") {
  // glibc's resolver: a query with no answer is sent again after 5 s, the look-up fails after
  // the second; connect_timeout (2 s here) starts only after it.
  auto connect_at = [](sim::Time silence) {
    PgCluster cluster(0);
    testing::SilentDns silent_dns(cluster, silence);
    cluster.run_for(1_s);
    const sim::Time asked = silent_dns.stop_a_container();
    pg::PgConnection c(*cluster.admin, "pg1");
    c.connect_timeout = 2_s;
    std::optional<pg::PgResult> got;
    sim::Time at = 0;
    c.connect([&](const pg::PgResult& r) {
      got = r;
      at = cluster.s.now();
    });
    cluster.run_for(15_s);
    REQUIRE(got.has_value());
    return std::make_pair(got->ok ? std::string("ok") : got->message, at - asked);
  };
  const auto failed = connect_at(12_s);
  CHECK(failed.first == "could not translate host name \"pg1\" to address: Temporary failure in name resolution");
  CHECK(failed.second == 10_s);
  const auto second_try = connect_at(3_s);
  CHECK(second_try.first == "ok");
  CHECK(second_try.second > 5_s);
  CHECK(second_try.second < 5010_ms);
}
