// pgbench's TPC-B-like load (models/postgres/pgbench.hpp) against the server's transaction
// blocks, row locks and full-page images (postgres.cpp run_dml, tuple_locks.hpp).
#include <catch2/catch.hpp>

#include "../support/pg_cluster.hpp"
#include "models/postgres/events.hpp"
#include "models/postgres/pgbench.hpp"
#include "models/postgres/tuple_locks.hpp"
#include "scenarios/postgres_checks.hpp"

#include <algorithm>
#include <set>

using namespace sim::literals;
using testing::PgCluster;
namespace pg = models::postgres;

namespace {

pg::Pgbench& pgbench(PgCluster& c, const std::string& name, int clients, int scale, double rate, sim::Time time) {
  pg::PgbenchConfig cfg;
  cfg.host = "pg1";
  cfg.clients = clients;
  cfg.scale = scale;
  cfg.rate = rate;
  cfg.time = time;
  auto& p = c.node("app").add_process<pg::Pgbench>(name, cfg);
  p.start();
  return p;
}

std::map<std::string, double> metrics(const PgCluster& c) {
  sim::Invariants inv;
  std::map<std::string, double> m;
  scenarios::postgres_checks(c.s.trace().records(), c.s.now(), inv, m);
  return m;
}

}  // namespace

TEST_CASE("a row lock goes to its waiters in arrival order when its holder's transaction ends", "[postgres][pgbench]") {
  pg::TupleLocks locks;
  std::vector<int> order;
  locks.acquire(1, {"pgbench_branches", 1}, [&] { order.push_back(1); });
  locks.acquire(2, {"pgbench_branches", 1}, [&] { order.push_back(2); });
  locks.acquire(3, {"pgbench_branches", 1}, [&] { order.push_back(3); });
  locks.acquire(4, {"pgbench_branches", 2}, [&] { order.push_back(4); });  // another row: at once
  REQUIRE(order == std::vector<int>{1, 4});
  CHECK(locks.waiters({"pgbench_branches", 1}) == 2);
  locks.release_all(3);  // a waiter that gives up (its backend exited) leaves the queue
  locks.release_all(1);
  CHECK(order == std::vector<int>{1, 4, 2});
  CHECK(locks.holder({"pgbench_branches", 1}) == 2);
  locks.release_all(2);
  CHECK(locks.holder({"pgbench_branches", 1}) == 0);
}

TEST_CASE("at scale 1 pgbench clients queue on the one branch row and latency grows with them, at scale 10 far less",
          "[postgres][pgbench]") {
  auto p50 = [](int clients, int scale) {
    PgCluster cluster(0);
    cluster.run_for(1_s);
    pgbench(cluster, "bench", clients, scale, 0, 5_s);
    cluster.run_for(7_s);
    return metrics(cluster).at("bench.latency_ms.p50");
  };
  const double one = p50(1, 1), eight_scale1 = p50(8, 1), eight_scale10 = p50(8, 10);
  INFO("c1 s1 " << one << " ms, c8 s1 " << eight_scale1 << " ms, c8 s10 " << eight_scale10 << " ms");
  // Eight clients on one branch row: each waits for the others' lock from their UPDATE of
  // pgbench_branches to their commit's flush.
  CHECK(eight_scale1 > 3 * one);
  // Ten branch rows: collisions are rare, so the latency stays near one client's.
  CHECK(eight_scale10 < eight_scale1 / 2);
}

TEST_CASE("the first change of each page after a checkpoint writes a full-page image", "[postgres][pgbench]") {
  PgCluster cluster(0);
  // The probe's disk (a transaction in 0.86 ms with its commit's flush), so the first run
  // touches every one of pgbench_accounts' 1,640 pages at scale 1 and the second touches none
  // anew.
  cluster.node("pg1").disk().root().config.fsync_latency = sim::Distribution::constant(300_us);
  cluster.run_for(1_s);
  auto& first = pgbench(cluster, "first", 1, 1, 0, 30_s);
  const pg::Lsn l0 = cluster["pg1"].insert_lsn();
  cluster.run_for(31_s);
  const pg::Lsn l1 = cluster["pg1"].insert_lsn();
  auto& second = pgbench(cluster, "second", 1, 1, 0, 3_s);
  cluster.run_for(4_s);
  const pg::Lsn l2 = cluster["pg1"].insert_lsn();
  REQUIRE(first.transactions() > 8000);
  const double per_first = static_cast<double>(l1 - l0) / static_cast<double>(first.transactions());
  const double per_second = static_cast<double>(l2 - l1) / static_cast<double>(second.transactions());
  INFO(per_first << " then " << per_second << " bytes per transaction");
  // Real PostgreSQL 15 (one client, scale 1, right after a CHECKPOINT): 2,081 bytes per
  // transaction over 9,276 transactions, then 409 once every page had been written whole.
  CHECK(per_second < 600);
  CHECK(per_first > per_second + 500);
}

