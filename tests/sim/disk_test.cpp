// sim::Disk: the page cache against power loss, fsync and its latency, space accounting, and
// which volumes survive which container lifecycle.
#include <catch2/catch.hpp>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "../support/sim_fixture.hpp"
#include "sim/disk.hpp"

using namespace sim::literals;
using testing::Bench;
using testing::Probe;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

/// Calls fsync(path) as `p` and records what came back, and when.
struct FsyncProbe {
  std::vector<std::pair<sim::Time, sim::FsError>> done;
  void fsync(sim::Node& n, Probe& p, const std::string& path) {
    n.disk().fsync(path, p.owner(), [this, &p](sim::FsError e) { done.emplace_back(p.sim().now(), e); });
  }
};

int count_records(const sim::Simulation& s, const std::string& kind) {
  int k = 0;
  for (const auto& r : s.trace().records()) k += r.kind == kind ? 1 : 0;
  return k;
}

/// A WAL segment's name, as PostgreSQL's XLogFileName for timeline 1.
std::string segment(int n) {
  char name[64];
  std::snprintf(name, sizeof name, "/var/lib/postgresql/data/pg_wal/00000001%016X", n);
  return name;
}

}  // namespace

TEST_CASE("unsynced writes are lost when the node crashes but not when its processes are killed", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  auto& p = b.probe(n, "postgres");
  b.run_for(0);
  sim::Disk& d = n.disk();
  FsyncProbe f;
  REQUIRE(d.write_file("/data/synced", "committed") == sim::FsError::Ok);
  f.fsync(n, p, "/data/synced");
  b.run_for(100_ms);
  REQUIRE(f.done.size() == 1);
  REQUIRE(d.write_file("/data/synced", "overwritten, never synced") == sim::FsError::Ok);
  REQUIRE(d.write_file("/data/unsynced", "only in the page cache") == sim::FsError::Ok);

  SECTION("a SIGKILL keeps the page cache") {
    p.kill();
    n.kill();  // docker kill too: the host kernel, and its page cache, are untouched
    b.run_for(1_s);
    n.start();
    b.run_for(1_s);
    CHECK(d.read_file("/data/synced") == "overwritten, never synced");
    CHECK(d.read_file("/data/unsynced") == "only in the page cache");
  }
  SECTION("a power loss keeps only what was synced") {
    n.crash();
    CHECK(d.read_file("/data/synced") == "committed");
    CHECK_FALSE(d.exists("/data/unsynced"));
    n.start();
    b.run_for(1_s);
    CHECK(d.read_file("/data/synced") == "committed");
    CHECK(d.list("/data") == std::vector<std::string>{"/data/synced"});
  }
}

TEST_CASE("fsync latency is drawn from the volume's distribution on its named stream", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  auto& p = b.probe(n, "postgres");
  b.run_for(0);
  const auto dist = sim::Distribution::lognormal(2_ms, 0.5);
  n.disk().root().config.fsync_latency = dist;
  // The draws the disk must make, from a stream of the same name.
  sim::Rng expected_rng = b.s.rng("disk/db/root/fsync");
  std::vector<sim::Time> expected;
  for (int i = 0; i < 20; ++i) expected.push_back(dist.sample(expected_rng));

  FsyncProbe f;
  std::vector<sim::Time> latencies;
  for (int i = 0; i < 20; ++i) {
    n.disk().append("/wal", sim::Data::sized(8192));
    const sim::Time called = b.s.now();
    f.fsync(n, p, "/wal");
    b.run_for(1_s);
    REQUIRE(f.done.size() == static_cast<std::size_t>(i + 1));
    CHECK(f.done.back().second == sim::FsError::Ok);
    latencies.push_back(f.done.back().first - called);
  }
  CHECK(latencies == expected);
  CHECK(latencies[0] != latencies[1]);  // a distribution, not a constant
}

