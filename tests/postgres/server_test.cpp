// The server alone: crash recovery, slots and the disk, connection errors, shutdown, determinism.
#include <catch2/catch.hpp>

#include <tuple>

#include "../support/pg_cluster.hpp"
#include "../support/raw_pg_client.hpp"

using namespace sim::literals;
using testing::PgCluster;
namespace pg = models::postgres;

TEST_CASE("crash recovery after a node crash loses unsynced WAL but after a process kill does not", "[postgres]") {
  auto written_then = [](bool node_crash) {
    PgCluster cluster(0);
    // A slow fsync: commits are written to the page cache long before they are flushed.
    cluster.node("pg1").disk().root().config.fsync_latency = sim::Distribution::constant(2_s);
    cluster.run_for(3_s);
    auto& w = cluster.writer("w1", "pg1", 10_ms);
    cluster.run_for(2500_ms);
    w.kill();
    const auto written = cluster["pg1"].insert_lsn();
    const auto flushed = cluster["pg1"].flush_lsn();
    REQUIRE(flushed < written);
    if (node_crash) cluster.crash("pg1").run_for(1_s);
    else cluster.kill("pg1");
    // Start-up after either fsyncs every file of the data directory first (SyncDataDirectory):
    // ~1,300 files at 2 s each would take 45 minutes, so the disk is fast again for it. The
    // unsynced tail was decided by the crash already.
    cluster.node("pg1").disk().root().config.fsync_latency = sim::Distribution::constant(1_ms);
    if (node_crash) cluster.start_node("pg1");
    else cluster.start("pg1");
    cluster.run_for(10_s);
    REQUIRE(cluster.writable() == "pg1");
    const auto done = cluster.events(pg::kRecoveryDone, "pg1");
    REQUIRE(done.size() == 2);
    REQUIRE(PgCluster::num(done[1], "replayed_bytes") > 0);
    for (const auto& a : w.acks()) REQUIRE(cluster["pg1"].has_commit(a.timeline, a.lsn));  // acked = flushed
    return std::make_pair(static_cast<std::uint64_t>(PgCluster::num(done[1], "end_lsn")), std::make_pair(written, flushed));
  };
  const auto [kill_end, kill_pos] = written_then(false);
  REQUIRE(kill_end == kill_pos.first);  // the page cache kept every written record
  const auto [crash_end, crash_pos] = written_then(true);
  REQUIRE(crash_end < crash_pos.first);   // the unsynced tail is gone
  REQUIRE(crash_end >= crash_pos.second);  // what was fsynced is not
}

TEST_CASE("start-up after a kill fsyncs every file of the data directory before redo, and after a clean stop it "
          "does not",
          "[postgres]") {
  auto start_after = [](bool killed) {
    PgCluster cluster(0);
    cluster.run_for(1_s);
    cluster.writer("w1", "pg1", 10_ms);
    cluster.run_for(1_s);
    cluster.writers.at("w1")->kill();
    if (killed) cluster.kill("pg1");
    else cluster.stop("pg1").run_for(1_s);
    cluster.node("pg1").disk().root().config.fsync_latency = sim::Distribution::constant(2_ms);
    const std::size_t files = cluster.node("pg1").disk().list_tree(pg::kPgData).size();
    const sim::Time began = cluster.s.now();
    cluster.start("pg1").run_for(10_s);
    REQUIRE(cluster.writable() == "pg1");
    const auto started = cluster.events(pg::kStarted, "pg1");
    REQUIRE(started.size() == 2);
    return std::make_tuple(cluster.events(pg::kDataDirectorySynced, "pg1"), files, started[1].time - began);
  };
  const auto [synced, files, took] = start_after(true);
  REQUIRE(synced.size() == 1);
  REQUIRE(PgCluster::num(synced[0], "files") == static_cast<std::int64_t>(files));
  REQUIRE(files > 1000);  // a fresh cluster's catalog: about 1,300
  // One 2 ms fsync per file in turn (and per directory): the start waited for all of them.
  REQUIRE(PgCluster::num(synced[0], "duration_ms") >= static_cast<std::int64_t>(2 * files));
  REQUIRE(took >= static_cast<sim::Time>(2 * files) * sim::kMillisecond);
  const auto [clean_synced, clean_files, clean_took] = start_after(false);
  REQUIRE(clean_synced.empty());
  REQUIRE(clean_took < 1_s);
}