TEST_CASE("under -R pgbench runs the asked rate and counts latency from each transaction's scheduled start",
          "[postgres][pgbench]") {
  PgCluster cluster(0);
  cluster.run_for(1_s);
  pgbench(cluster, "bench", 4, 1, 50, 20_s);
  cluster.run_for(22_s);
  const auto m = metrics(cluster);
  CHECK(m.at("bench.tps") == Approx(50).margin(5));
  CHECK(m.at("bench.aborted_clients") == 0);
  // A Poisson schedule sometimes puts a transaction before the previous one's end: that
  // client starts late and the lag is part of its latency.
  CHECK(m.at("bench.lag_ms.p99") > 0);
  CHECK(m.at("bench.latency_ms.p99") >= m.at("bench.lag_ms.p99"));
}

TEST_CASE("under -R a pgbench client that waits for its slot starts as late as the host wakes its thread, and pgbench "
          "reports that as its lag",
          "[postgres][pgbench]") {
  // threadRun sleeps in a ppoll bounded by the next scheduled start; the lag is txn_begin less
  // txn_scheduled. At 20 tps over 4 clients a transaction (a few ms) nearly never runs into the
  // next slot, so nearly every start follows a sleep.
  auto lags_us = [](sim::Time wakeup) {
    PgCluster cluster(0);
    cluster.run_for(1_s);
    pg::PgbenchConfig cfg;
    cfg.host = "pg1";
    cfg.clients = 4;
    cfg.rate = 20;
    cfg.time = 20_s;
    cfg.wakeup_delay = sim::Distribution::constant(wakeup);
    cluster.node("app").add_process<pg::Pgbench>("bench", cfg).start();
    cluster.run_for(22_s);
    std::vector<std::int64_t> lags;
    for (const auto& r : cluster.s.trace().records())
      if (const auto* v = r.find("lag_us"); r.kind == pg::kPgbenchTransaction && v != nullptr) lags.push_back(std::get<std::int64_t>(*v));
    std::sort(lags.begin(), lags.end());
    return lags;
  };
  const auto woken_late = lags_us(300 * sim::kMicrosecond);
  const auto at_once = lags_us(0);
  REQUIRE(woken_late.size() > 300);
  REQUIRE(at_once.size() > 300);
  CHECK(woken_late[woken_late.size() / 2] == 300);
  CHECK(woken_late[woken_late.size() / 10] == 300);
  CHECK(at_once[at_once.size() / 2] == 0);
  CHECK(at_once[at_once.size() / 10] == 0);
}

TEST_CASE("every pgbench client aborts when its primary stops and none reconnects", "[postgres][pgbench]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  auto& p = pgbench(cluster, "bench", 4, 1, 100, 20_s);
  cluster.run_for(3_s);
  const std::int64_t before = p.transactions();
  REQUIRE(before > 200);
  cluster.stop("pg1").run_for(5_s);
  CHECK(p.aborted() == 4);
  CHECK(p.transactions() <= before + 4);
  cluster.run_for(5_s);
  const auto m = metrics(cluster);
  CHECK(m.at("bench.aborted_clients") == 4);
  CHECK(m.at("bench.failed") == 4);
}

TEST_CASE("pgbench against a hot standby aborts each client on its first UPDATE with a read-only error",
          "[postgres][pgbench]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  pg::PgbenchConfig cfg;
  cfg.host = "pg2";
  cfg.clients = 2;
  auto& p = cluster.node("app").add_process<pg::Pgbench>("bench", cfg);
  p.start();
  cluster.run_for(1_s);
  CHECK(p.aborted() == 2);
  CHECK(p.transactions() == 0);
  int read_only = 0;
  for (const auto& r : cluster.s.trace().records())
    if (r.kind == pg::kPgbenchAborted && r.text("sqlstate") == "25006" && r.text("message").find("UPDATE") != std::string::npos)
      ++read_only;
  CHECK(read_only == 2);
}

