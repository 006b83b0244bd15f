// Synchronous replication: SyncRepWaitForLSN, FIRST/ANY, reloads, cancels, levels.
#include <catch2/catch.hpp>

#include "../support/pg_cluster.hpp"

using namespace sim::literals;
using testing::PgCluster;
namespace pg = models::postgres;

TEST_CASE("synchronous_standby_names parses FIRST, ANY and bare lists", "[postgres]") {
  auto first = pg::SyncStandbyNames::parse("FIRST 2 (pg2, \"pg3\", pg4)");
  REQUIRE(first);
  REQUIRE(first->method == pg::SyncStandbyNames::Method::Priority);
  REQUIRE(first->num_sync == 2);
  REQUIRE(first->names == std::vector<std::string>{"pg2", "pg3", "pg4"});
  auto any = pg::SyncStandbyNames::parse("ANY 1 (pg2, pg3)");
  REQUIRE(any);
  REQUIRE(any->method == pg::SyncStandbyNames::Method::Quorum);
  auto bare = pg::SyncStandbyNames::parse("pg2, pg3");
  REQUIRE(bare);
  REQUIRE(bare->num_sync == 1);
  REQUIRE(bare->method == pg::SyncStandbyNames::Method::Priority);
  REQUIRE_FALSE(pg::SyncStandbyNames::parse("")->defined());
  REQUIRE_FALSE(pg::SyncStandbyNames::parse("FIRST 0 (pg2)"));
  auto ci = pg::PrimaryConnInfo::parse("host=pg1,pg2 port=5433 application_name=pg3 connect_timeout=1 keepalives_idle=5");
  REQUIRE(ci);
  REQUIRE(ci->host == std::vector<std::string>{"pg1", "pg2"});
  REQUIRE(ci->port == 5433);
  REQUIRE(ci->connect_timeout == 2_s);  // libpq: less than 2 s means 2 s
  REQUIRE(ci->keepalives_idle == 5_s);
}

namespace {
PgCluster sync_cluster(const std::string& level, const std::string& names = "FIRST 1 (pg2)") {
  return PgCluster(2, [level, names](const std::string& name, pg::PostgresConfig& c) {
    if (name == "pg1") {
      c.synchronous_standby_names = names;
      c.set("synchronous_commit", level);
    }
  });
}
}  // namespace

TEST_CASE("a sync commit waits for the standby's flush, hangs with the standby stopped and is released by a "
          "reload emptying synchronous_standby_names",
          "[postgres]") {
  PgCluster cluster = sync_cluster("on");
  cluster.run_for(1_s);
  const auto senders = cluster["pg1"].walsenders();
  REQUIRE(senders.size() == 2);
  std::map<std::string, std::string> states;
  for (const auto* ws : senders) states[ws->application_name()] = ws->sync_state;
  INFO(states["pg2"] << " " << states["pg3"]);
  REQUIRE(states == std::map<std::string, std::string>{{"pg2", "sync"}, {"pg3", "async"}});
  auto& w = cluster.writer("w1", "pg1", 100_ms);
  w.attempt_timeout = 0;  // a client that waits as long as its commit does (no 5 s bound)
  cluster.run_for(2_s);
  REQUIRE(w.acks().size() >= 15);
  // Every acknowledged commit was flushed by pg2 when acknowledged: pg2 has them all.
  for (const auto& a : w.acks()) REQUIRE(cluster["pg2"].has_commit(a.timeline, a.lsn));
  cluster.stop("pg2").run_for(3_s);
  const std::size_t before = w.acks().size();
  cluster.run_for(5_s);
  REQUIRE(w.acks().size() == before);  // hangs: no timeout in SyncRepWaitForLSN
  REQUIRE_FALSE(cluster.events(pg::kCommitWaitingForSync, "pg1").empty());
  REQUIRE(cluster["pg1"].sync_rep()->waiting() == 1);
  const auto r = cluster.sql("pg1", "ALTER SYSTEM SET synchronous_standby_names = ''");
  REQUIRE(r.ok);
  REQUIRE(cluster.sql("pg1", "SELECT pg_reload_conf()").ok);
  cluster.run_for(1_s);
  REQUIRE(w.acks().size() >= before + 5);
  REQUIRE(cluster["pg1"].sync_rep()->waiting() == 0);
}

