// The `nginx:` section of a node: a static site (`files`) or a reverse proxy (`proxy_pass`).
#include "scenarios/kinds/nginx.hpp"

#include "scenarios/reader.hpp"
#include "sim/node.hpp"

namespace scenarios {

models::NginxConfig DaemonKind<models::NginxConfig>::read(const Tree& t, const std::string& path) {
  models::NginxConfig c;
  if (t.kind == Tree::Kind::Null) return c;  // `nginx:` alone: the defaults
  MapReader r(t, path, {"listen", "files", "service_time", "proxy_pass", "proxy_connect_timeout", "proxy_read_timeout",
                        "master_process", "start_delay", "stop_delay"});
  c.listen = static_cast<std::uint16_t>(r.integer("listen", c.listen, 1, 65535));
  if (r.has("files")) {
    c.files = r.str_list("files");
    for (std::size_t i = 0; i < c.files.size(); ++i)
      if (c.files[i].empty() || c.files[i][0] != '/') fail(*r.get("files"), r.sub("files"), "paths must start with '/'");
  }
  if (auto d = r.distribution("service_time")) c.service_time = *d;
  c.proxy_pass = r.str("proxy_pass", "");
  c.proxy_connect_timeout = r.duration("proxy_connect_timeout", c.proxy_connect_timeout);
  c.proxy_read_timeout = r.duration("proxy_read_timeout", c.proxy_read_timeout);
  c.master_process = r.boolean("master_process", c.master_process);
  return c;
}

/// `proxy_pass` names its upstream when it is used; the model resolves it when a request comes.
std::vector<NodeRef> DaemonKind<models::NginxConfig>::node_refs(const models::NginxConfig&) { return {}; }

sim::Process& DaemonKind<models::NginxConfig>::build(sim::Node& node, const models::NginxConfig& c, BuildContext&) {
  return node.add_process<models::Nginx>(c);
}

/// The daemon (master and worker, as `pkill -x nginx` reaches both) and its master alone, by its
/// pid file (models/nginx/nginx.hpp): SIGKILLed, it leaves its worker serving.
std::vector<FaultTarget> DaemonKind<models::NginxConfig>::fault_targets(const models::NginxConfig& c) {
  std::vector<FaultTarget> out = {FaultTarget{"nginx", "nginx", true, "", "", "nginx"}};
  if (c.master_process) out.push_back(FaultTarget{"nginx_master", "nginx", false, "", models::Nginx::kPidFile, "nginx"});
  return out;
}

std::vector<std::string> DaemonKind<models::NginxConfig>::floating_addresses(const models::NginxConfig&) { return {}; }

/// nginx's model records nothing of its own: the requests it serves are recorded by their clients.
std::vector<std::string_view> DaemonKind<models::NginxConfig>::event_kinds() { return {}; }

/// No operator step of its own: its faults are the engine's and the signals'.
std::vector<std::string> DaemonKind<models::NginxConfig>::operator_actions() { return {}; }
void DaemonKind<models::NginxConfig>::act(sim::Process&, const std::string&) {}

}  // namespace scenarios

namespace scenarios {

/// Its requests are seen by their clients (the load checks): nothing of its own.
void DaemonKind<models::NginxConfig>::add_checks(const ScenarioSpec&, sim::Invariants&, CheckSet&) {}

}  // namespace scenarios
