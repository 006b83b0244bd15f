#pragma once
// HTTP/1 exchanges over sim::Tcp, as the models need them: one request per connection
// (curl's default in a shell loop, HAProxy's health checks, `option http-server-close`).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "models/runtime/embedded_dns.hpp"
#include "sim/network.hpp"
#include "sim/process.hpp"
#include "sim/tcp.hpp"

namespace models {

struct HttpResponse {
  HttpResponse() = default;
  HttpResponse(int status_, std::string error_, std::string served_by_, std::string lb_ = {}, std::string server_ = {})
      : status(status_), error(std::move(error_)), served_by(std::move(served_by_)), lb(std::move(lb_)), server(std::move(server_)) {}
  int status = 0;           // 0: no HTTP answer (see `error`)
  std::string error;        // "refused", "timeout", "reset", "closed", "unreachable", "" when answered
  std::string served_by;    // the node that produced the body (for distribution reports)
  /// The load balancer that relayed it and the server it chose there: what HAProxy adds to each
  /// answer of a rendered stack whose client records them (`http-after-response set-header
  /// X-Hasim-Lb`, `X-Hasim-Server %[srv_name]`); "" when no HAProxy answered, or it chose none.
  std::string lb;
  std::string server;
};

struct HttpRequest {
  std::string method = "GET";
  std::string path = "/";
  sim::NodeId client_node = 0;   // the connecting node: `balance source` hashes its address
};

/// Serves HTTP on (server's node, port): every request read on a connection accepted there goes
/// to `serve`, in the server process; the answer goes back with http_reply. A process may serve
/// several ports, each with its own handler.
void http_listen(sim::Process& server, std::uint16_t port, std::function<void(sim::ConnId, HttpRequest)> serve);

/// A response handler: kept in place (a `this` and a few ids), where a std::function would allocate.
using ResponseFn = sim::Function<void(const HttpResponse&)>;
/// Calls `on_response` (in `client`) for each response read on `conn`.
void http_on_response(sim::Process& client, sim::ConnId conn, ResponseFn on_response);

/// A request timeout this long or longer is none at all (curl without --max-time): nothing is scheduled.
constexpr sim::Time kNoTimeout = sim::kNever / 4;

/// One HTTP request: connect, send, wait for the response or a reset, all bounded by `timeout`.
/// `done` runs exactly once, in `client`. `connect_timeout` bounds the handshake alone.
void http_request(sim::Process& client, sim::Ipv4 ip, std::uint16_t port, HttpRequest req,
                  sim::Time connect_timeout, sim::Time timeout,
                  std::function<void(const HttpResponse&, sim::ConnId)> done);

/// Sends `req` over an open connection from `from`; the peer's http_listen handler serves it.
void http_send(sim::Process& from, sim::ConnId conn, const HttpRequest& req);

/// Sends `resp` back over `conn` from the serving process to the requester.
void http_reply(sim::Process& server, sim::ConnId conn, HttpResponse resp);

/// Container DNS (Docker's embedded server, podman's aardvark): the simulation's
/// runtime::EmbeddedDns when the scenario has one (`runtime.dns`), otherwise an ideal engine's:
/// a running container's name resolves to its current address, any other name is NXDOMAIN.
runtime::DnsAnswer container_dns_query(sim::Simulation& sim, const std::string& name);
/// The address `container_dns_query` answers, if any (NXDOMAIN and no answer both give none).
std::optional<sim::Ipv4> container_dns(sim::Simulation& sim, const std::string& name);

/// "host:port" or "ip:port" (port defaults to `default_port`).
struct HostPort {
  std::string host;
  std::uint16_t port = 80;
  static std::optional<HostPort> parse(const std::string& text, std::uint16_t default_port);
};

/// The path a client asks for at `url` (http://HOST[:PORT]/PATH): "/PATH", or "/" when none.
std::string url_path(const std::string& url);

}  // namespace models
