#pragma once
// The real `keepalived` (see validation/kinds/real_daemon.hpp); defined in keepalived.cpp.
#include "models/keepalived/config.hpp"
#include "validation/kinds/real_daemon.hpp"

namespace validation {

template <>
struct RealDaemon<models::keepalived::KeepalivedConfig> {
  static std::vector<std::string> packages();
  static std::string command();
  static std::string stop_signal();
  static bool stop_oldest_only();
  static std::vector<std::string> operator_command(const std::string& action);
  static bool net_admin();
  static std::vector<NodeFile> files(const RenderContext& ctx, const models::keepalived::KeepalivedConfig& c);
  static std::vector<std::pair<std::string, std::string>> mounts();
  static std::string ready_log();
  static std::string plan_entry(const RenderContext& ctx, const models::keepalived::KeepalivedConfig& c);
};

/// keepalived.conf (keepalived 2.2, Debian bookworm). `networks`: the node's networks in order;
/// an instance's `interface` may name one (rendered as ethN) or be ethN already.
std::string render_keepalived_conf(const models::keepalived::KeepalivedConfig& c, const std::vector<std::string>& networks,
                                   const std::string& where);

}  // namespace validation
