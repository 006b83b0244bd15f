#pragma once
// The `pgbouncer` daemon kind (see scenarios/kinds/daemon_kind.hpp); defined in pgbouncer.cpp.
#include <string>
#include <utility>
#include <vector>

#include "models/pgbouncer/config.hpp"
#include "scenarios/kinds/daemon_kind.hpp"

namespace scenarios {

/// A node's `pgbouncer:` section: pgbouncer.ini's [pgbouncer] settings under their own names,
/// and `databases:` its [databases] entries (`demodb: host=postgres-primary port=5432`).
struct PgbouncerSection {
  models::pgbouncer::PgbouncerConfig conf;
  /// The settings the section sets, (name, text as written), in reading order: what the real
  /// pgbouncer.ini is rendered from (validation/kinds/pgbouncer.cpp).
  std::vector<std::pair<std::string, std::string>> settings;
};

template <>
struct DaemonKind<PgbouncerSection> {
  using Config = PgbouncerSection;
  static constexpr std::string_view key = "pgbouncer";
  static Config read(const Tree& t, const std::string& path);
  static std::vector<NodeRef> node_refs(const Config& c);
  static sim::Process& build(sim::Node& node, const Config& c, BuildContext& ctx);
  static std::vector<FaultTarget> fault_targets(const Config& c);
  static std::vector<std::string> floating_addresses(const Config& c);
  static std::vector<std::string> operator_actions();
  static void act(sim::Process& daemon, const std::string& action);
  static SettingsError operator_settings_error(const std::string& action, const OperatorSettings& s);
  static void act_with(sim::Process& daemon, const std::string& action, const OperatorSettings& s);
  static std::vector<std::string> operator_node_refs(const std::string& action, const OperatorSettings& s);
  static std::vector<std::string_view> event_kinds();
  static void add_checks(const ScenarioSpec& spec, sim::Invariants& invariants, CheckSet& checks);
};

}  // namespace scenarios
