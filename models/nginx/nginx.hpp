#pragma once
// nginx 1.22 (nginx/nginx: src/os/unix/ngx_process_cycle.c, ngx_process.c, ngx_connection.c):
// a master process and the worker it forks, or, with `master_process off`, one process.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/http/http.hpp"
#include "sim/process.hpp"
#include "sim/random.hpp"

namespace models {

/// nginx serving static files (`listen 80`, a docroot holding `files`), or, with `proxy_pass`,
/// a reverse proxy such as the seed's `vip-access` container.
struct NginxConfig {
  std::uint16_t listen = 80;
  /// Paths that exist in the docroot and answer 200; anything else answers 404.
  std::vector<std::string> files = {"/"};
  /// Time to produce a response once the request is read.
  sim::Distribution service_time = sim::Distribution::constant(300 * sim::kMicrosecond);
  /// `proxy_pass http://HOST:PORT` (empty: serve files).
  std::string proxy_pass;
  sim::Time proxy_connect_timeout = 60 * sim::kSecond;  // nginx defaults
  sim::Time proxy_read_timeout = 60 * sim::kSecond;
  /// `master_process on|off` (default on): a master that forks `worker_processes 1` worker, or
  /// one process that serves itself (ngx_single_process_cycle).
  bool master_process = true;
};

/// What a serving nginx process does (the http modules): listen, then answer each request from
/// the docroot or through `proxy_pass`. Owned by the process that serves: the worker, or the one
/// process of `master_process off`.
class NginxHttp {
 public:
  NginxHttp(sim::Process& p, const NginxConfig& config);
  void open();   // the listening socket is ours: accept and serve
  void close();  // SIGQUIT: stop accepting, finish what is in progress
  std::uint64_t served() const { return served_; }

 private:
  void serve(sim::ConnId conn, HttpRequest req);
  void proxy(sim::ConnId conn, HttpRequest req);
  sim::Process& p_;
  const NginxConfig& config_;
  std::optional<HostPort> proxy_target_;  // `proxy_pass` read once (none: unreadable)
  sim::Rng service_rng_;
  std::uint64_t served_ = 0;
};

/// An nginx worker process ("nginx: worker process", ngx_worker_process_cycle). It has no
/// parent-death signal and does not watch its master: when the master dies, the worker's end
/// of their channel socketpair reads EOF, ngx_channel_handler closes it and the worker goes on
/// accepting and serving, orphaned, until it is signalled itself. SIGQUIT (ngx_quit): it closes
/// its listening socket and exits once its requests are done; SIGTERM (ngx_terminate): it exits
/// at once. hasim's `stop` is SIGQUIT, the official image's STOPSIGNAL.
class NginxWorker final : public sim::Process {
 public:
  NginxWorker(sim::Node& node, const NginxConfig& config);
  std::uint64_t served() const { return http_.served(); }

 protected:
  void on_start() override;
  void on_sigterm() override;

 private:
  NginxHttp http_;
};

/// nginx as started (`nginx -g 'daemon off;'`): the master process ("nginx: master process",
/// ngx_master_process_cycle), which writes `pid /run/nginx.pid`, forks its worker and forks a
/// new one at once when a worker dies unasked (ngx_reap_children: respawn). On SIGQUIT (and
/// SIGTERM) it signals its worker and exits once the worker is reaped, removing its pid file
/// (ngx_master_process_exit). SIGKILLed, it leaves its worker serving. Both are "nginx" to
/// `pkill -x`: fault targets name them `nginx` (both), `nginx_master` (by its pid file).
/// With `master_process off` this process serves itself and forks nothing.
class Nginx final : public sim::Process {
 public:
  /// The `pid` directive as rendered (validation/kinds/nginx.cpp).
  static constexpr const char* kPidFile = "/run/nginx.pid";
  /// ngx_open_listening_sockets: a bind() that fails with EADDRINUSE is tried 5 times, 500 ms
  /// apart ("try again to bind() after 500ms"), then the master exits ("still could not bind()").
  static constexpr int kBindTries = 5;
  static constexpr sim::Time kBindRetry = 500 * sim::kMillisecond;
  Nginx(sim::Node& node, NginxConfig config);
  const NginxConfig& config() const { return config_; }
  /// The worker (nullptr with `master_process off`).
  NginxWorker* worker() const { return worker_; }
  /// Requests answered by this nginx (its worker's, or its own).
  std::uint64_t served() const { return worker_ ? worker_->served() : http_.served(); }
  /// Workers forked again after one died (not counting the first fork).
  int respawns() const { return respawns_; }
  /// fork() to the worker's event loop: the respawned worker accepts this long after its
  /// predecessor is reaped (not measured: a fork and the worker's init, well under a millisecond).
  sim::Distribution respawn_start_delay = sim::Distribution::constant(sim::kMillisecond);

 protected:
  void on_start() override;
  void on_sigterm() override;
  void on_stopped() override;
  void on_child_exit(sim::Process& child, bool graceful) override;

 private:
  /// The listening socket: does another process on the node (an orphaned worker of an earlier
  /// master) still hold the port? Then bind() fails with EADDRINUSE.
  void bind_and_fork(int tries_left);
  NginxConfig config_;
  NginxHttp http_;
  NginxWorker* worker_ = nullptr;
  int respawns_ = 0;
};

}  // namespace models
