// A real Demo 1 run's metrics come from its events through the simulator's own checks: the
// events validation/parse_logs.py makes of real logs give the numbers the old Python metric code
// stored for that run (tests/validation/fixtures/demo1-part1-run.json).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "scenarios/loader.hpp"
#include "validation/validate.hpp"

#ifndef HASIM_SOURCE_DIR
#define HASIM_SOURCE_DIR "."
#endif

namespace {

std::string fixture(const std::string& name) { return std::string(HASIM_SOURCE_DIR) + "/tests/validation/fixtures/" + name; }

}  // namespace

TEST_CASE("a real Demo 1 run's events give the metrics the old Python computed from its logs") {
  const auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part1.yaml", {});
  const auto real = validation::read_real_runs(fixture("demo1-part1-events.json"), &spec);
  REQUIRE(real.runs.size() == 1);
  const auto& m = real.runs[0];
  std::ifstream in(fixture("demo1-part1-run.json"));
  std::stringstream ss;
  ss << in.rdbuf();
  const auto stored = scenarios::parse_yaml(ss.str(), "demo1-part1-run.json");
  int compared = 0;
  for (const auto& [k, v] : stored.find("metrics")->map) {
    INFO(k);
    REQUIRE(m.count(k) == 1);
    CHECK(m.at(k) == Approx(std::strtod(v.scalar.c_str(), nullptr)).margin(1e-6));
    ++compared;
  }
  CHECK(compared == 13);
  CHECK(m.at("haproxy.http_503") == 2);  // its httplog's two 503 lines, made http_non_2xx events
  CHECK(m.at("load.outage_max_s") == Approx(41.07978).margin(1e-6));
  CHECK(m.at("nginx_backend.nginx1.detect_down_s") == Approx(10.327314696).margin(1e-6));
}

TEST_CASE("an older record's vip_change events read as vip_added and vip_removed, and a killed container as node_down") {
  const auto tree = scenarios::parse_yaml(R"([
    {"kind": "vip_change", "t_s": 1.5, "node": "haproxy1", "vip": "172.20.0.100", "held": true},
    {"kind": "fault", "t_s": 2.0, "action": "kill", "target": "haproxy1"},
    {"kind": "vip_change", "t_s": 2.0, "node": "haproxy1", "vip": "172.20.0.100", "held": false}])", "t.json");
  const auto recs = validation::trace_of_real_events(tree);
  REQUIRE(recs.size() == 4);
  CHECK(recs[0].kind == "vip_added");
  CHECK(recs[0].find("held") == nullptr);
  CHECK(recs[1].kind == "fault");
  CHECK(recs[2].kind == "node_down");
  CHECK(recs[2].text("node") == "haproxy1");
  CHECK(recs[3].kind == "vip_removed");
}

TEST_CASE("a record without request events keeps its stored load metrics while the VIP ones come from its events") {
  const auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part2.yaml", {});
  const std::string path = "/tmp/hasim-real-metrics-test.json";
  std::ofstream(path) << R"({"runs": [{"metrics": {"load.requests": 120, "vip.172.20.0.100.moves": 99},
    "events": [{"kind": "vip_change", "t_s": 3.0, "node": "haproxy1", "vip": "172.20.0.100", "held": true},
               {"kind": "vip_change", "t_s": 20.0, "node": "haproxy1", "vip": "172.20.0.100", "held": false},
               {"kind": "vip_change", "t_s": 20.5, "node": "haproxy2", "vip": "172.20.0.100", "held": true}]}]})";
  const auto real = validation::read_real_runs(path, &spec);
  std::remove(path.c_str());
  const auto& m = real.runs.at(0);
  CHECK(m.at("load.requests") == 120);            // no request events: the stored value
  CHECK(m.at("vip.172.20.0.100.moves") == 1);     // the events', not the file's 99
  CHECK(m.at("vip.172.20.0.100.unheld_max_s") == Approx(0.5));
}

TEST_CASE("a real Demo 1 Part 2 run whose VIP two nodes held for over 100 ms reports violations.single_vip_holder, as a "
          "simulated run does") {
  const auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part2.yaml", {});
  const std::string path = "/tmp/hasim-real-metrics-vip-test.json";
  std::ofstream(path) << R"({"runs": [{"metrics": {}, "events": [
    {"kind": "vip_added", "t_s": 3.0, "node": "haproxy1", "vip": "172.20.0.100"},
    {"kind": "vip_added", "t_s": 20.0, "node": "haproxy2", "vip": "172.20.0.100"},
    {"kind": "vip_removed", "t_s": 25.0, "node": "haproxy1", "vip": "172.20.0.100"},
    {"kind": "vip_added", "t_s": 40.0, "node": "haproxy1", "vip": "172.20.0.100"},
    {"kind": "vip_removed", "t_s": 40.05, "node": "haproxy2", "vip": "172.20.0.100"}]}]})";
  const auto real = validation::read_real_runs(path, &spec);
  std::remove(path.c_str());
  const auto& m = real.runs.at(0);
  CHECK(m.at("vip.172.20.0.100.multi_holder_s") == Approx(5.05));
  CHECK(m.at("violations.single_vip_holder") == 1);  // 20-25 s; the 50 ms hand-over at 40 s is within the grace
}

TEST_CASE("a real loop's request that ended after the run's end is not counted, as the simulator never sees it end") {
  const auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part2.yaml", {});
  const std::string path = "/tmp/hasim-real-metrics-late-request-test.json";
  std::ofstream(path) << R"({"runs": [{"metrics": {}, "duration_s": 90.0, "events": [
    {"kind": "request", "t_s": 89.70, "node": "client", "workload": "load", "seq": 1, "sent_s": 89.68, "status": 200, "served_by": "nginx1"},
    {"kind": "request", "t_s": 90.00, "node": "client", "workload": "load", "seq": 2, "sent_s": 89.98, "status": 200, "served_by": "nginx2"},
    {"kind": "request", "t_s": 90.03, "node": "client", "workload": "load", "seq": 3, "sent_s": 89.99, "status": 503, "served_by": ""}]}]})";
  const auto real = validation::read_real_runs(path, &spec);
  std::remove(path.c_str());
  const auto& m = real.runs.at(0);
  CHECK(m.at("load.requests") == 2);  // the third ended 30 ms after the end
  CHECK(m.at("load.failed") == 0);
  CHECK(m.at("load.served.nginx2") == 1);
}
