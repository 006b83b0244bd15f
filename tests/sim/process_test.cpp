#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../support/sim_fixture.hpp"

using namespace sim::literals;
using testing::Bench;
using testing::kLatency;
using testing::Probe;
using Log = std::vector<std::string>;

namespace {
std::string at(const std::string& what, sim::Time t) { return what + "@" + std::to_string(t); }
}  // namespace

TEST_CASE("a process runs after its node's and its own start-up delays", "[process]") {
  Bench b;
  auto& n = b.node("n", std::nullopt, /*start=*/false);
  n.start_delay = sim::Distribution::constant(100_ms);
  auto& p = b.probe(n, "p");
  p.start_delay = sim::Distribution::constant(250_ms);
  n.start();
  b.run_until(99_ms);
  CHECK_FALSE(n.up());
  CHECK(p.state() == sim::ProcessState::Stopped);
  b.run_until(200_ms);
  CHECK(n.up());
  CHECK(p.state() == sim::ProcessState::Starting);
  CHECK_FALSE(p.running());
  b.run_until(350_ms);
  CHECK(p.state() == sim::ProcessState::Running);
  CHECK(p.log == Log{at("start", 350_ms)});
}

TEST_CASE("SIGTERM runs the handler at once and the process exits after its stop delay", "[process]") {
  Bench b;
  auto& n = b.node("n");
  auto& p = b.probe(n, "p");
  p.stop_delay = sim::Distribution::constant(2_s);
  b.run_until(1_s);
  p.stop();
  b.run_until(3_s - 1);
  CHECK(p.state() == sim::ProcessState::Stopping);
  CHECK(p.running());
  b.run_until(3_s);
  CHECK(p.state() == sim::ProcessState::Stopped);
  CHECK(p.incarnation() == 1);
  CHECK(p.log == Log{at("start", 0), at("sigterm", 1_s), at("exit", 3_s)});
}

TEST_CASE("a killed process never sees the timers it had armed, its next run sees its own", "[process]") {
  Bench b;
  auto& n = b.node("n");
  auto& p = b.probe(n, "p");
  b.run_until(0);
  p.timer(5_s, "old");
  b.run_until(1_s);
  p.kill();
  p.start();
  p.timer(2_s, "new");
  b.run_until(10_s);
  CHECK(p.log == Log{at("start", 0), at("exit", 1_s), at("start", 1_s), at("timer:new", 3_s)});
}

TEST_CASE("a frozen process's timers wait until it thaws, then run in order", "[process]") {
  Bench b;
  auto& n = b.node("n");
  auto& p = b.probe(n, "p");
  b.run_until(0);
  p.timer(2_s, "a");
  p.timer(3_s, "b");
  p.timer(8_s, "c");
  b.run_until(1_s);
  p.freeze();
  CHECK(p.frozen());
  b.run_until(4_s);
  CHECK(p.log == Log{at("start", 0)});
  p.thaw();
  b.run_until(10_s);
  CHECK(p.log == Log{at("start", 0), at("timer:a", 4_s), at("timer:b", 4_s), at("timer:c", 8_s)});
}

TEST_CASE("a paused node freezes its processes and a stop first unpauses them", "[process]") {
  Bench b;
  auto& n = b.node("n");
  auto& p = b.probe(n, "p");
  p.stop_delay = sim::Distribution::constant(1_s);
  b.run_until(1_s);
  n.pause();
  CHECK(p.frozen());
  b.run_until(2_s);
  n.stop();
  CHECK_FALSE(p.frozen());
  b.run_until(3_s);
  CHECK_FALSE(n.up());
  CHECK(p.log == Log{at("start", 0), at("sigterm", 2_s), at("exit", 3_s)});
}

