// The failover script (models/failover_script/): the seed's exercise 4 run against the
// PostgreSQL model over the network, on the PgCluster fixture (pg1 primary, pg2 and pg3
// standbys, the script and a writer on "app").
#include <catch2/catch.hpp>

#include "models/failover_script/events.hpp"
#include "models/failover_script/failover_script.hpp"
#include "../support/pg_cluster.hpp"

namespace {

using namespace sim::literals;
namespace fs = models::failover_script;
namespace pg = models::postgres;

/// pg3 applies each commit 30 s late; the script watches pg1 with pg2 then pg3 as standbys.
struct ScriptCluster {
  testing::PgCluster c{2, [](const std::string& name, pg::PostgresConfig& conf) {
                         if (name == "pg3") conf.recovery_min_apply_delay = 30_s;
                       }};
  fs::FailoverScript* script = nullptr;

  explicit ScriptCluster(fs::LagBy lag_by = fs::LagBy::ReceiveLsn) {
    fs::FailoverScriptConfig conf;
    conf.primary = "pg1";
    conf.standbys = {{"pg2", ""}, {"pg3", ""}};
    conf.check_interval = 1_s;
    conf.connect_timeout = 2_s;
    conf.failures = 3;
    conf.lag_by = lag_by;
    conf.repoint = {"w"};
    script = &c.node("app").add_process<fs::FailoverScript>(conf);
    script->start();
    c.writer("w", "pg1", 500_ms);
  }
  /// pg2 hears nothing from pg1 from now on (replies and all): it falls behind.
  void cut_pg2() { c.s.network().add_drop({c.id("pg1")}, {c.id("pg2")}, sim::kAnyProto, true); }
  std::string promoted() const {
    const auto e = c.events(fs::kPromoted);
    return e.empty() ? "" : e.front().text("host");
  }
  /// Acknowledged commits that the server now accepting writes does not hold.
  int acked_lost(const std::string& primary) {
    int lost = 0;
    for (const auto& a : c.writers.at("w")->acks())
      if (!c[primary].has_commit(a.timeline, a.lsn)) ++lost;
    return lost;
  }
};

}  // namespace

TEST_CASE("a standby reports as received the WAL it has not yet applied behind recovery_min_apply_delay", "[failover_script][postgres]") {
  ScriptCluster k;
  k.c.run_until(20_s);
  const auto received = k.c.sql("pg3", "SELECT pg_last_wal_receive_lsn() - '0/0'");
  const auto replayed = k.c.sql("pg3", "SELECT pg_last_wal_replay_lsn() - '0/0'");
  REQUIRE(received.ok);
  REQUIRE(replayed.ok);
  REQUIRE(received.result.lsn.has_value());
  REQUIRE(replayed.result.lsn.has_value());
  // 20 s of commits received, none applied yet past the first 30 s.
  CHECK(*received.result.lsn > *replayed.result.lsn);
  CHECK(*received.result.lsn == k.c["pg3"].walreceiver()->flushed_lsn());
}

TEST_CASE("a primary answers NULL for the WAL it received by streaming, having never streamed", "[failover_script][postgres]") {
  ScriptCluster k;
  k.c.run_until(5_s);
  const auto r = k.c.sql("pg1", "SELECT pg_last_wal_receive_lsn() - '0/0'");
  REQUIRE(r.ok);
  CHECK_FALSE(r.result.lsn.has_value());
}

TEST_CASE("the script detects a crashed primary after three failed checks and promotes the standby that received the most WAL", "[failover_script]") {
  ScriptCluster k;
  k.c.run_until(10_s);
  k.cut_pg2();
  k.c.run_until(35_s).crash("pg1").run_until(60_s);
  const auto failed = k.c.events(fs::kCheckFailed);
  REQUIRE(failed.size() >= 3);
  const auto detected = k.c.events(fs::kDetected);
  REQUIRE(detected.size() == 1);
  // Three checks a second apart, each refused or timed out within connect_timeout.
  CHECK(detected.front().time > 35_s + 2_s);
  CHECK(detected.front().time < 35_s + 9_s);
  const auto candidates = k.c.events(fs::kCandidate);
  REQUIRE(candidates.size() == 2);
  CHECK(testing::PgCluster::num(candidates[1], "lsn") > testing::PgCluster::num(candidates[0], "lsn"));
  CHECK(k.promoted() == "pg3");
  CHECK(k.c.writable() == "pg3");
  CHECK(k.acked_lost("pg3") == 0);
}

TEST_CASE("comparing replayed positions promotes the standby that applied the most, and acknowledged commits are lost", "[failover_script]") {
  ScriptCluster k(fs::LagBy::ReplayLsn);
  k.c.run_until(10_s);
  k.cut_pg2();
  k.c.run_until(35_s).crash("pg1").run_until(60_s);
  // pg3 applied only what is 30 s old; pg2 everything up to the cut at 10 s.
  CHECK(k.promoted() == "pg2");
  CHECK(k.c.writable() == "pg2");
  // The 25 s between the cut and the crash, two commits a second.
  CHECK(k.acked_lost("pg2") > 40);
}

TEST_CASE("the script repoints the writer through its host file and the other standby to the new primary", "[failover_script]") {
  ScriptCluster k;
  k.c.run_until(10_s);
  k.cut_pg2();
  k.c.run_until(35_s).crash("pg1").run_until(60_s);
  REQUIRE(k.c.events(fs::kAppRepointed).size() == 1);
  CHECK(k.c.node("app").disk().read_file("/tmp/hasim-pg-host-w").value_or("") == "pg3\n");
  const auto& acks = k.c.writers.at("w")->acks();
  REQUIRE_FALSE(acks.empty());
  CHECK(acks.back().node == "pg3");
  CHECK(acks.back().timeline == 2);
  const auto repointed = k.c.events(fs::kRepointed);
  REQUIRE(repointed.size() == 1);
  CHECK(repointed.front().text("host") == "pg2");
  CHECK(std::get<bool>(*repointed.front().find("ok")));
  // pg2 was behind the fork: it follows pg3's timeline 2 and streams from it.
  CHECK(k.c["pg2"].timeline() == 2);
  REQUIRE(k.c["pg2"].walreceiver() != nullptr);
  CHECK(k.c["pg2"].walreceiver()->active());
  CHECK(k.script->primary() == "pg3");
}

TEST_CASE("a primary still starting when the script starts is not counted as failed", "[failover_script]") {
  ScriptCluster k;
  k.c.run_until(30_s);
  CHECK(k.c.events(fs::kCheckFailed).empty());
  CHECK(k.c.events(fs::kDetected).empty());
  CHECK(k.c.writable() == "pg1");
}

TEST_CASE("the script does not fail over on fewer failed checks than failures", "[failover_script]") {
  ScriptCluster k;
  k.c.run_until(20_s);
  // The script's checks go unanswered for 1.5 s: one or two time out, then pg1 answers again.
  const int rule = k.c.partition("app", "pg1");
  k.c.run_for(1500_ms).heal(rule).run_until(40_s);
  CHECK_FALSE(k.c.events(fs::kCheckFailed).empty());
  CHECK(k.c.events(fs::kDetected).empty());
  CHECK(k.c.writable() == "pg1");
}
