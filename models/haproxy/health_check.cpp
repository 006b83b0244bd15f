#include "models/haproxy/haproxy.hpp"
#include "models/haproxy/server.hpp"

#include "sim/node.hpp"

namespace models::haproxy {

HealthCheck::HealthCheck(Haproxy& haproxy, Server& server)
    : haproxy_(haproxy),
      server_(server),
      deadline_(haproxy.make_timer()),
      jitter_rng_(haproxy.rng("check/" + server.backend->config.name + "/" + server.config.name)) {}

sim::Time HealthCheck::interval() const {
  const ServerConfig& c = server_.config;
  if (server_.health == c.rise + c.fall - 1) return c.inter;
  if (!server_.up && server_.health == 0) return c.downinter.value_or(c.inter);
  return c.fastinter.value_or(c.inter);
}

void HealthCheck::start(sim::Time offset) {
  haproxy_.after(offset, [this] { run(); });
}

void HealthCheck::run() {
  const std::uint64_t attempt = ++attempt_;
  const sim::Time started = haproxy_.sim().now();
  if (server_.maint || !server_.addr) {
    // No address: nothing to check; look again next interval.
    haproxy_.after(interval(), [this] { run(); });
    return;
  }
  // The task's expiry covers the whole check unless `timeout check` re-arms it after connect.
  // It is the only timer of the connect (no socket timeout of its own), so on a busy host the
  // L4TOUT comes one wake-up late: real timed-out checks log 2000-2012 ms for a 2 s deadline.
  const sim::Time deadline = haproxy_.check_connect_timeout(server_) + haproxy_.wakeup();
  deadline_.arm_after(deadline, [this, attempt, started] {
    if (attempt != attempt_) return;
    result(false, "L4TOUT", started);
  });
  haproxy_.sim().tcp().connect(haproxy_, *server_.addr, server_.config.port, deadline,
                               [this, attempt, started](sim::ConnectResult r, sim::ConnId conn) {
    if (attempt != attempt_) {
      if (conn != 0) haproxy_.sim().tcp().close(conn);
      return;
    }
    switch (r) {
      case sim::ConnectResult::Connected: connected(conn, started); break;
      case sim::ConnectResult::Refused: result(false, "L4CON", started); break;
      case sim::ConnectResult::Unreachable: result(false, "L4CON", started); break;
      case sim::ConnectResult::Timeout: result(false, "L4TOUT", started); break;
    }
  });
}

void HealthCheck::connected(sim::ConnId conn, sim::Time started) {
  const BackendConfig& b = server_.backend->config;
  sim::Tcp& tcp = haproxy_.sim().tcp();
  if (!b.httpchk) {
    tcp.close(conn);
    result(true, "L4OK", started);
    return;
  }
  const std::uint64_t attempt = attempt_;
  if (auto read = haproxy_.check_read_timeout(server_)) {
    deadline_.arm_after(*read, [this, attempt, started, conn] {
      if (attempt != attempt_) return;
      haproxy_.sim().tcp().close(conn);
      result(false, "L7TOUT", started);
    });
  } else {
    // Keep the deadline armed at connect (inter), but a timeout now is a layer-7 one.
    const sim::Time left = deadline_.deadline() - haproxy_.sim().now();
    deadline_.arm_after(left, [this, attempt, started, conn] {
      if (attempt != attempt_) return;
      haproxy_.sim().tcp().close(conn);
      result(false, "L7TOUT", started);
    });
  }
  tcp.on_reset(conn, haproxy_, [this, attempt, started] {
    if (attempt == attempt_) result(false, "L7RSP", started);
  });
  // The server closed without answering (it exited with the request read): no response either.
  tcp.on_close(conn, haproxy_, [this, attempt, started, conn] {
    haproxy_.sim().tcp().close(conn);
    if (attempt == attempt_) result(false, "L7RSP", started);
  });
  HttpRequest req;
  req.method = b.httpchk_method;
  req.path = b.httpchk_uri;
  req.client_node = haproxy_.node().id();
  http_on_response(haproxy_, conn, [this, attempt, started, conn](const HttpResponse& resp) {
    if (attempt != attempt_) return;
    haproxy_.sim().tcp().close(conn);
    const int want = server_.backend->config.expect_status;
    const bool ok = want != 0 ? resp.status == want : (resp.status >= 200 && resp.status < 400);
    result(ok, ok ? "L7OK" : "L7STS", started);
  });
  http_send(haproxy_, conn, req);
}

void HealthCheck::result(bool ok, const std::string& status, sim::Time started) {
  ++attempt_;  // late answers to this check are ignored from now on
  deadline_.cancel();
  const sim::Time now = haproxy_.sim().now();
  haproxy_.check_result(server_, ok, status, now - started);
  // Next check: completion + interval (± `spread-checks` jitter), as process_chk reschedules.
  sim::Time next = interval();
  if (const int spread = haproxy_.config().spread_checks; spread > 0) {
    const sim::Time span = next * spread / 100;
    next += jitter_rng_.uniform_int(-span, span);
  }
  haproxy_.after(next + haproxy_.wakeup(), [this] { run(); });
}

}  // namespace models::haproxy
