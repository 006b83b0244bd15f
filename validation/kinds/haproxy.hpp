#pragma once
// The real `haproxy` (see validation/kinds/real_daemon.hpp); defined in haproxy.cpp.
#include "models/haproxy/config.hpp"
#include "validation/kinds/real_daemon.hpp"

namespace validation {

template <>
struct RealDaemon<models::haproxy::HaproxyConfig> {
  static std::vector<std::string> packages();
  static std::string command();
  static std::string stop_signal();
  static bool stop_oldest_only();
  static std::vector<std::string> operator_command(const std::string& action);
  static bool net_admin();
  static std::vector<NodeFile> files(const RenderContext& ctx, const models::haproxy::HaproxyConfig& c);
  static std::vector<std::pair<std::string, std::string>> mounts();
  static std::string ready_log();
  static std::string plan_entry(const RenderContext& ctx, const models::haproxy::HaproxyConfig& c);
};

/// haproxy.cfg. `nameservers` are the DNS servers listed in each `resolvers` section;
/// `stats_port` gets a `listen hasim_stats` section (run_real.py's health probe, CSV stats).
/// `tag_as`: when not empty, each frontend adds X-Hasim-Lb: TAG_AS and X-Hasim-Server: the
/// chosen server to every answer, for a client that records them (the http_probe workload).
std::string render_haproxy_cfg(const models::haproxy::HaproxyConfig& c, const std::vector<std::string>& nameservers,
                               int stats_port, const std::string& where, const std::string& tag_as = "");

}  // namespace validation
