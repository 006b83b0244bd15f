#include <catch2/catch.hpp>

#include <any>
#include <string>
#include <vector>

#include "../support/sim_fixture.hpp"

using namespace sim::literals;
using testing::Bench;
using testing::kLatency;
using testing::Probe;

TEST_CASE("nodes on one bridge reach each other once up, and not while down", "[network]") {
  Bench b;
  b.node("a");
  b.node("c", std::nullopt, /*start=*/false);
  b.node("d");
  REQUIRE_FALSE(b.open("a", "d"));  // nothing has come up yet
  b.run_for(0);
  CHECK(b.open("a", "d"));
  CHECK(b.open("d", "a"));
  CHECK_FALSE(b.open("a", "c"));
  CHECK_FALSE(b.open("c", "a"));
  CHECK(b.ip("a").str() == "10.0.0.2");  // .1 is the bridge's gateway
  CHECK(b.ip("c").str() == "10.0.0.3");
  CHECK(b.ip("d").str() == "10.0.0.4");
}

TEST_CASE("a disconnected node is cut off until it is connected again", "[network]") {
  Bench b;
  b.node("a");
  b.node("d");
  b.run_for(0);
  b.s.network().disconnect(b.id("d"));
  CHECK_FALSE(b.open("a", "d"));
  CHECK_FALSE(b.open("d", "a"));
  b.s.network().connect(b.id("d"));
  CHECK(b.open("a", "d"));
  CHECK(b.open("d", "a"));
}

TEST_CASE("a partition cuts every pair across groups both ways, keeps groups whole, and heals", "[network]") {
  Bench b;
  for (auto n : {"a", "c", "d", "e"}) b.node(n);
  b.run_for(0);
  auto& net = b.s.network();
  const int id = net.partition({{b.id("a")}, {b.id("c"), b.id("d")}});
  CHECK_FALSE(b.open("a", "c"));
  CHECK_FALSE(b.open("c", "a"));
  CHECK_FALSE(b.open("a", "d"));
  CHECK_FALSE(b.open("d", "a"));
  CHECK(b.open("c", "d"));  // same group
  CHECK(b.open("e", "a"));  // in no group: talks to everyone
  CHECK(b.open("e", "c"));
  net.remove_rule(id);
  CHECK(b.open("a", "c"));
  CHECK(b.open("d", "a"));
  net.partition({{b.id("a")}, {b.id("c")}});
  CHECK_FALSE(b.open("a", "c"));
  net.heal_all();
  CHECK(b.open("a", "c"));
}

TEST_CASE("a one-way drop cuts only its direction", "[network]") {
  Bench b;
  b.node("a");
  b.node("c");
  b.run_for(0);
  const int id = b.s.network().add_drop({b.id("a")}, {b.id("c")}, sim::kAnyProto, /*both_ways=*/false);
  CHECK_FALSE(b.open("a", "c"));
  CHECK(b.open("c", "a"));
  b.s.network().remove_rule(id);
  CHECK(b.open("a", "c"));
}

TEST_CASE("a drop filtered on vrrp stops vrrp both ways while tcp still passes", "[network]") {
  Bench b;
  b.node("a");
  b.node("c");
  b.run_for(0);
  b.s.network().add_drop({b.id("a")}, {b.id("c")}, sim::proto_from_name("vrrp"), /*both_ways=*/true);
  CHECK_FALSE(b.open("a", "c", sim::kVrrp));
  CHECK_FALSE(b.open("c", "a", sim::kVrrp));
  CHECK(b.open("a", "c", sim::kTcp));
  CHECK(b.open("c", "a", sim::kTcp));
  CHECK(b.open("a", "c", sim::kArp));
}

TEST_CASE("a host on two bridges does not forward between them, but a router does", "[network]") {
  Bench b;
  auto& net = b.s.network();
  const auto lan2 = net.add_segment("lan2", *sim::Subnet::parse("10.1.0.0/24"), sim::Distribution::constant(kLatency));
  b.node("x");                                  // on lan
  auto& y = b.s.add_node("y");                  // on lan2
  y.start_delay = sim::Distribution::constant(0);
  net.attach(y, lan2, std::nullopt);
  y.start();
  auto& h = b.s.add_node("h");                  // a plain host on both
  h.start_delay = sim::Distribution::constant(0);
  net.attach(h, b.lan, std::nullopt);
  net.attach(h, lan2, std::nullopt);
  h.start();
  b.run_for(0);
  CHECK(b.open("x", "h"));
  CHECK(b.open("y", "h"));
  CHECK_FALSE(b.open("x", "y"));
  CHECK_FALSE(b.open("y", "x"));

  net.set_router(h.id(), true);
  CHECK(b.open("x", "y"));
  CHECK(b.open("y", "x"));
  h.kill();  // a router that is down forwards nothing
  CHECK_FALSE(b.open("x", "y"));
}