TEST_CASE("an inactive slot retains WAL until the disk fills and the primary PANICs", "[postgres]") {
  auto run = [](bool slot) {
    PgCluster cluster(1, [slot](const std::string& name, pg::PostgresConfig& c) {
      c.max_wal_size_mb = 64;
      if (name == "pg2" && slot) c.primary_slot_name = "pg2";
    });
    if (slot) pg::Postgres::create_slot(cluster.node("pg1").disk(), "pg2");
    cluster.node("pg1").disk().root().config.capacity_bytes = 256ull * 1024 * 1024;
    cluster.run_for(1_s);
    cluster.stop("pg2").run_for(1_s);
    cluster.writer("w1", "pg1", 20_ms, 512 * 1024);
    cluster.run_for(30_s);
    return std::make_pair(cluster.events(pg::kWalDiskFull, "pg1").size(), cluster.events(pg::kPanic, "pg1").size());
  };
  const auto with_slot = run(true);
  REQUIRE(with_slot.first >= 1);
  REQUIRE(with_slot.second >= 1);
  const auto without = run(false);
  REQUIRE(without.first == 0);
  REQUIRE(without.second == 0);
}

TEST_CASE("connection errors carry PostgreSQL's SQLSTATEs", "[postgres]") {
  PgCluster cluster(1, [](const std::string& name, pg::PostgresConfig& c) {
    if (name == "pg1") c.max_connections = 2;
  });
  cluster.run_for(1_s);
  SECTION("a write on a hot standby is a read-only transaction") {
    pg::PgConnection c(*cluster.admin, "pg2");
    pg::PgResult got;
    c.connect([&](const pg::PgResult& r) {
      REQUIRE(r.ok);
      c.write(100, [&](const pg::PgResult& w) { got = w; });
    });
    cluster.run_for(100_ms);
    REQUIRE_FALSE(got.ok);
    REQUIRE(got.sqlstate == "25006");
    REQUIRE(got.message == "cannot execute INSERT in a read-only transaction");
    REQUIRE(cluster.sql("pg2", "SELECT pg_is_in_recovery()").result.value);
  }
  SECTION("one session too many is refused with 53300") {
    pg::PgConnection a(*cluster.admin, "pg1"), b(*cluster.admin, "pg1");
    a.connect([](const pg::PgResult& r) { REQUIRE(r.ok); });
    b.connect([](const pg::PgResult& r) { REQUIRE(r.ok); });
    cluster.run_for(10_ms);
    const auto r = cluster.sql("pg1", "");
    REQUIRE(r.sqlstate == "53300");
    REQUIRE(r.message == "sorry, too many clients already");
  }
  SECTION("a server still in crash recovery answers 57P03 starting up") {
    cluster["pg1"].replay_rate_bytes_per_s = 1024 * 1024;  // slow redo
    auto& w = cluster.writer("w1", "pg1", 10_ms, 64 * 1024);
    cluster.run_for(2_s);
    w.kill();
    cluster.kill("pg1").start("pg1").run_for(100_ms);
    const auto r = cluster.sql("pg1", "");
    REQUIRE(r.sqlstate == "57P03");
    REQUIRE(r.message == "the database system is starting up");
  }
  SECTION("a server in a smart shutdown answers 57P03 shutting down") {
    pg::PgConnection stay(*cluster.admin, "pg1");
    stay.connect([](const pg::PgResult& r) { REQUIRE(r.ok); });
    cluster.run_for(10_ms);
    cluster["pg1"].signal(pg::PgSignal::Term);
    cluster.run_for(10_ms);
    const auto r = cluster.sql("pg1", "");
    REQUIRE(r.sqlstate == "57P03");
    REQUIRE(r.message == "the database system is shutting down");
    REQUIRE(cluster["pg1"].running());  // smart: waits for the session
    stay.close();
    cluster.run_for(1_s);
    REQUIRE_FALSE(cluster["pg1"].running());
  }
  SECTION("nobody listening is a refused connection, with no SQLSTATE") {
    cluster.kill("pg1");
    const auto r = cluster.sql("pg1", "");
    REQUIRE_FALSE(r.ok);
    REQUIRE(r.sqlstate.empty());
    REQUIRE(r.message.find("Connection refused") != std::string::npos);
  }
}

