// pg_stat_replication's lag columns (the walsender's lag tracker), the standby's report of its
// replay, the replication monitor's rows and the per-standby lag metrics computed from them.
#include <catch2/catch.hpp>

#include <array>
#include <functional>

#include "../support/pg_cluster.hpp"
#include "models/postgres/events.hpp"
#include "models/postgres/lag_tracker.hpp"
#include "models/postgres/stat_probe.hpp"
#include "scenarios/checks/replication.hpp"

using namespace sim::literals;
using testing::PgCluster;
namespace pg = models::postgres;

TEST_CASE("the lag tracker gives each position's round trip, interpolates between notes and is NULL with nothing newer",
          "[postgres][lag]") {
  pg::LagTracker t;
  t.write(1000, 10_ms);
  t.write(1000, 11_ms);  // the same position: no new note
  t.write(2000, 20_ms);
  // The write head crosses the first note only: 15 ms after it was flushed.
  REQUIRE(t.read(pg::LagTracker::kWrite, 1500, 25_ms) == 15_ms);
  // Then it crosses the second.
  REQUIRE(t.read(pg::LagTracker::kWrite, 2000, 26_ms) == 6_ms);
  // Caught up and nothing newer: NULL.
  REQUIRE(t.read(pg::LagTracker::kWrite, 2000, 40_ms) == -1);
  // The apply head, stuck between the notes, is interpolated from the last note it passed.
  REQUIRE(t.read(pg::LagTracker::kApply, 1000, 30_ms) == 20_ms);
  REQUIRE(t.read(pg::LagTracker::kApply, 1500, 50_ms) == 35_ms);  // flushed at 15 ms, halfway
  // A head that never passed a note since the tracker was empty reports the next note's lag.
  REQUIRE(t.read(pg::LagTracker::kFlush, 500, 60_ms) == 50_ms);
}

TEST_CASE("replay_lag is a round trip, not the writer's period: a standby that caught up reports its replay at once",
          "[postgres][lag]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  cluster.writer("w1", "pg1", 500_ms);
  cluster.run_for(5_s + 250_ms);  // between two commits
  const auto senders = cluster["pg1"].walsenders();
  REQUIRE(senders.size() == 1);
  const pg::WalSender& ws = *senders.front();
  // Everything the walsender sent is reported replayed (the startup process's forced reply),
  // not the commit before it (which is all the flush reply knows).
  REQUIRE(ws.replay_lsn() == ws.sent_lsn());
  REQUIRE(ws.write_lag() >= 0);
  REQUIRE(ws.flush_lag() >= ws.write_lag());
  REQUIRE(ws.replay_lag() >= ws.flush_lag());
  // A round trip plus an fsync and a replay: milliseconds, far below the writer's 500 ms.
  REQUIRE(ws.replay_lag() < 50_ms);
}

namespace {

// write_lag, flush_lag and replay_lag of a standby between two commits of a writer every 500 ms,
// each server configured by `setup` before it starts.
std::array<sim::Time, 3> steady_lags(const std::function<void(pg::Postgres&)>& setup) {
  PgCluster cluster(1);
  for (auto& [name, server] : cluster.servers) setup(*server);
  cluster.run_for(1_s);
  cluster.writer("w1", "pg1", 500_ms);
  cluster.run_for(5_s + 250_ms);
  const pg::WalSender& ws = *cluster["pg1"].walsenders().front();
  REQUIRE(ws.replay_lsn() == ws.sent_lsn());
  return {ws.write_lag(), ws.flush_lag(), ws.replay_lag()};
}

}  // namespace

TEST_CASE("each latch wake-up on a busy host adds to the lag: two to write_lag, two between flush_lag and replay_lag",
          "[postgres][lag]") {
  // The walreceiver woken by the WAL in its socket, the walsender by the written reply:
  // write_lag (the walsender's own wake-up after the commit's flush comes before it notes the
  // time, at its send, as XLogSendPhysical does). Then the startup process woken by the
  // walreceiver's flush, and the walreceiver by its WalRcvForceReply: replay_lag less flush_lag.
  auto lags = [](sim::Time wakeup) {
    return steady_lags([wakeup](pg::Postgres& server) { server.latch_wakeup = sim::Distribution::constant(wakeup); });
  };
  const auto at_once = lags(0), late = lags(1_ms);
  CHECK(late[0] - at_once[0] == 2_ms);
  CHECK(at_once[2] - at_once[1] < 100_us);
  CHECK(late[2] - late[1] >= 2_ms);
  CHECK(late[2] - late[1] < 2_ms + 100_us);
}