TEST_CASE("a packet takes the bridge latency plus any added delay", "[network]") {
  Bench b;
  b.node("a");
  b.node("c");
  b.run_for(1_s);
  auto& net = b.s.network();
  std::vector<sim::Time> arrived;
  REQUIRE(net.send(b.id("a"), b.id("c"), sim::kTcp, [&] { arrived.push_back(b.s.now()); }));
  b.run_for(1_s);
  net.set_extra_delay(b.id("c"), sim::Distribution::constant(200_ms));
  REQUIRE(net.send(b.id("a"), b.id("c"), sim::kTcp, [&] { arrived.push_back(b.s.now()); }));
  b.run_for(1_s);
  net.set_extra_delay(b.id("c"), std::nullopt);
  REQUIRE(net.send(b.id("a"), b.id("c"), sim::kTcp, [&] { arrived.push_back(b.s.now()); }));
  b.run_for(1_s);
  REQUIRE(arrived == std::vector<sim::Time>{1_s + kLatency, 2_s + 200_ms + kLatency, 3_s + kLatency});
}

TEST_CASE("loss drops about its share of packets, all of them at 1, none once removed", "[network]") {
  Bench b;
  b.node("a");
  b.node("c");
  b.run_for(0);
  auto& net = b.s.network();
  int delivered = 0;
  auto burst = [&](int n) {
    int sent = 0;
    for (int i = 0; i < n; ++i) sent += net.send(b.id("a"), b.id("c"), sim::kUdp, [&] { ++delivered; }) ? 1 : 0;
    b.run_for(1_s);
    return sent;
  };
  net.set_loss(b.id("c"), 1.0);
  CHECK(burst(100) == 0);
  net.set_loss(b.id("c"), 0.3);
  const int sent = burst(2000);
  CHECK(sent > 1300);  // expected 1400, sd ~20
  CHECK(sent < 1500);
  CHECK(delivered == sent);
  net.set_loss(b.id("c"), 0.0);
  delivered = 0;
  CHECK(burst(100) == 100);
  CHECK(delivered == 100);
}

TEST_CASE("a restarted node with a dynamic address comes back with a new one, a fixed one keeps it", "[network]") {
  Bench b;
  auto& dyn = b.node("dyn");
  auto& fixed = b.node("fixed");
  dyn.dynamic_address = true;
  b.run_for(1_s);
  REQUIRE(b.ip("dyn").str() == "10.0.0.2");
  REQUIRE(b.ip("fixed").str() == "10.0.0.3");
  dyn.restart();
  fixed.restart();
  b.run_for(1_s);
  REQUIRE(dyn.up());
  REQUIRE(dyn.starts() == 2);
  CHECK(b.ip("dyn").str() == "10.0.0.4");
  CHECK(b.ip("fixed").str() == "10.0.0.3");
}

TEST_CASE("packets in flight to a node that restarts are lost with its old incarnation", "[network]") {
  Bench b;
  auto& c = b.node("c");
  b.node("a");
  b.run_for(1_s);
  auto& net = b.s.network();
  int old_arrived = 0, new_arrived = 0;
  REQUIRE(net.send(b.id("a"), b.id("c"), sim::kTcp, [&] { ++old_arrived; }));
  b.run_for(kLatency / 2);
  c.kill();
  c.start();  // back within the same instant (no start delay)
  b.run_for(0);
  REQUIRE(c.up());
  REQUIRE(net.send(b.id("a"), b.id("c"), sim::kTcp, [&] { ++new_arrived; }));
  b.run_for(1_s);
  CHECK(old_arrived == 0);
  CHECK(new_arrived == 1);
}

TEST_CASE("rules stay apart however many there are: a partition never swallows a later drop", "[network]") {
  Bench b;
  for (auto n : {"a", "c", "d", "e", "x", "y"}) b.node(n);
  b.run_for(0);
  auto& net = b.s.network();
  const int p = net.partition({{b.id("a")}, {b.id("c")}});
  std::vector<int> filler;
  for (int i = 0; i < 998; ++i) filler.push_back(net.add_drop({b.id("x")}, {b.id("y")}, sim::kIcmp, false));
  const int d = net.add_drop({b.id("d")}, {b.id("e")}, sim::kTcp, false);
  REQUIRE(d == 1000);  // the id a partition's first sub-rule once used
  CHECK_FALSE(b.open("d", "e"));
  net.remove_rule(p);
  CHECK(b.open("a", "c"));
  CHECK_FALSE(b.open("d", "e"));
  net.remove_rule(d);
  CHECK(b.open("d", "e"));
  CHECK_FALSE(b.open("x", "y", sim::kIcmp));
  for (int id : filler) net.remove_rule(id);
  CHECK(b.open("x", "y", sim::kIcmp));
}

