// The fault-action table (scenarios/fault_actions.hpp): every action complete, and what the
// loader, runner and explore used to decide by name now read from it.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "scenarios/fault_actions.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/tree.hpp"

TEST_CASE("every fault action can be read, written back, summed up and applied", "[scenarios][faults]") {
  std::set<std::string> names, kinds;
  for (const auto& a : scenarios::fault_actions()) {
    INFO(a.name);
    CHECK(names.insert(a.name).second);
    CHECK(a.read != nullptr);
    CHECK(a.write != nullptr);
    CHECK(a.summary != nullptr);
    CHECK(a.apply != nullptr);
    for (const auto& k : a.explore) CHECK(kinds.insert(k.name).second);  // one action per explore kind
    // Only what can be undone names an undo; only a whole-node engine command tells DNS.
    if (!a.undoable) CHECK(a.undo_command.empty());
    if (a.undo_starts) CHECK(a.undoable);
    if (a.exec) CHECK(a.dns == scenarios::DnsEffect::None);
  }
  CHECK(scenarios::find_fault_action("promote") != nullptr);  // a daemon kind's operator step
  CHECK(scenarios::find_fault_action("reboot") == nullptr);
}

TEST_CASE("a fault's engine command is its own on a whole node and exec on one process or inside the node",
          "[scenarios][faults]") {
  auto f = [](const std::string& action, const std::string& target) {
    scenarios::FaultSpec s;
    s.action = action;
    s.target = target;
    return s;
  };
  CHECK(scenarios::engine_command(f("stop", "web1"), false) == "stop");
  CHECK(scenarios::engine_command(f("stop", "web1"), true) == "start");
  CHECK(scenarios::engine_command(f("freeze", "web1"), false) == "pause");
  // A power loss: the real stack sets the links down with a `docker exec` first, then kills.
  CHECK(scenarios::engine_command(f("crash", "web1"), false) == "exec");
  CHECK(scenarios::engine_command(f("crash", "web1"), true) == "start");
  CHECK(scenarios::engine_command(f("stop", "web1/nginx"), false) == "exec");
  CHECK(scenarios::engine_command(f("link_down", "web1"), true) == "exec");
  CHECK(scenarios::engine_command(f("partition", ""), false).empty());
  CHECK(scenarios::dns_effect(f("kill", "web1"), false) == scenarios::DnsEffect::Stopped);
  CHECK(scenarios::dns_effect(f("kill", "web1"), true) == scenarios::DnsEffect::Started);
  CHECK(scenarios::dns_effect(f("kill", "web1/nginx"), false) == scenarios::DnsEffect::None);
}

TEST_CASE("a one-shot action given 'for' is a located error that names the action it undoes", "[scenarios][faults][errors]") {
  const std::string base = "name: mini\nduration: 10s\nnetworks: {lan: {subnet: 10.0.0.0/24}}\nnodes:\n  web1: {nginx: {files: [/]}}\n";
  auto error_of = [&](const std::string& fault) -> std::string {
    try {
      scenarios::spec_from_tree(scenarios::parse_yaml(base + "faults:\n  - " + fault + "\n", "mini.yaml"), "mini.yaml");
    } catch (const scenarios::ScenarioError& e) {
      return e.what();
    }
    return "";
  };
  CHECK_THAT(error_of("{at: 1s, thaw: web1, for: 2s}"),
             Catch::Contains("mini.yaml:7:") && Catch::Contains("faults.0.for: thaw cannot be undone with 'for' (use freeze with 'for')"));
  CHECK_THAT(error_of("{at: 1s, start: web1/nginx, for: 2s}"), Catch::Contains("(use stop with 'for')"));
  CHECK_THAT(error_of("{at: 1s, restart: web1, for: 2s}"), Catch::Contains("faults.0.for: restart cannot be undone with 'for'"));
  CHECK(error_of("{at: 1s, freeze: web1, for: 2s}").empty());
}