TEST_CASE("docker stop waits for every process to exit, then takes the node down", "[process]") {
  Bench b;
  auto& n = b.node("n");
  auto& fast = b.probe(n, "fast");
  auto& slow = b.probe(n, "slow");
  fast.stop_delay = sim::Distribution::constant(1_s);
  slow.stop_delay = sim::Distribution::constant(3_s);
  b.run_until(1_s);
  n.stop();
  b.run_until(2_s);
  CHECK(fast.state() == sim::ProcessState::Stopped);
  CHECK(slow.state() == sim::ProcessState::Stopping);
  CHECK(n.up());
  b.run_until(4_s - 1);
  CHECK(n.up());
  b.run_until(4_s);
  CHECK_FALSE(n.up());
  CHECK(slow.log == Log{at("start", 0), at("sigterm", 1_s), at("exit", 4_s)});
}

TEST_CASE("docker stop SIGKILLs a process still running after stop_timeout", "[process]") {
  Bench b;
  auto& n = b.node("n");
  n.stop_timeout = 10_s;
  auto& p = b.probe(n, "p");
  p.stop_delay = sim::Distribution::constant(30_s);
  b.run_until(1_s);
  n.stop();
  b.run_until(11_s - 1);
  CHECK(n.up());
  CHECK(p.state() == sim::ProcessState::Stopping);
  b.run_until(11_s);
  CHECK_FALSE(n.up());
  CHECK(p.state() == sim::ProcessState::Stopped);
  b.run_until(60_s);  // the graceful exit it had scheduled never happens
  CHECK(p.log == Log{at("start", 0), at("sigterm", 1_s), at("exit", 11_s)});
}

TEST_CASE("docker stop of a node whose processes have all exited takes it down at once", "[process]") {
  Bench b;
  auto& n = b.node("n");
  auto& p = b.probe(n, "p");
  b.run_until(1_s);
  p.kill();
  n.stop();
  CHECK_FALSE(n.up());
}

namespace {
/// Server on node "srv" listening on :80, client on "cli" connected to it with a reset handler.
struct Connected {
  Bench b;
  sim::Node& srv = b.node("srv");
  sim::Node& cli = b.node("cli");
  Probe& server = b.probe(srv, "server", 80);
  Probe& client = b.probe(cli, "client");
  sim::ConnId conn = 0;
  std::vector<sim::Time> resets;
  std::vector<sim::Time> closes;  // the peer's FIN read (EOF)

  Connected() {
    b.run_until(1_s);
    b.s.tcp().connect(client, b.ip("srv"), 80, 5_s, [this](sim::ConnectResult r, sim::ConnId c) {
      REQUIRE(r == sim::ConnectResult::Connected);
      conn = c;
      b.s.tcp().on_reset(c, client, [this] { resets.push_back(b.s.now()); });
      b.s.tcp().on_close(c, client, [this] { closes.push_back(b.s.now()); });
    });
    b.run_until(2_s);
    REQUIRE(conn != 0);
    REQUIRE(b.s.tcp().open(conn));
  }
};
}  // namespace

// The kernel closes a dead process's sockets as close(2) would (net/ipv4/tcp.c, __tcp_close):
// a FIN when nothing sat unread, an RST when the receive buffer held data.
TEST_CASE("docker kill closes the peers' connections with a FIN that leaves before the node goes", "[process][tcp]") {
  Connected c;
  c.srv.kill();
  c.b.run_until(3_s);
  CHECK(c.closes == std::vector<sim::Time>{2_s + kLatency});
  CHECK(c.resets.empty());
  CHECK_FALSE(c.b.s.tcp().open(c.conn));
}

TEST_CASE("a killed process (node up) with nothing unread closes its peers' connections with a FIN", "[process][tcp]") {
  Connected c;
  c.server.kill();
  c.b.run_until(3_s);
  CHECK(c.closes == std::vector<sim::Time>{2_s + kLatency});
  CHECK(c.resets.empty());
}