TEST_CASE("an fsync completes for the kernel even if its caller is killed, and tells only a live caller", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  auto& p = b.probe(n, "postgres");
  b.run_for(0);
  n.disk().root().config.fsync_latency = sim::Distribution::constant(5_ms);
  FsyncProbe f;
  n.disk().write_file("/data/state", "v2");
  f.fsync(n, p, "/data/state");
  b.run_for(1_ms);
  p.kill();  // SIGKILL while the flush is in flight
  b.run_for(10_ms);
  CHECK(f.done.empty());  // that incarnation is gone
  n.crash();
  CHECK(n.disk().read_file("/data/state") == "v2");  // but the flush finished

  SECTION("a frozen caller hears of its fsync when it thaws") {
    n.start();
    b.run_for(0);
    p.start();
    b.run_for(0);
    f.fsync(n, p, "/data/state");
    p.freeze();
    b.run_for(1_s);
    CHECK(f.done.empty());
    p.thaw();
    b.run_for(0);
    REQUIRE(f.done.size() == 1);
    CHECK(f.done[0].first == b.s.now());
  }
  SECTION("a power loss during the flush loses it") {
    n.start();
    b.run_for(0);
    p.start();
    b.run_for(0);
    n.disk().write_file("/data/state", "v3");
    f.fsync(n, p, "/data/state");
    b.run_for(4_ms);
    n.crash();
    b.run_for(10_ms);
    CHECK(f.done.empty());
    CHECK(n.disk().read_file("/data/state") == "v2");
  }
}

TEST_CASE("an fsync with nothing to write costs fsync_clean, one with new data or a new entry the full fsync", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  auto& p = b.probe(n, "postgres");
  b.run_for(0);
  auto& config = n.disk().root().config;
  config.fsync_latency = sim::Distribution::constant(5_ms);
  config.fsync_clean_latency = sim::Distribution::constant(100_us);
  FsyncProbe f;
  auto took = [&](const std::string& path) {
    const sim::Time t0 = b.s.now();
    f.fsync(n, p, path);
    b.run_for(10_ms);
    REQUIRE(!f.done.empty());
    return f.done.back().first - t0;
  };
  n.disk().write_file("/data/base", "v1");
  CHECK(took("/data/base") == 5_ms);    // a new file: its data and its entry
  CHECK(took("/data/base") == 100_us);  // again: nothing left to write
  n.disk().write_file("/data/base", "v2");
  CHECK(took("/data/base") == 5_ms);    // new data
  SECTION("a directory whose entries are durable is clean too") {
    auto dir_took = [&] {
      const sim::Time t0 = b.s.now();
      sim::Time at = -1;
      n.disk().fsync_directory("/data", p.owner(), [&](sim::FsError) { at = b.s.now(); });
      b.run_for(10_ms);
      return at - t0;
    };
    n.disk().write_file("/data/other", "x");
    CHECK(dir_took() == 5_ms);  // a new entry in it
    CHECK(dir_took() == 100_us);
  }
  SECTION("without fsync_clean every fsync is the full one") {
    config.fsync_clean_latency.reset();
    CHECK(took("/data/base") == 5_ms);
    CHECK(took("/data/base") == 5_ms);
  }
}

TEST_CASE("fsync of a missing file is ENOENT, at once", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  auto& p = b.probe(n, "postgres");
  b.run_for(0);
  FsyncProbe f;
  f.fsync(n, p, "/nope");
  b.run_for(0);
  REQUIRE(f.done.size() == 1);
  CHECK(f.done[0].second == sim::FsError::NotFound);
}

TEST_CASE("the kernel writes back what stayed dirty for dirty_expire, so a later power loss keeps it", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  b.run_for(0);
  sim::Volume& root = n.disk().root();
  CHECK(root.config.dirty_expire == 30_s);  // vm.dirty_expire_centisecs = 3000
  n.disk().write_file("/run/app.pid", "42\n");
  b.run_for(10_s);
  n.disk().write_file("/run/app.pid", "43\n");  // the inode stays dirty since 0 s
  n.disk().write_file("/run/late", "x");
  b.run_for(20_s - 1);
  CHECK(root.dirty());
  b.run_for(1);  // 30 s after the pid file first became dirty
  n.crash();
  CHECK(n.disk().read_file("/run/app.pid") == "43\n");  // written back whole, as last written
  CHECK_FALSE(n.disk().exists("/run/late"));            // dirty for 20 s only
}

TEST_CASE("a dirty_expire of kNever leaves durability to fsync alone", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  b.run_for(0);
  n.disk().root().config.dirty_expire = sim::kNever;
  n.disk().write_file("/x", "y");
  b.run_for(10_min);
  n.crash();
  CHECK_FALSE(n.disk().exists("/x"));
}

