#pragma once
// The real `nginx` (see validation/kinds/real_daemon.hpp); defined in nginx.cpp.
#include "models/nginx/nginx.hpp"
#include "validation/kinds/real_daemon.hpp"

namespace validation {

template <>
struct RealDaemon<models::NginxConfig> {
  static std::vector<std::string> packages();
  static std::string command();
  static std::string stop_signal();
  static bool stop_oldest_only();
  static std::vector<std::string> operator_command(const std::string& action);
  static bool net_admin();
  static std::vector<NodeFile> files(const RenderContext& ctx, const models::NginxConfig& c);
  static std::vector<std::pair<std::string, std::string>> mounts();
  static std::string ready_log();
  static std::string plan_entry(const RenderContext& ctx, const models::NginxConfig& c);
};

/// nginx.conf (static docroot /var/www/hasim, or proxy_pass with its timeouts).
std::string render_nginx_conf(const models::NginxConfig& c, const std::string& where);

}  // namespace validation
