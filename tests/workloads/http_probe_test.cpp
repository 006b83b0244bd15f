// The open-loop HTTP probe (workload kind http_probe, models/workloads/http_probe.cpp): requests
// on a fixed schedule, each in flight on its own with its own timeout, from small YAML scenarios.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "models/workloads/http_probe.hpp"
#include "scenarios/checks/check.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/tree.hpp"

using namespace sim::literals;

namespace {

/// A run whose events hold every request record (`--events request`).
scenarios::RunResult run(const std::string& yaml, std::uint64_t seed = 1) {
  const auto spec = scenarios::spec_from_tree(scenarios::parse_yaml(yaml, "inline.yaml"), "inline.yaml");
  scenarios::RunOptions o;
  o.events.kinds = {"request"};
  return scenarios::run_scenario(spec, seed, o);
}

std::string error_of(const std::string& yaml) {
  try {
    run(yaml);
  } catch (const scenarios::ScenarioError& e) {
    return e.what();
  }
  return "";
}

// One HAProxy (no health checks: it keeps sending to a frozen server) in front of two nginx;
// the probe sends every 100 ms from 2 s, each request limited to 1 s (curl --max-time 1).
// web1 is frozen (docker pause) from 10 s to 13 s: its kernel still accepts HAProxy's
// connections, nothing answers them.
const std::string kStack = R"(
name: probe
duration: 20s
networks:
  lan: {subnet: 10.0.0.0/24, latency: 100us}
nodes:
  lb:
    networks: [lan]
    start_delay: 0s
    haproxy:
      start_delay: 0s
      defaults: {mode: http, timeout connect: 5s, timeout client: 50s, timeout server: 50s}
      frontends:
        f: {bind: "*:80", default_backend: web}
      backends:
        web:
          balance: roundrobin
          servers:
            s1: {address: "web1:80"}
            s2: {address: "web2:80"}
  web1: {networks: [lan], start_delay: 0s, nginx: {files: [/], start_delay: 0s}}
  web2: {networks: [lan], start_delay: 0s, nginx: {files: [/], start_delay: 0s}}
  client: {networks: [lan], start_delay: 0s}
faults:
  - {at: 10s, freeze: web1, for: 3s}
)";

const std::string kProbe = R"(
workloads:
  probe: {kind: http_probe, node: client, url: "http://lb:80/", interval: 100ms, timeout: 1s, start: 2s}
)";

std::vector<const sim::TraceRecord*> requests(const scenarios::RunResult& r) {
  std::vector<const sim::TraceRecord*> out;
  for (const auto& e : r.events)
    if (e.kind == "request") out.push_back(&e);
  return out;
}

std::int64_t int_of(const sim::TraceRecord& e, const char* key) { return std::get<std::int64_t>(*e.find(key)); }
sim::Time sent_of(const sim::TraceRecord& e) { return scenarios::time_field(e, "sent_s").value(); }

}  // namespace

TEST_CASE("an open-loop probe sends on its schedule while earlier requests hang", "[workloads][probe]") {
  const auto r = run(kStack + kProbe);
  const auto reqs = requests(r);
  // 2 s .. 19.9 s every 100 ms: 180 requests, each answered or timed out before the end.
  REQUIRE(reqs.size() == 180);
  std::set<std::int64_t> seqs;
  for (const auto* e : reqs) {
    const std::int64_t seq = int_of(*e, "seq");
    seqs.insert(seq);
    CHECK(sent_of(*e) == 2_s + (seq - 1) * 100_ms);  // on the schedule, hanging requests or not
  }
  CHECK(seqs.size() == 180);
  // Answers come out of send order: a request hanging on web1 ends after later ones on web2.
  bool out_of_order = false;
  for (std::size_t i = 1; i < reqs.size(); ++i) out_of_order = out_of_order || int_of(*reqs[i], "seq") < int_of(*reqs[i - 1], "seq");
  CHECK(out_of_order);
}