TEST_CASE("WAL kept for a replication slot fills the disk: disk_full, ENOSPC, then room once the slot advances", "[disk]") {
  Bench b;
  auto& n = b.node("pg1");
  b.run_for(0);
  sim::Volume& pgdata = n.disk().add_volume("pgdata", "/var/lib/postgresql/data", sim::VolumeKind::Named);
  pgdata.config.capacity_bytes = 10 * 16 * kMiB + 100 * 1024;  // ten segments and some change
  REQUIRE(&n.disk().volume_for(segment(1)) == &pgdata);
  n.disk().write_file("/var/lib/postgresql/data/PG_VERSION", "16\n");

  int slot = 1;  // the oldest segment the slot's restart_lsn still needs
  int next = 1;  // the next segment to create
  auto checkpoint = [&] {
    // RemoveOldXlogFiles: only segments older than the slot's may go.
    for (const auto& f : n.disk().list("/var/lib/postgresql/data/pg_wal"))
      if (f < segment(slot)) REQUIRE(n.disk().remove(f) == sim::FsError::Ok);
  };
  auto create_segment = [&] {
    // A new segment is written whole (zero-filled) before use: 16 MiB of space at once.
    const sim::FsError e = n.disk().write(segment(next), 0, sim::Data::sized(16 * kMiB));
    if (e == sim::FsError::Ok) ++next;
    return e;
  };
  for (int i = 0; i < 10; ++i) {
    REQUIRE(create_segment() == sim::FsError::Ok);
    checkpoint();  // the standby is gone: the slot stays at segment 1
  }
  CHECK(pgdata.used_bytes() == 10 * 16 * kMiB + 3);
  CHECK(count_records(b.s, sim::kDiskFull) == 0);

  CHECK(create_segment() == sim::FsError::NoSpace);
  CHECK(create_segment() == sim::FsError::NoSpace);  // PostgreSQL PANICs and retries on restart
  CHECK(pgdata.used_bytes() == 10 * 16 * kMiB + 3);  // a refused write takes nothing
  CHECK(n.disk().size(segment(11)) == 0u);           // open(O_CREAT) did happen
  REQUIRE(count_records(b.s, sim::kDiskFull) == 1);  // one event for one "disk full"
  for (const auto& r : b.s.trace().records())
    if (r.kind == sim::kDiskFull) {
      CHECK(r.notable);
      CHECK(r.text("node") == "pg1");
      CHECK(r.text("volume") == "pgdata");
      CHECK(r.text("path") == segment(11));
      CHECK(std::get<std::int64_t>(*r.find("bytes")) == static_cast<std::int64_t>(16 * kMiB));
      CHECK(std::get<std::int64_t>(*r.find("free_bytes")) == 100 * 1024 - 3);
    }

  slot = 4;  // the standby came back and confirmed segments 1-3
  checkpoint();
  CHECK(pgdata.used_bytes() == 7 * 16 * kMiB + 3);
  CHECK(create_segment() == sim::FsError::Ok);
  CHECK(create_segment() == sim::FsError::Ok);
  CHECK(create_segment() == sim::FsError::Ok);
  CHECK(create_segment() == sim::FsError::NoSpace);
  CHECK(count_records(b.s, sim::kDiskFull) == 2);  // full again: a second event
}

