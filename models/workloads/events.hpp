#pragma once
// The trace record the HTTP clients make (the closed loop, models/workloads/http_client.cpp, and
// the open-loop probe, http_probe.cpp), and its fields: the same the real runs' parser
// (validation/parse_logs.py parse_client) writes for each HASIM_REQ line of load.sh and
// probe.sh, so one check (scenarios/checks/load.cpp) reads both.
namespace models::workloads::events {

/// One request, recorded when it finished (time: its end): node, workload, seq (its place in
/// send order, from 1), sent_s (its send time: seconds as text in the simulator, a number in
/// real runs), status (0: no HTTP answer), error, served_by (the body: the nginx that answered),
/// latency_ms. The open-loop probe adds lb (the HAProxy node that accepted and relayed it) and
/// server (the server HAProxy chose, as haproxy.cfg names it), "" when none; its requests
/// finish out of send order.
inline constexpr const char* kRequest = "request";

namespace field {
inline constexpr const char* kWorkload = "workload";
inline constexpr const char* kSeq = "seq";
inline constexpr const char* kSentS = "sent_s";
inline constexpr const char* kStatus = "status";
inline constexpr const char* kError = "error";
inline constexpr const char* kServedBy = "served_by";
inline constexpr const char* kLatencyMs = "latency_ms";
inline constexpr const char* kLb = "lb";
inline constexpr const char* kServer = "server";
/// Real runs only (parse_logs.py): curl's own time_total in seconds, which starts when curl
/// does; latency_ms there starts at the shell's stamp before curl was forked, which on a busy
/// host is seconds earlier. The simulator's latency_ms starts after the fork: it is this.
inline constexpr const char* kCurlS = "curl_s";
}  // namespace field

}  // namespace models::workloads::events
