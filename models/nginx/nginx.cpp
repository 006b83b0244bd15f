#include "models/nginx/nginx.hpp"

#include <algorithm>

#include "sim/node.hpp"

namespace models {

Nginx::Nginx(sim::Node& node, NginxConfig config)
    : sim::Process(node, "nginx"), config_(std::move(config)), service_rng_(rng("service")) {}

void Nginx::on_start() {
  http_listen(*this, config_.listen, [this](sim::ConnId conn, HttpRequest req) { serve(conn, std::move(req)); });
}

void Nginx::on_sigterm() {
  sim().log().debug("{}: nginx closes its listening socket (graceful stop)", node().name());
  sim().tcp().unlisten(*this, config_.listen);
}

void Nginx::serve(sim::ConnId conn, HttpRequest req) {
  if (!config_.proxy_pass.empty()) {
    proxy(conn, std::move(req));
    return;
  }
  const sim::Time t = config_.service_time.sample(service_rng_);
  after(t, [this, conn, req] {
    const bool exists = std::find(config_.files.begin(), config_.files.end(), req.path) != config_.files.end();
    ++served_;
    http_reply(*this, conn, HttpResponse{exists ? 200 : 404, "", node().name()});
  });
}

void Nginx::proxy(sim::ConnId conn, HttpRequest req) {
  auto target = HostPort::parse(config_.proxy_pass, 80);
  auto ip = target ? container_dns(sim(), target->host) : std::nullopt;
  if (!ip) {
    http_reply(*this, conn, HttpResponse{502, "", node().name()});
    return;
  }
  HttpRequest upstream;
  upstream.method = req.method;
  upstream.path = req.path;
  http_request(*this, *ip, target->port, upstream, config_.proxy_connect_timeout,
               config_.proxy_connect_timeout + config_.proxy_read_timeout,
               [this, conn, req](const HttpResponse& r, sim::ConnId) {
                 // nginx answers 502 when the upstream refuses or resets, 504 when it times out.
                 HttpResponse out = r;
                 if (r.status == 0) out = HttpResponse{r.error == "timeout" ? 504 : 502, "", node().name()};
                 http_reply(*this, conn, out);
               });
}

}  // namespace models
