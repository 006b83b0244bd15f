#pragma once
// The `keepalived` daemon kind (see scenarios/kinds/daemon_kind.hpp); defined in keepalived.cpp.
#include "models/keepalived/config.hpp"
#include "scenarios/kinds/daemon_kind.hpp"

namespace scenarios {

template <>
struct DaemonKind<models::keepalived::KeepalivedConfig> {
  using Config = models::keepalived::KeepalivedConfig;
  static constexpr std::string_view key = "keepalived";
  static models::keepalived::KeepalivedConfig read(const Tree& t, const std::string& path);
  static std::vector<NodeRef> node_refs(const models::keepalived::KeepalivedConfig& c);
  static sim::Process& build(sim::Node& node, const models::keepalived::KeepalivedConfig& c, BuildContext& ctx);
  static std::vector<FaultTarget> fault_targets(const models::keepalived::KeepalivedConfig& c);
  static std::vector<std::string> floating_addresses(const models::keepalived::KeepalivedConfig& c);
  static std::vector<std::string> operator_actions();
  static void act(sim::Process& daemon, const std::string& action);
  static std::vector<std::string_view> event_kinds();
  static void add_checks(const ScenarioSpec& spec, sim::Invariants& invariants, CheckSet& checks);
};

}  // namespace scenarios
