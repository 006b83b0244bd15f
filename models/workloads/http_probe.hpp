#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "models/http/http.hpp"
#include "models/workloads/http_client.hpp"
#include "sim/process.hpp"
#include "sim/random.hpp"

namespace models {

/// An open-loop HTTP probe: a shell loop that starts `curl --connect-timeout C --max-time T URL &`
/// every `interval` on a fixed schedule (validation/render.cpp's probe.sh), the way load
/// generators and monitoring probes send. Each request is in flight on its own, bounded by its
/// own timeouts, so a request that hangs delays none of the next ones; a request that times out
/// fails at its own `timeout` after it was sent. Takes the closed loop's config (same keys:
/// `interval`, `timeout` = --max-time, `connect_timeout` = --connect-timeout, `count`, `start`,
/// `duration`). `loop_overhead` (runtime.exec_delay: bash forking curl) delays each request
/// from its tick, as it delays each iteration of the closed loop, but never the next tick;
/// the loop forks one request at a time, so when forks take longer than the interval the
/// requests queue behind each other.
class HttpProbe final : public sim::Process {
 public:
  /// Requests in flight at most: each is two processes (its subshell and curl), and a
  /// container's processes are limited (`nproc=32768`, the engine's default_ulimits); past it
  /// the loop's fork fails and bash retries a second later. Bounds a run's memory too.
  static constexpr std::int64_t kMaxInFlight = 16384;
  HttpProbe(sim::Node& node, HttpClientConfig config);
  const HttpClientConfig& config() const { return config_; }
  /// Requests sent so far, and those still in flight.
  std::int64_t sent() const { return sent_; }
  std::int64_t in_flight() const { return in_flight_; }

 protected:
  void on_start() override;

 private:
  void tick();
  void forked(std::int64_t seq);  // the request's fork is done: it leaves, the loop sleeps to its next tick
  void send(std::int64_t seq);
  void finished(std::int64_t seq, sim::Time sent, const HttpResponse& r);
  void settle(std::int64_t seq, sim::Time sent, const HttpResponse& r);
  HttpClientConfig config_;
  std::string path_;
  std::int64_t sent_ = 0, in_flight_ = 0;
  /// `no_failed_requests` follows the requests in send order (a failure opens it at its send
  /// time, the next good answer closes it), but answers come in any order: those ahead of an
  /// answer still missing wait here, by seq.
  struct Result {
    sim::Time sent;
    bool ok;
    std::string error;
  };
  std::map<std::int64_t, Result> waiting_;
  std::int64_t next_settle_ = 1;
  sim::Rng spawn_rng_;
  sim::Rng wakeup_rng_;
  sim::Time first_tick_ = 0;  // this incarnation's schedule: first_tick_ + k * interval
  std::int64_t ticks_ = 0;    // ticks of this incarnation taken so far
};

}  // namespace models
