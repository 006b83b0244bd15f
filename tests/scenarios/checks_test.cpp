// The checks that compute Demo 1's metrics from events (scenarios/checks/), fed hand-made
// records: the same code computes a simulated run's figures and a real run's.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "scenarios/checks/detection.hpp"
#include "scenarios/checks/load.hpp"
#include "scenarios/checks/responses.hpp"
#include "scenarios/checks/vips.hpp"
#include "sim/invariants.hpp"
#include "sim/json.hpp"

namespace {

using Servers = std::map<std::string, std::string>;  // HAPROXY_NODE/BACKEND/SERVER -> node

sim::TraceRecord rec(double t_s, const std::string& kind, std::vector<sim::Field> fields) {
  return sim::TraceRecord{static_cast<sim::Time>(t_s * 1e9 + 0.5), kind, std::move(fields), true};
}

std::map<std::string, double> run(scenarios::Check& c, const std::vector<sim::TraceRecord>& events, double end_s) {
  for (const auto& r : events) c.on_record(r);
  std::map<std::string, double> m;
  c.finish(static_cast<sim::Time>(end_s * 1e9), m);
  return m;
}

sim::TraceRecord server(double t_s, const std::string& kind, const std::string& server_name) {
  return rec(t_s, kind, {{"node", std::string("lb")}, {"backend", std::string("web")}, {"server", server_name}});
}

sim::TraceRecord fault(double t_s, const std::string& action, const std::string& target) {
  return rec(t_s, "fault", {{"action", action}, {"target", target}});
}

sim::TraceRecord vip(double t_s, bool added, const std::string& node) {
  return rec(t_s, added ? "vip_added" : "vip_removed", {{"node", node}, {"vip", std::string("172.20.0.100")}});
}

sim::TraceRecord request(double end_s, const std::string& sent_s, std::int64_t status, const std::string& by) {
  return rec(end_s, "request", {{"workload", std::string("w")}, {"sent_s", sent_s}, {"status", status}, {"served_by", by}});
}

}  // namespace

TEST_CASE("detection runs from the fault's command on the server's node to the server's state change") {
  scenarios::DetectionChecks c(Servers{{"lb/web/web1", "web1"}, {"lb/web/web2", "web2"}});
  const auto m = run(c,
                     {fault(10, "stop", "web1"), server(14.25, "server_down", "web1"), fault(30, "start", "web1"),
                      server(33.5, "server_up", "web1"), server(40, "server_down", "web2")},
                     60);
  CHECK(m.at("web.web1.detect_down_s") == Approx(4.25));
  CHECK(m.at("web.web1.detect_up_s") == Approx(3.5));
  CHECK(m.count("web.web2.detect_down_s") == 0);  // no fault on web2's node: not a detection
  CHECK(m.at("haproxy.server_down") == 2);
  CHECK(m.at("haproxy.server_up") == 1);
}

TEST_CASE("HAProxy's answers by status are counted per status over every HAProxy, and a run without any lists none") {
  auto answer = [](double t_s, const std::string& lb, std::int64_t status, const std::string& srv) {
    return rec(t_s, "http_non_2xx", {{"node", lb}, {"backend", std::string("web")}, {"server", srv}, {"status", status}});
  };
  scenarios::ResponseChecks c;
  REQUIRE(c.reads() == std::vector<std::string_view>{"http_non_2xx"});
  const auto m = run(c, {answer(10, "lb1", 503, ""), answer(11, "lb2", 503, "web1"), answer(12, "lb1", 504, "web2"),
                         answer(13, "lb1", -1, "web2")}, 30);
  CHECK(m == std::map<std::string, double>{{"haproxy.http_-1", 1}, {"haproxy.http_503", 2}, {"haproxy.http_504", 1}});
  scenarios::ResponseChecks none;
  CHECK(run(none, {}, 30).empty());
}

TEST_CASE("each fault counts for one detection and the first value of a metric stands") {
  scenarios::DetectionChecks c(Servers{{"lb/web/web1", "web1"}});
  const auto m = run(c,
                     {fault(10, "kill", "web1/nginx"), server(12, "server_maint", "web1"), server(13, "server_down", "web1"),
                      rec(20, "fault_end", {{"action", std::string("kill")}, {"target", std::string("web1/nginx")}}),
                      server(21, "server_up", "web1"), fault(50, "stop", "web1"), server(59, "server_down", "web1")},
                     90);
  CHECK(m.at("web.web1.detect_down_s") == Approx(2));  // MAINT first: traffic stops there
  CHECK(m.at("web.web1.detect_up_s") == Approx(1));    // from the fault's end
  CHECK(m.at("haproxy.server_down") == 2);             // maintenance is not counted as a DOWN
}

TEST_CASE("a server on a node no fault touched yields no detection and no counts are zero entries") {
  scenarios::DetectionChecks c(Servers{{"lb/web/web1", "web1"}});
  const auto m = run(c, {fault(10, "stop", "other")}, 30);
  CHECK(m.empty());
}

