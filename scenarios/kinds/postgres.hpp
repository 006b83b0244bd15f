#pragma once
// The `postgres` daemon kind (see scenarios/kinds/daemon_kind.hpp); defined in postgres.cpp.
#include <string>
#include <utility>
#include <vector>

#include "models/postgres/config.hpp"
#include "scenarios/kinds/daemon_kind.hpp"

namespace scenarios {

/// A node's `postgres:` section: postgresql.conf's settings (GUC names as keys) and how its data
/// directory was made before the run: initdb, or (`standby_signal: true`) a `pg_basebackup -R`
/// of the cluster taken before any write, which leaves standby.signal; `slots` are the physical
/// replication slots on it (`pg_basebackup -C -S NAME` creates one on the primary).
struct PostgresSection {
  models::postgres::PostgresConfig conf;
  bool standby_signal = false;
  std::vector<std::string> slots;
  /// The settings the section sets, (GUC, text as written), in the section's reading order: what
  /// the real postgresql.conf is rendered from (validation/kinds/postgres.cpp).
  std::vector<std::pair<std::string, std::string>> settings;
};

template <>
struct DaemonKind<PostgresSection> {
  using Config = PostgresSection;
  static constexpr std::string_view key = "postgres";
  static Config read(const Tree& t, const std::string& path);
  static std::vector<NodeRef> node_refs(const Config& c);
  static sim::Process& build(sim::Node& node, const Config& c, BuildContext& ctx);
  static std::vector<FaultTarget> fault_targets(const Config& c);
  static std::vector<std::string> floating_addresses(const Config& c);
  static std::vector<std::string> operator_actions();
  static void act(sim::Process& daemon, const std::string& action);
  /// `sql: {node, statement}`: its load-time check and its run. `rewind: {node, source}` and
  /// `reclone: {node, source, slot, create_slot}`: pg_rewind and pg_basebackup on the node of a
  /// stopped server (pg_rewind.hpp, pg_basebackup.hpp).
  static SettingsError operator_settings_error(const std::string& action, const OperatorSettings& s);
  static bool acts_on_stopped(const std::string& action);
  static void act_with(sim::Process& daemon, const std::string& action, const OperatorSettings& s);
  static std::vector<std::string> operator_node_refs(const std::string& action, const OperatorSettings& s);
  static std::vector<std::string_view> event_kinds();
  static void add_checks(const ScenarioSpec& spec, sim::Invariants& invariants, CheckSet& checks);
};

}  // namespace scenarios
