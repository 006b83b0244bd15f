#pragma once
// pgbouncer.ini as plain structs. Field names are the settings' (doc/config.md); defaults are
// PgBouncer 1.18's (src/main.c, the CF_ABS table), Debian bookworm's package. Times are read as
// pgbouncer reads them (CF_TIME_USEC: seconds, a decimal fraction allowed: "15", "0.5").
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/time.hpp"

namespace models::pgbouncer {

/// `pool_mode`: when a server connection goes back to the pool (objects.c release_server).
enum class PoolMode { Session, Transaction, Statement };
const char* to_string(PoolMode m);
std::optional<PoolMode> parse_pool_mode(const std::string& text);

/// One line of `[databases]`: `demodb = host=postgres-primary port=5432 dbname=demodb`
/// (loader.c parse_database). A host written as a name is resolved by DNS at each connect.
struct DatabaseEntry {
  std::string name;            // the database clients ask for
  std::string host;            // empty: pgbouncer's default, the Unix socket (not modelled)
  std::uint16_t port = 5432;
  std::string dbname;          // empty: the same as `name`
  std::string user;            // empty: the client's user
  int pool_size = -1;          // per-database `pool_size`; -1: default_pool_size
  /// "host=... port=... dbname=..."; nullopt for a malformed or unknown keyword.
  static std::optional<DatabaseEntry> parse(const std::string& name, const std::string& connstr);
  /// The connect string it was read from, as pgbouncer.ini would have it.
  std::string connstr() const;
};

/// The `[pgbouncer]` section's settings the model acts on, and the `[databases]` entries.
struct PgbouncerConfig {
  std::uint16_t listen_port = 6432;
  PoolMode pool_mode = PoolMode::Session;
  int default_pool_size = 20;
  int max_client_conn = 100;
  int reserve_pool_size = 0;
  sim::Time reserve_pool_timeout = 5 * sim::kSecond;
  /// A server connection still logging in after this is closed ("connect timeout").
  sim::Time server_connect_timeout = 15 * sim::kSecond;
  /// After a failed connect or login, no new server connection is tried until this much after
  /// the failed attempt began (janitor's launch_new_connection).
  sim::Time server_login_retry = 15 * sim::kSecond;
  /// A client waiting for a server connection longer than this is closed; 0: never.
  sim::Time query_wait_timeout = 120 * sim::kSecond;
  /// A client still waiting for the pool's first server login after this is closed.
  sim::Time client_login_timeout = 60 * sim::kSecond;
  /// An idle server connection unused for this long is checked with `server_check_query`
  /// before it is given to a client; an empty query: never checked.
  sim::Time server_check_delay = 30 * sim::kSecond;
  std::string server_check_query = "select 1";
  /// Sent on a server connection a session-mode client leaves, before it is reused.
  std::string server_reset_query = "DISCARD ALL";
  sim::Time server_lifetime = 3600 * sim::kSecond;
  sim::Time server_idle_timeout = 600 * sim::kSecond;  // 0: never
  /// How long a DNS answer (and a failed lookup) is kept (dnslookup.c res_ttl).
  sim::Time dns_max_ttl = 15 * sim::kSecond;
  sim::Time dns_nxdomain_ttl = 15 * sim::kSecond;
  std::vector<DatabaseEntry> databases;

  /// Sets one [pgbouncer] setting from its pgbouncer.ini text; false for an unknown name or a
  /// malformed value.
  bool set(const std::string& name, const std::string& value);
  /// The settings `set` knows, in pgbouncer.ini's documented order.
  static const std::vector<std::string>& setting_names();
  const DatabaseEntry* database(const std::string& name) const;
};

}  // namespace models::pgbouncer
