// The Chrome/Perfetto trace's spans: what was in effect from when to when, read from the records.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "scenarios/chrome_spans.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"

using namespace sim::literals;

namespace {

sim::TraceRecord rec(sim::Time t, std::string kind, std::vector<sim::Field> fields) {
  return sim::TraceRecord{t, std::move(kind), std::move(fields), false};
}

const sim::Trace::Span* find(const std::vector<sim::Trace::Span>& spans, const std::string& track, const std::string& name) {
  for (const auto& s : spans)
    if (s.track == track && s.name == name) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE("fault windows, VRRP states, VIP holding, DOWN servers and requests become spans", "[scenarios][chrome]") {
  const std::vector<sim::TraceRecord> records = {
      rec(1_s, "vrrp_state", {{"node", "lb1"}, {"instance", "VI_1"}, {"state", "BACKUP"}, {"priority", std::int64_t{100}}}),
      rec(4_s, "vrrp_state", {{"node", "lb1"}, {"instance", "VI_1"}, {"state", "MASTER"}, {"priority", std::int64_t{102}}}),
      rec(4_s + 5_ms, "vip_added", {{"node", "lb1"}, {"vip", "10.0.0.100"}}),
      rec(10_s, "fault", {{"node", ""}, {"action", "drop"}, {"target", ""}, {"source", "x.yaml:7"}}),
      rec(11_s, "fault", {{"node", "web1"}, {"action", "stop"}, {"target", "web1"}, {"source", "x.yaml:9"}}),
      rec(12_s, "server_down", {{"node", "lb1"}, {"backend", "b"}, {"server", "web1"}, {"reason", "L4TOUT"}}),
      rec(13_s, "server_maint", {{"node", "lb1"}, {"backend", "b"}, {"server", "web2"}, {"reason", "DNS NX status"}}),
      rec(15_s + 250_ms, "request", {{"node", "client"}, {"workload", "load"}, {"seq", std::int64_t{7}}, {"sent_s", "15.000000001"},
                                     {"status", std::int64_t{503}}, {"error", ""}, {"served_by", ""}, {"latency_ms", 249.999}}),
      rec(20_s, "fault_end", {{"action", "drop"}, {"target", ""}, {"source", "x.yaml:7"}}),
      rec(22_s, "server_up", {{"node", "lb1"}, {"backend", "b"}, {"server", "web1"}, {"reason", "L7OK"}}),
      rec(25_s, "process_exit", {{"node", "lb1"}, {"process", "keepalived_vrrp"}}),
      rec(25_s + 1_ms, "vip_removed", {{"node", "lb1"}, {"vip", "10.0.0.100"}}),
  };
  const auto spans = scenarios::chrome_spans(records, 60_s);

  const auto* backup = find(spans, "lb1 vrrp VI_1", "BACKUP");
  REQUIRE(backup != nullptr);
  CHECK(backup->start == 1_s);
  CHECK(backup->end == 4_s);  // until the next state
  const auto* master = find(spans, "lb1 vrrp VI_1", "MASTER");
  REQUIRE(master != nullptr);
  CHECK(master->end == 25_s);  // the VRRP child exited: no state after that
  CHECK(master->detail == "priority 102");

  const auto* vip = find(spans, "lb1 VIP 10.0.0.100", "holds 10.0.0.100");
  REQUIRE(vip != nullptr);
  CHECK(vip->start == 4_s + 5_ms);
  CHECK(vip->end == 25_s + 1_ms);

  const auto* drop = find(spans, "fault x.yaml:7 drop", "fault drop");
  REQUIRE(drop != nullptr);
  CHECK(drop->start == 10_s);
  CHECK(drop->end == 20_s);
  CHECK(drop->detail == "from x.yaml:7");
  CHECK(find(spans, "fault x.yaml:9 stop", "fault stop") == nullptr);  // no `for`, no end: an instant only

  const auto* down = find(spans, "lb1 server b/web1", "DOWN");
  REQUIRE(down != nullptr);
  CHECK(down->start == 12_s);
  CHECK(down->end == 22_s);
  CHECK(down->detail == "L4TOUT");
  const auto* maint = find(spans, "lb1 server b/web2", "MAINT");
  REQUIRE(maint != nullptr);
  CHECK(maint->end == 60_s);  // still in maintenance at the end of the run

  const auto* req = find(spans, "client requests load", "HTTP 503");
  REQUIRE(req != nullptr);
  CHECK(req->start == 15_s + 1);  // the send time, exact to the nanosecond
  CHECK(req->end == 15_s + 250_ms);
  CHECK(req->detail == "#7");
}

TEST_CASE("a run's Chrome trace has spans on tracks where none overlap, and its trace hash is the pinned one",
          "[scenarios][chrome]") {
  const auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/split-brain/vrrp-blocked.yaml");
  scenarios::RunOptions ro;
  ro.keep_trace = true;
  const auto r = scenarios::run_scenario(spec, 1, ro);
  // The spans are drawn from the records; the JSON Lines trace (and so its hash) is untouched:
  // this is the pinned hash of tests/scenarios/golden_hashes_test.cpp.
  CHECK(r.trace_sha256 == "35f0cf58b24955fe9da29ed3c7ef72f16bb4e83c419a314aa165a6b5ce484e4a");

  const auto r2 = scenarios::run_scenario(spec, 1, ro);
  CHECK(r2.chrome_trace == r.chrome_trace);  // deterministic

  // Every span ("X": ts and dur in microseconds with three exact decimals) by track.
  const std::regex span_re(R"re("ph":"X","ts":(\d+)\.(\d{3}),"dur":(\d+)\.(\d{3}),"pid":1,"tid":(\d+))re");
  std::map<int, std::vector<std::pair<sim::Time, sim::Time>>> by_track;
  std::size_t n = 0;
  for (auto it = std::sregex_iterator(r.chrome_trace.begin(), r.chrome_trace.end(), span_re); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    const sim::Time ts = std::stoll(m[1]) * 1000 + std::stoll(m[2]);
    const sim::Time dur = std::stoll(m[3]) * 1000 + std::stoll(m[4]);
    by_track[std::stoi(m[5])].push_back({ts, ts + dur});
    ++n;
  }
  CHECK(n > 100);  // requests, states, VIPs, faults, violations
  for (auto& [tid, spans] : by_track) {
    std::sort(spans.begin(), spans.end());
    for (std::size_t i = 1; i < spans.size(); ++i) {
      INFO("track " << tid << ": a span from " << spans[i - 1].first << " to " << spans[i - 1].second << " ns and one from "
                    << spans[i].first);
      CHECK(spans[i - 1].second <= spans[i].first);
    }
  }
  CHECK(r.chrome_trace.find("\"name\":\"MASTER\",\"cat\":\"span\",\"ph\":\"X\"") != std::string::npos);
  CHECK(r.chrome_trace.find("\"name\":\"holds 172.20.0.100\",\"cat\":\"span\",\"ph\":\"X\"") != std::string::npos);
  CHECK(r.chrome_trace.find("\"name\":\"fault drop\",\"cat\":\"span\",\"ph\":\"X\"") != std::string::npos);
  CHECK(r.chrome_trace.find("\"name\":\"HTTP 200\",\"cat\":\"span\",\"ph\":\"X\"") != std::string::npos);
  CHECK(r.chrome_trace.find("\"name\":\"single_vip_holder\",\"cat\":\"span\",\"ph\":\"X\"") != std::string::npos);
  CHECK(r.chrome_trace.find("\"name\":\"haproxy1 vrrp VI_1\"") != std::string::npos);  // a track of its own
}