TEST_CASE("dynamic addresses wrap around inside the subnet and never take a used one", "[network]") {
  sim::Simulation s(1);
  auto& net = s.network();
  const auto seg = net.add_segment("small", *sim::Subnet::parse("10.9.0.0/29"), sim::Distribution::constant(1_us));
  // Host numbers .2 .. .6 (.1 gateway, .7 broadcast).
  auto add = [&](const std::string& name, std::optional<std::string> ip) -> sim::Node& {
    sim::Node& n = s.add_node(name);
    n.start_delay = sim::Distribution::constant(0);
    net.attach(n, seg, ip ? sim::Ipv4::parse(*ip) : std::nullopt);
    n.start();
    return n;
  };
  add("fixed", std::string("10.9.0.4"));
  auto& dyn = add("dyn", std::nullopt);
  dyn.dynamic_address = true;
  s.run_until(1_s);
  std::vector<std::string> seen{net.address_of(dyn.id())->str()};
  for (int i = 0; i < 6; ++i) {
    dyn.restart();
    s.run_until(s.now() + 1_s);
    REQUIRE(dyn.up());
    seen.push_back(net.address_of(dyn.id())->str());
  }
  CHECK(seen == std::vector<std::string>{"10.9.0.2", "10.9.0.3", "10.9.0.5", "10.9.0.6", "10.9.0.2", "10.9.0.3",
                                         "10.9.0.5"});
}

TEST_CASE("a full subnet is an error, not an endless search", "[network]") {
  sim::Simulation s(1);
  auto& net = s.network();
  const auto seg = net.add_segment("tiny", *sim::Subnet::parse("10.9.0.0/30"), sim::Distribution::constant(1_us));
  net.attach(s.add_node("a"), seg, std::nullopt);  // .2, the only host address besides the gateway
  CHECK(net.address_of(s.find_node("a")->id())->str() == "10.9.0.2");
  CHECK_THROWS_WITH(net.attach(s.add_node("b"), seg, std::nullopt), Catch::Contains("no free address"));
}

// ---------------------------------------------------------------------------------------------
// Datagrams and random streams.

TEST_CASE("a datagram reaches whoever bound (node, protocol, port), and no one else", "[network][datagram]") {
  Bench b;
  auto& a = b.node("a");
  auto& c = b.node("c");
  Probe& pa = b.probe(a, "pa");
  Probe& pc = b.probe(c, "pc");
  b.run_until(1_s);
  std::vector<std::string> got;
  b.s.network().bind(c.id(), sim::kUdp, 53, pc.owner(), [&](const sim::Datagram& d) {
    got.push_back(std::any_cast<std::string>(d.payload) + "@" + d.src.str());
  });
  b.s.network().send_datagram(a.id(), c.id(), sim::kUdp, 53, std::string("query"));
  b.s.network().send_datagram(a.id(), c.id(), sim::kUdp, 54, std::string("other port"));
  b.s.network().send_datagram(a.id(), c.id(), sim::kVrrp, 53, std::string("other protocol"));
  b.run_until(2_s);
  CHECK(got == std::vector<std::string>{"query@" + b.ip("a").str()});
  (void)pa;
}

TEST_CASE("a frozen binder reads its datagrams at thaw, and an exited one gets none", "[network][datagram]") {
  Bench b;
  auto& a = b.node("a");
  auto& c = b.node("c");
  Probe& pc = b.probe(c, "pc");
  b.run_until(1_s);
  std::vector<sim::Time> got;
  b.s.network().bind(c.id(), sim::kVrrp, 0, pc.owner(), [&](const sim::Datagram&) { got.push_back(b.s.now()); });
  pc.freeze();
  b.s.network().send_datagram(a.id(), c.id(), sim::kVrrp, 0, 1);
  b.run_until(2_s);
  CHECK(got.empty());
  pc.thaw();
  b.run_until(3_s);
  CHECK(got == std::vector<sim::Time>{2_s});
  pc.kill();
  b.s.network().send_datagram(a.id(), c.id(), sim::kVrrp, 0, 2);
  b.run_until(4_s);
  CHECK(got.size() == 1);
}

