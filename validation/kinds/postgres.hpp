#pragma once
// The real `postgres` (see validation/kinds/real_daemon.hpp); defined in postgres.cpp.
#include "scenarios/kinds/postgres.hpp"
#include "validation/kinds/real_daemon.hpp"

namespace validation {

template <>
struct RealDaemon<scenarios::PostgresSection> {
  static std::vector<std::string> packages();
  static std::string command();
  static std::string stop_signal();
  static bool stop_oldest_only();
  static std::vector<std::string> operator_command(const std::string& action);
  /// `sql`: `psql -c` once per statement (ALTER SYSTEM refuses to share a transaction block).
  /// rewind and reclone: pg_rewind and pg_basebackup with the step's settings.
  static std::vector<std::string> operator_command_with(const std::string& action, const scenarios::OperatorSettings& s);
  static bool net_admin();
  static std::vector<NodeFile> files(const RenderContext& ctx, const scenarios::PostgresSection& c);
  static std::vector<std::pair<std::string, std::string>> mounts();
  static std::string ready_log();
  static std::string plan_entry(const RenderContext& ctx, const scenarios::PostgresSection& c);
};

}  // namespace validation