TEST_CASE("the VIP figures follow who holds the address: moves, holders, the failover gap and split brain") {
  // Real vip-watch.sh output (tests/python/test_validation_parse.py): haproxy1's container stops
  // at 20 s, haproxy2 takes the VIP 0.64 s later; haproxy1 comes back and takes it 10 ms before
  // haproxy2 lets go.
  sim::Invariants inv;
  inv.enable("single_vip_holder");
  scenarios::VipChecks c({"172.20.0.100"}, {"haproxy1", "haproxy2"}, inv);
  const auto m = run(c, {vip(3, true, "haproxy1"), vip(20, false, "haproxy1"), vip(20.64, true, "haproxy2"),
                         vip(33.99, true, "haproxy1"), vip(34, false, "haproxy2")}, 90);
  CHECK(m.at("vip.172.20.0.100.moves") == 2);
  CHECK(m.at("vip.172.20.0.100.holders_max") == 2);
  CHECK(m.at("vip.172.20.0.100.unheld_max_s") == Approx(0.64));
  CHECK(m.at("vip.172.20.0.100.multi_holder_s") == Approx(0.01));
  inv.finish(90 * sim::kSecond);
  CHECK(inv.violations().empty());  // 10 ms of two holders is a hand-over, not a split brain
  std::vector<std::string> problems;
  c.unsettled("vip_held", problems);
  CHECK(problems.empty());
}

TEST_CASE("a VIP held by two nodes past the grace is a single_vip_holder violation and unsettled for vip_held") {
  sim::Invariants inv;
  inv.enable("single_vip_holder");
  scenarios::VipChecks c({"172.20.0.100"}, {"haproxy1", "haproxy2"}, inv);
  const auto m = run(c, {vip(1, true, "haproxy2"), vip(2, true, "haproxy1")}, 10);
  CHECK(m.at("vip.172.20.0.100.multi_holder_s") == Approx(8));  // open at the end: to the end
  std::vector<std::string> problems;
  c.unsettled("vip_held", problems);
  CHECK(problems == std::vector<std::string>{"172.20.0.100 held by haproxy1,haproxy2"});  // in scenario order
  inv.finish(10 * sim::kSecond);
  REQUIRE(inv.violations().size() == 1);
  CHECK(inv.violations()[0].invariant == "single_vip_holder");
}

TEST_CASE("a VIP never configured has no gap, and one lost at the end is unheld to the end") {
  sim::Invariants inv;
  scenarios::VipChecks never({"172.20.0.100"}, {}, inv);
  CHECK(run(never, {}, 30).at("vip.172.20.0.100.unheld_max_s") == 0);
  scenarios::VipChecks lost({"172.20.0.100"}, {}, inv);
  CHECK(run(lost, {vip(1, true, "a"), vip(25, false, "a")}, 30).at("vip.172.20.0.100.unheld_max_s") == Approx(5));
}

TEST_CASE("a load loop's outage runs from the first failed request's send to the next good one's, or to the end") {
  scenarios::LoadChecks c({"w", "idle"});
  const auto m = run(c, {request(1.1, "1", 200, "a"), request(5.2, "5", 0, ""), request(11, "6.000000001", 503, ""),
                         request(12.5, "12.25", 200, "b"), request(17.1, "17", 0, "")}, 20);
  CHECK(m.at("w.requests") == 5);
  CHECK(m.at("w.failed") == 3);
  CHECK(m.at("w.served.a") == 1);
  CHECK(m.at("w.served.b") == 1);
  CHECK(m.at("w.outage_max_s") == Approx(7.25));  // 5 -> 12.25 (sent), not 5.2 -> 12.5 (ended)
  // A workload that sent nothing: no request, the whole run out.
  CHECK(m.at("idle.requests") == 0);
  CHECK(m.at("idle.outage_max_s") == 0);
}

TEST_CASE("an outage still open at the end runs to the end") {
  scenarios::LoadChecks c(std::vector<std::string>{});
  const auto m = run(c, {request(1, "1", 200, "a"), request(5.5, "5", 0, "")}, 20);
  CHECK(m == std::map<std::string, double>{{"w.requests", 2}, {"w.failed", 1}, {"w.outage_max_s", 15}, {"w.served.a", 1}});
}

namespace {
sim::TraceRecord probe_request(double end_s, std::int64_t seq, double sent_s, std::int64_t status, const std::string& lb) {
  return rec(end_s, "request", {{"workload", std::string("w")}, {"seq", seq}, {"sent_s", sent_s}, {"status", status},
                                {"served_by", std::string(status == 200 ? "web2" : "")}, {"lb", lb}});
}
}  // namespace

