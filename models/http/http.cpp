#include "models/http/http.hpp"

#include <memory>

#include "sim/node.hpp"
#include "sim/pool_allocator.hpp"
#include "sim/shared_value.hpp"
#include "sim/simulation.hpp"

namespace models {

namespace {
/// One request's state, shared by its handlers (one pooled block): whichever of the answer, a
/// reset, an EOF, a failed connect and the timeout comes first finishes it.
struct RequestState {
  bool finished = false;
  sim::ConnId conn = 0;
  sim::EventId timeout;
  sim::Simulation* sim = nullptr;
  sim::Process* client = nullptr;
  HttpRequest req;
  std::function<void(const HttpResponse&, sim::ConnId)> done;
};

void finish_request(const std::shared_ptr<RequestState>& st, const HttpResponse& r) {
  if (st->finished) return;
  st->finished = true;
  sim::Simulation& s = *st->sim;
  // A finished request's timeout would otherwise wait in the queue, holding this state, for
  // as long as the timeout: a run's memory would grow with its requests.
  s.cancel(st->timeout);
  const sim::ConnId c = st->conn;
  if (c != 0) s.tcp().close(c);
  st->done(r, c);
}
}  // namespace

void http_request(sim::Process& client, sim::Ipv4 ip, std::uint16_t port, HttpRequest req,
                  sim::Time connect_timeout, sim::Time timeout,
                  std::function<void(const HttpResponse&, sim::ConnId)> done) {
  sim::Simulation& s = client.sim();
  auto st = std::allocate_shared<RequestState>(sim::PoolAllocator<RequestState>());
  st->done = std::move(done);
  st->sim = &s;
  st->client = &client;
  if (timeout < kNoTimeout) st->timeout = client.after(timeout, [st] { finish_request(st, HttpResponse{0, "timeout", ""}); });
  req.client_node = client.node().id();
  st->req = std::move(req);
  s.tcp().connect(client, ip, port, std::min(connect_timeout, timeout), [st](sim::ConnectResult r, sim::ConnId conn) {
    if (st->finished) return;
    if (r != sim::ConnectResult::Connected) {
      finish_request(st, HttpResponse{0, sim::to_string(r), ""});
      return;
    }
    st->conn = conn;
    sim::Process& cp = *st->client;
    sim::Tcp& tcp = st->sim->tcp();
    tcp.on_reset(conn, cp, [st] { finish_request(st, HttpResponse{0, "reset", ""}); });
    // EOF before the answer (the server exited with the request read): curl's "Empty reply".
    tcp.on_close(conn, cp, [st] { finish_request(st, HttpResponse{0, "closed", ""}); });
    http_on_response(cp, conn, [st](const HttpResponse& resp) { finish_request(st, resp); });
    http_send(cp, conn, st->req);
  });
}

void http_listen(sim::Process& server, std::uint16_t port, std::function<void(sim::ConnId, HttpRequest)> serve) {
  sim::Process* sp = &server;
  server.sim().tcp().listen(server, port, [sp, serve](sim::ConnId conn) {
    sp->sim().tcp().on_data(conn, *sp, [serve, conn](const std::any& payload, std::uint64_t) {
      if (const auto* req = std::any_cast<sim::SharedValue<HttpRequest>>(&payload)) serve(conn, **req);
    });
  });
}

void http_on_response(sim::Process& client, sim::ConnId conn, ResponseFn on_response) {
  client.sim().tcp().on_data(conn, client, [on_response](const std::any& payload, std::uint64_t) {
    if (const auto* resp = std::any_cast<sim::SharedValue<HttpResponse>>(&payload)) on_response(**resp);
  });
}

void http_send(sim::Process& from, sim::ConnId conn, const HttpRequest& req) {
  // Shared by handle: a copy of the segment (a retransmission) shares it, and std::any holds the
  // handle in place where it would allocate for the request itself.
  from.sim().tcp().send_data(conn, from, sim::SharedValue<HttpRequest>::make(req));
}

void http_reply(sim::Process& server, sim::ConnId conn, HttpResponse resp) {
  server.sim().tcp().send_data(conn, server, sim::SharedValue<HttpResponse>::make(std::move(resp)));
}

runtime::DnsAnswer container_dns_query(sim::Simulation& sim, const std::string& name) {
  if (const auto* dns = runtime::EmbeddedDns::of(sim)) return dns->query(name);
  if (auto ip = sim::Ipv4::parse(name)) return {runtime::DnsStatus::Address, ip};
  sim::Node* n = sim.find_node(name);
  if (n == nullptr || !n->up()) return {runtime::DnsStatus::NxDomain, std::nullopt};
  auto ip = sim.network().address_of(n->id());
  if (!ip) return {runtime::DnsStatus::NxDomain, std::nullopt};
  return {runtime::DnsStatus::Address, ip};
}

std::optional<sim::Ipv4> container_dns(sim::Simulation& sim, const std::string& name) {
  return container_dns_query(sim, name).addr;
}

std::string url_path(const std::string& url) {
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

std::optional<HostPort> HostPort::parse(const std::string& text, std::uint16_t default_port) {
  HostPort hp;
  std::string rest = text;
  const auto scheme = rest.find("://");
  if (scheme != std::string::npos) rest = rest.substr(scheme + 3);
  const auto slash = rest.find('/');
  if (slash != std::string::npos) rest = rest.substr(0, slash);
  const auto colon = rest.rfind(':');
  hp.port = default_port;
  if (colon != std::string::npos) {
    const std::string p = rest.substr(colon + 1);
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    const long v = std::stol(p);
    if (v < 1 || v > 65535) return std::nullopt;
    hp.port = static_cast<std::uint16_t>(v);
    rest = rest.substr(0, colon);
  }
  if (rest == "*") rest = "";
  hp.host = rest;
  return hp;
}

}  // namespace models
