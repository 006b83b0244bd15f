// Readers (ReadClient, the seed's reads on replicas): what a hot standby's snapshot shows, and
// the visibility and staleness figures computed from their records.
#include <catch2/catch.hpp>

#include "../support/pg_cluster.hpp"
#include "models/postgres/read_client.hpp"
#include "scenarios/postgres_checks.hpp"

using namespace sim::literals;
using testing::PgCluster;
namespace pg = models::postgres;

namespace {

pg::ReadClient& reader(PgCluster& c, const std::string& name, const std::string& host, sim::Time interval) {
  auto& r = c.node("app").add_process<pg::ReadClient>(name, host, interval);
  r.start();
  return r;
}

std::map<std::string, double> metrics(const PgCluster& c) {
  sim::Invariants inv;
  std::map<std::string, double> m;
  scenarios::postgres_checks(c.s.trace().records(), c.s.now(), inv, m);
  return m;
}

}  // namespace

TEST_CASE("a reader on a hot standby sees what the standby has replayed, not what the primary has committed",
          "[postgres][readers]") {
  PgCluster cluster;
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 50_ms);
  auto& r = reader(cluster, "r2", "pg2", 100_ms);
  cluster.run_for(2_s);
  REQUIRE(!r.reads().empty());
  REQUIRE(r.reads().back().node == "pg2");
  // Cut pg2 off its primary: the writer goes on, the reader's answers stop where replay stopped.
  const int cut = cluster.partition("pg1", "pg2");
  cluster.run_for(200_ms);
  const std::int64_t replayed = cluster["pg2"].visible_commits();
  const std::size_t acked = w.acks().size();
  cluster.run_for(2_s);
  REQUIRE(w.acks().size() >= acked + 30);
  REQUIRE(cluster["pg2"].visible_commits() == replayed);
  REQUIRE(cluster["pg1"].visible_commits() > replayed + 30);
  REQUIRE(r.reads().back().max_id == replayed);
  // The reader on the other standby, and on the primary, see more meanwhile.
  auto& r1 = reader(cluster, "r1", "pg1", 100_ms);
  cluster.run_for(300_ms);
  REQUIRE(r1.reads().back().max_id > replayed + 30);
  // Healed: the backlog is replayed and the reader sees the newest acknowledged commit.
  cluster.heal(cut).run_for(3_s);
  w.kill();
  cluster.run_for(500_ms);
  REQUIRE(r.reads().back().max_id == static_cast<std::int64_t>(w.acks().back().xid));
  const auto m = metrics(cluster);
  CHECK(m.at("r2.stale_ms.max") >= 1900.0);   // reads during the cut missed two seconds of commits
  CHECK(m.at("r1.stale_ms.max") < 100.0);     // the primary's reader misses only in-flight ones
  CHECK(m.at("r2.failed") == 0);
}

TEST_CASE("recovery_min_apply_delay shows a standby's readers each row that long after its commit, the others at once",
          "[postgres][readers]") {
  PgCluster cluster(2, [](const std::string& name, pg::PostgresConfig& c) {
    if (name == "pg3") c.recovery_min_apply_delay = 3_s;
  });
  cluster.run_for(1_s);
  cluster.writer("w1", "pg1", 200_ms);
  reader(cluster, "r2", "pg2", 100_ms);
  reader(cluster, "r3", "pg3", 100_ms);
  cluster.run_for(20_s);
  const auto m = metrics(cluster);
  // A row shows on pg2 at its next read (every 100 ms), on pg3 3 s after its commit plus that.
  CHECK(m.at("r2.visible_after_ms.max") <= 110.0);
  // The delay runs from the commit record's timestamp, taken before the WAL flush that the
  // acknowledgement waits for: a few milliseconds less than 3 s after the acknowledgement.
  CHECK(m.at("r3.visible_after_ms.p50") >= 2950.0);
  CHECK(m.at("r3.visible_after_ms.max") <= 3110.0);
  CHECK(m.at("r3.stale_ms.max") >= 2950.0);
  CHECK(m.at("r2.unseen") <= 1);   // the last commit may come after the last read
  CHECK(m.at("r3.unseen") >= 14);  // the last 3 s of commits never reach pg3's snapshots
  CHECK(m.at("r3.reads") >= 190);
}