TEST_CASE("an open loop's outage follows the requests' send order, not the order their answers came in") {
  // Every 100 ms; request 1 hangs until its 2 s timeout while 2..20 are answered at once: one
  // failed request, a 100 ms outage (from its send to request 2's), not one from 0 s to the end.
  std::vector<sim::TraceRecord> ev;
  for (int i = 2; i <= 20; ++i) ev.push_back(probe_request(0.1 * (i - 1) + 0.001, i, 0.1 * (i - 1), 200, "lb1"));
  ev.push_back(probe_request(2.0, 1, 0.0, 0, ""));  // its timeout, after all the others
  scenarios::LoadChecks c({"w"});
  const auto m = run(c, ev, 3);
  CHECK(m.at("w.requests") == 20);
  CHECK(m.at("w.failed") == 1);
  CHECK(m.at("w.outage_max_s") == Approx(0.1));
  CHECK(m.at("w.lb.lb1") == 19);  // good answers per load balancer
  CHECK(m.at("w.served.web2") == 19);
}

TEST_CASE("a workload that asks for latency metrics gets its slowest good request, the others do not") {
  // Three answers after SYN retransmissions (latency_ms as the simulator and parse_logs write
  // it), one failed request slower than all of them: it does not count.
  auto timed = [](double end_s, std::int64_t seq, std::int64_t status, double latency_ms, const char* w) {
    return rec(end_s, "request", {{"workload", std::string(w)}, {"seq", seq}, {"sent_s", end_s - latency_ms / 1000},
                                  {"status", status}, {"latency_ms", latency_ms}});
  };
  scenarios::LoadChecks c({"w", "plain"}, {"w"});
  const auto m = run(c, {timed(3, 1, 200, 2.5, "w"), timed(12, 2, 200, 11004.2, "w"), timed(13, 3, 200, 5002, "w"),
                         timed(20, 4, 0, 12000, "w"), timed(21, 1, 200, 7000, "plain")}, 30);
  CHECK(m.at("w.latency_max_s") == Approx(11.0042));
  CHECK(m.count("plain.latency_max_s") == 0);
  scenarios::LoadChecks none({"w"}, {"w"});
  CHECK(run(none, {}, 30).count("w.latency_max_s") == 0);  // no good request: no figure (a time)
  // A real run's request carries curl's own time_total: it counts, not the shell's stamps
  // around the fork of curl (here 1.3 s more on a busy host).
  scenarios::LoadChecks real({"w"}, {"w"});
  auto with_curl = timed(14, 1, 200, 12300, "w");
  with_curl.fields.push_back(sim::Field{"curl_s", 11.0042});
  CHECK(run(real, {with_curl}, 30).at("w.latency_max_s") == Approx(11.0042));
}

TEST_CASE("requests that never answered leave gaps in send order, and what came after them still counts") {
  // seq 2 never ends (its client was killed): 3 failed, 4 good, counted at the end in send order.
  scenarios::LoadChecks c({"w"});
  const auto m = run(c, {probe_request(0.1, 1, 0.0, 200, "a"), probe_request(0.41, 4, 0.4, 200, "b"),
                         probe_request(2.3, 3, 0.3, 0, "")}, 3);
  CHECK(m.at("w.failed") == 1);
  CHECK(m.at("w.outage_max_s") == Approx(0.1));  // 0.3 -> 0.4
  CHECK(m.at("w.lb.a") == 1);
  CHECK(m.at("w.lb.b") == 1);
}

TEST_CASE("a time field reads the simulator's seconds text exactly and a real run's number of seconds") {
  const auto r = rec(0, "request", {{"a", std::string("12.000000001")}, {"b", 41.07978}, {"c", std::int64_t{3}},
                                    {"d", sim::seconds_text(-1)}, {"e", std::string("x")}});
  CHECK(scenarios::time_field(r, "a") == 12'000'000'001);
  CHECK(scenarios::time_field(r, "b") == 41'079'780'000);
  CHECK(scenarios::time_field(r, "c") == 3'000'000'000);
  CHECK(scenarios::time_field(r, "d") == -1);
  CHECK_FALSE(scenarios::time_field(r, "e"));
  CHECK_FALSE(scenarios::time_field(r, "missing"));
}

namespace {

/// Counts what it is given.
class Counter final : public scenarios::Check {
 public:
  explicit Counter(std::vector<std::string_view> kinds) : kinds_(std::move(kinds)) {}
  void on_record(const sim::TraceRecord& r) override { seen.push_back(r.kind); }
  void finish(sim::Time, std::map<std::string, double>&) override {}
  std::vector<std::string_view> reads() const override { return kinds_; }
  std::vector<std::string> seen;

 private:
  std::vector<std::string_view> kinds_;
};

}  // namespace

TEST_CASE("a check set gives each check the records of the kinds it reads, once each, in the order the checks came") {
  scenarios::CheckSet set;
  auto& a = set.once<Counter>("a", std::vector<std::string_view>{"fault", "fault_end"});
  auto& b = set.once<Counter>("b", std::vector<std::string_view>{"fault"});
  CHECK(&set.once<Counter>("a", std::vector<std::string_view>{}) == &a);  // made once
  for (const char* k : {"check", "fault", "vrrp_advert", "fault_end", "faults"}) set.on_record(rec(1, k, {}));
  CHECK(a.seen == std::vector<std::string>{"fault", "fault_end"});
  CHECK(b.seen == std::vector<std::string>{"fault"});
}