TEST_CASE("truncating a file frees its space at once, and a hole takes none", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  b.run_for(0);
  sim::Volume& root = n.disk().root();
  root.config.capacity_bytes = 1000;
  CHECK(n.disk().write("/f", 0, sim::Data::sized(600)) == sim::FsError::Ok);
  CHECK(n.disk().write("/g", 0, sim::Data::sized(600)) == sim::FsError::NoSpace);
  CHECK(n.disk().truncate("/f", 100) == sim::FsError::Ok);
  CHECK(root.used_bytes() == 100);
  CHECK(n.disk().write("/g", 0, sim::Data::sized(600)) == sim::FsError::Ok);
  CHECK(n.disk().truncate("/f", 1'000'000) == sim::FsError::Ok);  // sparse
  CHECK(n.disk().size("/f") == 1'000'000u);
  CHECK(root.used_bytes() == 700);
  CHECK(n.disk().write("/f", 500'000, sim::Data::sized(300)) == sim::FsError::Ok);  // fills part of the hole
  CHECK(root.free_bytes() == 0);
  CHECK(n.disk().write("/f", 500'000, sim::Data::sized(300)) == sim::FsError::Ok);  // an overwrite needs no more
  CHECK(n.disk().truncate("/missing", 0) == sim::FsError::NotFound);
}

TEST_CASE("records written one after another into a zero-filled segment leave its rest zero-filled, its space counted once", "[disk]") {
  // A WAL segment: 16 MiB of zeros written first (XLogFileInit), then records at their LSNs,
  // each at the head of the zero-filled rest the record before left.
  Bench b;
  auto& n = b.node("db");
  b.run_for(0);
  struct Rec {
    int xid;
  };
  const std::string seg = segment(1);
  REQUIRE(n.disk().write(seg, 0, sim::Data::sized(16 * kMiB)) == sim::FsError::Ok);
  const std::uint64_t used = n.disk().root().used_bytes();
  for (int xid = 0; xid < 4; ++xid) REQUIRE(n.disk().write(seg, 40 + 200 * static_cast<std::uint64_t>(xid), sim::Data::record(200, Rec{xid})) == sim::FsError::Ok);
  CHECK(n.disk().root().used_bytes() == used);
  CHECK(n.disk().size(seg) == 16 * kMiB);
  const auto e = n.disk().extents(seg);
  REQUIRE(e.size() == 6);  // [0, 40) zeros, four records, then the zeros after them
  CHECK(e[0].offset == 0);
  CHECK(e[0].data.size_bytes() == 40);
  for (int i = 1; i <= 4; ++i) CHECK(e[static_cast<std::size_t>(i)].data.kind() == sim::Data::Kind::Record);
  CHECK(e[5].offset == 840);
  CHECK(e[5].data.kind() == sim::Data::Kind::Sized);
  CHECK(e[5].data.size_bytes() == 16 * kMiB - 840);
  const auto records = n.disk().records<Rec>(seg);
  REQUIRE(records.size() == 4);
  CHECK(records[3].first == 640);
  CHECK(records[3].second.xid == 3);
}

TEST_CASE("records appended to a file read back in order, and a record written over in part is torn", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  b.run_for(0);
  struct Commit {
    int xid;
  };
  for (int xid = 1; xid <= 3; ++xid) CHECK(n.disk().append("/wal", sim::Data::record(100, Commit{xid})) == sim::FsError::Ok);
  auto records = n.disk().records<Commit>("/wal");
  REQUIRE(records.size() == 3);
  CHECK(records[1].first == 100);
  CHECK(records[1].second.xid == 2);
  CHECK(n.disk().write("/wal", 150, sim::Data::sized(10)) == sim::FsError::Ok);
  records = n.disk().records<Commit>("/wal");
  REQUIRE(records.size() == 2);
  CHECK(records[0].second.xid == 1);
  CHECK(records[1].second.xid == 3);
  CHECK(n.disk().size("/wal") == 300u);
  CHECK_FALSE(n.disk().read_file("/wal"));  // not stored as bytes
  CHECK(n.disk().extents("/wal", 140, 170).size() == 3);  // torn part, the write, torn part
}

TEST_CASE("a synced file keeps its synced records through a power loss, and loses the rest", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  auto& p = b.probe(n, "postgres");
  b.run_for(0);
  n.disk().root().config.fsync_latency = sim::Distribution::constant(1_ms);
  for (int lsn = 0; lsn < 5; ++lsn) n.disk().append("/wal", sim::Data::record(8192, lsn));
  FsyncProbe f;
  f.fsync(n, p, "/wal");
  b.run_for(2_ms);
  for (int lsn = 5; lsn < 8; ++lsn) n.disk().append("/wal", sim::Data::record(8192, lsn));
  n.disk().write("/wal", 8192, sim::Data::record(8192, 100));  // an unsynced rewrite of lsn 1
  n.crash();
  const auto records = n.disk().records<int>("/wal");
  REQUIRE(records.size() == 5);
  CHECK(records[1].second == 1);
  CHECK(records[4].second == 4);
  CHECK(n.disk().size("/wal") == 5u * 8192);
}

TEST_CASE("a power loss brings back the synced contents under unsynced writes, truncations and unlinks", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  auto& p = b.probe(n, "postgres");
  b.run_for(0);
  n.disk().root().config.fsync_latency = sim::Distribution::constant(1_ms);
  sim::Disk& d = n.disk();
  d.write("/wal", 0, sim::Data::sized(1000));  // zero-filled, as XLogFileInit leaves a segment
  for (int xid = 1; xid <= 3; ++xid) d.write("/wal", 100 * (xid - 1), sim::Data::record(100, xid));
  FsyncProbe f;
  f.fsync(n, p, "/wal");
  b.run_for(2_ms);
  const auto xids = [&] {
    std::vector<int> out;
    for (const auto& [off, xid] : d.records<int>("/wal")) out.push_back(xid);
    return out;
  };

  SECTION("a record written over in part is torn in the page cache and whole again after the loss") {
    d.write("/wal", 150, sim::Data::sized(10));
    CHECK(xids() == std::vector<int>{1, 3});
    n.crash();
    CHECK(xids() == std::vector<int>{1, 2, 3});
    CHECK(d.size("/wal") == 1000u);
  }
  SECTION("once that change is synced the torn record is what the device holds") {
    d.write("/wal", 150, sim::Data::sized(10));
    f.fsync(n, p, "/wal");
    b.run_for(2_ms);
    n.crash();
    CHECK(xids() == std::vector<int>{1, 3});
  }
  SECTION("records appended after the sync go, those before stay, the zeros after them too") {
    for (int xid = 4; xid <= 6; ++xid) d.write("/wal", 100 * (xid - 1), sim::Data::record(100, xid));
    n.crash();
    CHECK(xids() == std::vector<int>{1, 2, 3});
    std::uint64_t zeros = 0;  // in one extent or in several: they read the same
    for (const auto& e : d.extents("/wal", 300)) {
      CHECK(e.data.kind() == sim::Data::Kind::Sized);
      zeros += e.data.size_bytes();
    }
    CHECK(zeros == 700u);
    CHECK(d.root().used_bytes() == 1000u);
  }
  SECTION("a truncation through a record is undone, the record whole") {
    d.truncate("/wal", 150);
    CHECK(xids() == std::vector<int>{1});
    n.crash();
    CHECK(xids() == std::vector<int>{1, 2, 3});
    CHECK(d.size("/wal") == 1000u);
  }
  SECTION("a file removed with unsynced writes comes back as it was synced") {
    d.write("/wal", 300, sim::Data::record(100, 4));
    d.write("/wal", 0, sim::Data::record(100, 9));
    CHECK(d.remove("/wal") == sim::FsError::Ok);
    n.crash();
    CHECK(xids() == std::vector<int>{1, 2, 3});
    CHECK(d.size("/wal") == 1000u);
    CHECK(d.root().used_bytes() == 1000u);
  }
}

TEST_CASE("a rename is durable once the directory is synced, with the file's synced contents", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  auto& p = b.probe(n, "pg_autoctl");
  b.run_for(0);
  sim::Disk& d = n.disk();
  FsyncProbe f;
  d.write_file("/state/pg_autoctl.state", "old");
  f.fsync(n, p, "/state/pg_autoctl.state");
  b.run_for(1_s);
  // write a temporary, fsync it, rename it over the old one, fsync the directory
  d.write_file("/state/pg_autoctl.state.new", "new");
  f.fsync(n, p, "/state/pg_autoctl.state.new");
  b.run_for(1_s);
  CHECK(d.rename("/state/pg_autoctl.state.new", "/state/pg_autoctl.state") == sim::FsError::Ok);
  CHECK(d.read_file("/state/pg_autoctl.state") == "new");

  SECTION("without the directory fsync a power loss undoes the rename") {
    n.crash();
    CHECK(d.read_file("/state/pg_autoctl.state") == "old");
    CHECK(d.read_file("/state/pg_autoctl.state.new") == "new");
  }
  SECTION("with it the new contents stay, under the new name only") {
    d.fsync_directory("/state", p.owner(), [](sim::FsError) {});
    b.run_for(1_s);
    n.crash();
    CHECK(d.read_file("/state/pg_autoctl.state") == "new");
    CHECK_FALSE(d.exists("/state/pg_autoctl.state.new"));
  }
}

TEST_CASE("an unlink is undone by a power loss until it is durable", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  auto& p = b.probe(n, "postgres");
  b.run_for(0);
  sim::Disk& d = n.disk();
  d.write("/pg_wal/1", 0, sim::Data::sized(16 * kMiB));
  FsyncProbe f;
  f.fsync(n, p, "/pg_wal/1");
  b.run_for(1_s);
  CHECK(d.remove("/pg_wal/1") == sim::FsError::Ok);
  CHECK(d.root().used_bytes() == 0);
  CHECK(d.remove("/pg_wal/1") == sim::FsError::NotFound);
  n.crash();
  CHECK(d.size("/pg_wal/1") == 16 * kMiB);
  CHECK(d.root().used_bytes() == 16 * kMiB);
}

TEST_CASE("the root volume survives stop, start and restart, and a re-create empties it", "[disk]") {
  Bench b;
  auto& n = b.node("web");
  b.run_for(0);
  n.disk().write_file("/etc/app.conf", "v1");
  n.stop();
  b.run_for(1_s);
  REQUIRE_FALSE(n.up());
  n.start();
  b.run_for(1_s);
  n.restart();
  b.run_for(1_s);
  REQUIRE(n.up());
  CHECK(n.disk().read_file("/etc/app.conf") == "v1");
  const auto starts = n.starts();
  n.recreate();
  b.run_for(1_s);
  CHECK(n.up());
  CHECK(n.starts() == starts + 1);
  CHECK_FALSE(n.disk().exists("/etc/app.conf"));
  int recreates = 0;
  for (const auto& r : b.s.trace().records()) recreates += r.kind == "node_recreate" ? 1 : 0;
  CHECK(recreates == 1);
}

TEST_CASE("a named volume survives a re-create, synced or not", "[disk]") {
  Bench b;
  auto& n = b.node("pg1");
  b.run_for(0);
  n.disk().add_volume("pgdata", "/var/lib/postgresql/data", sim::VolumeKind::Named);
  n.disk().write_file("/var/lib/postgresql/data/PG_VERSION", "16\n");
  n.disk().write_file("/etc/postgresql/postgresql.conf", "wal_level = replica\n");
  n.recreate();
  b.run_for(1_s);
  CHECK(n.disk().read_file("/var/lib/postgresql/data/PG_VERSION") == "16\n");
  CHECK_FALSE(n.disk().exists("/etc/postgresql/postgresql.conf"));

  SECTION("a stopped container can be re-created too") {
    n.stop();
    b.run_for(1_s);
    n.disk().write_file("/etc/x", "1");  // e.g. docker cp into the stopped container
    n.recreate();
    CHECK_FALSE(n.disk().exists("/etc/x"));
    b.run_for(1_s);
    CHECK(n.up());
  }
}

TEST_CASE("a tmpfs mount loses its files when the container stops, and its fsync costs nothing", "[disk]") {
  Bench b;
  auto& n = b.node("lb");
  auto& p = b.probe(n, "keepalived");
  b.run_for(0);
  n.disk().add_volume("run", "/run", sim::VolumeKind::Tmpfs);
  n.disk().write_file("/run/keepalived.pid", "2\n");
  n.disk().write_file("/var/log/app.log", "x");
  FsyncProbe f;
  f.fsync(n, p, "/run/keepalived.pid");
  b.run_for(0);
  REQUIRE(f.done.size() == 1);
  CHECK(f.done[0].first == 0);
  n.kill();
  b.run_for(1_s);
  CHECK_FALSE(n.disk().exists("/run/keepalived.pid"));
  CHECK(n.disk().exists("/var/log/app.log"));
}

TEST_CASE("paths resolve to the volume mounted at their longest prefix, and rename across volumes is EXDEV", "[disk]") {
  Bench b;
  auto& n = b.node("pg1");
  sim::Disk& d = n.disk();
  auto& data = d.add_volume("pgdata", "/var/lib/postgresql/data", sim::VolumeKind::Named);
  auto& wal = d.add_volume("pgwal", "/var/lib/postgresql/data/pg_wal", sim::VolumeKind::Named);
  CHECK(&d.volume_for("/var/lib/postgresql/data/base/1") == &data);
  CHECK(&d.volume_for("/var/lib/postgresql/data/pg_wal/000000010000000000000001") == &wal);
  CHECK(&d.volume_for("/var/lib/postgresql/database") == &d.root());  // not a path below the mount
  CHECK(&d.volume_for("/") == &d.root());
  d.write_file("/var/lib/postgresql/data/x", "1");
  CHECK(d.rename("/var/lib/postgresql/data/x", "/var/lib/postgresql/data/pg_wal/x") == sim::FsError::CrossDevice);
  CHECK(d.rename("/nope", "/nope2") == sim::FsError::NotFound);
  CHECK_THROWS_AS(d.add_volume("again", "/var/lib/postgresql/data", sim::VolumeKind::Named), std::invalid_argument);
  CHECK_THROWS_AS(d.add_volume("rel", "run", sim::VolumeKind::Tmpfs), std::invalid_argument);
  CHECK(d.volume("pgwal") == &wal);
  CHECK(d.volume("nope") == nullptr);
}

TEST_CASE("a timed write lands after its latency, for its caller's incarnation only", "[disk]") {
  Bench b;
  auto& n = b.node("db");
  auto& p = b.probe(n, "postgres");
  b.run_for(0);
  n.disk().root().config.write_latency = sim::Distribution::constant(20_us);
  std::vector<sim::Time> done;
  n.disk().append("/wal", sim::Data::sized(8192), p.owner(), [&](sim::FsError e) {
    CHECK(e == sim::FsError::Ok);
    done.push_back(b.s.now());
  });
  b.run_for(19_us);
  CHECK_FALSE(n.disk().exists("/wal"));
  b.run_for(1_us);
  CHECK(done == std::vector<sim::Time>{20_us});
  CHECK(n.disk().size("/wal") == 8192u);
  n.disk().append("/wal", sim::Data::sized(8192), p.owner(), [&](sim::FsError) { done.push_back(b.s.now()); });
  p.kill();  // killed inside write(2): the write never happens
  b.run_for(1_ms);
  CHECK(done.size() == 1);
  CHECK(n.disk().size("/wal") == 8192u);
}

TEST_CASE("a path looked up again after a remove, a rename, a power loss or a new file set is looked up anew", "[disk]") {
  // The volume remembers the last name it found and the last path no file set held.
  Bench b;
  auto& n = b.node("db");
  b.run_for(0);
  sim::Disk& d = n.disk();
  d.write_file("/data/a", "1");
  CHECK(d.read_file("/data/a") == "1");
  d.remove("/data/a");
  CHECK_FALSE(d.exists("/data/a"));
  d.write_file("/data/b", "2");
  CHECK(d.exists("/data/b"));
  d.rename("/data/b", "/data/a");
  CHECK_FALSE(d.exists("/data/b"));
  CHECK(d.read_file("/data/a") == "2");
  n.crash();  // nothing was synced: neither file was ever durable
  CHECK_FALSE(d.exists("/data/a"));
  CHECK(d.write_files(sim::FileSet::make({{"/base/x", sim::Data::bytes("x")}})) == sim::FsError::Ok);
  CHECK_FALSE(d.exists("/data/c"));  // asked while a set is written and not yet made files
  CHECK(d.write_files(sim::FileSet::make({{"/data/c", sim::Data::bytes("3")}})) == sim::FsError::Ok);
  CHECK(d.read_file("/data/c") == "3");
}

TEST_CASE("list_tree walks a directory's files at every depth in name order, list only its own", "[disk]") {
  Bench b;
  auto& n = b.node("n1");
  auto& d = n.disk();
  for (const char* f : {"/data/b/2/x", "/data/a", "/data/b/1", "/database/other", "/elsewhere"}) d.write_file(f, "x");
  CHECK(d.list_tree("/data") == std::vector<std::string>{"/data/a", "/data/b/1", "/data/b/2/x"});
  CHECK(d.list("/data") == std::vector<std::string>{"/data/a"});
}

namespace {
/// A small set: two directories, a nested one, bytes and sized contents, an empty file.
std::shared_ptr<const sim::FileSet> small_set() {
  return sim::FileSet::make({{"/data/b/2/x", sim::Data::sized(8192)},
                             {"/data/a", sim::Data::bytes("15\n")},
                             {"/data/b/1", sim::Data::sized(100)},
                             {"/data/empty", sim::Data::bytes("")}});
}
/// What a caller can see of `dir`: every file's path and size, and the volume's used bytes.
std::vector<std::pair<std::string, std::uint64_t>> seen(const sim::Disk& d, const std::string& dir) {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const auto& p : d.list_tree(dir)) out.emplace_back(p, d.size(p).value_or(UINT64_MAX));
  out.emplace_back("used", d.volume_for(dir).used_bytes());
  return out;
}
}  // namespace

TEST_CASE("a file set reads back as its files written one by one would: listings, sizes, contents, space", "[disk]") {
  Bench b;
  auto& eager = b.node("n1").disk();
  auto& lazy = b.node("n2").disk();
  const auto set = small_set();
  CHECK(set->bytes == 8192 + 3 + 100);
  for (const auto& [path, data] : set->files) eager.volume_for(path).write(path, 0, data);
  REQUIRE(lazy.write_files(set) == sim::FsError::Ok);
  CHECK(lazy.root().used_bytes() == set->bytes);  // counted before anything looks
  CHECK(lazy.list("/data") == std::vector<std::string>{"/data/a", "/data/empty"});
  CHECK(seen(lazy, "/data") == seen(eager, "/data"));
  CHECK(lazy.read_file("/data/a") == "15\n");
  CHECK(lazy.size("/data/b/1") == 100u);
}

TEST_CASE("each file of a set is looked up, removed or renamed as a file of its own", "[disk]") {
  Bench b;
  auto& d = b.node("n1").disk();
  auto& other = b.node("n2").disk();
  const auto set = small_set();
  d.write_files(set);
  other.write_files(set);  // one description, two volumes
  CHECK(d.exists("/data/b/1"));
  REQUIRE(d.remove("/data/b/1") == sim::FsError::Ok);
  CHECK_FALSE(d.exists("/data/b/1"));
  REQUIRE(d.rename("/data/a", "/data/c") == sim::FsError::Ok);
  CHECK(d.list_tree("/data") == std::vector<std::string>{"/data/b/2/x", "/data/c", "/data/empty"});
  CHECK(d.root().used_bytes() == 8192 + 3);
  CHECK(other.list_tree("/data").size() == 4);  // the other volume's copy is untouched
}

TEST_CASE("a file set is written back by the flusher after dirty_expire, as its files would be", "[disk]") {
  Bench b;
  auto& early = b.node("n1");
  auto& late = b.node("n2");
  auto& walked = b.node("n3");
  b.run_for(0);
  for (auto* n : {&early, &late, &walked}) n->disk().write_files(small_set());
  CHECK(early.disk().root().dirty());
  b.run_for(10_s);
  CHECK(walked.disk().list_tree("/data").size() == 4);  // made files while still dirty
  early.crash();  // before the deadline: nothing of it was durable
  CHECK(early.disk().list_tree("/data").empty());
  CHECK(early.disk().root().used_bytes() == 0);
  b.run_for(20_s);
  CHECK_FALSE(late.disk().root().dirty());
  late.crash();
  walked.crash();
  CHECK(seen(late.disk(), "/data") == seen(walked.disk(), "/data"));
  CHECK(late.disk().list_tree("/data").size() == 4);
  CHECK(late.disk().read_file("/data/a") == "15\n");
}

TEST_CASE("syncing a set's directory makes its entries durable and not their contents", "[disk]") {
  Bench b;
  auto& n = b.node("n1");
  auto& p = b.probe(n, "postgres");
  b.run_for(0);
  n.disk().write_files(small_set());
  n.disk().fsync_directory("/data/b", p.owner(), [](sim::FsError) {});
  b.run_for(1_s);
  n.crash();
  CHECK(n.disk().list_tree("/data") == std::vector<std::string>{"/data/b/1"});
  CHECK(n.disk().size("/data/b/1") == 0u);  // the entry survived, its data did not
}

TEST_CASE("a file set that does not fit is written file by file: ENOSPC and one disk_full", "[disk]") {
  Bench b;
  auto& n = b.node("n1");
  b.run_for(0);
  n.disk().root().config.capacity_bytes = 8192 + 50;
  CHECK(n.disk().write_files(small_set()) == sim::FsError::NoSpace);
  CHECK(count_records(b.s, sim::kDiskFull) == 1);
  CHECK(n.disk().list_tree("/data").size() == 4);  // created, in name order, the last one left empty
  CHECK(n.disk().size("/data/b/1") == 100u);
  CHECK(n.disk().size("/data/b/2/x") == 0u);
}

TEST_CASE("an fsync whose latency its caller gives still takes the dirty bytes at the device's write rate", "[disk]") {
  // A committing backend's flush as the real runs timed it (runtime.commit_flush) stands for its
  // few hundred bytes; a WAL segment XLogFileInit just filled with zeros is 16 MiB more to write.
  Bench b;
  auto& n = b.node("db");
  auto& p = b.probe(n, "postgres");
  b.run_for(0);
  n.disk().root().config.write_rate_bytes_per_s = 512ull * kMiB;  // 16 MiB: 31.25 ms
  FsyncProbe f;
  auto flush_of = [&](const std::string& path, std::uint64_t bytes) {
    n.disk().append(path, sim::Data::sized(bytes));
    const sim::Time called = b.s.now();
    n.disk().fsync(path, p.owner(), [&f, &p](sim::FsError e) { f.done.emplace_back(p.sim().now(), e); }, 2_ms);
    b.run_for(1_s);
    return f.done.back().first - called;
  };
  CHECK(flush_of("/segment", 16 * kMiB) == 2_ms + 31'250_us);
  CHECK(flush_of("/segment", 512) == 2_ms + 953);  // 512 bytes at 512 MiB/s: 953 ns
  // No rate: the given latency alone, whatever is dirty.
  n.disk().root().config.write_rate_bytes_per_s = 0;
  CHECK(flush_of("/other", 16 * kMiB) == 2_ms);
}
