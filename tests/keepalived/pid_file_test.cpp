// keepalived 2.2.7's pid file on the node's disk: written at start, removed by a clean exit,
// left behind by SIGKILL, and checked with kill(pid, 0) at the next start.
#include <catch2/catch.hpp>

#include <string>

#include "models/keepalived/keepalived.hpp"
#include "sim/disk.hpp"
#include "sim/network.hpp"
#include "../support/dummy_process.hpp"
#include "../support/pkill.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

using namespace sim::literals;
namespace ka = models::keepalived;

namespace {

using Dummy = testing::DummyProcess;

/// One node running "haproxy" then keepalived, as demo1-part2's haproxy1 does.
struct Lb {
  sim::Simulation s{1};
  sim::Node* n;
  ka::Keepalived* k;

  Lb() {
    const auto seg = s.network().add_segment("ha-net", *sim::Subnet::parse("172.20.0.0/16"),
                                             sim::Distribution::constant(100_us));
    n = &s.add_node("haproxy1");
    s.network().attach(*n, seg, sim::Ipv4::parse("172.20.0.10"));
    n->start_delay = sim::Distribution::constant(100_ms);
    n->add_process<Dummy>("haproxy").start_delay = sim::Distribution::constant(10_ms);
    ka::KeepalivedConfig c;
    ka::VrrpInstanceConfig i;
    i.name = "VI_1";
    i.state = "MASTER";
    i.priority = 100;
    i.virtual_ipaddress = {"172.20.0.100/16"};
    c.instances.push_back(i);
    k = &n->add_process<ka::Keepalived>(c);
    k->start_delay = sim::Distribution::constant(20_ms);
    n->start();
  }
  sim::Disk& disk() { return n->disk(); }
  std::optional<std::string> pid_file() { return disk().read_file(ka::Keepalived::kPidFile); }
  void run_for(sim::Time t) { s.run_until(s.now() + t); }
  int refusals() {
    int k = 0;
    for (const auto& r : s.trace().records()) k += r.kind == "daemon_refused" ? 1 : 0;
    return k;
  }
};

}  // namespace

TEST_CASE("keepalived writes its PID to /run/keepalived.pid on the root volume", "[keepalived][disk]") {
  Lb lb;
  lb.run_for(1_s);
  REQUIRE(lb.k->running());
  CHECK(lb.k->pid() == 3);  // after the entrypoint (1) and haproxy (2)
  CHECK(lb.pid_file() == "3\n");
  CHECK(&lb.disk().volume_for(ka::Keepalived::kPidFile) == &lb.disk().root());
}

TEST_CASE("a clean stop removes the pid file at the end, a SIGKILL leaves it", "[keepalived][disk]") {
  Lb lb;
  lb.run_for(1_s);
  lb.k->stop();
  lb.run_for(500_ms);  // keepalived takes about a second to stop
  CHECK(lb.pid_file() == "3\n");
  lb.run_for(1_s);
  CHECK(lb.k->state() == sim::ProcessState::Stopped);
  CHECK_FALSE(lb.pid_file());

  lb.k->start();
  lb.run_for(1_s);
  CHECK(lb.pid_file() == "5\n");  // 4 was the first VRRP child's
  lb.k->stop();
  lb.run_for(500_ms);
  testing::pkill_kill(*lb.n, "keepalived");  // SIGKILL before the clean exit
  CHECK(lb.pid_file() == "5\n");
}

