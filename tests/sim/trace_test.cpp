#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "sim/invariants.hpp"
#include "sim/json.hpp"
#include "sim/sha256.hpp"
#include "sim/simulation.hpp"
#include "sim/trace.hpp"

using namespace sim::literals;

TEST_CASE("sha256 gives the FIPS 180-4 test vectors", "[trace]") {
  CHECK(sim::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sim::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sim::sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  sim::Sha256 h;  // fed in odd pieces across block boundaries
  const std::string a(1000000, 'a');
  for (std::size_t i = 0; i < a.size(); i += 777) h.update(std::string_view(a).substr(i, 777));
  CHECK(h.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("a trace record is one JSON line: time in exact seconds first, then the fields in order", "[trace]") {
  sim::Trace t;
  t.record(1_s + 500_us, "check", {{"server", std::string("web\"1")}, {"ok", false}, {"health", std::int64_t{3}},
                                   {"duration_ms", 0.25}});
  t.record(2_s, "node_up", {{"node", std::string("lb")}}, true);
  CHECK(t.jsonl() ==
        "{\"t_s\":1.0005,\"kind\":\"check\",\"server\":\"web\\\"1\",\"ok\":false,\"health\":3,\"duration_ms\":0.25}\n"
        "{\"t_s\":2,\"kind\":\"node_up\",\"node\":\"lb\"}\n");
  CHECK(t.sha256() == sim::sha256_hex(t.jsonl()));
}

TEST_CASE("without detail only notable records are kept", "[trace]") {
  sim::Trace t;
  t.set_detail(false);
  t.record(1_s, "check", {}, false);
  t.record(2_s, "server_down", {}, true);
  REQUIRE(t.records().size() == 1);
  CHECK(t.records()[0].kind == "server_down");
}

TEST_CASE("seconds and numbers print exactly and the same everywhere", "[trace]") {
  CHECK(sim::seconds_text(0) == "0");
  CHECK(sim::seconds_text(1) == "0.000000001");
  CHECK(sim::seconds_text(90_s) == "90");
  CHECK(sim::seconds_text(-1500_ms) == "-1.5");
  CHECK(sim::number_text(3.0) == "3");
  CHECK(sim::number_text(0.1) == "0.1");
  CHECK(sim::number_text(1.0 / 3.0) == "0.333333333333");
  CHECK(sim::number_text(std::nan("")) == "null");
}

TEST_CASE("an invariant records each violated interval, only when enabled, and closes open ones at the end",
          "[invariants]") {
  sim::Invariants inv;
  inv.enable("single_vip_holder");
  inv.update(1_s, "single_vip_holder", "vip1", true, "two holders");
  inv.update(2_s, "single_vip_holder", "vip1", true, "still");  // already open: no new interval
  inv.update(3_s, "single_vip_holder", "vip1", false, "");
  inv.update(4_s, "single_vip_holder", "vip2", true, "vip2 split");
  inv.update(5_s, "backend_available", "be", true, "not enabled");
  inv.point(6_s, "single_vip_holder", "lost");
  inv.finish(10_s);
  const auto& v = inv.violations();
  REQUIRE(v.size() == 3);
  CHECK(v[0].start == 1_s);
  CHECK(v[0].end == 3_s);
  CHECK(v[0].detail == "two holders");
  CHECK(v[1].start == 6_s);
  CHECK(v[1].duration() == 0);
  CHECK(v[2].start == 4_s);
  CHECK(v[2].end == 10_s);
  CHECK(v[2].detail == "vip2 split (still open at end)");
}

TEST_CASE("a timer re-armed replaces its deadline, and a cancelled one never fires", "[engine]") {
  sim::Simulation s(1);
  const auto owner = s.new_owner();
  sim::Timer t(&s, owner);
  std::vector<sim::Time> fired;
  t.arm_after(5_s, [&] { fired.push_back(s.now()); });
  CHECK(t.armed());
  CHECK(t.deadline() == 5_s);
  s.run_until(1_s);
  t.arm_after(1_s, [&] { fired.push_back(s.now()); });
  CHECK(t.deadline() == 2_s);
  s.run_until(10_s);
  CHECK(fired == std::vector<sim::Time>{2_s});
  CHECK_FALSE(t.armed());
  CHECK(t.deadline() == sim::kNever);
  t.arm_after(1_s, [&] { fired.push_back(s.now()); });
  t.cancel();
  s.run_until(20_s);
  CHECK(fired == std::vector<sim::Time>{2_s});
}
