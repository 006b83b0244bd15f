#pragma once
// The real `failover_script` (see validation/kinds/real_daemon.hpp); defined in failover_script.cpp.
#include "scenarios/kinds/failover_script.hpp"
#include "validation/kinds/real_daemon.hpp"

namespace validation {

template <>
struct RealDaemon<scenarios::FailoverScriptSection> {
  static std::vector<std::string> packages();
  static std::string command();
  static std::string stop_signal();
  static bool stop_oldest_only();
  static std::vector<std::string> operator_command(const std::string& action);
  static bool net_admin();
  static std::vector<NodeFile> files(const RenderContext& ctx, const scenarios::FailoverScriptSection& c);
  static std::vector<std::pair<std::string, std::string>> mounts();
  static std::string ready_log();
  static std::string plan_entry(const RenderContext& ctx, const scenarios::FailoverScriptSection& c);
  /// The script itself, as a user would write it (bash and psql), for tests and docs.
  static std::string script();
};

}  // namespace validation
