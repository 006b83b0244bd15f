#include "models/nginx/nginx.hpp"

#include <algorithm>

#include "sim/disk.hpp"
#include "sim/node.hpp"
#include "sim/tcp.hpp"

namespace models {

// The daemon's stream (NODE/nginx/service), whichever of its processes serves: a scenario keeps
// its draws whether nginx runs a worker or not, and a respawned worker continues the stream.
NginxHttp::NginxHttp(sim::Process& p, const NginxConfig& config)
    : p_(p),
      config_(config),
      proxy_target_(config.proxy_pass.empty() ? std::nullopt : HostPort::parse(config.proxy_pass, 80)),
      service_rng_(p.sim().rng(p.node().name() + "/nginx/service")) {}

void NginxHttp::open() {
  http_listen(p_, config_.listen, [this](sim::ConnId conn, HttpRequest req) { serve(conn, std::move(req)); });
}

void NginxHttp::close() {
  p_.sim().log().debug("{}: nginx closes its listening socket (graceful stop)", p_.node().name());
  p_.sim().tcp().unlisten(p_, config_.listen);
}

void NginxHttp::serve(sim::ConnId conn, HttpRequest req) {
  if (!config_.proxy_pass.empty()) {
    proxy(conn, std::move(req));
    return;
  }
  const sim::Time t = config_.service_time.sample(service_rng_);
  // The path alone is kept: the whole request would not fit in the event's callback.
  p_.after(t, [this, conn, path = std::move(req.path)] {
    const bool exists = std::find(config_.files.begin(), config_.files.end(), path) != config_.files.end();
    ++served_;
    http_reply(p_, conn, HttpResponse{exists ? 200 : 404, "", p_.node().name()});
  });
}

void NginxHttp::proxy(sim::ConnId conn, HttpRequest req) {
  const auto& target = proxy_target_;
  auto ip = target ? container_dns(p_.sim(), target->host) : std::nullopt;
  if (!ip) {
    http_reply(p_, conn, HttpResponse{502, "", p_.node().name()});
    return;
  }
  HttpRequest upstream;
  upstream.method = req.method;
  upstream.path = req.path;
  http_request(p_, *ip, target->port, upstream, config_.proxy_connect_timeout,
               config_.proxy_connect_timeout + config_.proxy_read_timeout,
               [this, conn](const HttpResponse& r, sim::ConnId) {
                 // nginx answers 502 when the upstream refuses or resets, 504 when it times out.
                 HttpResponse out = r;
                 if (r.status == 0) out = HttpResponse{r.error == "timeout" ? 504 : 502, "", p_.node().name()};
                 http_reply(p_, conn, out);
               });
}

NginxWorker::NginxWorker(sim::Node& node, const NginxConfig& config)
    : sim::Process(node, "nginx_worker", "nginx"), http_(*this, config) {}

void NginxWorker::on_start() { http_.open(); }

void NginxWorker::on_sigterm() { http_.close(); }

Nginx::Nginx(sim::Node& node, NginxConfig config)
    : sim::Process(node, "nginx", "nginx"), config_(std::move(config)), http_(*this, config_) {
  if (config_.master_process) {
    worker_ = &node.add_process<NginxWorker>(config_);
    adopt(*worker_, /*pdeath_sigterm=*/false);  // ngx_spawn_process sets no parent-death signal
  }
}

void Nginx::on_start() {
  if (worker_ == nullptr) {
    http_.open();  // master_process off: this process serves
    return;
  }
  // The first fork is part of the daemon's own start-up (calibrated from exec to "start worker
  // process"); the worker stops as the daemon is told to stop.
  worker_->start_delay = sim::Distribution::constant(0);
  worker_->stop_delay = stop_delay;
  bind_and_fork(kBindTries);
}

void Nginx::bind_and_fork(int tries_left) {
  if (state() != sim::ProcessState::Running) return;
  if (sim().tcp().listening(node().id(), config_.listen)) {
    // Another process still listens on the port: an orphaned worker of a master that was
    // SIGKILLed ("bind() to 0.0.0.0:80 failed (98: Address already in use)").
    if (tries_left > 1) {
      after(kBindRetry, [this, tries_left] { bind_and_fork(tries_left - 1); });
      return;
    }
    sim().log().info("{}: nginx: still could not bind()", node().name());
    kill();  // exit(1) before writing its pid file or forking
    return;
  }
  // ngx_create_pidfile: the master's PID, written before the workers are forked.
  node().disk().write_file(kPidFile, std::to_string(pid()) + "\n");
  worker_->start();
}

void Nginx::on_child_exit(sim::Process& child, bool /*graceful*/) {
  if (&child != worker_) return;
  if (state() == sim::ProcessState::Stopping) {
    finish_stop();  // the last worker reaped: ngx_master_process_exit
    return;
  }
  // ngx_reap_children: a worker that exited while the master was not stopping is forked again
  // at once ("worker process N exited on signal 9", "start worker process M").
  ++respawns_;
  worker_->start_delay = respawn_start_delay;
  worker_->start();
}

void Nginx::on_sigterm() {
  if (worker_ == nullptr) {
    http_.close();
    return;
  }
  // ngx_signal_worker_processes: the worker gets the signal (QUIT: graceful, TERM: at once);
  // the master exits when it has reaped it.
  if (worker_->state() == sim::ProcessState::Stopped) return;  // none left: exit after stop_delay
  worker_->stop_delay = stop_delay;
  worker_->stop();
  hold_exit();
}

void Nginx::on_stopped() {
  if (worker_ != nullptr) node().disk().remove(kPidFile);  // ngx_delete_pidfile
}

}  // namespace models
