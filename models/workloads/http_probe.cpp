#include "models/workloads/http_probe.hpp"

#include <algorithm>
#include <cmath>

#include "models/workloads/events.hpp"
#include "sim/events.hpp"
#include "sim/json.hpp"
#include "sim/node.hpp"

namespace models {

HttpProbe::HttpProbe(sim::Node& node, HttpClientConfig config)
    : sim::Process(node, "client:" + config.name),
      config_(std::move(config)),
      spawn_rng_(node.sim().rng("client:" + config_.name + "/spawn")),
      wakeup_rng_(node.sim().rng("client:" + config_.name + "/wakeup")) {
  path_ = url_path(config_.url);
}

void HttpProbe::on_start() {
  // A restarted probe: the requests of its previous incarnation died with it (their answers
  // never come), so what waited behind them settles now and the count goes on from there.
  for (const auto& [seq, r] : waiting_)
    sim().invariants().update(sim().scenario_time(r.sent), "no_failed_requests", config_.name, !r.ok,
                              [&] { return config_.name + " requests failing (first: " + r.error + ")"; });
  waiting_.clear();
  next_settle_ = sent_ + 1;
  in_flight_ = 0;
  const sim::Time wait = config_.start > sim().now() ? config_.start - sim().now() : 0;
  first_tick_ = sim().now() + wait;
  ticks_ = 0;
  after(wait, [this] { tick(); });
}

void HttpProbe::tick() {
  // The loop is ready for its next request: at that request's tick, or later when it is behind.
  if (config_.count > 0 && sent_ >= config_.count) return;
  const sim::Time due = first_tick_ + ticks_ * config_.interval;
  if (config_.duration > 0 && due >= config_.start + config_.duration) return;
  if (in_flight_ >= kMaxInFlight) {  // fork() fails with EAGAIN: bash says "fork: retry" and waits
    after(sim::kSecond, [this] { tick(); });
    return;
  }
  ++ticks_;
  const std::int64_t seq = ++sent_;
  // The loop forks the request (runtime.exec_delay: its subshell and curl), then sleeps to the
  // next tick, not at all when the fork took it past it: on a busy host, where a fork takes
  // longer than the interval, the requests queue behind each other and the probe falls behind
  // its schedule (a real probe sent 213 of 350 at load 15 on 2 cores). One event waits at a
  // time, however far behind.
  const auto cost = static_cast<sim::Time>(
      std::llround(static_cast<double>(config_.loop_overhead.sample(spawn_rng_)) * config_.loop_overhead_scale));
  if (cost <= 0) forked(seq);
  else after(cost, [this, seq] { forked(seq); });
}

void HttpProbe::forked(std::int64_t seq) {
  send(seq);
  const sim::Time next = first_tick_ + ticks_ * config_.interval;
  after(next > sim().now() ? next - sim().now() : 0, [this] { tick(); });
}

void HttpProbe::send(std::int64_t seq) {
  const sim::Time sent = sim().now();
  ++in_flight_;
  auto target = HostPort::parse(config_.url, 80);
  auto ip = target ? container_dns(sim(), target->host) : std::nullopt;
  if (!ip) {  // curl: "Could not resolve host"
    finished(seq, sent, HttpResponse{0, "dns", ""});
    return;
  }
  HttpRequest req;
  req.path = path_;
  const CurlDeadlines d = curl_deadlines(config_, wakeup_rng_);
  http_request(*this, *ip, target->port, req, d.connect_timeout, d.timeout,
               [this, seq, sent](const HttpResponse& r, sim::ConnId) { finished(seq, sent, r); });
}

void HttpProbe::finished(std::int64_t seq, sim::Time sent, const HttpResponse& r) {
  namespace ev = models::workloads::events;
  --in_flight_;
  const std::string& w = config_.name;
  sim().record(ev::kRequest, {{sim::events::field::kNode, node().name()}, {ev::field::kWorkload, w},
                              {ev::field::kSeq, seq}, {ev::field::kSentS, sim::seconds_text(sim().scenario_time(sent))},
                              {ev::field::kStatus, static_cast<std::int64_t>(r.status)}, {ev::field::kError, r.error},
                              {ev::field::kServedBy, r.served_by}, {ev::field::kLb, r.lb}, {ev::field::kServer, r.server},
                              {ev::field::kLatencyMs, static_cast<double>((sim().now() - sent) / 1000) / 1000.0}});
  settle(seq, sent, r);
}

void HttpProbe::settle(std::int64_t seq, sim::Time sent, const HttpResponse& r) {
  const bool ok = r.status >= 200 && r.status < 400;
  waiting_[seq] = Result{sent, ok, r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error};
  // Invariant `no_failed_requests`, in send order, stamped with the send times (as the closed
  // loop's): the user's outage began when the first failed request left.
  while (!waiting_.empty() && waiting_.begin()->first == next_settle_) {
    const Result& x = waiting_.begin()->second;
    sim().invariants().update(sim().scenario_time(x.sent), "no_failed_requests", config_.name, !x.ok,
                              [&] { return config_.name + " requests failing (first: " + x.error + ")"; });
    waiting_.erase(waiting_.begin());
    ++next_settle_;
  }
}

}  // namespace models
