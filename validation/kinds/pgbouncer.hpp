#pragma once
// The real `pgbouncer` (see validation/kinds/real_daemon.hpp); defined in pgbouncer.cpp.
#include "scenarios/kinds/pgbouncer.hpp"
#include "validation/kinds/real_daemon.hpp"

namespace validation {

template <>
struct RealDaemon<scenarios::PgbouncerSection> {
  static std::vector<std::string> packages();
  static std::string command();
  static std::string stop_signal();
  static bool stop_oldest_only();
  static std::vector<std::string> operator_command(const std::string& action);
  /// `reload` with its settings: the [databases] lines rewritten, then RELOAD on the console.
  static std::vector<std::string> operator_command_with(const std::string& action, const scenarios::OperatorSettings& s);
  static bool net_admin();
  static std::vector<NodeFile> files(const RenderContext& ctx, const scenarios::PgbouncerSection& c);
  static std::vector<std::pair<std::string, std::string>> mounts();
  static std::string ready_log();
  static std::string plan_entry(const RenderContext& ctx, const scenarios::PgbouncerSection& c);
};

}  // namespace validation
