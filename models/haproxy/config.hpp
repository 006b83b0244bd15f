#pragma once
// haproxy.cfg as plain structs; field names follow the directives so configs render back.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/random.hpp"
#include "sim/time.hpp"

namespace models::haproxy {

/// `server NAME ADDR:PORT [check] [inter T] [fastinter T] [downinter T] [rise N] [fall N]
///  [weight N] [backup] [maxconn N] [resolvers R] [init-addr ...]`
struct ServerConfig {
  std::string name;
  std::string address;  // a container name or an IPv4 literal
  std::uint16_t port = 80;
  bool check = false;
  sim::Time inter = 2 * sim::kSecond;
  std::optional<sim::Time> fastinter;
  std::optional<sim::Time> downinter;
  int rise = 2;
  int fall = 3;
  int weight = 1;
  bool backup = false;
  int maxconn = 0;  // 0: unlimited
  std::string resolvers;  // empty: resolved once, at start-up (libc)
  /// `init-addr`: the methods tried at start-up in order: last, libc, none, or an IP.
  std::vector<std::string> init_addr = {"last", "libc"};
};

struct BackendConfig {
  std::string name;
  std::string balance = "roundrobin";  // roundrobin | leastconn | source | first
  /// `option httpchk [METHOD] [URI]`: empty method means a plain TCP check.
  bool httpchk = false;
  std::string httpchk_method = "OPTIONS";
  std::string httpchk_uri = "/";
  /// `http-check expect status N`; 0: any 2xx or 3xx passes.
  int expect_status = 0;
  bool allbackups = false;
  bool redispatch = false;
  std::optional<int> retries;
  /// `on-marked-down shutdown-sessions`
  bool shutdown_sessions_on_down = false;
  std::optional<sim::Time> timeout_check, timeout_connect, timeout_server;
  std::vector<ServerConfig> servers;
};

struct FrontendConfig {
  std::string name;
  std::uint16_t port = 80;  // `bind *:PORT`
  std::string default_backend;
};

/// `resolvers NAME` with `resolve_retries`, `timeout resolve`, `timeout retry`, `hold valid`,
/// `hold nx`, `hold timeout` (HAProxy 2.6 src/resolvers.c, src/server.c; defaults from
/// doc/configuration.txt).
struct ResolversConfig {
  std::string name;
  /// Queries sent per resolution before it gives up (the first one included).
  int resolve_retries = 3;
  /// Time between two resolutions of the same name.
  sim::Time timeout_resolve = 1 * sim::kSecond;
  /// Time to wait for an answer before the query is sent again.
  sim::Time timeout_retry = 1 * sim::kSecond;
  sim::Time hold_valid = 10 * sim::kSecond;
  /// How long after the last valid answer an NXDOMAIN result puts the server in maintenance.
  sim::Time hold_nx = 30 * sim::kSecond;
  /// The same for a resolution that got no answer at all.
  sim::Time hold_timeout = 30 * sim::kSecond;
  /// How long an answered address stays listed after it was last seen; while the server's
  /// current address is listed, HAProxy keeps it even when the name now answers another one.
  /// HAProxy's default is 0 s (doc/configuration.txt: "10s for valid, 0s for obsolete and 30s
  /// for others"); the workshop's haproxy.cfg sets 30 s, and its scenarios say so.
  sim::Time hold_obsolete = 0;
};

struct HaproxyConfig {
  // `defaults`
  sim::Time timeout_connect = 5 * sim::kSecond;
  sim::Time timeout_client = 50 * sim::kSecond;
  sim::Time timeout_server = 50 * sim::kSecond;
  std::optional<sim::Time> timeout_check;
  int retries = 3;
  /// `spread-checks` (global, percent 0..50): random jitter on every check interval.
  int spread_checks = 0;
  std::vector<FrontendConfig> frontends;
  std::vector<BackendConfig> backends;
  std::vector<ResolversConfig> resolvers;
  /// Time HAProxy itself spends handling a check result or forwarding a request.
  sim::Distribution processing = sim::Distribution::constant(50 * sim::kMicrosecond);
};

/// The deadline of a health check's connect (src/check.c): the task expires `inter` after the
/// check starts, capped by `timeout connect` only when `timeout check` is also set ("as it may be
/// too short for a full check otherwise"). The model and the validation suite (which measures
/// how late real check timeouts fire) share this rule.
inline sim::Time check_connect_timeout(const HaproxyConfig& h, const BackendConfig& b, const ServerConfig& s) {
  const auto tcheck = b.timeout_check ? b.timeout_check : h.timeout_check;
  const sim::Time tconnect = b.timeout_connect.value_or(h.timeout_connect);
  sim::Time t = s.inter;
  if (tcheck && tconnect > 0) t = std::min(t, tconnect);
  return t;
}

}  // namespace models::haproxy
