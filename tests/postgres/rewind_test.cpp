// pg_rewind and the re-clone with pg_basebackup: the two ways back from a split brain.
#include <catch2/catch.hpp>

#include <set>

#include "../support/pg_cluster.hpp"
#include "models/postgres/data_directory.hpp"
#include "models/postgres/pg_basebackup.hpp"
#include "models/postgres/pg_rewind.hpp"
#include "models/postgres/statement.hpp"
#include "scenarios/postgres_checks.hpp"
#include "sim/invariants.hpp"
#include "sim/trace.hpp"

using namespace sim::literals;
using testing::PgCluster;
namespace pg = models::postgres;

namespace {

/// Long enough for a rewound or re-cloned server to start: its pg_control does not say "shut down",
/// so start-up first fsyncs every file of the data directory (SyncDataDirectory), ~1,300 of them
/// at the default disk's ~8 ms mean fsync, before redo and streaming.
constexpr sim::Time kUncleanStart = 20'000 * sim::kMillisecond;

/// wal_log_hints on every server (what the scenario adds to the seed's stack).
void hints_on(const std::string&, pg::PostgresConfig& c) { c.wal_log_hints = true; }

/// Demo 2's split brain on the fixture: pg1 stopped, pg2 promoted, pg1 started again and written
/// to on timeline 1 by `a` while `b` writes to pg2 on timeline 2; then pg1 stopped cleanly.
struct SplitBrain {
  PgCluster cluster;
  pg::WriteClient* a = nullptr;
  pg::WriteClient* b = nullptr;
  pg::Lsn fork = 0;
  explicit SplitBrain(const PgCluster::Tweak& tweak = hints_on) : cluster(2, tweak) {
    cluster.run_for(1_s);
    cluster.writer("w", "pg1", 100_ms);
    cluster.run_for(1_s);
    cluster.writers.at("w")->kill();
    cluster.stop("pg1").run_for(1_s);
    REQUIRE(cluster.sql("pg2", "SELECT pg_promote()").result.value);
    fork = static_cast<pg::Lsn>(PgCluster::num(cluster.events(pg::kPromoted, "pg2").at(0), "switch_lsn"));
    cluster.start("pg1").run_for(1_s);
    REQUIRE(cluster.writable() == "pg1,pg2");
    a = &cluster.writer("a", "pg1", 100_ms);
    b = &cluster.writer("b", "pg2", 100_ms);
    cluster.run_for(2_s);
    a->kill();
    cluster.stop("pg1").run_for(1_s);
    REQUIRE_FALSE(cluster["pg1"].running());
  }
  pg::PgRewind& rewind(const std::string& source = "pg2") {
    auto& rw = cluster.node("pg1").add_process<pg::PgRewind>();
    pg::PgRewindOptions o;
    o.source_host = source;
    rw.run(o);
    cluster.run_for(20_s);  // fsync_pgdata: over a thousand fsyncs in turn
    return rw;
  }
  pg::PgBasebackup& reclone(const std::string& slot = "", bool create_slot = false) {
    auto& bb = cluster.node("pg1").add_process<pg::PgBasebackup>();
    pg::PgBasebackupOptions o;
    o.source_host = "pg2";
    o.slot = slot;
    o.create_slot = create_slot;
    bb.run(o);
    cluster.run_for(20_s);  // the copy, then fsync_pgdata: over a thousand fsyncs in turn
    return bb;
  }
};

}  // namespace

TEST_CASE("pg_rewind refuses a target that ran without wal_log_hints and without data checksums, as the seed's "
          "stack runs",
          "[postgres][rewind]") {
  SplitBrain sb(PgCluster::Tweak{});
  auto& rw = sb.rewind();
  REQUIRE(rw.outcome() == pg::PgRewind::Outcome::Failed);
  REQUIRE(rw.message() == "target server needs to use either data checksums or \"wal_log_hints = on\"");
  // Nothing was touched: started again, pg1 is the timeline-1 primary it was.
  sb.cluster.start("pg1").run_for(1_s);
  REQUIRE(sb.cluster.writable() == "pg1,pg2");
  REQUIRE(sb.cluster["pg1"].timeline() == 1);
}

