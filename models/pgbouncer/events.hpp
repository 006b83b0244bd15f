#pragma once
// Trace record kinds of the PgBouncer model, one constant each. Each stands for a line of
// pgbouncer's own log (log_connections, log_disconnections, log_pooler_errors are on by
// default), so a real run's log gives the same events (validation/kinds.py).
namespace models::pgbouncer {

/// A server connection's TCP connect succeeded ("S-...: DB/USER@ADDR:PORT new connection to
/// server (from ...)"): node, database, host, addr.
inline constexpr const char* kServerConnected = "pgbouncer_server_connected";
/// The server refused the login ("server login failed: FATAL ..."): node, database, host, message.
inline constexpr const char* kServerLoginFailed = "pgbouncer_server_login_failed";
/// A server connection closed ("S-...: closing because: REASON (age=Ns)"): node, database,
/// host, reason ("server conn crashed?", "connect failed", "connect timeout", ...).
inline constexpr const char* kServerClosed = "pgbouncer_server_closed";
/// An error sent to a client before closing it ("C-...: pooler error: MESSAGE"), always
/// FATAL with SQLSTATE 08P01: node, database, message.
inline constexpr const char* kPoolerError = "pgbouncer_pooler_error";
/// The configuration was read again (SIGHUP or the console's RELOAD): node, database, host
/// (one record per [databases] entry whose connect string changed).
inline constexpr const char* kReload = "pgbouncer_reload";

}  // namespace models::pgbouncer
