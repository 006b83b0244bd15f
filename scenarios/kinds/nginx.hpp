#pragma once
// The `nginx` daemon kind (see scenarios/kinds/daemon_kind.hpp); defined in nginx.cpp.
#include "models/nginx/nginx.hpp"
#include "scenarios/kinds/daemon_kind.hpp"

namespace scenarios {

template <>
struct DaemonKind<models::NginxConfig> {
  using Config = models::NginxConfig;
  static constexpr std::string_view key = "nginx";
  static models::NginxConfig read(const Tree& t, const std::string& path);
  static std::vector<NodeRef> node_refs(const models::NginxConfig& c);
  static sim::Process& build(sim::Node& node, const models::NginxConfig& c, BuildContext& ctx);
  static std::vector<FaultTarget> fault_targets(const models::NginxConfig& c);
  static std::vector<std::string> floating_addresses(const models::NginxConfig& c);
  static std::vector<std::string> operator_actions();
  static void act(sim::Process& daemon, const std::string& action);
  static std::vector<std::string_view> event_kinds();
  static void add_checks(const ScenarioSpec& spec, sim::Invariants& invariants, CheckSet& checks);
};

}  // namespace scenarios