TEST_CASE("pg_rewind of the diverged old primary from the promoted standby makes it a standby of the new primary, "
          "without the commits it acknowledged after the fork",
          "[postgres][rewind]") {
  SplitBrain sb;
  auto& rw = sb.rewind();
  REQUIRE(rw.outcome() == pg::PgRewind::Outcome::Done);
  REQUIRE(rw.message() == "Done!");
  REQUIRE(rw.diverged_lsn() == sb.fork);
  const auto done = sb.cluster.events(pg::kRewind, "pg1");
  REQUIRE(done.size() == 1);
  REQUIRE(done[0].text("outcome") == "done");
  REQUIRE(PgCluster::num(done[0], "checkpoint_lsn") < static_cast<std::int64_t>(sb.fork));
  // -R: standby.signal, and primary_conninfo naming the source.
  auto& disk = sb.cluster.node("pg1").disk();
  REQUIRE(disk.exists(pg::standby_signal_path(pg::kPgData)));
  REQUIRE(disk.read_file(pg::auto_conf_path(pg::kPgData)).value_or("").find("host=pg2") != std::string::npos);
  sb.cluster.start("pg1").run_for(kUncleanStart);
  REQUIRE(sb.cluster.writable() == "pg2");
  REQUIRE(sb.cluster["pg1"].in_recovery());
  REQUIRE(sb.cluster["pg1"].timeline() == 2);
  REQUIRE(sb.cluster["pg1"].walreceiver()->streaming());
  REQUIRE(sb.cluster["pg1"].walreceiver()->sender_host() == "pg2");
  // What pg1 acknowledged on timeline 1 after the fork is gone; pg2's timeline-2 commits replayed.
  REQUIRE(sb.a->acks().size() >= 10);
  for (const auto& ack : sb.a->acks()) {
    REQUIRE(ack.lsn >= sb.fork);
    REQUIRE_FALSE(sb.cluster["pg1"].has_commit(1, ack.lsn));
  }
  const auto& last_b = sb.b->acks().back();
  REQUIRE(sb.cluster["pg1"].has_commit(last_b.timeline, last_b.lsn));
}

