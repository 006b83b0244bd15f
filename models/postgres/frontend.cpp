// libpq's connection start-up for the operator's programs (see frontend.hpp).
#include "models/postgres/frontend.hpp"

#include "models/http/http.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

void FrontendProgram::connect_to(const std::string& host, std::uint16_t port, const std::string& user, bool replication) {
  host_ = host;
  ready_ = false;
  const auto ip = models::container_dns(sim(), host);
  if (!ip) return finish(false, "could not translate host name \"" + host + "\" to address: Name or service not known");
  sim::Tcp& tcp = sim().tcp();
  // No connect_timeout in the operator's conninfo: the kernel's SYN retries decide.
  tcp.connect(*this, *ip, port, tcp.syn_schedule().give_up(), [this, host, user, replication](sim::ConnectResult r, sim::ConnId c) {
    if (r != sim::ConnectResult::Connected)
      return finish(false, "connection to server at \"" + host + "\" failed: " +
                               (r == sim::ConnectResult::Refused ? "Connection refused" : r == sim::ConnectResult::Timeout ? "Connection timed out" : "No route to host"));
    conn_ = c;
    sim::Tcp& t = sim().tcp();
    t.on_data(c, *this, [this](const std::any& m, std::uint64_t) {
      if (const auto* e = std::any_cast<ErrorResponse>(&m); e != nullptr && !ready_)
        return finish(false, "connection to server at \"" + host_ + "\" failed: " + e->severity + ":  " + e->message);
      if (std::any_cast<ReadyForQuery>(&m) != nullptr) {
        if (!ready_) {
          ready_ = true;
          on_ready();
        }
        return;
      }
      if (std::any_cast<AuthenticationOk>(&m) != nullptr || std::any_cast<BackendKeyData>(&m) != nullptr) return;
      if (ready_) on_reply(m);
    });
    auto lost = [this] { finish(false, "server closed the connection unexpectedly"); };
    t.on_close(c, *this, lost);
    t.on_reset(c, *this, lost);
    t.on_timeout(c, *this, lost);
    StartupMessage sm;
    sm.user = user;
    sm.replication = replication;
    sm.application_name = name();
    t.send_data(c, *this, sm, kSmallMessageBytes);
  });
}

void FrontendProgram::send_message(std::any m, std::uint64_t bytes) {
  if (conn_ != 0 && sim().tcp().open(conn_, *this)) sim().tcp().send_data(conn_, *this, std::move(m), bytes);
}

void FrontendProgram::on_exit() {
  conn_ = 0;
  ready_ = false;
}

}  // namespace models::postgres
