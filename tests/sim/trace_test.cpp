#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
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

TEST_CASE("a record made before time 0 (a stack's set-up) keeps its sign in the JSON line and the Chrome trace",
          "[trace]") {
  sim::Simulation s(1);
  s.set_origin(2_s);  // the scenario's time 0 two seconds into the engine's run
  s.at(500_ms + 250_us + 7, [&s] { s.record("node_up", {{"node", std::string("pg")}}, true); });
  s.at(2_s + 1_ms, [&s] { s.record("node_up", {{"node", std::string("app")}}, true); });
  s.run_until(3_s);
  REQUIRE(s.trace().records().size() == 2);
  CHECK(s.trace().records()[0].time == -(1_s + 499_ms + 750_us - 7));
  CHECK(s.trace().jsonl().rfind("{\"t_s\":-1.499749993,\"kind\":\"node_up\"", 0) == 0);
  const std::string chrome = s.trace().chrome_json({});
  CHECK(chrome.find("\"ts\":-1499749.993") != std::string::npos);
  CHECK(chrome.find("\"ts\":1000.000") != std::string::npos);
}

TEST_CASE("without detail only notable records are kept", "[trace]") {
  sim::Trace t;
  t.set_detail(false);
  t.record(1_s, "check", {}, false);
  t.record(2_s, "server_down", {}, true);
  REQUIRE(t.records().size() == 1);
  CHECK(t.records()[0].kind == "server_down");
}

TEST_CASE("a record written in place reads and encodes as one given as a vector of fields", "[trace]") {
  sim::Trace a, b;
  const std::string name = "nginx1";
  const char* status = "L7OK";
  a.record(3_s, "check", {{"node", name}, {"status", status}, {"ok", true}, {"health", std::int64_t{2}}, {"ms", 1.5}, {"n", 7}});
  b.record(3_s, std::string("check"),
           std::vector<sim::Field>{{"node", name}, {"status", status}, {"ok", true}, {"health", std::int64_t{2}}, {"ms", 1.5}, {"n", 7}});
  CHECK(a.jsonl() == b.jsonl());
  CHECK(a.sha256() == b.sha256());
  // Each value holds the alternative a Field made from the same argument holds.
  REQUIRE(a.records().size() == 1);
  const auto& fa = a.records()[0].fields;
  const auto& fb = b.records()[0].fields;
  REQUIRE(fa.size() == fb.size());
  for (std::size_t i = 0; i < fa.size(); ++i) {
    CHECK(fa[i].key == fb[i].key);
    CHECK(fa[i].value.index() == fb[i].value.index());
    CHECK(fa[i].value == fb[i].value);
  }
}

TEST_CASE("an observer of some kinds sees only those, and with detail off a debug record nobody reads is not made", "[trace]") {
  sim::Trace t;
  t.set_detail(false);
  std::vector<std::string> seen_by_kinds, seen_by_all;
  t.observe([&](const sim::TraceRecord& r) { seen_by_kinds.push_back(r.kind); }, {"request", "server_down"});
  t.record(1_s, "check", {{"ok", true}});                   // debug, read by no one: not made
  t.record(2_s, "request", {{"status", std::int64_t{200}}});  // debug, observed
  t.record(3_s, "server_down", {}, true);
  t.record(4_s, "node_up", {}, true);                        // notable: written, not handed to the observer
  CHECK(seen_by_kinds == std::vector<std::string>{"request", "server_down"});
  CHECK(t.size() == 2);  // the notable ones were written
  t.observe([&](const sim::TraceRecord& r) { seen_by_all.push_back(r.kind); });
  t.record(5_s, "check", {{"ok", false}});
  CHECK(seen_by_all == std::vector<std::string>{"check"});
  CHECK(seen_by_kinds.size() == 2);
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

TEST_CASE("numbers, seconds and escapes print byte for byte as printf did, over a million random values", "[trace]") {
  // The trace hash depends on these bytes: the to_chars code must match the printf formats it
  // replaced ("%.0f" for integral values, "%.12g" otherwise, "\\u%04x" for control characters).
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  auto next = [&x] {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
  };
  char buf[64];
  for (int i = 0; i < 1000000; ++i) {
    double v = 0;
    switch (i % 4) {
      case 0: v = static_cast<double>(static_cast<std::int64_t>(next() % 2000000001) - 1000000000) / 1000.0; break;
      case 1: v = static_cast<double>(static_cast<std::int64_t>(next() >> 12)) * (i % 8 == 1 ? -1 : 1); break;
      case 2: std::memcpy(&v, &(x = next()), sizeof v); break;
      default: v = static_cast<double>(next() % 100000) / 1e9; break;
    }
    std::string want;
    if (!std::isfinite(v)) want = "null";
    else if (v == std::floor(v) && std::fabs(v) < 1e15) want = (std::snprintf(buf, sizeof buf, "%.0f", v), buf);
    else want = (std::snprintf(buf, sizeof buf, "%.12g", v), buf);
    REQUIRE(sim::number_text(v) == want);
  }
  CHECK(sim::number_text(-0.0) == "-0");
  for (int i = 0; i < 100000; ++i) {
    const auto ns = static_cast<std::int64_t>(next() >> (i % 40));
    const std::int64_t v = i % 2 ? -ns : ns;
    const std::uint64_t a = v < 0 ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
    std::snprintf(buf, sizeof buf, "%s%llu.%09llu", v < 0 ? "-" : "", static_cast<unsigned long long>(a / 1000000000ULL),
                  static_cast<unsigned long long>(a % 1000000000ULL));
    std::string want = buf;
    while (want.back() == '0') want.pop_back();
    if (want.back() == '.') want.pop_back();
    REQUIRE(sim::seconds_text(v) == want);
  }
  std::string all;
  for (int c = 1; c < 128; ++c) all.push_back(static_cast<char>(c));
  std::string want = "\"";
  for (int c = 1; c < 128; ++c) {
    if (c == '"') want += "\\\"";
    else if (c == '\\') want += "\\\\";
    else if (c == '\n') want += "\\n";
    else if (c == '\r') want += "\\r";
    else if (c == '\t') want += "\\t";
    else if (c < 0x20) want += (std::snprintf(buf, sizeof buf, "\\u%04x", c), buf);
    else want.push_back(static_cast<char>(c));
  }
  want += "\"";
  std::string got;
  sim::json_escape(got, all);
  CHECK(got == want);
}

TEST_CASE("an invariant's detail is made only when its interval opens", "[invariants]") {
  sim::Invariants inv;
  inv.enable("no_failed_requests");
  int made = 0;
  auto detail = [&made] {
    ++made;
    return std::string("failing");
  };
  inv.update(1_s, "no_failed_requests", "load", false, detail);  // all well: nothing made
  CHECK(made == 0);
  CHECK_FALSE(inv.any_open());
  inv.update(2_s, "no_failed_requests", "load", true, detail);
  inv.update(3_s, "no_failed_requests", "load", true, detail);  // already open
  CHECK(made == 1);
  CHECK(inv.any_open());
  inv.update(4_s, "no_failed_requests", "load", false, detail);
  inv.update(5_s, "backend_available", "be", true, detail);  // not enabled
  CHECK(made == 1);
  REQUIRE(inv.violations().size() == 1);
  CHECK(inv.violations()[0].detail == "failing");
  CHECK(inv.violations()[0].end == 4_s);
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