TEST_CASE("a timed-out request of the probe fails at its own timeout and counts as failed", "[workloads][probe]") {
  const auto r = run(kStack + kProbe);
  int timeouts = 0;
  for (const auto* e : requests(r)) {
    if (e->text("error") != "timeout") continue;
    ++timeouts;
    CHECK(e->time == sent_of(*e) + 1_s);  // its own --max-time after its own send
    CHECK(sent_of(*e) >= 10_s);
    // Sent in the freeze's first 2 s, 12 s included (its timeout, at the thaw, comes before the
    // answer); later ones are answered at the thaw.
    CHECK(sent_of(*e) <= 12_s);
    CHECK(e->text("lb").empty());  // no answer: nobody known to have relayed it
  }
  // Round robin alternates: every other request sent from 10 s to 12 s went to web1: 10.0,
  // 10.2, ..., 12.0.
  CHECK(timeouts == 11);
  CHECK(r.metrics.at("probe.failed") == 11);
  CHECK(r.metrics.at("probe.requests") == 180);
  // In send order the failures alternate with good answers: each outage lasts one interval.
  CHECK(r.metrics.at("probe.outage_max_s") == Approx(0.1));
}

TEST_CASE("the probe records which load balancer and which server answered each request", "[workloads][probe]") {
  const auto r = run(kStack + kProbe);
  int good = 0;
  for (const auto* e : requests(r)) {
    if (int_of(*e, "status") != 200) continue;
    ++good;
    CHECK(e->text("lb") == "lb");
    const std::string server = e->text("server"), by = e->text("served_by");
    CHECK(((server == "s1" && by == "web1") || (server == "s2" && by == "web2")));
  }
  CHECK(good == 169);  // 180 less the 11 timed out
  CHECK(r.metrics.at("probe.lb.lb") == 169);
  CHECK(r.metrics.at("probe.served.web1") + r.metrics.at("probe.served.web2") == 169);
}

TEST_CASE("an http_probe needs an interval above zero", "[workloads][probe][errors]") {
  CHECK_THAT(error_of(kStack + R"(
workloads:
  probe: {kind: http_probe, node: client, url: "http://lb:80/", interval: 0s}
)"),
             Catch::Contains("inline.yaml:") && Catch::Contains("workloads.probe.interval: must be greater than zero"));
  CHECK_THAT(error_of(kStack + R"(
workloads:
  probe: {kind: http_prob, node: client, url: "http://lb:80/"}
)"),
             Catch::Contains("workloads.probe.kind: unknown workload kind 'http_prob' (http_client, http_probe, pg_writer, pg_reader, pgbench)"));
}

TEST_CASE("the cost of spawning curl delays each probe request from its tick but never the next tick",
          "[workloads][probe]") {
  // runtime.exec_delay: bash forking the request's subshell and curl (the closed loop pays it
  // between iterations); 50 ms, within the interval.
  const auto r = run(kStack + kProbe + "runtime: {exec_delay: 50ms}\n");
  const auto reqs = requests(r);
  REQUIRE(reqs.size() == 180);  // still one every 100 ms from 2 s
  for (const auto* e : reqs) CHECK(sent_of(*e) == 2_s + 50_ms + (int_of(*e, "seq") - 1) * 100_ms);
}

TEST_CASE("when forking a request takes longer than the interval the probe's requests queue behind each other",
          "[workloads][probe]") {
  // A loaded host: 150 ms per fork against a 100 ms schedule. The loop forks one request at a
  // time, so the k-th leaves at 2 s + k * 150 ms, falling further behind its tick each time.
  const auto r = run(kStack + kProbe + "runtime: {exec_delay: 150ms}\n");
  const auto reqs = requests(r);
  for (const auto* e : reqs) CHECK(sent_of(*e) == 2_s + int_of(*e, "seq") * 150_ms);
  CHECK(reqs.size() == 119);  // those that left before the end at 20 s: 2 + k * 0.15 < 20
}

TEST_CASE("the probe keeps at most kMaxInFlight requests in flight, as a container's process limit does",
          "[workloads][probe]") {
  // Every 10 us to a server that never answers (frozen), each request limited to 10 s.
  const auto r = run(kStack + "  - {at: 1s, freeze: web1}\n" + R"(
workloads:
  probe: {kind: http_probe, node: client, url: "http://web1:80/", interval: 10us, timeout: 10s, start: 2s, duration: 1s}
)");
  // 1 s at 10 us would be 100,000 requests; the fork fails past 16384 in flight (and for a
  // second after each retry), so 16384 left and none ended before 12 s.
  std::int64_t n = 0;
  for (const auto* e : requests(r)) n += e->text("error") == "timeout" ? 1 : 0;
  CHECK(n == models::HttpProbe::kMaxInFlight);
}
