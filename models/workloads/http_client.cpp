#include "models/workloads/http_client.hpp"

#include <algorithm>
#include <cmath>

#include "models/workloads/events.hpp"
#include "sim/events.hpp"
#include "sim/json.hpp"
#include "sim/node.hpp"

namespace models {

HttpClient::HttpClient(sim::Node& node, HttpClientConfig config)
    : sim::Process(node, "client:" + config.name),
      config_(std::move(config)),
      loop_rng_(node.sim().rng("client:" + config_.name + "/loop")),
      wakeup_rng_(node.sim().rng("client:" + config_.name + "/wakeup")) {
  path_ = url_path(config_.url);
}

void HttpClient::on_start() {
  const sim::Time wait = config_.start > sim().now() ? config_.start - sim().now() : 0;
  after(wait, [this] { send_next(); });
}

void HttpClient::send_next() {
  if (config_.count > 0 && sent_ >= config_.count) return;
  if (config_.duration > 0 && sim().now() >= config_.start + config_.duration) return;
  ++sent_;
  const sim::Time sent = sim().now();
  auto target = HostPort::parse(config_.url, 80);
  auto ip = target ? container_dns(sim(), target->host) : std::nullopt;
  auto next = [this, sent](const HttpResponse& r) {
    record(r, sent);
    const auto overhead = static_cast<sim::Time>(
        std::llround(static_cast<double>(config_.loop_overhead.sample(loop_rng_)) * config_.loop_overhead_scale));
    after(config_.interval + overhead, [this] { send_next(); });
  };
  if (!ip) {  // curl: "Could not resolve host"
    next(HttpResponse{0, "dns", ""});
    return;
  }
  HttpRequest req;
  req.path = path_;
  const CurlDeadlines d = curl_deadlines(config_, wakeup_rng_);
  http_request(*this, *ip, target->port, req, d.connect_timeout, d.timeout,
               [next](const HttpResponse& r, sim::ConnId) { next(r); });
}

CurlDeadlines curl_deadlines(const HttpClientConfig& config, sim::Rng& wakeup_rng) {
  const sim::Time late = std::max<sim::Time>(0, config.wakeup_delay.sample(wakeup_rng));
  return {config.connect_timeout + late, config.timeout >= kNoTimeout ? config.timeout : config.timeout + late};
}

void HttpClient::record(const HttpResponse& r, sim::Time sent) {
  namespace ev = models::workloads::events;
  const bool ok = r.status >= 200 && r.status < 400;
  const std::string& w = config_.name;
  // Invariant `no_failed_requests`: violated from a failed request until the next good one.
  // Stamped with the send time, like outage_max_s: the user's outage began when the request left.
  sim().invariants().update(sim().scenario_time(sent), "no_failed_requests", w, !ok, [&] {
    return w + " requests failing (first: " + (r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error) + ")";
  });
  // The loop's metrics (W.requests, W.failed, W.served.NODE, W.outage_max_s) are computed from
  // this record (scenarios/checks/load.cpp), as they are from a real run's.
  sim().record(ev::kRequest, {{sim::events::field::kNode, node().name()}, {ev::field::kWorkload, w},
                              {ev::field::kSeq, static_cast<std::int64_t>(++seq_)}, {ev::field::kSentS, sim::seconds_text(sim().scenario_time(sent))},
                              {ev::field::kStatus, static_cast<std::int64_t>(r.status)}, {ev::field::kError, r.error},
                              {ev::field::kServedBy, r.served_by},
                              {ev::field::kLatencyMs, static_cast<double>((sim().now() - sent) / 1000) / 1000.0}});
}

}  // namespace models