TEST_CASE("after docker kill and start keepalived finds its own PID in the stale pid file and exits", "[keepalived][disk]") {
  Lb lb;
  lb.run_for(1_s);
  lb.n->kill();
  lb.run_for(1_s);
  lb.n->start();
  lb.run_for(1_s);
  CHECK(lb.refusals() == 1);
  CHECK(lb.k->state() == sim::ProcessState::Stopped);
  CHECK(lb.pid_file() == "3\n");  // not removed: it named a live process (itself)

  SECTION("started again in the same container, the VRRP child's stale pid file is checked too") {
    // PID 4 was the old VRRP child's (/run/vrrp.pid) and is now the new parent's own: refused
    // again; the main file's 3 is dead by then and goes as a zombie. The next start is PID 5:
    // both files are zombies, removed, and keepalived runs.
    lb.k->start();
    lb.run_for(1_s);
    CHECK(lb.refusals() == 2);
    CHECK_FALSE(lb.pid_file());
    CHECK(lb.disk().read_file(ka::VrrpChild::kPidFile) == "4\n");
    lb.k->start();
    lb.run_for(1_s);
    CHECK(lb.refusals() == 2);
    CHECK(lb.k->running());
    CHECK(lb.pid_file() == "5\n");
    CHECK(lb.disk().read_file(ka::VrrpChild::kPidFile) == "6\n");
  }
  SECTION("a re-created container has a new writable layer and no pid file") {
    lb.n->recreate();
    lb.run_for(1_s);
    CHECK(lb.refusals() == 1);
    CHECK(lb.k->running());
    CHECK(lb.pid_file() == "3\n");
  }
}

TEST_CASE("keepalived killed alone restarts fine: its old PID is not reused in the running container", "[keepalived][disk]") {
  Lb lb;
  lb.run_for(1_s);
  testing::pkill_kill(*lb.n, "keepalived");
  lb.k->start();
  lb.run_for(1_s);
  CHECK(lb.refusals() == 0);
  CHECK(lb.pid_file() == "5\n");  // the parent was 3, its VRRP child 4
}

TEST_CASE("a keepalived restarted in place and then killed with its container starts: the stale PID is no one's",
          "[keepalived][disk]") {
  Lb lb;
  lb.run_for(1_s);
  testing::pkill_kill(*lb.n, "keepalived");
  lb.k->start();
  lb.run_for(1_s);
  REQUIRE(lb.pid_file() == "5\n");
  lb.n->kill();
  lb.run_for(1_s);
  lb.n->start();
  lb.run_for(1_s);
  CHECK(lb.refusals() == 0);
  CHECK(lb.k->running());
  CHECK(lb.pid_file() == "3\n");
}

TEST_CASE("a host crash takes the unsynced pid file, unless the kernel wrote it back first", "[keepalived][disk]") {
  Lb lb;
  SECTION("crash within dirty_expire: the file is gone, keepalived starts") {
    lb.run_for(10_s);
    lb.n->crash();
    lb.run_for(1_s);
    lb.n->start();
    lb.run_for(1_s);
    CHECK(lb.refusals() == 0);
    CHECK(lb.k->running());
  }
  SECTION("crash after dirty_expire: the file survived and names keepalived's reused PID") {
    lb.run_for(40_s);
    lb.n->crash();
    lb.run_for(1_s);
    lb.n->start();
    lb.run_for(1_s);
    CHECK(lb.refusals() == 1);
  }
}

TEST_CASE("with /run on a tmpfs, docker kill and start take the pid file with them", "[keepalived][disk]") {
  Lb lb;
  lb.disk().add_volume("run", "/run", sim::VolumeKind::Tmpfs);
  lb.run_for(1_s);
  CHECK(&lb.disk().volume_for(ka::Keepalived::kPidFile) != &lb.disk().root());
  REQUIRE(lb.pid_file() == "3\n");
  lb.n->kill();
  lb.run_for(1_s);
  lb.n->start();
  lb.run_for(1_s);
  CHECK(lb.refusals() == 0);
  CHECK(lb.k->running());
}

TEST_CASE("an unreadable pid file counts as a running daemon once, and is removed", "[keepalived][disk]") {
  Lb lb;
  lb.disk().write_file(ka::Keepalived::kPidFile, "");  // e.g. left empty by a full disk
  lb.run_for(1_s);
  CHECK(lb.refusals() == 1);
  CHECK_FALSE(lb.pid_file());
  lb.k->start();
  lb.run_for(1_s);
  CHECK(lb.k->running());
}
