#pragma once
// The `haproxy` daemon kind (see scenarios/kinds/daemon_kind.hpp); defined in haproxy.cpp.
#include "models/haproxy/config.hpp"
#include "scenarios/kinds/daemon_kind.hpp"

namespace scenarios {

template <>
struct DaemonKind<models::haproxy::HaproxyConfig> {
  using Config = models::haproxy::HaproxyConfig;
  static constexpr std::string_view key = "haproxy";
  static models::haproxy::HaproxyConfig read(const Tree& t, const std::string& path);
  static std::vector<NodeRef> node_refs(const models::haproxy::HaproxyConfig& c);
  static sim::Process& build(sim::Node& node, const models::haproxy::HaproxyConfig& c, BuildContext& ctx);
  static std::vector<FaultTarget> fault_targets(const models::haproxy::HaproxyConfig& c);
  static std::vector<std::string> floating_addresses(const models::haproxy::HaproxyConfig& c);
  static std::vector<std::string> operator_actions();
  static void act(sim::Process& daemon, const std::string& action);
  static std::vector<std::string_view> event_kinds();
  static void add_checks(const ScenarioSpec& spec, sim::Invariants& invariants, CheckSet& checks);
};

}  // namespace scenarios