TEST_CASE("a killed process with unread data resets its peers' connections", "[process][tcp]") {
  Connected c;
  c.server.freeze();  // the request lands in its receive buffer, unread
  c.b.s.tcp().send(c.conn, c.client, [] {}, 100);
  c.b.run_until(2_s + 1_ms);
  REQUIRE(c.b.s.tcp().unread_bytes(c.conn, c.server) == 100);
  c.server.kill();
  c.b.run_until(3_s);
  CHECK(c.resets == std::vector<sim::Time>{2_s + 1_ms + kLatency});
  CHECK(c.closes.empty());
}

TEST_CASE("a host crash gives its peers no RST: their connections just go silent", "[process][tcp]") {
  Connected c;
  c.srv.crash();
  c.b.run_until(30_s);
  CHECK(c.resets.empty());
  CHECK(c.server.state() == sim::ProcessState::Stopped);
  CHECK_FALSE(c.srv.up());
}

TEST_CASE("a second docker start while the first is in progress does not bring a killed node back", "[process]") {
  Bench b;
  auto& n = b.node("n", std::nullopt, /*start=*/false);
  n.start_delay = sim::Distribution::constant(1_s);
  n.start();
  b.run_until(500_ms);
  n.start();  // still starting: nothing more to do
  b.run_until(1_s);
  REQUIRE(n.up());
  b.run_until(1200_ms);
  n.kill();
  b.run_until(3_s);
  CHECK_FALSE(n.up());
  CHECK(n.starts() == 1);
  n.start();  // a start after the kill works as usual
  b.run_until(4_s);
  CHECK(n.up());
  CHECK(n.starts() == 2);
}

TEST_CASE("docker restart stops the processes, then starts node and processes again", "[process]") {
  Bench b;
  auto& n = b.node("n");
  auto& p = b.probe(n, "p");
  p.stop_delay = sim::Distribution::constant(2_s);
  b.run_until(1_s);
  n.restart();
  b.run_until(2_s);
  CHECK(n.up());  // waiting for p to exit
  b.run_until(3_s);
  CHECK(n.up());
  CHECK(n.starts() == 2);
  CHECK(p.state() == sim::ProcessState::Running);
  CHECK(p.log == Log{at("start", 0), at("sigterm", 1_s), at("exit", 3_s), at("start", 3_s)});
}

TEST_CASE("killing a frozen process drops the timers that fell due while it was frozen", "[process]") {
  Bench b;
  auto& n = b.node("n");
  auto& p = b.probe(n, "p");
  b.run_until(0);
  p.timer(2_s, "stale");
  b.run_until(1_s);
  p.freeze();
  b.run_until(3_s);  // "stale" fell due at 2s and waits for a thaw
  p.kill();
  CHECK_FALSE(p.frozen());  // the next incarnation starts unfrozen
  p.start();
  p.timer(1_s, "fresh");
  b.run_until(10_s);
  CHECK(p.log == Log{at("start", 0), at("exit", 3_s), at("start", 3_s), at("timer:fresh", 4_s)});
}

TEST_CASE("each container start hands out PIDs again from 2 in exec order, and a restart in place takes the next", "[process]") {
  Bench b;
  auto& n = b.node("n");
  auto& a = b.probe(n, "a");
  auto& c = b.probe(n, "c");
  b.run_for(0);
  CHECK(a.pid() == 2);  // PID 1 is the container's entrypoint
  CHECK(c.pid() == 3);
  CHECK(n.pid_alive(1));
  CHECK(n.pid_alive(3));
  CHECK_FALSE(n.pid_alive(4));
  a.kill();
  CHECK(a.pid() == 0);
  CHECK_FALSE(n.pid_alive(2));
  a.start();
  CHECK(a.pid() == 4);  // a new exec in the same namespace
  n.kill();
  b.run_for(1_s);
  CHECK_FALSE(n.pid_alive(1));
  n.start();
  b.run_for(1_s);
  CHECK(a.pid() == 2);  // a new namespace: the same order gives the same PIDs
  CHECK(c.pid() == 3);
}
