// A toy daemon kind, "echo" (RFC 862: whatever a client sends comes back), declared the way every
// real kind is (scenarios/kinds/daemon_kind.hpp): what a contributor writes for a new kind, and
// the proof that the declaration alone is enough to read its section, build it, and target it.
// The README's developer section walks through it.
#include <catch2/catch.hpp>

#include <any>
#include <string>

#include "../support/sim_fixture.hpp"
#include "scenarios/kinds/daemon_kind.hpp"
#include "scenarios/reader.hpp"
#include "scenarios/spec.hpp"
#include "scenarios/tree.hpp"
#include "sim/node.hpp"
#include "sim/tcp.hpp"

using namespace sim::literals;

namespace toy {

/// The section's fields, named after the daemon's own options.
struct EchoConfig {
  std::uint16_t port = 7;
};

/// The model: answers each message on the same connection, through the network only.
class Echo final : public sim::Process {
 public:
  Echo(sim::Node& node, EchoConfig config) : sim::Process(node, "echo"), config_(config) {
    start_delay = sim::Distribution::constant(0);
  }

 protected:
  void on_start() override {
    sim().tcp().listen(*this, config_.port, [this](sim::ConnId c) {
      sim().tcp().on_data(c, *this, [this, c](const std::any& payload, std::uint64_t bytes) {
        sim().tcp().send_data(c, *this, payload, bytes);
      });
    });
  }

 private:
  EchoConfig config_;
};

/// Half a declaration: it has a key and a reader, nothing else.
struct HalfConfig {};

}  // namespace toy

namespace scenarios {

template <>
struct DaemonKind<toy::EchoConfig> {
  using Config = toy::EchoConfig;
  static constexpr std::string_view key = "echo";
  static Config read(const Tree& t, const std::string& path) {
    Config c;
    if (t.kind == Tree::Kind::Null) return c;
    MapReader r(t, path, {"port"});
    c.port = static_cast<std::uint16_t>(r.integer("port", c.port, 1, 65535));
    return c;
  }
  static std::vector<NodeRef> node_refs(const Config&) { return {}; }
  static sim::Process& build(sim::Node& node, const Config& c, BuildContext&) { return node.add_process<toy::Echo>(c); }
  static std::vector<FaultTarget> fault_targets(const Config&) { return {FaultTarget{"echo", "echo", true, "", "", "echo"}}; }
  static std::vector<std::string> floating_addresses(const Config&) { return {}; }
  static std::vector<std::string> operator_actions() { return {}; }
  static void act(sim::Process&, const std::string&) {}
  static std::vector<std::string_view> event_kinds() { return {}; }
  static void add_checks(const ScenarioSpec&, sim::Invariants&, CheckSet&) {}
};

template <>
struct DaemonKind<toy::HalfConfig> {
  static constexpr std::string_view key = "half";
  static toy::HalfConfig read(const Tree&, const std::string&) { return {}; }
};

}  // namespace scenarios

// What the loader, runner and render require of every kind in scenarios::Kinds: a kind that
// lacks a part is refused there at compile time, with this concept named in the error.
static_assert(scenarios::Declared<scenarios::DaemonKind<toy::EchoConfig>, toy::EchoConfig>);
static_assert(!scenarios::Declared<scenarios::DaemonKind<toy::HalfConfig>, toy::HalfConfig>);

namespace {
using Echo = scenarios::DaemonKind<toy::EchoConfig>;
}

TEST_CASE("a toy kind's section is read by its declaration, defaults and all", "[kinds]") {
  const scenarios::Tree t = scenarios::parse_yaml("echo: {port: 7007}\nplain: null\n", "toy.yaml");
  CHECK(Echo::read(*t.find("echo"), "nodes.e.echo").port == 7007);
  CHECK(Echo::read(*t.find("plain"), "nodes.e.echo").port == 7);
}

TEST_CASE("a toy kind's section refuses an unknown key with its file, line and key path", "[kinds]") {
  const scenarios::Tree t = scenarios::parse_yaml("echo:\n  prot: 7\n", "toy.yaml");
  try {
    Echo::read(*t.find("echo"), "nodes.e.echo");
    FAIL("an unknown key was accepted");
  } catch (const scenarios::ScenarioError& e) {
    CHECK_THAT(e.what(), Catch::Contains("toy.yaml:2") && Catch::Contains("nodes.e.echo.prot") && Catch::Contains("port"));
  }
}

TEST_CASE("a toy kind built through its declaration answers on its port over TCP", "[kinds]") {
  testing::Bench b;
  sim::Node& server = b.node("e");
  sim::Node& client_node = b.node("c");
  scenarios::ScenarioSpec spec;
  scenarios::BuildContext ctx{spec};
  sim::Process& echo = Echo::build(server, toy::EchoConfig{7007}, ctx);
  echo.start();
  testing::Probe& client = b.probe(client_node, "client");
  b.run_until(1_s);
  std::string answer;
  sim::Time answered_at = 0;
  b.s.tcp().connect(client, b.ip("e"), 7007, 1_s, [&](sim::ConnectResult r, sim::ConnId c) {
    REQUIRE(r == sim::ConnectResult::Connected);
    b.s.tcp().on_data(c, client, [&](const std::any& payload, std::uint64_t) {
      answer = std::any_cast<std::string>(payload);
      answered_at = b.s.now();
    });
    b.s.tcp().send_data(c, client, std::string("hello"), 5);
  });
  b.run_until(2_s);
  CHECK(answer == "hello");
  // Connect (one round trip), then the message there and back: two more one-way latencies.
  CHECK(answered_at == 1_s + 4 * testing::kLatency);
  CHECK(Echo::fault_targets({}).front().name == "echo");
}