TEST_CASE("a canceled sync wait returns with the already-committed warning and the row stays", "[postgres]") {
  PgCluster cluster = sync_cluster("on");
  cluster.run_for(1_s);
  cluster.stop("pg2").run_for(2_s);
  pg::PgConnection conn(*cluster.admin, "pg1");
  pg::PgResult result;
  bool done = false;
  conn.connect([&](const pg::PgResult& r) {
    REQUIRE(r.ok);
    conn.write(200, [&](const pg::PgResult& w) {
      result = w;
      done = true;
    });
  });
  cluster.run_for(3_s);
  REQUIRE_FALSE(done);
  conn.cancel();
  cluster.run_for(100_ms);
  REQUIRE(done);
  REQUIRE(result.ok);
  REQUIRE(result.warning == "canceling wait for synchronous replication due to user request");
  REQUIRE(cluster["pg1"].has_commit(1, result.result.commit_lsn));
  REQUIRE(cluster.sql("pg1", "SELECT count(*) FROM t").result.rows == 1);
}

TEST_CASE("remote_write acknowledges before on, and on before remote_apply", "[postgres]") {
  auto latency = [](const std::string& level) {
    PgCluster cluster(1, [level](const std::string& name, pg::PostgresConfig& c) {
      if (name == "pg1") {
        c.synchronous_standby_names = "pg2";
        c.set("synchronous_commit", level);
      }
    });
    // A slow standby disk and a slow replay make the three positions far apart.
    cluster.node("pg2").disk().root().config.fsync_latency = sim::Distribution::constant(20_ms);
    cluster.node("pg1").disk().root().config.fsync_latency = sim::Distribution::constant(1_ms);
    cluster["pg2"].replay_record_time = 30_ms;
    cluster.run_for(1_s);
    auto& w = cluster.writer("w1", "pg1", 500_ms);
    cluster.run_for(2200_ms);
    REQUIRE(w.acks().size() >= 3);
    const auto acked = cluster.events(pg::kCommitAcked);
    return testing::PgCluster::num(acked.back(), "latency_us");
  };
  const auto remote_write = latency("remote_write");
  const auto on = latency("on");
  const auto remote_apply = latency("remote_apply");
  const auto local = latency("local");
  INFO("local " << local << " remote_write " << remote_write << " on " << on << " remote_apply " << remote_apply);
  REQUIRE(local < 5'000);
  REQUIRE(remote_write < on);
  REQUIRE(on >= 20'000);
  REQUIRE(on < remote_apply);
  REQUIRE(remote_apply >= 50'000);
}

TEST_CASE("ANY 1 releases a commit when either standby has flushed it", "[postgres]") {
  PgCluster cluster = sync_cluster("on", "ANY 1 (pg2, pg3)");
  cluster.run_for(1_s);
  for (const auto* ws : cluster["pg1"].walsenders()) REQUIRE(ws->sync_state == "quorum");
  auto& w = cluster.writer("w1", "pg1", 100_ms);
  cluster.stop("pg2").run_for(2_s);
  const std::size_t with_one = w.acks().size();
  REQUIRE(with_one >= 15);
  cluster.stop("pg3").run_for(2_s);
  const std::size_t with_none = w.acks().size();
  cluster.run_for(2_s);
  REQUIRE(w.acks().size() == with_none);
}

TEST_CASE("a session at synchronous_commit local commits while the server's level on hangs without its standby",
          "[postgres][sync]") {
  PgCluster cluster = sync_cluster("on");
  cluster.run_for(1_s);
  cluster.stop("pg2").run_for(2_s);
  auto& on = cluster.writer("on", "pg1", 100_ms);
  on.attempt_timeout = 0;
  auto& local = cluster.writer("local", "pg1", 100_ms);
  local.attempt_timeout = 0;
  local.synchronous_commit = pg::SynchronousCommit::Local;  // PGOPTIONS="-c synchronous_commit=local"
  cluster.run_for(3_s);
  REQUIRE(on.acks().empty());
  REQUIRE(local.acks().size() >= 25);
  // Its commits are durable on the primary alone: pg3 (async) streams them, pg2 is gone.
  REQUIRE(cluster["pg1"].sync_rep()->waiting() == 1);
}

TEST_CASE("SET LOCAL synchronous_commit applies to its own transaction and SET to the rest of the session",
          "[postgres][sync]") {
  PgCluster cluster = sync_cluster("on");
  cluster.run_for(1_s);
  cluster.stop("pg2").run_for(2_s);
  pg::PgConnection conn(*cluster.admin, "pg1");
  std::vector<pg::PgResult> results;
  auto keep = [&](const pg::PgResult& r) { results.push_back(r); };
  conn.connect([&](const pg::PgResult& r) {
    REQUIRE(r.ok);
    conn.query({"BEGIN; SET LOCAL synchronous_commit = off; INSERT INTO t (v) VALUES (1); COMMIT", 200}, keep);
    conn.query({"SET synchronous_commit TO remote_flush", 0}, keep);  // not a level: an error, nothing changes
    conn.query({"SET synchronous_commit = 'local'", 0}, keep);
    conn.query({"BEGIN; INSERT INTO t (v) VALUES (2); COMMIT", 200}, keep);
    conn.query({"SET synchronous_commit = on", 0}, keep);
    conn.query({"BEGIN; INSERT INTO t (v) VALUES (3); COMMIT", 200}, keep);
  });
  cluster.run_for(3_s);
  REQUIRE(results.size() == 5);  // the last INSERT waits for pg2
  REQUIRE(results[0].ok);
  REQUIRE(results[0].result.tag == "COMMIT");
  REQUIRE_FALSE(results[1].ok);
  REQUIRE(results[1].sqlstate == "22023");
  REQUIRE(results[2].ok);
  REQUIRE(results[3].ok);
  REQUIRE(results[3].result.tag == "COMMIT");
  REQUIRE(results[4].ok);
  REQUIRE(cluster["pg1"].sync_rep()->waiting() == 1);
}

TEST_CASE("with synchronous_standby_names empty a commit at remote_apply waits for the local flush only",
          "[postgres][sync]") {
  PgCluster cluster(2, [](const std::string& name, pg::PostgresConfig& c) {
    if (name == "pg1") c.set("synchronous_commit", "remote_apply");
  });
  cluster.run_for(1_s);
  cluster.stop("pg2").stop("pg3").run_for(2_s);
  auto& w = cluster.writer("w1", "pg1", 100_ms);
  cluster.run_for(2_s);
  REQUIRE(w.acks().size() >= 15);
  REQUIRE(cluster.events(pg::kCommitWaitingForSync).empty());
}

TEST_CASE("a waiting commit is released by the new synchronous standby's next reply and not when the old one's "
          "walsender exits",
          "[postgres][sync]") {
  PgCluster cluster = sync_cluster("on", "FIRST 1 (pg2, pg3)");
  cluster.run_for(1_s);
  std::map<std::string, std::string> states;
  for (const auto* ws : cluster["pg1"].walsenders()) states[ws->application_name()] = ws->sync_state;
  REQUIRE(states == std::map<std::string, std::string>{{"pg2", "sync"}, {"pg3", "potential"}});
  auto& w = cluster.writer("w1", "pg1", 100_ms);
  w.attempt_timeout = 0;
  cluster.run_for(1_s);
  // pg2 frozen: it neither replies nor closes its connection. The commit waits while pg3, only
  // potential, flushes it and says so.
  cluster.freeze("pg2").run_for(1_s);
  const std::size_t acked = w.acks().size();
  REQUIRE(cluster["pg1"].sync_rep()->waiting() == 1);
  // Killed, its connection resets: its walsender exits and pg3 is the sync standby at once...
  cluster.kill("pg2").run_for(10_ms);
  REQUIRE(cluster["pg1"].walsenders().size() == 1);
  REQUIRE(cluster["pg1"].walsenders().front()->sync_state == "sync");
  // ...but nobody replied since: the commit still waits, until pg3's next status message
  // (wal_receiver_status_interval, 10 s, after its last reply).
  REQUIRE(cluster["pg1"].sync_rep()->waiting() == 1);
  cluster.run_for(1_s);
  REQUIRE(cluster["pg1"].sync_rep()->waiting() == 1);
  cluster.run_for(9_s);
  // Released by then, and the commits flow again: each waits only for pg3's reply to its own
  // WAL, a few milliseconds (so how many wait at one instant is no measure of it).
  REQUIRE(w.acks().size() > acked + 1);
  const auto latencies = cluster.events(pg::kCommitAcked);
  std::int64_t longest = 0;
  for (const auto& r : latencies) longest = std::max(longest, testing::PgCluster::num(r, "latency_us"));
  REQUIRE(longest > 8'000'000);
  REQUIRE(longest < 11'000'000);
}

TEST_CASE("ANY lists a standby that is not streaming yet as potential and the streaming ones as quorum",
          "[postgres][sync]") {
  PgCluster cluster = sync_cluster("on", "ANY 1 (pg2, pg3)");
  cluster.run_for(1_s);
  for (const auto* ws : cluster["pg1"].walsenders()) REQUIRE(ws->sync_state == "quorum");
  cluster.stop("pg3").run_for(2_s);
  const sim::Time restarted = cluster.s.now();
  cluster.start("pg3").run_for(10_s);
  // pg_stat_replication's state of pg3's new walsender, as recorded: potential until its first
  // reply gives it a flush position, then quorum.
  std::vector<std::string> states;
  for (const auto& e : cluster.events(pg::kSyncStandbyChanged, "pg1"))
    if (e.time > restarted && e.text("application_name") == "pg3") states.push_back(e.text("sync_state"));
  REQUIRE(states == std::vector<std::string>{"potential", "quorum"});
  cluster.run_for(2_s);
  for (const auto* ws : cluster["pg1"].walsenders()) REQUIRE(ws->sync_state == "quorum");
}

TEST_CASE("an operator's ALTER SYSTEM and pg_reload_conf release a hung commit and RESET brings the setting back",
          "[postgres][sync]") {
  PgCluster cluster = sync_cluster("on");
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 100_ms);
  w.attempt_timeout = 0;
  cluster.stop("pg2").run_for(3_s);
  const std::size_t before = w.acks().size();
  REQUIRE(cluster["pg1"].sync_rep()->waiting() == 1);
  const auto parsed = pg::parse_operator_sql("ALTER SYSTEM SET synchronous_standby_names = ''; SELECT pg_reload_conf()");
  REQUIRE(std::holds_alternative<std::vector<pg::OperatorStatement>>(parsed));
  cluster["pg1"].operator_sql(std::get<std::vector<pg::OperatorStatement>>(parsed));
  cluster.run_for(1_s);
  REQUIRE(cluster["pg1"].sync_rep()->waiting() == 0);
  REQUIRE(w.acks().size() >= before + 5);
  REQUIRE_FALSE(cluster["pg1"].sync_rep()->defined());
  const auto reset = pg::parse_operator_sql("alter system reset synchronous_standby_names;select pg_reload_conf();");
  REQUIRE(std::holds_alternative<std::vector<pg::OperatorStatement>>(reset));
  cluster["pg1"].operator_sql(std::get<std::vector<pg::OperatorStatement>>(reset));
  REQUIRE(cluster["pg1"].sync_rep()->defined());  // postgresql.conf's FIRST 1 (pg2) again
}

TEST_CASE("an operator's statements are each recorded as they begin, as the server logs them under log_statement",
          "[postgres][sync]") {
  // Validation ends a sql step's engine latency at the real server's "statement: ..." line.
  PgCluster cluster = sync_cluster("on");
  cluster.run_for(1_s);
  const sim::Time asked = cluster.s.now();
  const auto parsed = pg::parse_operator_sql("ALTER SYSTEM SET synchronous_standby_names = ''; SELECT pg_reload_conf()");
  REQUIRE(std::holds_alternative<std::vector<pg::OperatorStatement>>(parsed));
  cluster["pg1"].operator_sql(std::get<std::vector<pg::OperatorStatement>>(parsed));
  const auto started = cluster.events(pg::kStatementStarted, "pg1");
  REQUIRE(started.size() == 2);
  CHECK(started[0].text("statement") == "ALTER SYSTEM SET synchronous_standby_names = ''");
  CHECK(started[1].text("statement") == "SELECT pg_reload_conf()");
  CHECK(started[0].time == asked);
  // A server that is down takes no statement, and logs none.
  cluster.stop("pg2").run_for(1_s);
  cluster["pg2"].operator_sql(std::get<std::vector<pg::OperatorStatement>>(parsed));
  CHECK(cluster.events(pg::kStatementStarted, "pg2").empty());
}

TEST_CASE("operator statements the model cannot carry out are refused with a reason", "[postgres][sync]") {
  auto error = [](const std::string& sql) {
    const auto r = pg::parse_operator_sql(sql);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string();
  };
  CHECK(error("ALTER SYSTEM SET synchronous_standby_names TO 'FIRST 1 (a, b)'; SELECT pg_reload_conf()").empty());
  CHECK(error("ALTER SYSTEM SET synchronous_commit = remote_apply").empty());
  CHECK(error("DROP TABLE users").find("the model runs only") != std::string::npos);
  CHECK(error("ALTER SYSTEM SET max_connections = 10").find("not a parameter the model changes at a reload") != std::string::npos);
  CHECK(error("ALTER SYSTEM SET synchronous_commit = sometimes").find("invalid value") != std::string::npos);
  CHECK(error("ALTER SYSTEM SET synchronous_standby_names = 'FIRST 0 (a)'").find("invalid value") != std::string::npos);
  CHECK(error(" ; ") == "no statement");
  // A semicolon inside quotes does not end the statement.
  const auto quoted = pg::parse_operator_sql("ALTER SYSTEM SET primary_conninfo = 'host=pg1 application_name=a;b'");
  REQUIRE(std::holds_alternative<std::vector<pg::OperatorStatement>>(quoted));
  CHECK(std::get<std::vector<pg::OperatorStatement>>(quoted).size() == 1);
}

TEST_CASE("synchronous_standby_names refuses an unquoted name with a hyphen and takes it double-quoted",
          "[postgres][sync]") {
  // syncrep_scanner.l: a name is an identifier, `*` or a double-quoted string. A real server
  // started with synchronous_standby_names = 'postgres-replica1' (the seed's exercise 1) refused
  // its configuration file: syntax error at or near "-" (2026-12-03).
  REQUIRE_FALSE(pg::SyncStandbyNames::parse("postgres-replica1"));
  REQUIRE_FALSE(pg::SyncStandbyNames::parse("FIRST 1 (postgres-replica1, postgres-replica2)"));
  const auto quoted = pg::SyncStandbyNames::parse("FIRST 1 (\"postgres-replica1\", \"Replica \"\"2\"\"\", r3_$x)");
  REQUIRE(quoted);
  REQUIRE(quoted->names == std::vector<std::string>{"postgres-replica1", "Replica \"2\"", "r3_$x"});
  pg::PostgresConfig c;
  REQUIRE_FALSE(c.set("synchronous_standby_names", "'postgres-replica1'"));
  REQUIRE(c.set("synchronous_standby_names", "'\"postgres-replica1\"'"));
  REQUIRE(c.synchronous_standby_names == "\"postgres-replica1\"");
  REQUIRE_FALSE(pg::SyncStandbyNames::parse("FIRST 1 (a) b"));
}