TEST_CASE("multicast stays on its segment", "[network][datagram]") {
  Bench b;
  const auto other = b.s.network().add_segment("other", *sim::Subnet::parse("10.1.0.0/24"),
                                               sim::Distribution::constant(kLatency));
  auto& a = b.node("a");
  auto& c = b.node("c");  // on "lan" only
  auto& d = b.node("d");  // on "lan" and "other"
  b.s.network().attach(a, other, std::nullopt);
  b.s.network().attach(d, other, std::nullopt);
  Probe& pc = b.probe(c, "pc");
  Probe& pd = b.probe(d, "pd");
  b.run_until(1_s);
  std::vector<std::string> got;
  b.s.network().bind(c.id(), sim::kVrrp, 0, pc.owner(), [&](const sim::Datagram&) { got.push_back("c"); });
  b.s.network().bind(d.id(), sim::kVrrp, 0, pd.owner(), [&](const sim::Datagram&) { got.push_back("d"); });
  b.s.network().multicast(a.id(), other, sim::kVrrp, 0, 0);
  b.run_until(2_s);
  CHECK(got == std::vector<std::string>{"d"});
}

TEST_CASE("adding a node to a bridge does not shift another link's latency draws", "[network][random]") {
  auto draws = [](bool extra) {
    sim::Simulation s{7};
    auto lan = s.network().add_segment("lan", *sim::Subnet::parse("10.0.0.0/24"),
                                       sim::Distribution::lognormal(1_ms, 0.5));
    std::vector<sim::Node*> n;
    for (const char* name : {"a", "b", "c"}) {
      if (extra && std::string(name) == "b") {
        sim::Node& x = s.add_node("x");
        s.network().attach(x, lan, std::nullopt);
      }
      sim::Node& node = s.add_node(name);
      s.network().attach(node, lan, std::nullopt);
      n.push_back(&node);
    }
    std::vector<sim::Time> out;
    for (int i = 0; i < 5; ++i) {
      if (extra) s.network().transit(s.find_node("x")->id(), n[2]->id());  // x talks too
      out.push_back(*s.network().transit(n[0]->id(), n[2]->id()));
      out.push_back(*s.network().transit(n[1]->id(), n[0]->id()));
    }
    return out;
  };
  CHECK(draws(false) == draws(true));
}

TEST_CASE("a link set down keeps its addresses but carries nothing until it is set up again", "[network]") {
  Bench b;
  b.node("a");
  b.node("d");
  b.run_for(0);
  auto& net = b.s.network();
  const auto seg = net.segments_of(b.id("d")).front();
  const sim::Ipv4 vip = *sim::Ipv4::parse("10.0.0.100");
  net.add_address(b.id("d"), seg, vip);
  std::vector<bool> heard;
  net.observe_links([&](sim::NodeId n, sim::SegmentId, bool up) {
    if (n == b.id("d")) heard.push_back(up);
  });
  net.set_link(b.id("d"), std::nullopt, false);  // ip link set eth0 down
  CHECK_FALSE(b.open("a", "d"));
  CHECK_FALSE(b.open("d", "a"));
  CHECK_FALSE(net.link_up(b.id("d"), seg));
  CHECK_FALSE(net.has_route(b.id("d")));
  CHECK(net.holds(b.id("d"), vip));  // unlike a disconnect, the interface and its addresses stay
  CHECK(net.address_of(b.id("d")) == b.ip("d"));
  net.set_link(b.id("d"), std::nullopt, true);
  CHECK(b.open("a", "d"));
  CHECK(b.open("d", "a"));
  CHECK(heard == std::vector<bool>{false, true});  // netlink told the observers both times
}

TEST_CASE("a restarted container's links come back up with its new veths", "[network]") {
  Bench b;
  b.node("a");
  sim::Node& d = b.node("d");
  b.run_for(0);
  b.s.network().set_link(b.id("d"), std::nullopt, false);
  d.kill();
  d.start();
  b.run_for(1_s);
  CHECK(b.open("a", "d"));
}

TEST_CASE("an IPv4 address parses only as four numbers 0-255 joined by dots", "[network]") {
  REQUIRE(sim::Ipv4::parse("10.0.0.5")->value == 0x0A000005u);
  REQUIRE(sim::Ipv4::parse("255.255.255.255")->value == 0xFFFFFFFFu);
  REQUIRE(sim::Ipv4::parse("0.0.0.0")->value == 0u);
  for (const char* bad : {"", "10.0.0", "10.0.0.5.", "10.0.0.256", "10..0.5", "10.0.0.5x", "web1", " 10.0.0.5",
                          "10.0.0.-1", ".10.0.0.5", "10.0.0.99999999999"})
    REQUIRE_FALSE(sim::Ipv4::parse(bad).has_value());
}