TEST_CASE("pg_rewind's copy goes through the network, so a slower link makes it last longer", "[postgres][rewind]") {
  auto duration_at = [](std::uint64_t rate) {
    SplitBrain sb;
    if (rate > 0) sb.cluster.s.network().set_nic_rate(sb.cluster.id("pg2"), rate);
    auto& rw = sb.rewind();
    sb.cluster.run_for(10_s);
    REQUIRE(rw.outcome() == pg::PgRewind::Outcome::Done);
    const auto r = sb.cluster.events(pg::kRewind, "pg1").at(0);
    return std::make_pair(PgCluster::num(r, "duration_ms"), PgCluster::num(r, "copied_bytes"));
  };
  const auto [fast_ms, bytes] = duration_at(0);
  const auto [slow_ms, slow_bytes] = duration_at(10'000'000);  // 10 MB/s
  REQUIRE(bytes == slow_bytes);
  // pg_wal/ is copied whole: at least one 16 MiB segment.
  REQUIRE(bytes >= 16 * 1024 * 1024);
  REQUIRE(slow_ms >= bytes / 10'000);  // bytes / (10 MB/s), in ms
  REQUIRE(slow_ms > fast_ms + 1000);
}

TEST_CASE("pg_rewind finds no rewind required for an old primary that stopped before the fork, and -R makes it "
          "follow the new timeline",
          "[postgres][rewind]") {
  PgCluster cluster(1, hints_on);
  cluster.run_for(1_s);
  cluster.writer("w", "pg1", 100_ms);
  cluster.run_for(1_s);
  cluster.writers.at("w")->kill();
  cluster.stop("pg1").run_for(1_s);
  REQUIRE(cluster.sql("pg2", "SELECT pg_promote()").result.value);
  auto& rw = cluster.node("pg1").add_process<pg::PgRewind>();
  pg::PgRewindOptions o;
  o.source_host = "pg2";
  rw.run(o);
  cluster.run_for(1_s);
  REQUIRE(rw.outcome() == pg::PgRewind::Outcome::NoRewindRequired);
  REQUIRE(rw.message() == "no rewind required");
  cluster.start("pg1").run_for(3_s);
  REQUIRE(cluster["pg1"].in_recovery());
  REQUIRE(cluster["pg1"].timeline() == 2);
  REQUIRE(cluster.writable() == "pg2");
}

TEST_CASE("pg_rewind refuses while the target server runs", "[postgres][rewind]") {
  PgCluster cluster(1, hints_on);
  cluster.run_for(1_s);
  auto& rw = cluster.node("pg1").add_process<pg::PgRewind>();
  pg::PgRewindOptions o;
  o.source_host = "pg2";
  rw.run(o);
  cluster.run_for(1_s);
  REQUIRE(rw.outcome() == pg::PgRewind::Outcome::Failed);
  REQUIRE(rw.message() == "postgres single-user mode in target cluster failed");
  REQUIRE(cluster.writable() == "pg1");
}

TEST_CASE("pg_rewind runs crash recovery on a target that was killed before it rewinds it", "[postgres][rewind]") {
  PgCluster cluster(1, hints_on);
  cluster.run_for(1_s);
  auto& w = cluster.writer("w", "pg1", 100_ms);
  cluster.run_for(1_s);
  w.kill();
  cluster.kill("pg1").run_for(100_ms);  // SIGKILL: pg_control still says "in production"
  REQUIRE(cluster.sql("pg2", "SELECT pg_promote()").result.value);
  auto& rw = cluster.node("pg1").add_process<pg::PgRewind>();
  pg::PgRewindOptions o;
  o.source_host = "pg2";
  rw.run(o);
  cluster.run_for(20_s);
  // Its WAL, recovered, ends with the shutdown checkpoint single-user mode wrote: past the fork.
  REQUIRE(rw.outcome() == pg::PgRewind::Outcome::Done);
  cluster.start("pg1").run_for(kUncleanStart);
  REQUIRE(cluster["pg1"].in_recovery());
  REQUIRE(cluster["pg1"].timeline() == 2);
}

TEST_CASE("pg_basebackup re-clones the diverged old primary into its emptied data directory with a new slot, and "
          "it starts as a standby of the new primary",
          "[postgres][reclone]") {
  SplitBrain sb(PgCluster::Tweak{});  // no wal_log_hints needed
  auto& bb = sb.reclone("pg1_slot", /*create_slot=*/true);
  REQUIRE(bb.outcome() == pg::PgBasebackup::Outcome::Done);
  REQUIRE(sb.cluster["pg2"].slots().count("pg1_slot") == 1);
  // The data directory and the WAL from the backup's checkpoint on came over the network.
  REQUIRE(bb.copied_bytes() > pg::kClusterFilesBytes);
  sb.cluster.start("pg1").run_for(kUncleanStart);
  REQUIRE(sb.cluster.writable() == "pg2");
  REQUIRE(sb.cluster["pg1"].in_recovery());
  REQUIRE(sb.cluster["pg1"].timeline() == 2);
  REQUIRE(sb.cluster["pg1"].walreceiver()->streaming());
  REQUIRE(sb.cluster["pg2"].slots().at("pg1_slot").active_pid != 0);
  for (const auto& ack : sb.a->acks()) REQUIRE_FALSE(sb.cluster["pg1"].has_commit(1, ack.lsn));
  const auto& last_b = sb.b->acks().back();
  REQUIRE(sb.cluster["pg1"].has_commit(last_b.timeline, last_b.lsn));
}

TEST_CASE("pg_basebackup -C fails when the slot already exists, and without -C it uses it", "[postgres][reclone]") {
  SplitBrain sb(PgCluster::Tweak{});
  REQUIRE(sb.cluster.sql("pg2", "SELECT pg_create_physical_replication_slot('pg1_slot')").ok);
  auto& bb = sb.cluster.node("pg1").add_process<pg::PgBasebackup>();
  pg::PgBasebackupOptions o;
  o.source_host = "pg2";
  o.slot = "pg1_slot";
  o.create_slot = true;
  bb.run(o);
  sb.cluster.run_for(2_s);
  REQUIRE(bb.outcome() == pg::PgBasebackup::Outcome::Failed);
  REQUIRE(bb.message() ==
          "could not send replication command \"CREATE_REPLICATION_SLOT \"pg1_slot\"\": ERROR:  replication slot \"pg1_slot\" already exists");
  o.create_slot = false;
  bb.run(o);
  sb.cluster.run_for(20_s);
  REQUIRE(bb.outcome() == pg::PgBasebackup::Outcome::Done);
}

TEST_CASE("pg_basebackup's duration follows the data directory's size over the link's rate", "[postgres][reclone]") {
  SplitBrain sb(PgCluster::Tweak{});
  sb.cluster.s.network().set_nic_rate(sb.cluster.id("pg2"), 10'000'000);  // 10 MB/s
  // A fast disk, so that the link is what the duration is about (the final fsync_pgdata still
  // costs its ~1,300 fsyncs: 0.13 s here).
  sb.cluster.node("pg1").disk().volume_for(pg::kPgData).config.fsync_latency = sim::Distribution::constant(100_us);
  auto& bb = sb.cluster.node("pg1").add_process<pg::PgBasebackup>();
  pg::PgBasebackupOptions o;
  o.source_host = "pg2";
  bb.run(o);
  sb.cluster.run_for(10_s);
  REQUIRE(bb.outcome() == pg::PgBasebackup::Outcome::Done);
  const auto r = sb.cluster.events(pg::kBaseBackup, "pg1").at(0);
  const std::int64_t bytes = PgCluster::num(r, "copied_bytes");
  REQUIRE(bytes > static_cast<std::int64_t>(pg::kClusterFilesBytes));
  // What crossed the link: the tar stream (copied_bytes, as pg_basebackup reports it) and the
  // WAL streamed beside it, which runs from the backup's checkpoint through the switch at its
  // end, so nearly the whole 16 MiB segment the start's switch opened.
  const std::int64_t segment = 16 * 1024 * 1024;
  REQUIRE(PgCluster::num(r, "duration_ms") >= (bytes + segment - 64 * 1024) / 10'000);
  REQUIRE(PgCluster::num(r, "duration_ms") < (bytes + segment) / 10'000 + 1000);
}

TEST_CASE("each base backup of a primary switches its WAL to a new segment at the backup's start and again after "
          "its end record, and a standby streaming from it receives the switched segment to its end",
          "[postgres][reclone]") {
  // Measured on Debian's PostgreSQL 15 (2026-12-05): six `pg_basebackup -c fast -X stream` in a
  // row took a fresh cluster's WAL from 0/191FCD8 to 0/8000000: the first switched twice, each
  // later one once (its start finds the WAL at a segment's start, where a switch does nothing).
  PgCluster cluster(2);
  cluster.run_for(1_s);
  cluster.writer("w", "pg1", 100_ms);
  cluster.run_for(1_s);
  cluster.writers.at("w")->kill();
  cluster.stop("pg3").run_for(1_s);  // the clone's target: a stopped server's directory
  const std::uint64_t seg = cluster["pg1"].config().wal_segment_size_bytes;
  const std::uint64_t first = cluster["pg1"].insert_lsn() / seg;
  REQUIRE(cluster["pg1"].insert_lsn() % seg != 0);
  auto& bb = cluster.node("pg3").add_process<pg::PgBasebackup>();
  pg::PgBasebackupOptions o;
  o.source_host = "pg1";
  for (std::uint64_t backups = 1; backups <= 2; ++backups) {
    bb.run(o);
    cluster.run_for(20_s);
    REQUIRE(bb.outcome() == pg::PgBasebackup::Outcome::Done);
    CHECK(cluster["pg1"].insert_lsn() == (first + 1 + backups) * seg);
    // pg2 streamed the rest of each switched segment, zeros and all, and holds it flushed.
    CHECK(cluster["pg2"].flush_lsn() == (first + 1 + backups) * seg);
  }
  CHECK(cluster.events(pg::kCheckpoint, "pg1").size() >= 2);
  // The clone's redo reads the switch record's header, not the zeros after it: pg3 starts from
  // the second backup's checkpoint with a few hundred bytes to redo though its pg_wal holds the
  // switched segment whole, and goes on at the next segment, streaming.
  cluster.start("pg3").run_for(kUncleanStart);
  const auto recovery = cluster.events(pg::kRecoveryStarted, "pg3");
  REQUIRE_FALSE(recovery.empty());
  CHECK(PgCluster::num(recovery.back(), "wal_bytes") < 1024);
  CHECK(cluster["pg3"].replay_lsn() == cluster["pg1"].insert_lsn());
}

namespace {
/// Every fsync on `node`'s data directory takes exactly `latency`.
void constant_fsync(PgCluster& cluster, const std::string& node, sim::Time latency) {
  cluster.node(node).disk().volume_for(pg::kPgData).config.fsync_latency = sim::Distribution::constant(latency);
}
/// The directories fsync_pgdata visits besides the files: each file's parents up to PGDATA.
std::size_t directories_under(const sim::Disk& disk) {
  std::set<std::string> dirs{pg::kPgData};
  const std::string root = pg::kPgData;
  for (const auto& path : disk.list_tree(root))
    for (auto cut = path.rfind('/'); cut != std::string::npos && cut > root.size(); cut = path.rfind('/', cut - 1))
      dirs.insert(path.substr(0, cut));
  return dirs.size();
}
}  // namespace

TEST_CASE("pg_basebackup syncs every file of the new data directory one after the other before it reports "
          "completion",
          "[postgres][reclone]") {
  SplitBrain sb(PgCluster::Tweak{});
  constant_fsync(sb.cluster, "pg1", 2_ms);
  auto& bb = sb.reclone();
  REQUIRE(bb.outcome() == pg::PgBasebackup::Outcome::Done);
  const auto& disk = sb.cluster.node("pg1").disk();
  // The copy holds the measured cluster's files, not only what the model reads.
  const std::size_t files = disk.list_tree(pg::kPgData).size();
  REQUIRE(files > pg::kBaseRelationFiles + pg::kGlobalRelationFiles);
  const std::size_t syncs = files + directories_under(disk);
  const std::int64_t ms = PgCluster::num(sb.cluster.events(pg::kBaseBackup, "pg1").at(0), "duration_ms");
  REQUIRE(ms >= static_cast<std::int64_t>(2 * syncs));
  REQUIRE(ms < static_cast<std::int64_t>(2 * syncs) + 200);  // the rest: a checkpoint and a LAN copy
}

TEST_CASE("pg_rewind syncs the whole target data directory file by file, the files it did not copy too",
          "[postgres][rewind]") {
  SplitBrain sb;
  constant_fsync(sb.cluster, "pg1", 2_ms);
  auto& rw = sb.rewind();
  REQUIRE(rw.outcome() == pg::PgRewind::Outcome::Done);
  const auto& disk = sb.cluster.node("pg1").disk();
  const std::size_t syncs = disk.list_tree(pg::kPgData).size() + directories_under(disk);
  REQUIRE(syncs > pg::kBaseRelationFiles + pg::kGlobalRelationFiles);
  const std::int64_t ms = PgCluster::num(sb.cluster.events(pg::kRewind, "pg1").at(0), "duration_ms");
  REQUIRE(ms >= static_cast<std::int64_t>(2 * syncs));
  REQUIRE(ms < static_cast<std::int64_t>(2 * syncs) + 200);
}

namespace {
/// The relation files under base/ and global/ (pg_control aside), and their bytes.
std::pair<std::size_t, std::uint64_t> relation_files(const sim::Disk& disk) {
  std::size_t n = 0;
  std::uint64_t bytes = 0;
  for (const char* dir : {"/base", "/global"})
    for (const auto& path : disk.list_tree(std::string(pg::kPgData) + dir)) {
      if (path == pg::pg_control_path(pg::kPgData)) continue;
      ++n;
      bytes += disk.size(path).value_or(0);
    }
  return {n, bytes};
}
}  // namespace

TEST_CASE("every node's initdb leaves the measured cluster's relation files, found by a walk over the data directory "
          "though nothing opened them",
          "[postgres][reclone]") {
  PgCluster cluster(2);
  cluster.run_for(40_s);  // past the kernel's writeback of initdb's files
  for (const char* node : {"pg1", "pg2"}) {
    const auto& disk = cluster.node(node).disk();
    CHECK(relation_files(disk) == std::pair<std::size_t, std::uint64_t>{pg::kBaseRelationFiles + pg::kGlobalRelationFiles, pg::kClusterFilesBytes});
    CHECK(disk.list(std::string(pg::kPgData) + "/base/16384").size() == pg::kBaseRelationFiles / 4);
    CHECK(disk.read_file(std::string(pg::kPgData) + "/PG_VERSION") == "15\n");
  }
}

TEST_CASE("a base backup copies the source's relation files, each written and then synced in turn, though the source "
          "never listed them",
          "[postgres][reclone]") {
  SplitBrain sb(PgCluster::Tweak{});
  constant_fsync(sb.cluster, "pg1", 2_ms);
  auto& bb = sb.reclone();
  REQUIRE(bb.outcome() == pg::PgBasebackup::Outcome::Done);
  const auto [files, bytes] = relation_files(sb.cluster.node("pg1").disk());
  CHECK(files == pg::kBaseRelationFiles + pg::kGlobalRelationFiles);
  CHECK(bytes > pg::kClusterFilesBytes);  // and the rows written since
  CHECK(bytes == bb.copied_bytes());  // the tar stream: its WAL, streamed beside it, is not counted
  // Synced one by one: the walk lasted at least one 2 ms fsync per relation file.
  const std::int64_t ms = PgCluster::num(sb.cluster.events(pg::kBaseBackup, "pg1").at(0), "duration_ms");
  CHECK(ms >= static_cast<std::int64_t>(2 * files));
  CHECK(relation_files(sb.cluster.node("pg2").disk()).first == files);
}

TEST_CASE("a base backup carries the source's catalog page as it is: still prunable before any session in demodb, "
          "pruned after one",
          "[postgres][reclone]") {
  const std::string page = pg::prunable_catalog_path(pg::kPgData);
  for (const bool pruned : {false, true}) {
    INFO("source pruned: " << pruned);
    PgCluster cluster(1);
    cluster.run_for(1_s);
    cluster.stop("pg2").run_for(1_s);  // before the writer: pg2 never replays the prune
    if (pruned) {
      auto& w = cluster.writer("w", "pg1", 200_ms);
      cluster.run_for(1_s);
      w.kill();
    }
    REQUIRE(cluster.node("pg1").disk().exists(page) == !pruned);
    REQUIRE(cluster.node("pg2").disk().exists(page));
    auto& bb = cluster.node("pg2").add_process<pg::PgBasebackup>();
    pg::PgBasebackupOptions o;
    o.source_host = "pg1";
    bb.run(o);
    cluster.run_for(20_s);
    REQUIRE(bb.outcome() == pg::PgBasebackup::Outcome::Done);
    REQUIRE(cluster.node("pg2").disk().exists(page) == !pruned);
  }
}

TEST_CASE("pg_basebackup refuses while the server runs", "[postgres][reclone]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  auto& bb = cluster.node("pg2").add_process<pg::PgBasebackup>();
  pg::PgBasebackupOptions o;
  o.source_host = "pg1";
  bb.run(o);
  cluster.run_for(1_s);
  REQUIRE(bb.outcome() == pg::PgBasebackup::Outcome::Failed);
  REQUIRE(cluster["pg2"].in_recovery());
}

TEST_CASE("an operator step may create a physical replication slot", "[postgres][statement]") {
  const auto parsed = pg::parse_operator_sql("SELECT pg_create_physical_replication_slot('replica2_slot')");
  REQUIRE(std::holds_alternative<std::vector<pg::OperatorStatement>>(parsed));
  const auto& st = std::get<std::vector<pg::OperatorStatement>>(parsed);
  REQUIRE(st.size() == 1);
  REQUIRE(st[0].kind == pg::OperatorStatement::Kind::CreateSlot);
  REQUIRE(st[0].name == "replica2_slot");
  REQUIRE(std::holds_alternative<std::string>(pg::parse_operator_sql("SELECT pg_create_physical_replication_slot(x)")));
}

TEST_CASE("a standby whose walreceiver streamed before its ready line still counts as converged after a rewind",
          "[postgres][rewind][checks]") {
  // A real log's order after pg_rewind: "started streaming WAL ... on timeline 2", then "ready to
  // accept read-only connections" (replay had nothing left to do).
  sim::Trace t;
  auto s = [](const char* v) { return std::string(v); };
  t.record(0, pg::kStarted, {{"node", s("pg2")}, {"role", s("primary")}, {"timeline", std::int64_t{2}}});
  t.record(1_s, pg::kWalReceiverConnected, {{"node", s("pg1")}, {"primary", s("")}, {"timeline", std::int64_t{2}},
                                            {"start_lsn", std::int64_t{0}}});
  t.record(1_s, pg::kStarted, {{"node", s("pg1")}, {"role", s("standby")}, {"timeline", std::int64_t{2}}});
  t.record(2_s, pg::kRewind, {{"node", s("pg1")}, {"source", s("pg2")}, {"outcome", s("done")}, {"message", s("Done!")},
                              {"diverged_lsn", std::int64_t{1}}, {"checkpoint_lsn", std::int64_t{0}},
                              {"copied_bytes", std::int64_t{72'210'432}}, {"duration_ms", std::int64_t{5225}}});
  sim::Invariants inv;
  std::map<std::string, double> m;
  scenarios::postgres_checks(t.records(), 3_s, inv, m);
  CHECK(m.at("pg_rewind.done") == 1);
  CHECK(m.at("pg_rewind.duration_ms") == 5225);
  CHECK(m.at("pg_rewind.copied_mb") == Approx(72.210432));
  CHECK(m.at("postgres.primaries_at_end") == 1);
  CHECK(m.at("postgres.standbys_unconverged_at_end") == 0);
}
