#pragma once
// The trace records HAProxy's model makes, one name each: the same strings the real runs'
// log parser (validation/parse_logs.py) emits for the matching log lines.
namespace models::haproxy::events {

inline constexpr const char* kCheck = "check";                          // one health check's result
inline constexpr const char* kServerDown = "server_down";               // "Server B/S is DOWN"
inline constexpr const char* kServerUp = "server_up";                   // "Server B/S is UP"
inline constexpr const char* kServerMaint = "server_maint";             // "is going DOWN for maintenance"
inline constexpr const char* kServerReady = "server_ready";             // leaves maintenance (its name resolves)
inline constexpr const char* kServerAddrChange = "server_addr_change";  // "changed its IP from A to B by DNS"
inline constexpr const char* kDnsError = "dns_error";                   // a resolution failed or timed out
inline constexpr const char* kBackendDown = "backend_down";             // "backend B has no server available!"
inline constexpr const char* kSessionsShutdown = "sessions_shutdown";   // on-marked-down shutdown-sessions
inline constexpr const char* kStartFailed = "haproxy_start_failed";     // an unresolvable server at start-up
/// An answer HAProxy sent a client whose status is not 2xx (its own 503/502/504, or a server's
/// answer relayed): node, backend, server ("" when it chose none: httplog's <NOSRV>), status.
/// The real runs' parser makes one of each `option httplog` line with such a status. 2xx
/// answers make no record: the metric (haproxy.http_STATUS, scenarios/checks/responses.hpp)
/// counts only the others, and a record per answer would cost every request a record.
inline constexpr const char* kHttpNon2xx = "http_non_2xx";

/// Fields of server_down / server_up / server_maint: node (the HAProxy's), backend, server,
/// reason, check_duration_ms (server_down/up; the real parser has the log line instead).
namespace field {
inline constexpr const char* kBackend = "backend";
inline constexpr const char* kServer = "server";
inline constexpr const char* kReason = "reason";
inline constexpr const char* kCheckDurationMs = "check_duration_ms";
inline constexpr const char* kStatus = "status";  // http_non_2xx: the HTTP status sent (-1: none, real runs)
inline constexpr const char* kLine = "line";  // real runs only: the log line, prefix stripped
}  // namespace field

}  // namespace models::haproxy::events