TEST_CASE("a fast shutdown sends the standbys all WAL up to its shutdown checkpoint before exiting", "[postgres]") {
  PgCluster cluster(2);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 20_ms);
  cluster.run_for(1_s);
  cluster.stop("pg1").run_for(2_s);
  w.kill();
  REQUIRE_FALSE(cluster["pg1"].running());
  for (const char* sb : {"pg2", "pg3"}) REQUIRE(cluster[sb].replay_lsn() == cluster["pg1"].insert_lsn());
  REQUIRE(cluster.events(pg::kShutdownDone, "pg1")[0].text("mode") == "fast");
}

TEST_CASE("the same seed gives the same trace hash", "[postgres]") {
  auto hash = [](std::uint64_t seed) {
    PgCluster cluster(2, {}, seed);
    cluster.node("pg2").disk().root().config.fsync_latency = sim::VolumeConfig::default_fsync_latency();
    cluster.run_for(1_s);
    cluster.writer("w1", "pg1", 30_ms);
    cluster.run_for(2_s).crash("pg1").run_for(1_s);
    cluster.sql("pg2", "SELECT pg_promote()");
    cluster.start_node("pg1").run_for(3_s);
    return cluster.s.trace().sha256();
  };
  REQUIRE(hash(7) == hash(7));
  REQUIRE(hash(7) != hash(8));
}

