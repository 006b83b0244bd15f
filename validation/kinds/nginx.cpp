// The real nginx: Debian's nginx 1.22, its nginx.conf and docroot rendered from the `nginx:` section.
#include "validation/kinds/nginx.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "scenarios/tree.hpp"
#include "sim/network.hpp"
#include "validation/render_detail.hpp"

namespace validation {

using detail::cannot_render;
using detail::haproxy_time;
using detail::join;
using detail::json_str;
using detail::seconds;

std::string render_nginx_conf(const models::NginxConfig& c, const std::string& where) {
  std::ostringstream o;
  o << "# Rendered by `hasim render` from " << where << ". nginx 1.22 (Debian bookworm).\n";
  o << "user www-data;\n";
  if (!c.master_process) o << "master_process off;\n";
  o << "worker_processes 1;\npid " << models::Nginx::kPidFile << ";\nerror_log stderr notice;\n\n";
  o << "events { worker_connections 1024; }\n\n";
  o << "http {\n";
  o << "    include /etc/nginx/mime.types;\n";
  o << "    default_type application/octet-stream;\n";
  o << "    log_format hasim '$msec $remote_addr \"$request\" $status $request_time';\n";
  o << "    access_log /dev/stdout hasim;\n";
  o << "    keepalive_timeout 65;\n";
  o << "    server {\n";
  o << "        listen " << c.listen << ";\n";
  if (c.proxy_pass.empty()) {
    o << "        root /var/www/hasim;\n";
    o << "        index index.html;\n";
    o << "        location / { try_files $uri $uri/ =404; }\n";
  } else {
    std::string target = c.proxy_pass;
    if (target.rfind("http://", 0) != 0) target = "http://" + target;
    o << "        location / {\n";
    o << "            proxy_pass " << target << ";\n";
    o << "            proxy_connect_timeout " << haproxy_time(c.proxy_connect_timeout) << ";\n";
    o << "            proxy_read_timeout " << haproxy_time(c.proxy_read_timeout) << ";\n";
    o << "        }\n";
  }
  o << "    }\n}\n";
  return o.str();
}

std::vector<std::string> RealDaemon<models::NginxConfig>::packages() { return {"nginx"}; }
std::string RealDaemon<models::NginxConfig>::command() { return "exec nginx -c /etc/nginx/nginx.conf -g 'daemon off;'"; }
/// The official image's STOPSIGNAL: a graceful shutdown.
std::string RealDaemon<models::NginxConfig>::stop_signal() { return "QUIT"; }
bool RealDaemon<models::NginxConfig>::stop_oldest_only() { return false; }
std::vector<std::string> RealDaemon<models::NginxConfig>::operator_command(const std::string&) { return {}; }
bool RealDaemon<models::NginxConfig>::net_admin() { return false; }

/// nginx.conf, and the docroot: each of `files` holds the node's name (what served_by reads).
std::vector<NodeFile> RealDaemon<models::NginxConfig>::files(const RenderContext& ctx, const models::NginxConfig& c) {
  std::vector<NodeFile> out = {{"nginx.conf", render_nginx_conf(c, ctx.where)}};
  bool any = false;
  for (const auto& path : c.files) {
    std::string rel = path;
    while (!rel.empty() && rel.front() == '/') rel.erase(rel.begin());
    if (rel.empty() || rel.back() == '/') rel += "index.html";
    if (rel.find("..") != std::string::npos)
      throw scenarios::ScenarioError(scenarios::Source{}, "nodes." + ctx.node.name + ".nginx.files", "path '" + path + "' leaves the docroot");
    out.push_back({"www/" + rel, ctx.node.name + "\n"});
    any = true;
  }
  if (!any) out.push_back({"www/.keep", ""});
  return out;
}

std::vector<std::pair<std::string, std::string>> RealDaemon<models::NginxConfig>::mounts() {
  return {{"nginx.conf", "/etc/nginx/nginx.conf"}, {"www", "/var/www/hasim"}};
}

std::string RealDaemon<models::NginxConfig>::plan_entry(const RenderContext&, const models::NginxConfig&) { return ""; }

/// "start worker process": the master has forked its worker (error_log stderr notice). With
/// `master_process off` nginx logs no such line, and its start-up goes unmeasured.
std::string RealDaemon<models::NginxConfig>::ready_log() { return "start worker process"; }

}  // namespace validation