TEST_CASE("pgbench's set-up loads its tables with about 13 MB of WAL at scale 1, as pgbench -i does, and its run starts "
          "at run_at",
          "[postgres][pgbench]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  const pg::Lsn before = cluster["pg1"].wal().insert_lsn();
  pg::PgbenchConfig cfg;
  cfg.host = "pg1";
  cfg.clients = 2;
  cfg.scale = 1;
  cfg.time = 2_s;
  cfg.initialize = true;
  cfg.run_at = 4_s;
  auto& p = cluster.node("app").add_process<pg::Pgbench>("bench", cfg);
  p.start();
  cluster.run_for(3900_ms);
  // pg_waldump of the real steps: 10.80 MB (COPY), 2.08 (primary keys), 0.11 (CREATE TABLE),
  // 0.02 (VACUUM ANALYZE), and the CHECKPOINT's record.
  const double mb = static_cast<double>(cluster["pg1"].wal().insert_lsn() - before) / 1e6;
  CHECK(mb > 12.9);
  CHECK(mb < 13.2);
  CHECK(p.transactions() == 0);
  int initialized = 0, checkpoints = 0;
  for (const auto& r : cluster.s.trace().records()) {
    if (r.kind == pg::kPgbenchInitialized && *r.find("ok") == sim::FieldValue(true) &&
        *r.find("standbys_caught_up") == sim::FieldValue(true))
      ++initialized;
    if (r.kind == pg::kCheckpoint && r.text("node") == "pg1" && r.time > 1_s) ++checkpoints;
  }
  CHECK(initialized == 1);
  CHECK(checkpoints == 1);
  // The standby has replayed it all before the run.
  CHECK(cluster["pg2"].replay_lsn() == cluster["pg1"].wal().insert_lsn());
  cluster.run_for(200_ms);
  CHECK(p.transactions() > 0);
}

TEST_CASE("a walsender at a full send buffer sends again as soon as the socket drains, so a standby keeps up with a "
          "COPY",
          "[postgres][pgbench]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  pg::PgbenchConfig cfg;
  cfg.host = "pg1";
  cfg.scale = 4;
  cfg.time = 1_s;
  cfg.initialize = true;
  cfg.run_at = 10_s;
  cluster.node("app").add_process<pg::Pgbench>("bench", cfg).start();
  // About 52 MB in 0.4 s of COPY and 0.3 s of index build (1 us a row, over 100 MB/s), flushed in
  // steps of up to a segment: in how many of the milliseconds the primary writes does flushed WAL
  // wait to be sent? A walsender that slept 10 ms whenever 256 kB waited in its socket sent under
  // 40 MB/s and was behind nearly all the time.
  int writing = 0, behind = 0;
  pg::Lsn last = cluster["pg1"].wal().insert_lsn();
  for (int i = 0; i < 3000; ++i) {
    cluster.run_for(1_ms);
    const pg::Lsn now = cluster["pg1"].wal().insert_lsn();
    if (now - last < 10'000) {
      last = now;
      continue;  // not the load
    }
    last = now;
    ++writing;
    const auto ws = cluster["pg1"].walsenders();
    if (!ws.empty() && cluster["pg1"].wal().flush_lsn() > ws.front()->sent_lsn() + 1'000'000) ++behind;
  }
  CHECK(cluster["pg2"].replay_lsn() == cluster["pg1"].wal().insert_lsn());
  INFO(behind << " of " << writing << " milliseconds behind");
  CHECK(writing > 400);
  CHECK(behind * 4 < writing);
}

TEST_CASE("a statement takes its relation's time for its command first, then its command's, and END takes COMMIT's",
          "[postgres][pgbench]") {
  PgCluster cluster(0);
  auto& server = cluster["pg1"];
  server.statement_time = sim::Distribution::constant(200_us);
  server.statement_time_by_command = {{"COMMIT", sim::Distribution::constant(0)}, {"UPDATE", sim::Distribution::constant(90_us)}};
  server.statement_time_by_relation = {{"pgbench_accounts", {{"UPDATE", sim::Distribution::constant(190_us)},
                                                             {"SELECT", sim::Distribution::constant(50_us)}}}};
  sim::Rng rng(1, "t");
  auto time_of = [&](const char* sql) { return server.statement_time_of(sql).sample(rng); };
  CHECK(time_of("UPDATE pgbench_accounts SET abalance = abalance + -5 WHERE aid = 7;") == 190_us);
  CHECK(time_of("SELECT abalance FROM pgbench_accounts WHERE aid = 7;") == 50_us);
  CHECK(time_of("UPDATE pgbench_tellers SET tbalance = tbalance + -5 WHERE tid = 2;") == 90_us);  // its command's
  CHECK(time_of("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (2, 1, 7, -5, CURRENT_TIMESTAMP);") == 200_us);
  CHECK(time_of("END;") == 0);
  CHECK(time_of("end") == 0);
  CHECK(time_of("COMMIT") == 0);
  // Two statements in one query are not one statement on a relation: the first word decides.
  CHECK(time_of("UPDATE pgbench_accounts SET abalance = 1 WHERE aid = 7; SELECT 1") == 90_us);
}