TEST_CASE("a reader's failures are recorded with their SQLSTATE and it reconnects when the standby is back",
          "[postgres][readers]") {
  PgCluster cluster;
  cluster.run_for(1_s);
  cluster.writer("w1", "pg1", 100_ms);
  auto& r = reader(cluster, "r2", "pg2", 100_ms);
  cluster.run_for(1_s);
  cluster.stop("pg2").run_for(2_s);
  REQUIRE(r.failures() > 0);
  bool shutting_down_or_refused = false;
  for (const auto& e : cluster.events(pg::kReadFailed)) {
    const std::string st = e.text("sqlstate");
    shutting_down_or_refused = shutting_down_or_refused || st == "57P01" || st == "08006";
  }
  CHECK(shutting_down_or_refused);
  const std::size_t before = r.reads().size();
  cluster.start("pg2").run_for(5_s);
  REQUIRE(r.reads().size() > before + 10);
  REQUIRE(r.reads().back().node == "pg2");
}

TEST_CASE("visibility and staleness are computed from acknowledgements and reads alone", "[postgres][readers][checks]") {
  // Two commits acknowledged at 1.0 s and 2.0 s (ids 1, 2); reads answered at 1.5 s (saw 0),
  // 2.5 s (saw 1), 3.5 s (saw 2), each sent 100 ms earlier.
  sim::Trace t;
  auto ack = [&](sim::Time at, std::int64_t id) {
    t.record(at, pg::kCommitAcked, {{"client", std::string("client:w")}, {"node", std::string("pg1")}, {"timeline", std::int64_t{1}},
                                    {"xid", id}, {"lsn", id * 100}, {"latency_us", std::int64_t{1000}}});
  };
  auto rd = [&](sim::Time at, std::int64_t max_id) {
    t.record(at, pg::kReadDone, {{"client", std::string("client:r")}, {"node", std::string("pg2")}, {"max_id", max_id},
                                 {"latency_us", std::int64_t{100000}}});
  };
  t.record(0, pg::kStarted, {{"node", std::string("pg1")}, {"role", std::string("primary")}, {"timeline", std::int64_t{1}}});
  ack(1_s, 1);
  rd(1500_ms, 0);
  ack(2_s, 2);
  rd(2500_ms, 1);
  rd(3500_ms, 2);
  sim::Invariants inv;
  std::map<std::string, double> m;
  scenarios::postgres_checks(t.records(), 4_s, inv, m);
  CHECK(m.at("r.reads") == 3);
  CHECK(m.at("r.failed") == 0);
  // id 1 first seen at 2.5 s (1.5 s after), id 2 at 3.5 s (1.5 s after).
  CHECK(m.at("r.visible_after_ms.p50") == Approx(1500.0));
  CHECK(m.at("r.visible_after_ms.max") == Approx(1500.0));
  CHECK(m.at("r.unseen") == 0);
  // The read sent at 2.4 s saw id 1 and missed id 2, acknowledged at 2.0 s: 400 ms stale; the
  // one sent at 1.4 s missed id 1 (acknowledged at 1.0 s): 400 ms.
  CHECK(m.at("r.stale_ms.max") == Approx(400.0));
}

TEST_CASE("a reader whose look-up gets no answer fails at getent's 1 s bound, and its next read starts at once",
          "[postgres][readers][dns]") {
  // pg-reader.sh looks each name up (`timeout 1 getent`) before it opens a session; at a 0.4 s
  // period its loop is past `next` when that fails, and reads again without sleeping.
  PgCluster cluster(1);
  testing::SilentDns silent_dns(cluster, 2500_ms);
  cluster.run_for(1_s);
  const sim::Time silent = silent_dns.stop_a_container();
  auto& r = reader(cluster, "r2", "pg1,pg2", 400_ms);
  cluster.run_for(3500_ms);
  const auto failed = cluster.events(pg::kReadFailed);
  REQUIRE(failed.size() == 3);
  for (std::size_t i = 0; i < failed.size(); ++i) {
    CHECK(failed[i].time == silent + static_cast<sim::Time>(i + 1) * 1_s);
    CHECK(failed[i].text("message") == "could not translate host name \"pg1\" to address (getent, within 1 s)");
  }
  // The read begun at 3 s, after the silence, is answered.
  REQUIRE_FALSE(r.reads().empty());
  CHECK(r.reads().front().sent == silent + 3_s);
}
