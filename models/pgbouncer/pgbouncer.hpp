#pragma once
// PgBouncer 1.18 (pgbouncer/pgbouncer: src/client.c, server.c, objects.c, janitor.c, proto.c),
// the connection pooler of the seed's Demo 7, speaking the PostgreSQL protocol of
// models/postgres/protocol.hpp on both sides.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/pgbouncer/config.hpp"
#include "models/pgbouncer/dns_lookup.hpp"
#include "models/postgres/protocol.hpp"
#include "sim/network.hpp"
#include "sim/process.hpp"
#include "sim/simulation.hpp"
#include "sim/tcp.hpp"

namespace models::pgbouncer {

/// SQLSTATE of every error pgbouncer itself sends (proto.c send_pooler_error): "08P01",
/// protocol_violation, whatever the cause, with severity FATAL before it closes the client.
inline constexpr const char* kPoolerSqlstate = "08P01";

/// One pgbouncer process: clients log in to `listen_port` and send queries; each database's pool
/// lends them server connections to the `[databases]` entry's host, which it opens one at a time
/// (launch_new_connection), up to `default_pool_size` (+ `reserve_pool_size` for a client that
/// waited `reserve_pool_timeout`). In transaction and statement mode a server goes back to the
/// pool at the server's ReadyForQuery 'I'; in session mode when its client leaves (then after
/// `server_reset_query`). A failed connect or login makes the pool wait `server_login_retry`
/// from that attempt's start before the next one, and meanwhile a client asking for a server
/// when none is connected is refused at once ("server login has been failing, try again later
/// (server_login_retry)"). Waiting clients are closed after `query_wait_timeout`. The janitor
/// runs every 1/3 s (janitor.c full_maint_period): timeouts, idle checks, lifetimes.
class Pgbouncer final : public sim::Process {
 public:
  Pgbouncer(sim::Node& node, PgbouncerConfig config);

  /// RELOAD on the console, or SIGHUP: `[databases]` read again as `databases`; a pool whose
  /// connect string changed is tagged dirty (objects.c tag_pool_dirty): it forgets its welcome
  /// message, its server connections close as soon as they are idle, one still logging in at
  /// once. What a failed login taught it (server_login_retry's wait) is kept.
  void reload(const std::vector<DatabaseEntry>& databases);

  const PgbouncerConfig& config() const { return config_; }
  /// SHOW POOLS' cl_active + cl_waiting, cl_waiting, and sv_* of all states, for one database.
  int clients(const std::string& database) const;
  int waiting_clients(const std::string& database) const;
  int servers(const std::string& database) const;

 protected:
  void on_start() override;
  void on_exit() override;

 private:
  enum class ClientState { Login, Active, Waiting };
  enum class ServerState { Login, Idle, Active, Used, Tested };
  struct Client {
    sim::ConnId conn = 0;
    std::string database;
    ClientState state = ClientState::Login;
    bool wait_for_welcome = false;
    sim::Time connect_time = 0, request_time = 0, query_start = 0;
    std::uint64_t link = 0;  // its server, 0: none
    std::deque<postgres::Query> pending;  // read while it waited for a server
    bool eof = false;  // its peer closed while it waited: seen only when it is read again
  };
  struct Server {
    std::uint64_t id = 0;
    sim::ConnId conn = 0;  // 0 while its connect is under way
    std::string database, host, addr;
    ServerState state = ServerState::Login;
    bool ready = false, close_needed = false;
    sim::Time connect_time = 0, request_time = 0;
    sim::ConnId link = 0;  // its client, 0: none
    std::optional<std::uint64_t> dns_token;  // while its host's look-up runs
  };
  struct Pool {
    bool welcome_ready = false;
    bool last_login_failed = false, last_connect_failed = false;
    sim::Time last_connect_time = 0, last_lifetime_disconnect = 0;
    std::deque<sim::ConnId> waiting;  // waiting_client_list, in arrival order
  };

  // Clients (client.c, objects.c).
  void accept(sim::ConnId conn);
  void on_client_message(sim::ConnId conn, const std::any& m);
  void handle_startup(Client& c, const postgres::StartupMessage& sm);
  bool finish_client_login(Client& c);
  void welcome_client(Client& c);
  void handle_query(Client& c, const postgres::Query& q);
  bool find_server(Client& c);
  bool check_fast_fail(Client& c);
  void pause_client(Client& c);
  void activate_client(Client& c);
  void disconnect_client(sim::ConnId conn, bool notify, const std::string& reason);
  void kill_pool_logins(const std::string& database, const std::string& message);

  // Servers (server.c, objects.c).
  void launch_new_connection(const std::string& database);
  void server_connected(std::uint64_t id, sim::ConnId conn);
  void on_server_message(std::uint64_t id, const std::any& m);
  void forward(Server& s, const std::any& m);
  void release_server(Server& s);
  void reuse_on_release(Server& s);
  void launch_recheck(const std::string& database);
  void disconnect_server(std::uint64_t id, bool send_term, const std::string& reason);
  void tag_pool_dirty(const std::string& database);
  void dns_callback(std::uint64_t id, std::optional<sim::Ipv4> addr);
  int pool_size(const std::string& database) const;
  int server_count(const std::string& database, std::optional<ServerState> state = std::nullopt) const;
  Server* first_server(const std::string& database, ServerState state);

  // The loops (janitor.c).
  void per_loop_maint();
  void per_loop_activate(const std::string& database);
  void full_maint();
  void pool_server_maint(const std::string& database);
  void pool_client_maint(const std::string& database);

  void record(const char* kind, const std::string& database, std::vector<sim::Field> fields);
  /// A message of PgBouncer's own to a client, after whatever it forwarded to that client and
  /// has not sent yet.
  void send_client(sim::ConnId conn, std::any m);
  /// Sends what was forwarded to `conn` and not sent yet, in one send.
  void flush_client(sim::ConnId conn);
  void flush_forwarded();

  PgbouncerConfig config_;
  std::map<sim::ConnId, Client> clients_;
  std::map<std::uint64_t, Server> servers_;  // by id, in creation order
  std::map<std::string, Pool> pools_;        // by database name
  DnsContext dns_;
  std::uint64_t next_server_ = 1;
  std::uint32_t next_key_ = 1;
  sim::Timer maint_timer_;
  // What a server sent, read at once, goes to its client in one send (sbuf.c: sbuf_main_loop
  // reads, sbuf_process_pending tags each packet to forward and sends the tagged range once at
  // its end): a statement's CommandComplete and ReadyForQuery, which PostgreSQL flushes together,
  // reach the client together. The outbox holds them until the end of the read (an event at the
  // same time), by client connection.
  std::map<sim::ConnId, std::vector<sim::Tcp::Payload>> outbox_;
  bool flush_armed_ = false;
};

}  // namespace models::pgbouncer
