#pragma once
// libpq's walk over a conninfo's host list (fe-connect.c PQconnectPoll, PostgreSQL 14+), shared by
// every libpq user here: the walreceiver's primary_conninfo and the clients' sessions.
#include <optional>
#include <string>
#include <vector>

namespace models::postgres {

/// `target_session_attrs` (libpq 14+): which server a session accepts.
enum class TargetSessionAttrs { Any, ReadWrite, ReadOnly, Primary, Standby, PreferStandby };
std::optional<TargetSessionAttrs> parse_target_session_attrs(const std::string& text);
const char* to_string(TargetSessionAttrs t);

/// libpq's host list ("pg1,pg2") as its names, in order; one name is a list of one.
std::vector<std::string> split_host_list(const std::string& hosts);

/// Hosts tried in the order written. A host is left for the next one when its name does not
/// resolve, its connect fails or times out (connect_timeout applies to each host), the server
/// answers the startup packet with 57P03 (starting up, shutting down, not accepting
/// connections), or, once connected, the server does not fit `target_session_attrs`: libpq
/// decides that from the in_hot_standby and default_transaction_read_only values a 14+ server
/// reports at startup (read-write: neither is on; read-only: one is; primary: not in hot
/// standby; standby: in hot standby) and closes that session with a Terminate. Any other error
/// ends the attempt at once. When the hosts run out, prefer-standby starts over at the first
/// host accepting any server (SERVER_TYPE_PREFER_STANDBY_PASS2); every other target fails with
/// each host's reason, one line per host, as libpq's error message holds them.
///
///   HostWalk w({"pg2", "pg3", "pg1"}, TargetSessionAttrs::Standby);
///   while (auto h = w.current()) { ... w.next("connection refused"); }
class HostWalk {
 public:
  HostWalk() = default;
  HostWalk(std::vector<std::string> hosts, TargetSessionAttrs target);
  /// The host to try now, or nullopt once every host (and prefer-standby's second pass) failed.
  std::optional<std::string> current() const;
  /// The current host failed for `why` (recorded for error()): on to the next.
  void next(const std::string& why);
  /// Whether a server reporting these values is one the session accepts (always true on
  /// prefer-standby's second pass, as for any).
  bool fits(bool in_hot_standby, bool default_transaction_read_only) const;
  /// libpq's reason for refusing a server that does not fit ("session is read-only", ...).
  std::string mismatch() const;
  /// Each failed host's reason, one per line (what libpq's error message holds).
  const std::string& error() const { return error_; }
  /// The last host's reason alone.
  const std::string& last_error() const { return last_error_; }
  bool second_pass() const { return second_pass_; }

 private:
  std::vector<std::string> hosts_;
  TargetSessionAttrs target_ = TargetSessionAttrs::Any;
  std::size_t index_ = 0;
  bool second_pass_ = false;
  std::string error_, last_error_;
};

}  // namespace models::postgres
