#pragma once
// The `failover_script` daemon kind (see scenarios/kinds/daemon_kind.hpp); defined in
// failover_script.cpp. Not a daemon shipped by a project: the seed's exercise 4, the shell
// script a user writes, run in a client container like a daemon (started with the stack,
// stopped by its signal, its lines in the container's log).
#include <string>
#include <utility>
#include <vector>

#include "models/failover_script/config.hpp"
#include "scenarios/kinds/daemon_kind.hpp"

namespace scenarios {

/// A node's `failover_script:` section: the script's variables (models/failover_script/config.hpp).
struct FailoverScriptSection {
  models::failover_script::FailoverScriptConfig conf;
};

template <>
struct DaemonKind<FailoverScriptSection> {
  using Config = FailoverScriptSection;
  static constexpr std::string_view key = "failover_script";
  static Config read(const Tree& t, const std::string& path);
  static std::vector<NodeRef> node_refs(const Config& c);
  static sim::Process& build(sim::Node& node, const Config& c, BuildContext& ctx);
  static std::vector<FaultTarget> fault_targets(const Config& c);
  static std::vector<std::string> floating_addresses(const Config& c);
  static std::vector<std::string> operator_actions();
  static void act(sim::Process& daemon, const std::string& action);
  static std::vector<std::string_view> event_kinds();
  static void add_checks(const ScenarioSpec& spec, sim::Invariants& invariants, CheckSet& checks);
};

}  // namespace scenarios
