#include "models/http/http.hpp"

#include <memory>

#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace models {

void http_request(sim::Process& client, sim::Ipv4 ip, std::uint16_t port, HttpRequest req,
                  sim::Time connect_timeout, sim::Time timeout,
                  std::function<void(const HttpResponse&, sim::ConnId)> done) {
  sim::Simulation& s = client.sim();
  struct State {
    bool finished = false;
    sim::ConnId conn = 0;
    sim::EventId timeout;
    std::function<void(const HttpResponse&, sim::ConnId)> done;
  };
  auto st = std::make_shared<State>();
  st->done = std::move(done);
  auto finish = [st, &s](const HttpResponse& r) {
    if (st->finished) return;
    st->finished = true;
    // A finished request's timeout would otherwise wait in the queue, holding this state, for
    // as long as the timeout: a run's memory would grow with its requests.
    s.cancel(st->timeout);
    const sim::ConnId c = st->conn;
    if (c != 0) s.tcp().close(c);
    st->done(r, c);
  };
  if (timeout < kNoTimeout) st->timeout = client.after(timeout, [finish] { finish(HttpResponse{0, "timeout", ""}); });
  req.client_node = client.node().id();
  sim::Process* cp = &client;
  s.tcp().connect(client, ip, port, std::min(connect_timeout, timeout),
                  [st, finish, cp, &s, req](sim::ConnectResult r, sim::ConnId conn) mutable {
    if (st->finished) return;
    if (r != sim::ConnectResult::Connected) {
      finish(HttpResponse{0, sim::to_string(r), ""});
      return;
    }
    st->conn = conn;
    s.tcp().on_reset(conn, *cp, [finish] { finish(HttpResponse{0, "reset", ""}); });
    // EOF before the answer (the server exited with the request read): curl's "Empty reply".
    s.tcp().on_close(conn, *cp, [finish] { finish(HttpResponse{0, "closed", ""}); });
    http_on_response(*cp, conn, [finish](const HttpResponse& resp) { finish(resp); });
    http_send(*cp, conn, req);
  });
}

void http_listen(sim::Process& server, std::uint16_t port, std::function<void(sim::ConnId, HttpRequest)> serve) {
  sim::Process* sp = &server;
  server.sim().tcp().listen(server, port, [sp, serve](sim::ConnId conn) {
    sp->sim().tcp().on_data(conn, *sp, [serve, conn](const std::any& payload, std::uint64_t) {
      if (const auto* req = std::any_cast<HttpRequest>(&payload)) serve(conn, *req);
    });
  });
}

void http_on_response(sim::Process& client, sim::ConnId conn, std::function<void(const HttpResponse&)> on_response) {
  client.sim().tcp().on_data(conn, client, [on_response](const std::any& payload, std::uint64_t) {
    if (const auto* resp = std::any_cast<HttpResponse>(&payload)) on_response(*resp);
  });
}

void http_send(sim::Process& from, sim::ConnId conn, const HttpRequest& req) {
  from.sim().tcp().send_data(conn, from, req);
}

void http_reply(sim::Process& server, sim::ConnId conn, HttpResponse resp) {
  server.sim().tcp().send_data(conn, server, std::move(resp));
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