TEST_CASE("the walreceiver's work on a batch comes before its write reply, so it adds to all three lags", "[postgres][lag]") {
  // XLogWalRcvWrite, then the write reply, then XLogWalRcvFlush: a busy host's walreceiver that
  // takes 1 ms over a batch delays the written, flushed and replayed positions alike.
  auto lags = [](sim::Time work) {
    return steady_lags([work](pg::Postgres& server) { server.walreceiver_write = sim::Distribution::constant(work); });
  };
  const auto at_once = lags(0), busy = lags(1_ms);
  CHECK(busy[0] - at_once[0] == 1_ms);
  CHECK(busy[1] - at_once[1] == 1_ms);
  CHECK(busy[2] - at_once[2] == 1_ms);
}

TEST_CASE("WAL that reaches a walreceiver busy with a batch is written after it, in order", "[postgres][lag]") {
  // A commit every 2 ms and 3 ms over each batch: the walreceiver holds what arrives while it
  // writes, falls behind, and still ends with every byte the primary sent, replayed.
  PgCluster cluster(1);
  for (auto& [name, server] : cluster.servers) server->walreceiver_write = sim::Distribution::constant(3_ms);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 2_ms);
  cluster.run_for(1_s);
  // Behind while the writer runs: sampled every millisecond for 50 ms, the standby's written
  // position is often short of what was sent (a batch still being written).
  const pg::WalSender& during = *cluster["pg1"].walsenders().front();
  int behind = 0;
  for (int i = 0; i < 50; ++i) {
    cluster.run_for(1_ms);
    if (during.write_lsn() < during.sent_lsn()) ++behind;
  }
  CHECK(behind >= 15);  // 24 of 50 here; 2 for a walreceiver that writes at once (a batch on the wire)
  w.kill();
  cluster.run_for(3_s);
  const pg::WalSender& ws = *cluster["pg1"].walsenders().front();
  CHECK(ws.sent_lsn() == cluster["pg1"].wal().flush_lsn());
  CHECK(ws.replay_lsn() == ws.sent_lsn());
  CHECK(cluster.events(pg::kWalReceiverDisconnected).empty());
}

TEST_CASE("the lag columns go NULL once the standby reports everything replayed twice in a row", "[postgres][lag]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 200_ms);
  cluster.run_for(2_s);
  w.kill();
  cluster.run_for(1_s);
  REQUIRE(cluster["pg1"].walsenders().front()->replay_lag() >= 0);
  // The next wal_receiver_status_interval reply (10 s) repeats the replayed position: cleared.
  cluster.run_for(12_s);
  const pg::WalSender& ws = *cluster["pg1"].walsenders().front();
  REQUIRE(ws.write_lag() == -1);
  REQUIRE(ws.flush_lag() == -1);
  REQUIRE(ws.replay_lag() == -1);
}

TEST_CASE("a caught-up standby first reports its positions when its walreceiver's 100 ms nap runs out", "[postgres][lag]") {
  // PostgreSQL 15's walreceiver sends no reply as streaming starts: with nothing to receive, its
  // first reply comes when WaitLatchOrSocket's NAPTIME_PER_CYCLE runs out. The walsender noted
  // its flush position at START_REPLICATION, so all three lags read that nap plus a transit.
  PgCluster cluster(1);
  cluster.run_for(1_s);
  const auto started = cluster.events(pg::kWalSenderStarted);
  REQUIRE(started.size() == 1);
  const sim::Time t0 = started.front().time;

  PgCluster again(1);
  again.run_until(t0 + pg::WalReceiver::kNapPerCycle - 1_ms);
  REQUIRE(again["pg1"].walsenders().size() == 1);
  CHECK(again["pg1"].walsenders().front()->flush_lsn() == 0);  // not heard from yet
  CHECK(again["pg1"].walsenders().front()->replay_lag() == -1);

  const pg::WalSender& ws = *cluster["pg1"].walsenders().front();
  REQUIRE(ws.flush_lsn() == ws.sent_lsn());
  CHECK(ws.write_lag() >= 100_ms);
  CHECK(ws.write_lag() < 101_ms);
  CHECK(ws.flush_lag() == ws.write_lag());
  CHECK(ws.replay_lag() == ws.write_lag());
}

TEST_CASE("the first reply's lag stays in pg_stat_replication until new WAL or the status interval's second fully replayed reply",
          "[postgres][lag]") {
  PgCluster cluster(1);
  cluster.run_for(5_s);
  const sim::Time first = cluster["pg1"].walsenders().front()->replay_lag();
  CHECK(first >= 100_ms);
  CHECK(first < 101_ms);
  // Nothing newer to measure: later naps send nothing (positions unchanged), so the view keeps it.
  cluster.run_for(4_s);
  CHECK(cluster["pg1"].walsenders().front()->replay_lag() == first);
  // wal_receiver_status_interval (10 s) after the first reply: everything replayed twice, cleared.
  cluster.run_for(2_s);
  CHECK(cluster["pg1"].walsenders().front()->replay_lag() == -1);
}

