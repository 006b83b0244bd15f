#include <catch2/catch.hpp>

#include <optional>
#include <vector>

#include "../support/sim_fixture.hpp"

using namespace sim::literals;
using testing::Bench;
using testing::kLatency;
using testing::Probe;

namespace {
struct Outcome {
  sim::ConnectResult result;
  sim::Time at;
  sim::ConnId conn;
};

struct Pair {
  Bench b;
  sim::Node& srv = b.node("srv");
  sim::Node& cli = b.node("cli");
  Probe& client = b.probe(cli, "client");
  std::optional<Outcome> outcome;

  Pair() { b.run_until(1_s); }
  void connect(sim::Ipv4 ip, sim::Time timeout) {
    b.s.tcp().connect(client, ip, 80, timeout, [this](sim::ConnectResult r, sim::ConnId c) {
      REQUIRE_FALSE(outcome.has_value());  // exactly once
      outcome = Outcome{r, b.s.now(), c};
    });
  }
};
}  // namespace

TEST_CASE("connecting to a port nobody listens on is refused after one round trip", "[tcp]") {
  Pair p;
  p.connect(p.b.ip("srv"), 5_s);
  p.b.run_until(20_s);
  REQUIRE(p.outcome);
  CHECK(p.outcome->result == sim::ConnectResult::Refused);
  CHECK(p.outcome->at == 1_s + 2 * kLatency);
}

TEST_CASE("connecting to a listener succeeds after one round trip", "[tcp]") {
  Pair p;
  Probe& server = p.b.probe(p.srv, "server", 80);
  p.b.run_until(2_s);
  p.connect(p.b.ip("srv"), 5_s);
  p.b.run_until(20_s);
  REQUIRE(p.outcome);
  CHECK(p.outcome->result == sim::ConnectResult::Connected);
  CHECK(p.outcome->at == 2_s + 2 * kLatency);
  CHECK(server.accepted_at == std::vector<sim::Time>{2_s + kLatency});
  CHECK(p.b.s.tcp().server_of(p.outcome->conn) == &server);
}

TEST_CASE("connecting across a cut path times out after the connect timeout", "[tcp]") {
  Pair p;
  p.b.probe(p.srv, "server", 80);
  p.b.run_until(2_s);
  p.b.s.network().disconnect(p.srv.id());
  p.connect(p.b.ip("srv"), 7_s);
  p.b.run_until(20_s);
  REQUIRE(p.outcome);
  CHECK(p.outcome->result == sim::ConnectResult::Timeout);
  CHECK(p.outcome->at == 9_s);
}

TEST_CASE("connecting to an address nobody has fails as unreachable once ARP gives up", "[tcp]") {
  Pair p;
  REQUIRE(p.b.s.network().arp_failure_delay == 3_s);
  p.connect(*sim::Ipv4::parse("10.0.0.99"), 10_s);
  p.b.run_until(20_s);
  REQUIRE(p.outcome);
  CHECK(p.outcome->result == sim::ConnectResult::Unreachable);
  CHECK(p.outcome->at == 4_s);
}

TEST_CASE("connecting to an address nobody has times out first when the timeout is shorter than ARP", "[tcp]") {
  Pair p;
  p.connect(*sim::Ipv4::parse("10.0.0.99"), 2_s);
  p.b.run_until(20_s);
  REQUIRE(p.outcome);
  CHECK(p.outcome->result == sim::ConnectResult::Timeout);
  CHECK(p.outcome->at == 3_s);
}

TEST_CASE("the address of a stopped container is unreachable like any unused one", "[tcp]") {
  Pair p;
  const sim::Ipv4 ip = p.b.ip("srv");
  p.srv.stop();
  p.b.run_until(2_s);
  REQUIRE_FALSE(p.srv.up());
  p.connect(ip, 10_s);
  p.b.run_until(20_s);
  REQUIRE(p.outcome);
  CHECK(p.outcome->result == sim::ConnectResult::Unreachable);
  CHECK(p.outcome->at == 5_s);
}

TEST_CASE("a frozen listener's kernel completes the handshake, but it accepts and serves only after thaw",
          "[tcp]") {
  Pair p;
  Probe& server = p.b.probe(p.srv, "server", 80);
  p.b.run_until(2_s);
  server.freeze();
  p.connect(p.b.ip("srv"), 5_s);
  p.b.run_until(3_s);
  REQUIRE(p.outcome);
  CHECK(p.outcome->result == sim::ConnectResult::Connected);
  CHECK(p.outcome->at == 2_s + 2 * kLatency);
  CHECK(server.accepted_at.empty());
  std::vector<sim::Time> served;
  p.b.s.tcp().send(p.outcome->conn, p.client, [&] { served.push_back(p.b.s.now()); });
  p.b.run_until(6_s);
  CHECK(served.empty());
  server.thaw();
  p.b.run_until(7_s);
  CHECK(server.accepted_at == std::vector<sim::Time>{6_s});
  CHECK(served == std::vector<sim::Time>{6_s});
}

TEST_CASE("a stopped container refuses connections until its teardown delay removes its address", "[tcp]") {
  // Between the last process exiting and the engine removing the namespace the address still
  // answers, with RST; afterwards a SYN to it is lost until the connect timeout.
  Pair p;
  auto& server = p.b.probe(p.srv, "server");
  server.listen_port = 80;
  p.b.run_until(2_s);
  p.srv.teardown_delay = sim::Distribution::constant(500_ms);
  const sim::Ipv4 ip = p.b.ip("srv");
  p.connect(ip, 5_s);  // a first connection, so the client knows the address (neighbour cache)
  p.b.run_until(3_s);
  REQUIRE(p.outcome->result == sim::ConnectResult::Connected);
  p.outcome.reset();
  p.srv.stop();
  p.b.run_until(3_s + 100_ms);
  CHECK(p.srv.up());
  p.connect(ip, 5_s);
  p.b.run_until(3_s + 200_ms);
  REQUIRE(p.outcome.has_value());
  CHECK(p.outcome->result == sim::ConnectResult::Refused);
  p.b.run_until(3_s + 500_ms);
  CHECK_FALSE(p.srv.up());
  p.outcome.reset();
  p.connect(ip, 2_s);
  p.b.run_until(6_s);
  REQUIRE(p.outcome.has_value());
  CHECK(p.outcome->result == sim::ConnectResult::Timeout);
  CHECK(p.outcome->at == 3_s + 500_ms + 2_s);
}
