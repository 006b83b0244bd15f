#pragma once
// A small fluent fixture for engine tests: one bridge, nodes that start at once, constant
// latency, and two tiny processes (a TCP listener and a client) that log what happens to them.
#include <optional>
#include <string>
#include <vector>

#include "sim/network.hpp"
#include "sim/node.hpp"
#include "sim/process.hpp"
#include "sim/simulation.hpp"
#include "sim/tcp.hpp"

namespace testing {

using namespace sim::literals;

/// Constant one-way latency of the test bridge: a round trip is exactly 2 × this.
constexpr sim::Time kLatency = 100 * sim::kMicrosecond;

/// A process that logs its lifecycle ("start@<ns>", "sigterm@<ns>", "exit@<ns>") and can arm
/// timers and listen on a port.
class Probe : public sim::Process {
 public:
  Probe(sim::Node& node, std::string name) : sim::Process(node, std::move(name)) {
    start_delay = sim::Distribution::constant(0);
    stop_delay = sim::Distribution::constant(0);
  }
  std::vector<std::string> log;
  std::optional<std::uint16_t> listen_port;
  std::vector<sim::Time> accepted_at;
  std::vector<sim::ConnId> accepted;
  /// Arms an event of this incarnation that logs "timer:<tag>@<ns>".
  void timer(sim::Time delay, const std::string& tag) {
    after(delay, [this, tag] { note("timer:" + tag); });
  }
  void note(const std::string& what) { log.push_back(what + "@" + std::to_string(sim().now())); }

 protected:
  void on_start() override {
    note("start");
    if (listen_port)
      sim().tcp().listen(*this, *listen_port, [this](sim::ConnId c) {
        accepted_at.push_back(sim().now());
        accepted.push_back(c);
      });
  }
  void on_sigterm() override { note("sigterm"); }
  void on_exit() override { note("exit"); }
};

struct Bench {
  sim::Simulation s;
  sim::SegmentId lan;

  explicit Bench(std::uint64_t seed = 1)
      : s(seed), lan(s.network().add_segment("lan", *sim::Subnet::parse("10.0.0.0/24"),
                                        sim::Distribution::constant(kLatency))) {}

  /// A node on the bridge, started with no start-up delay (it is up after run_for(0)).
  sim::Node& node(const std::string& name, std::optional<std::string> address = std::nullopt, bool start = true) {
    sim::Node& n = s.add_node(name);
    n.start_delay = sim::Distribution::constant(0);
    s.network().attach(n, lan, address ? sim::Ipv4::parse(*address) : std::nullopt);
    if (start) n.start();
    return n;
  }
  Probe& probe(sim::Node& n, const std::string& name, std::optional<std::uint16_t> port = std::nullopt) {
    Probe& p = n.add_process<Probe>(name);
    p.listen_port = port;
    if (n.up()) p.start();
    return p;
  }
  sim::NodeId id(const std::string& name) const { return s.find_node(name)->id(); }
  sim::Ipv4 ip(const std::string& name) { return *s.network().address_of(id(name)); }
  bool open(const std::string& a, const std::string& b, std::uint32_t proto = sim::kTcp) {
    return s.network().path_open(id(a), id(b), proto);
  }
  void run_for(sim::Time t) { s.run_until(s.now() + t); }
  void run_until(sim::Time t) { s.run_until(t); }
};

}  // namespace testing