TEST_CASE("the first commit after a quiet start replaces the nap's lag with its own round trip", "[postgres][lag]") {
  PgCluster cluster(1);
  cluster.run_for(2_s);
  REQUIRE(cluster["pg1"].walsenders().front()->replay_lag() >= 100_ms);
  cluster.writer("w1", "pg1", 1_s);
  cluster.run_for(500_ms);
  const pg::WalSender& ws = *cluster["pg1"].walsenders().front();
  REQUIRE(ws.replay_lsn() == ws.sent_lsn());
  CHECK(ws.replay_lag() >= 0);
  CHECK(ws.replay_lag() < 50_ms);
}

TEST_CASE("pg_stat_replication shows a standby's positions as NULL until its first reply", "[postgres][lag]") {
  // pg_stat_get_wal_senders nulls an invalid write, flush or replay position: a row taken in the
  // first nap after START_REPLICATION has no lag in bytes to show (pg_wal_lsn_diff of a NULL).
  PgCluster cluster(1);
  pg::start_stat_probe(cluster["pg1"], 10_ms);
  cluster.run_for(1_s);
  int before_reply = 0;
  for (const auto& r : cluster.events(pg::kStatReplication)) {
    const auto replay = std::get<std::int64_t>(*r.find("replay_lsn"));
    CHECK(replay != 0);
    if (replay == -1) {
      ++before_reply;
      CHECK(std::get<std::int64_t>(*r.find("write_lsn")) == -1);
      CHECK(std::get<std::int64_t>(*r.find("flush_lsn")) == -1);
    }
  }
  CHECK(before_reply >= 5);
}

TEST_CASE("the replication monitor records one row a second for each standby the primary streams to", "[postgres][lag]") {
  PgCluster cluster(2);
  pg::start_stat_probe(cluster["pg1"]);
  pg::start_stat_probe(cluster["pg2"]);  // a standby's view is empty: no rows
  cluster.writer("w1", "pg1", 100_ms);
  cluster.run_for(10_s);
  const auto rows = cluster.events(pg::kStatReplication);
  std::map<std::string, int> per;
  for (const auto& r : rows) {
    REQUIRE(r.text("node") == "pg1");
    ++per[r.text("application_name")];
  }
  REQUIRE(per.size() == 2);
  for (const auto& [standby, n] : per) {
    INFO(standby);
    REQUIRE(n >= 8);
    REQUIRE(n <= 10);
  }
}

namespace {

sim::TraceRecord row(const std::string& standby, std::int64_t sent, std::int64_t replay, std::int64_t replay_lag_us) {
  return sim::TraceRecord{0, pg::kStatReplication,
                          {{"node", std::string("pg1")}, {"application_name", standby}, {"sent_lsn", sent},
                           {"replay_lsn", replay}, {"replay_lag_us", replay_lag_us}},
                          false};
}

}  // namespace

TEST_CASE("each standby's lag metrics are the largest byte lag and the largest and median replay_lag, NULLs left out",
          "[postgres][lag]") {
  scenarios::ReplicationChecks c;
  c.on_record(row("replica1", 1000, 1000, 2000));
  c.on_record(row("replica1", 1400, 1000, -1));
  c.on_record(row("replica1", 1400, 1400, 8000));
  c.on_record(row("replica1", 1600, 1500, 4000));
  c.on_record(row("replica1", 1600, 1600, 30000));
  c.on_record(row("replica2", 1600, 1600, -1));
  std::map<std::string, double> m;
  c.finish(10_s, m);
  REQUIRE(m.at("replication.replica1.lag_bytes_max") == 400);
  REQUIRE(m.at("replication.replica1.lag_max_s") == Approx(0.030));
  REQUIRE(m.at("replication.replica1.lag_median_s") == Approx(0.006));  // (4 + 8) / 2 ms
  // Listed, but never with a lag: the byte figure only.
  REQUIRE(m.at("replication.replica2.lag_bytes_max") == 0);
  REQUIRE(m.count("replication.replica2.lag_max_s") == 0);
}

TEST_CASE("after a silent crash of its server the writer gives up within its bound and tries again", "[postgres]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 20_ms);
  cluster.run_for(2_s);
  const std::size_t acked = w.acks().size();
  REQUIRE(acked > 50);
  cluster.crash("pg1");
  cluster.run_for(6_s);
  // The transaction in flight fails (tcp_user_timeout 3 s, the 5 s bound) and the attempts after
  // it fail at once (the name no longer resolves): the writer is not stuck on a dead socket.
  REQUIRE(w.failures() > 10);
  REQUIRE(w.acks().size() == acked);
}
