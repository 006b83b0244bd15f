#pragma once
// A fluent fixture for HAProxy model tests: one bridge with a constant 100 us latency (a TCP
// handshake takes exactly 200 us), nginx servers that start at t=0, and one haproxy whose
// process comes up at t=1s. No YAML: tests fill `config` directly, as a haproxy.cfg.
#include <map>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

#include "models/haproxy/haproxy.hpp"
#include "models/http/http.hpp"
#include "models/nginx/nginx.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace testing {

using namespace sim::literals;

/// A client that sends one GET at a given time and keeps every answer, in request order.
class Curl final : public sim::Process {
 public:
  struct Reply {
    sim::Time sent = 0, done = -1;
    int status = 0;
    std::string error, served_by;
  };
  explicit Curl(sim::Node& node) : sim::Process(node, "curl") { start_delay = sim::Distribution::constant(0); }
  std::vector<Reply> replies;
  void get_at(sim::Time t, sim::Ipv4 ip, std::uint16_t port = 80) {
    const std::size_t i = replies.size();
    replies.emplace_back();
    sim().at(t, [this, i, ip, port] {
      replies[i].sent = sim().now();
      models::HttpRequest req;
      models::http_request(*this, ip, port, req, 5_s, 60_s, [this, i](const models::HttpResponse& r, sim::ConnId) {
        replies[i].done = sim().now();
        replies[i].status = r.status;
        replies[i].error = r.error;
        replies[i].served_by = r.served_by;
      });
    }, sim::Phase::Normal, owner());
  }
  std::vector<std::string> served_by() const {
    std::vector<std::string> out;
    for (const auto& r : replies) out.push_back(r.status == 0 ? r.error : r.served_by);
    return out;
  }

 protected:
  void on_start() override {}
};

/// One check result as the trace records it.
struct CheckRecord {
  sim::Time at;  // completion time
  std::string status;
  bool ok;
  std::int64_t health;
  double duration_ms;
};

struct Stack {
  sim::Simulation s{1};
  sim::SegmentId lan;
  models::haproxy::HaproxyConfig config;
  models::haproxy::Haproxy* lb = nullptr;
  std::map<std::string, models::Nginx*> nginx;

  Stack() : lan(s.network().add_segment("lan", *sim::Subnet::parse("10.0.0.0/24"), sim::Distribution::constant(100_us))) {
    config.frontends.push_back(models::haproxy::FrontendConfig{"fe", 80, "be"});
    models::haproxy::BackendConfig be;
    be.name = "be";
    config.backends.push_back(be);
  }

  models::haproxy::BackendConfig& backend(std::size_t i = 0) { return config.backends.at(i); }

  /// A node `name` running nginx (started at t=0 unless `running` is false) and a server of the
  /// same name in backend `be_index`; returns the server's config for further settings.
  models::haproxy::ServerConfig& server(const std::string& name, bool check = true, bool running = true,
                                        std::size_t be_index = 0, sim::Time service_time = 300_us) {
    sim::Node& n = add_node(name);
    models::NginxConfig nc;
    nc.service_time = sim::Distribution::constant(service_time);
    // One process (`master_process off`): these tests are about HAProxy, and kill() or freeze()
    // of that process is the whole nginx, as `pkill -x nginx` is for a master and its worker.
    nc.master_process = false;
    auto& ng = n.add_process<models::Nginx>(nc);
    ng.start_delay = sim::Distribution::constant(0);
    ng.stop_delay = sim::Distribution::constant(0);
    ng.autostart = running;
    nginx[name] = &ng;
    models::haproxy::ServerConfig sc;
    sc.name = name;
    sc.address = name;
    sc.port = 80;
    sc.check = check;
    auto& servers = config.backends.at(be_index).servers;
    servers.push_back(sc);
    return servers.back();
  }

  sim::Node& add_node(const std::string& name) {
    sim::Node& n = s.add_node(name);
    n.start_delay = sim::Distribution::constant(0);
    s.network().attach(n, lan, std::nullopt);
    n.start();
    return n;
  }

  Curl& client(const std::string& name = "cli") {
    sim::Node& n = add_node(name);
    return n.add_process<Curl>();
  }

  /// Adds the load balancer node "lb"; haproxy runs from t=1s.
  Stack& start() {
    sim::Node& n = add_node("lb");
    lb = &n.add_process<models::haproxy::Haproxy>(config);
    lb->start_delay = sim::Distribution::constant(1_s);
    return *this;
  }
  Stack& run_until(sim::Time t) {
    s.run_until(t);
    return *this;
  }
  sim::Node& node(const std::string& name) { return *s.find_node(name); }
  sim::Ipv4 lb_ip() { return *s.network().address_of(node("lb").id()); }

  std::vector<CheckRecord> checks(const std::string& server) const {
    std::vector<CheckRecord> out;
    for (const auto& r : s.trace().records()) {
      if (r.kind != "check" || r.text("server") != server) continue;
      out.push_back(CheckRecord{r.time, r.text("status"), std::get<bool>(*r.find("ok")),
                                std::get<std::int64_t>(*r.find("health")), std::get<double>(*r.find("duration_ms"))});
    }
    return out;
  }
  std::vector<std::int64_t> healths(const std::string& server) const {
    std::vector<std::int64_t> out;
    for (const auto& c : checks(server)) out.push_back(c.health);
    return out;
  }
  std::vector<std::string> statuses(const std::string& server) const {
    std::vector<std::string> out;
    for (const auto& c : checks(server)) out.push_back(c.status);
    return out;
  }
  std::vector<sim::Time> check_times(const std::string& server) const {
    std::vector<sim::Time> out;
    for (const auto& c : checks(server)) out.push_back(c.at);
    return out;
  }
  /// Times of "server_down" / "server_up" records for a server.
  std::vector<sim::Time> events(const std::string& kind, const std::string& server) const {
    std::vector<sim::Time> out;
    for (const auto& r : s.trace().records())
      if (r.kind == kind && r.text("server") == server) out.push_back(r.time);
    return out;
  }
  const models::haproxy::Server& srv(const std::string& name) const {
    for (const auto& b : lb->backends())
      for (const auto& sv : b->servers)
        if (sv->config.name == name) return *sv;
    throw std::runtime_error("no server " + name);
  }
};

}  // namespace testing