TEST_CASE("a client backend's first statement pays its warm-up once, its later statements and a walsender's nothing",
          "[postgres][session]") {
  PgCluster cluster(1);
  // A constant flush: every commit of a session then costs the same, its first one that plus its opening.
  cluster.node("pg1").disk().root().config.fsync_latency = sim::Distribution::constant(1_ms);
  cluster["pg1"].backend_warmup = sim::Distribution::constant(40_ms);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w1", "pg1", 500_ms);
  cluster.run_for(1200_ms);
  const auto acked = cluster.events(pg::kCommitAcked);
  REQUIRE(acked.size() == 3);
  const std::int64_t later = PgCluster::num(acked[1], "latency_us");
  CHECK(later < 10'000);
  CHECK(PgCluster::num(acked[0], "latency_us") - later >= 40'000);
  CHECK(PgCluster::num(acked[0], "latency_us") - later < 43'000);
  CHECK(PgCluster::num(acked[2], "latency_us") < 10'000);
  CHECK(w.failures() == 0);
  // The standby's walsender took its replication commands with no warm-up: it streams the
  // writer's WAL as before.
  CHECK(cluster["pg2"].replay_lsn() == cluster["pg1"].flush_lsn());
}

TEST_CASE("a committing backend's flush takes its commit_flush instead of the disk's fsync, and is durable and streamed then",
          "[postgres][session]") {
  // The same writer three times: the disk's 1 ms fsync, a commit_flush of 5 ms (a loaded host's
  // backend) and one of 0.5 ms.
  auto later_commit_us = [](std::optional<sim::Distribution> commit_flush) {
    PgCluster cluster(1);
    cluster.node("pg1").disk().root().config.fsync_latency = sim::Distribution::constant(1_ms);
    cluster["pg1"].commit_flush = commit_flush;
    cluster.run_for(1_s);
    cluster.writer("w1", "pg1", 500_ms);
    cluster.run_for(1200_ms);
    const auto acked = cluster.events(pg::kCommitAcked);
    REQUIRE(acked.size() == 3);
    // Every acknowledged commit is flushed (durable), and the standby streamed what was flushed.
    CHECK(cluster["pg1"].flush_lsn() >= static_cast<pg::Lsn>(PgCluster::num(acked[2], "lsn")));
    CHECK(cluster["pg2"].replay_lsn() == cluster["pg1"].flush_lsn());
    return PgCluster::num(acked[1], "latency_us");
  };
  const std::int64_t disk = later_commit_us(std::nullopt);
  CHECK(later_commit_us(sim::Distribution::constant(5_ms)) - disk == 4'000);
  CHECK(later_commit_us(sim::Distribution::constant(500_us)) - disk == -500);
}

TEST_CASE("a flush latency asked for during a flush that finds nothing more to write is not left to the next flush",
          "[postgres]") {
  PgCluster cluster(1);
  cluster.node("pg1").disk().root().config.fsync_latency = sim::Distribution::constant(1_ms);
  cluster.run_for(1_s);
  pg::Wal& wal = cluster["pg1"].wal();
  auto append = [&wal] {
    pg::WalRecord r;
    r.size_bytes = 100;
    REQUIRE(wal.insert(r) == sim::FsError::Ok);
    return r.end();
  };
  append();
  wal.flush();                // the disk's 1 ms
  wal.flush(5_ms);            // a committer's 5 ms, asked while it runs, nothing new to write
  cluster.run_for(2_ms);
  const pg::Lsn end = append();
  wal.flush();                // the disk's again: done within 1 ms, not 5
  cluster.run_for(1500_us);
  CHECK(wal.flush_lsn() >= end);
}

TEST_CASE("the first session in demodb after the seed's init prunes a catalog page once: 7,935 bytes of WAL that the "
          "standbys replay, none from later sessions, a session in postgres or on a hot standby",
          "[postgres]") {
  PgCluster cluster;  // pg1 and its standbys pg2, pg3: every data directory as the seed's init left it
  cluster.run_for(1_s);
  const std::string page = pg::prunable_catalog_path(pg::kPgData);
  for (const char* n : {"pg1", "pg2", "pg3"}) REQUIRE(cluster.node(n).disk().exists(page));
  // Sessions in the postgres database (the replication monitor's) and on a standby prune nothing.
  const pg::Lsn quiet = cluster["pg1"].insert_lsn();
  REQUIRE(cluster.sql("pg1", "SELECT 1").ok);
  auto& reader = cluster.writer("on-standby", "pg2", 100_ms);  // refused (read-only), but its session opened
  cluster.run_for(300_ms);
  reader.kill();
  REQUIRE(cluster["pg1"].insert_lsn() == quiet);
  REQUIRE(cluster.node("pg2").disk().exists(page));
  // The writer's first session in demodb: the prune comes before its first transaction's records.
  auto& w = cluster.writer("w1", "pg1", 1_s);
  cluster.run_for(500_ms);
  REQUIRE(w.acks().size() == 1);
  const pg::Lsn first_commit = w.acks()[0].lsn;
  REQUIRE(first_commit - quiet >= 7935);
  REQUIRE(!cluster.node("pg1").disk().exists(page));
  // A second session prunes nothing more: its transaction moves the LSN by the first one's own
  // records only.
  const pg::Lsn before_second = cluster["pg1"].insert_lsn();
  auto& w2 = cluster.writer("w2", "pg1", 1_s);
  cluster.run_for(500_ms);
  REQUIRE(w2.acks().size() == 1);
  REQUIRE(w2.acks()[0].lsn - before_second < 1000);
  // The standbys replayed the prune: their copy of the page is pruned too.
  for (const char* n : {"pg2", "pg3"}) {
    INFO(n);
    REQUIRE(cluster[n].replay_lsn() == cluster["pg1"].flush_lsn());
    REQUIRE(!cluster.node(n).disk().exists(page));
  }
}

TEST_CASE("a WAL record that runs past a page's end continues after the next page's 24-byte header, and one "
          "after a page-aligned end starts past it; a segment's first page has the 40-byte long header",
          "[postgres]") {
  const std::uint64_t seg = 16ull << 20;
  std::uint64_t bytes = 400;
  CHECK(pg::place_record(seg + 8000, bytes, seg) == seg + 8000);
  CHECK(bytes == 424);  // 192 on the first page, the header, 208 on the next
  bytes = 8192 * 2;
  CHECK(pg::place_record(seg + 8192 - 8, bytes, seg) == seg + 8192 - 8);
  CHECK(bytes == 8192 * 2 + 3 * 24);  // runs into three more pages
  bytes = 64;
  CHECK(pg::place_record(seg + 3 * 8192, bytes, seg) == seg + 3 * 8192 + 24);
  CHECK(bytes == 64);
  CHECK(pg::place_record(2 * seg, bytes, seg) == 2 * seg + 40);
  // The model keeps a record inside its segment: one that would run past its end starts the next.
  bytes = 200;
  CHECK(pg::place_record(2 * seg - 100, bytes, seg) == 2 * seg + 40);
  CHECK(pg::record_start(seg + 5 * 8192, seg) == seg + 5 * 8192 + 24);
  CHECK(pg::record_start(seg + 5 * 8192 + 8, seg) == seg + 5 * 8192 + 8);
}

TEST_CASE("users' first row also writes its primary key's new root and nextval's log record, which nextval writes "
          "again every 33 values",
          "[postgres]") {
  PgCluster cluster(0);
  cluster.run_for(1_s);
  const pg::Lsn quiet = cluster["pg1"].insert_lsn();
  auto& w = cluster.writer("w1", "pg1", 20_ms);
  cluster.run_for(1500_ms);
  w.kill();
  const auto& acks = w.acks();
  REQUIRE(acks.size() > 40);
  // An acknowledged LSN is its commit record's start, so the step from one to the next is the
  // earlier row's WAL (the model folds a row's records into its commit record).
  // An ordinary row: the fixture writer's 200 bytes, less 8 as its rows 'w1-N' make a 64-byte tuple
  // where `wal_bytes` stands for a 72-byte one, and its commit record.
  const pg::Lsn row = 256;
  for (std::size_t i = 1; i < 40; ++i) {
    INFO("row " << i - 1);
    const std::size_t r = i - 1;
    const pg::Lsn headers = 24 * (acks[i].lsn / 8192 - acks[i - 1].lsn / 8192);  // WAL pages begun
    REQUIRE(acks[i].lsn - acks[i - 1].lsn == row + (r % 33 == 0 ? 104 : 0) + (r == 0 ? 96 : 0) + headers);
  }
  // Before the first: the catalog prune of its session.
  REQUIRE(acks[0].lsn - quiet == 7936 + 24 * (acks[0].lsn / 8192 - quiet / 8192));
}

TEST_CASE("the writer's first nine rows (one-digit names) are 8 bytes of WAL narrower than the later ones: consecutive "
          "commits 200 bytes apart, then 208 from the tenth, as in the real runs",
          "[postgres]") {
  PgCluster cluster;
  cluster.run_for(1_s);
  auto& w = cluster.writer("load", "pg1", 100_ms, 144);  // the scenarios' pg_writer default
  cluster.run_for(1450_ms);
  const auto& acks = w.acks();
  REQUIRE(acks.size() == 15);
  // Each ack's LSN is where its commit record goes, and the model folds a row's records into its
  // commit record: the step from ack i-1 to ack i is row i's WAL. Row 1 also carries the
  // sequence's first log record and the primary key's new root: not compared; nothing else logs
  // until row 34.
  for (std::size_t i = 2; i < acks.size(); ++i) {
    INFO("row " << i);
    CHECK(acks[i].lsn - acks[i - 1].lsn == (i <= 9 ? 200u : 208u));
  }
}

TEST_CASE("a backend's login answer and a statement's CommandComplete with ReadyForQuery each leave in one send",
          "[postgres]") {
  // auth.c does not flush AUTH_REQ_OK; the first ReadyForQuery flushes it with the ParameterStatus
  // and BackendKeyData messages. EndCommand buffers CommandComplete; ReadyForQuery flushes it. At
  // a NIC rate of 1 MB/s messages sent apart would arrive a transmission time apart.
  PgCluster cluster(0);
  cluster.s.network().set_nic_rate(cluster.node("pg1").id(), 1'000'000);
  cluster.run_for(1_s);
  auto& raw = cluster.node("app").add_process<testing::RawPgClient>("pg1", 5432, "SELECT 1");
  raw.start();
  cluster.run_for(1_s);
  const sim::Time auth = raw.first("AuthenticationOk");
  REQUIRE(auth > 0);
  CHECK(raw.first("BackendKeyData") == auth);
  CHECK(raw.first("ReadyForQuery") == auth);
  std::size_t at = 0;
  while (at < raw.arrivals.size() && raw.arrivals[at].first != "CommandComplete") ++at;
  REQUIRE(at + 1 < raw.arrivals.size());
  CHECK(raw.arrivals[at + 1].first == "ReadyForQuery");
  CHECK(raw.arrivals[at + 1].second == raw.arrivals[at].second);
}

