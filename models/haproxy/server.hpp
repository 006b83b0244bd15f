#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/haproxy/config.hpp"
#include "sim/network.hpp"
#include "sim/simulation.hpp"
#include "sim/tcp.hpp"

namespace models::haproxy {

class Haproxy;
struct Backend;

/// A backend server as HAProxy tracks it: its address, its administrative state (maintenance
/// while its name does not resolve) and its health counter.
struct Server {
  ServerConfig config;
  Backend* backend = nullptr;
  std::optional<sim::Ipv4> addr;  // none: in maintenance (resolution)
  bool maint = false;
  bool up = true;       // operational state seen by the load balancer
  int health = 0;       // 0 .. rise+fall-1; UP while >= rise
  int active = 0;       // connections in progress (leastconn)
  std::string last_check = "INI";
  sim::Time last_check_duration = 0;
  sim::Time last_change = 0;
  sim::Time downtime = 0;
  std::uint64_t checks = 0, checks_failed = 0, requests = 0, connect_errors = 0;
  /// The server's DNS resolution (src/resolvers.c struct resolv_resolution): queries left in
  /// the running resolution, whether one of its queries got NXDOMAIN, the last valid answer.
  struct Resolution {
    bool running = false;
    int tries_left = 0;
    bool got_nx = false;
    sim::Time last_valid = 0;
    sim::Time addr_seen = 0;  // when the current address was last in a valid answer
  } resolution;
  std::int64_t rr_weight = 0;  // smooth weighted round robin's running credit
  /// Client connections with a request in flight on this server (`shutdown-sessions`).
  std::vector<sim::ConnId> sessions;
  bool usable() const { return up && !maint && addr.has_value(); }
};

/// HAProxy's per-server health check: `check inter fastinter downinter rise fall`, `timeout
/// check`, `option httpchk` and `http-check expect status`. The counter and intervals follow
/// src/check.c: a fully UP server needs `fall` failures to go DOWN; the start-up state is
/// health == rise, so a server that fails its very first check goes DOWN at once.
class HealthCheck {
 public:
  HealthCheck(Haproxy& haproxy, Server& server);
  /// First check after `offset` (HAProxy staggers the first checks of all servers).
  void start(sim::Time offset);
  /// The interval HAProxy uses after the current result (srv_getinter).
  sim::Time interval() const;

 private:
  void run();
  void connected(sim::ConnId conn, sim::Time started);
  void result(bool ok, const std::string& status, sim::Time started);
  Haproxy& haproxy_;
  Server& server_;
  sim::Timer deadline_;
  sim::Rng jitter_rng_;
  std::uint64_t attempt_ = 0;  // tells a late answer from the current check
};

}  // namespace models::haproxy
