#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/haproxy/config.hpp"
#include "models/haproxy/server.hpp"
#include "models/http/http.hpp"
#include "sim/process.hpp"

namespace models::haproxy {

/// A `backend` section at run time: its servers and the balancing algorithm's position.
struct Backend {
  BackendConfig config;
  std::vector<std::unique_ptr<Server>> servers;
  std::size_t rr_next = 0;
  /// pick()'s candidates, kept between requests so a pick does not allocate.
  std::vector<Server*> candidates;
};

/// The haproxy daemon in `mode http`: frontends accept client connections and forward each
/// request to a server chosen by the backend's `balance`, with `retries` and `option
/// redispatch`; health checks run per server; `resolvers` re-resolve server names.
class Haproxy final : public sim::Process {
 public:
  Haproxy(sim::Node& node, HaproxyConfig config);

  const HaproxyConfig& config() const { return config_; }
  const std::vector<std::unique_ptr<Backend>>& backends() const { return backends_; }
  /// Called by HealthCheck on every result; changes UP/DOWN and records the events.
  void check_result(Server& s, bool ok, const std::string& status, sim::Time duration);
  /// Check timeouts as src/check.c sets them (see HealthCheck).
  sim::Time check_connect_timeout(const Server& s) const;
  std::optional<sim::Time> check_read_timeout(const Server& s) const;
  /// The stats page: one row per server (`show stat`), as JSON-ready records.
  struct StatRow {
    std::string backend, server, status, check_status, addr;
    std::uint64_t checks, checks_failed, requests, connect_errors;
    double downtime_s;
  };
  std::vector<StatRow> stats() const;

  /// Not a haproxy.cfg setting but the machine's (runtime.wakeup_delay): how late the process
  /// runs a timer on a busy host. Real check durations of a timed-out check read 2000-2012 ms
  /// for a 2 s timeout; a detection of three such checks ends tens of ms later than the ideal.
  sim::Distribution wakeup_delay = sim::Distribution::constant(0);
  /// A draw of wakeup_delay.
  sim::Time wakeup() { return wakeup_delay.sample(wakeup_rng_); }

 protected:
  void on_start() override;
  void on_exit() override;

 private:
  /// A request read on a connection that frontend `fe` (its index) accepted.
  void serve(std::size_t fe, sim::ConnId conn, HttpRequest req);
  Server* pick(Backend& b, const HttpRequest& req, const Server* avoid);
  void forward(sim::ConnId client_conn, HttpRequest req, Backend& b, Server* s, int retries_left);
  /// Sends `r` to the client, recording an http_non_2xx when its status is not 2xx (what
  /// `option httplog` logs of it and the haproxy.http_STATUS metric counts).
  void reply(sim::ConnId client_conn, HttpResponse r, const std::string& backend);
  void set_state(Server& s, bool up, const std::string& reason);
  /// Whether any server of `b` is usable; also reports the `backend_available` invariant.
  bool backend_available(const Backend& b);
  const ResolversConfig& resolvers_of(const Server& s) const;
  void start_resolution(Server& s);
  void send_query(Server& s);
  void resolution_done(Server& s, runtime::DnsStatus status, std::optional<sim::Ipv4> ip);
  void build();

  HaproxyConfig config_;

  std::vector<std::unique_ptr<Backend>> backends_;
  std::vector<std::unique_ptr<HealthCheck>> checks_;
  sim::Rng rng_;
  sim::Rng wakeup_rng_;
};

}  // namespace models::haproxy
