// HAProxy model tests asserting the real daemon's behaviour (haproxy/haproxy src/check.c,
// src/server.c, doc/configuration.txt; summarised in docs/facts.md). On the test bridge a TCP
// handshake or a refusal takes exactly 200 us, so check completion times are exact.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "../support/haproxy_stack.hpp"

using namespace sim::literals;
using testing::Curl;
using testing::Stack;
using Healths = std::vector<std::int64_t>;
using Statuses = std::vector<std::string>;
using Times = std::vector<sim::Time>;
using Names = std::vector<std::string>;

namespace {
constexpr sim::Time kRtt = 200_us;

/// inter 2s, fastinter 500ms, downinter 5s, rise 2, fall 3: each interval is recognisable.
void distinct_intervals(models::haproxy::ServerConfig& s) {
  s.inter = 2_s;
  s.fastinter = 500_ms;
  s.downinter = 5_s;
  s.rise = 2;
  s.fall = 3;
}
}  // namespace

TEST_CASE("a fully UP server goes DOWN after exactly `fall` consecutive failed checks", "[haproxy][check]") {
  Stack st;
  distinct_intervals(st.server("web1"));
  st.start();
  st.s.at(2_s, [&] { st.nginx["web1"]->kill(); });  // the node stays up: refused, L4CON
  st.run_until(4_s + 2 * kRtt);                       // just before the 4th check completes
  CHECK(st.healths("web1") == Healths{4, 3, 2});
  CHECK(st.srv("web1").up);
  CHECK(st.events("server_down", "web1").empty());
  st.run_until(6_s);
  CHECK(st.healths("web1") == Healths{4, 3, 2, 0});
  CHECK(st.statuses("web1") == Statuses{"L4OK", "L4CON", "L4CON", "L4CON"});
  CHECK(st.events("server_down", "web1") == Times{4_s + 4 * kRtt});
  CHECK_FALSE(st.srv("web1").up);
}

TEST_CASE("a server at start-up goes DOWN on its first failed check", "[haproxy][check]") {
  Stack st;
  distinct_intervals(st.server("web1", true, /*running=*/false));
  st.start().run_until(3_s);
  // Start-up state: health == rise, "up, but will fall down at first failure".
  CHECK(st.checks("web1").size() == 1);
  CHECK(st.healths("web1") == Healths{0});
  CHECK(st.statuses("web1") == Statuses{"L4CON"});
  CHECK(st.events("server_down", "web1") == Times{1_s + kRtt});
}

TEST_CASE("a DOWN server needs `rise` consecutive successes to come UP", "[haproxy][check]") {
  Stack st;
  auto& s = st.server("web1", true, /*running=*/false);
  s.inter = 2_s;
  s.fastinter = 500_ms;
  s.downinter = 5_s;
  s.rise = 3;
  s.fall = 2;
  st.start();
  st.s.at(3_s, [&] { st.nginx["web1"]->start(); });
  st.run_until(7_s);
  // DOWN at 1.0002 s; next check after downinter; then fastinter while rising.
  CHECK(st.healths("web1") == Healths{0, 1, 2});
  CHECK(st.events("server_up", "web1").empty());
  st.run_until(10_s);
  CHECK(st.healths("web1") == Healths{0, 1, 2, 4, 4});
  CHECK(st.events("server_up", "web1") == Times{7_s + 4 * kRtt});
}

TEST_CASE("one success restores full health, so `fall` failures are needed again", "[haproxy][check]") {
  Stack st;
  distinct_intervals(st.server("web1"));
  st.start();
  st.s.at(2_s, [&] { st.nginx["web1"]->kill(); });
  st.s.at(3200_ms, [&] { st.nginx["web1"]->start(); });
  st.s.at(6_s, [&] { st.nginx["web1"]->kill(); });
  st.run_until(9_s);
  CHECK(st.healths("web1") == Healths{4, 3, 4, 4, 3, 2, 0});
  CHECK(st.events("server_down", "web1") == Times{8_s + 500_ms + 7 * kRtt});
}

TEST_CASE("checks run every inter when fully UP, fastinter in transition, downinter when DOWN", "[haproxy][check]") {
  Stack st;
  distinct_intervals(st.server("web1"));
  st.start();
  st.s.at(2_s, [&] { st.nginx["web1"]->kill(); });
  st.run_until(15_s);
  const Times t = st.check_times("web1");
  REQUIRE(t.size() >= 5);
  CHECK(t[0] == 1_s + kRtt);             // first check at start (position 0 of 1)
  CHECK(t[1] - t[0] == 2_s + kRtt);      // fully UP: inter
  CHECK(t[2] - t[1] == 500_ms + kRtt);   // 1 failure: fastinter
  CHECK(t[3] - t[2] == 500_ms + kRtt);   // 2 failures: fastinter
  CHECK(t[4] - t[3] == 5_s + kRtt);      // DOWN: downinter
}

TEST_CASE("the next check starts an interval after the previous one completed, not after it started",
          "[haproxy][check]") {
  Stack st;
  distinct_intervals(st.server("web1"));
  st.start();
  st.s.at(2_s, [&] { st.node("web1").stop(); });  // address gone: every check waits `inter`
  st.run_until(12_s);
  const auto c = st.checks("web1");
  REQUIRE(c.size() >= 4);
  CHECK(c[1].status == "L4TOUT");
  CHECK(c[1].duration_ms == 2000.0);
  // Completion of check 1 + inter, then a 2 s check; then completion + fastinter, and so on.
  CHECK(c[1].at == c[0].at + 2_s + 2_s);
  CHECK(c[2].at == c[1].at + 500_ms + 2_s);
  CHECK(c[3].at == c[2].at + 500_ms + 2_s);
}

TEST_CASE("first checks are staggered by mininter x position / number of checks", "[haproxy][check]") {
  SECTION("equal intervals: inter spreads them") {
    Stack st;
    for (auto n : {"w1", "w2", "w3", "w4"}) st.server(n).inter = 2_s;
    st.start().run_until(2600_ms);
    CHECK(st.check_times("w1") == Times{1_s + kRtt});
    CHECK(st.check_times("w2") == Times{1_s + 500_ms + kRtt});
    CHECK(st.check_times("w3") == Times{2_s + kRtt});
    CHECK(st.check_times("w4") == Times{2_s + 500_ms + kRtt});
  }
  SECTION("inter 1s is at the threshold (SRV_CHK_INTER_THRES, >= 1000 ms) and counts") {
    Stack st;
    st.server("w1").inter = 1_s;
    st.server("w2").inter = 1_s;
    st.start().run_until(1600_ms);
    CHECK(st.check_times("w1") == Times{1_s + kRtt});
    CHECK(st.check_times("w2") == Times{1_s + 500_ms + kRtt});
  }
  SECTION("positions count every check of every backend in configuration order") {
    Stack st;
    models::haproxy::BackendConfig other;
    other.name = "other";
    st.config.backends.push_back(other);
    st.server("w1").inter = 2_s;
    st.server("w2").inter = 2_s;
    st.server("o1", true, true, 1).inter = 2_s;
    st.server("o2", true, true, 1).inter = 2_s;
    st.start().run_until(2600_ms);
    CHECK(st.check_times("o1") == Times{2_s + kRtt});
    CHECK(st.check_times("o2") == Times{2_s + 500_ms + kRtt});
  }
}

// src/check.c start_checks() takes the smallest srv_getinter() >= SRV_CHK_INTER_THRES (1000 ms;
// 0 when none), and start_check_task() raises it to the check's own srv_getinter() when that is
// larger: offset = max(mininter, own interval) * pos / nbcheck.
TEST_CASE("each first check is staggered over the larger of mininter and its own interval",
          "[haproxy][check]") {
  SECTION("inter 500ms: spread over the check's own interval") {
    Stack st;
    st.server("w1").inter = 500_ms;
    st.server("w2").inter = 500_ms;
    st.start().run_until(1600_ms);
    REQUIRE_FALSE(st.check_times("w2").empty());
    CHECK(st.check_times("w1").front() == 1_s + kRtt);
    CHECK(st.check_times("w2").front() == 1_s + 250_ms + kRtt);
  }
  SECTION("a server with a longer interval than the smallest uses its own") {
    Stack st;
    st.server("w1").fastinter = 1500_ms;  // start-up state: srv_getinter() is fastinter
    st.server("w2");
    st.server("w3");
    st.server("w4");
    st.start().run_until(2600_ms);
    CHECK(st.check_times("w1") == Times{1_s + kRtt});
    CHECK(st.check_times("w2") == Times{1_s + 500_ms + kRtt});
    CHECK(st.check_times("w3") == Times{2_s + kRtt});
    CHECK(st.check_times("w4") == Times{2_s + 500_ms + kRtt});
  }
}

TEST_CASE("without `timeout check` a check may take up to `inter`, whatever `timeout connect` is",
          "[haproxy][check]") {
  Stack st;
  st.config.timeout_connect = 500_ms;
  distinct_intervals(st.server("web1"));
  st.start();
  st.s.at(2_s, [&] { st.s.network().disconnect(st.node("web1").id()); });  // SYNs vanish
  st.run_until(8_s);
  const auto c = st.checks("web1");
  REQUIRE(c.size() >= 2);
  CHECK(c[1].status == "L4TOUT");
  CHECK(c[1].duration_ms == 2000.0);
}

TEST_CASE("with `timeout check` set, the connect phase is capped by `timeout connect`", "[haproxy][check]") {
  Stack st;
  st.config.timeout_connect = 500_ms;
  st.config.timeout_check = 10_s;
  distinct_intervals(st.server("web1"));
  st.start();
  st.s.at(2_s, [&] { st.s.network().disconnect(st.node("web1").id()); });
  st.run_until(8_s);
  const auto c = st.checks("web1");
  REQUIRE(c.size() >= 2);
  CHECK(c[1].status == "L4TOUT");
  CHECK(c[1].duration_ms == 500.0);
}

TEST_CASE("a stopped container fails its checks with L4TOUT, a killed nginx on a live node with L4CON",
          "[haproxy][check]") {
  Stack st;
  distinct_intervals(st.server("web1"));
  distinct_intervals(st.server("web2"));
  st.start();
  st.s.at(4_s, [&] {
    st.node("web1").stop();
    st.nginx["web2"]->kill();
  });
  st.run_until(20_s);
  const auto c1 = st.checks("web1");
  const auto c2 = st.checks("web2");
  REQUIRE(c1.size() >= 3);
  REQUIRE(c2.size() >= 3);
  CHECK(c1[2].status == "L4TOUT");
  CHECK(c1[2].duration_ms == 2000.0);  // no ARP answer: the check runs into `inter`
  CHECK(c2[2].status == "L4CON");
  CHECK(c2[2].duration_ms == 0.2);     // RST after one round trip
  CHECK(st.events("server_down", "web1").size() == 1);
  CHECK(st.events("server_down", "web2").size() == 1);
}

TEST_CASE("roundrobin rotates over the servers in configuration order", "[haproxy][balance]") {
  Stack st;
  st.server("w1", false);
  st.server("w2", false);
  st.server("w3", false);
  auto& cli = st.client();
  st.start();
  for (int i = 0; i < 7; ++i) cli.get_at(2_s + i * 100_ms, st.lb_ip());
  st.run_until(5_s);
  CHECK(cli.served_by() == Names{"w1", "w2", "w3", "w1", "w2", "w3", "w1"});
}

TEST_CASE("backup servers get no traffic while a non-backup server is up", "[haproxy][balance]") {
  Stack st;
  st.server("w1");
  st.server("w2");
  st.server("b1").backup = true;
  st.server("b2").backup = true;
  auto& cli = st.client();
  st.start();
  for (int i = 0; i < 4; ++i) cli.get_at(4_s + i * 100_ms, st.lb_ip());
  st.run_until(6_s);
  CHECK(cli.served_by() == Names{"w1", "w2", "w1", "w2"});
}

TEST_CASE("when every non-backup server is down only the first backup serves, unless allbackups",
          "[haproxy][balance]") {
  const bool all = GENERATE(false, true);
  Stack st;
  st.backend().allbackups = all;
  st.server("w1", true, /*running=*/false);
  st.server("w2", true, /*running=*/false);
  st.server("b1").backup = true;
  st.server("b2").backup = true;
  auto& cli = st.client();
  st.start();
  for (int i = 0; i < 4; ++i) cli.get_at(4_s + i * 100_ms, st.lb_ip());
  st.run_until(6_s);
  REQUIRE_FALSE(st.srv("w1").up);
  REQUIRE_FALSE(st.srv("w2").up);
  if (all) CHECK(cli.served_by() == Names{"b1", "b2", "b1", "b2"});
  else CHECK(cli.served_by() == Names{"b1", "b1", "b1", "b1"});
}

TEST_CASE("leastconn avoids a server busy with a long request, roundrobin does not", "[haproxy][balance]") {
  const std::string algo = GENERATE(std::string("leastconn"), std::string("roundrobin"));
  Stack st;
  st.backend().balance = algo;
  st.server("w1", false, true, 0, /*service_time=*/20_s);
  st.server("w2", false);
  st.server("w3", false);
  auto& cli = st.client();
  st.start();
  for (int i = 0; i < 4; ++i) cli.get_at(2_s + i * 1_s, st.lb_ip());
  st.run_until(30_s);
  const Names got = cli.served_by();
  REQUIRE(got.size() == 4);
  CHECK(got[0] == "w1");
  if (algo == "leastconn") {
    CHECK(std::count(got.begin() + 1, got.end(), "w1") == 0);
    CHECK(std::count(got.begin() + 1, got.end(), "w2") >= 1);
    CHECK(std::count(got.begin() + 1, got.end(), "w3") >= 1);
  } else {
    CHECK(got == Names{"w1", "w2", "w3", "w1"});
  }
}

TEST_CASE("balance source keeps each client on one server", "[haproxy][balance]") {
  Stack st;
  st.backend().balance = "source";
  st.server("w1", false);
  st.server("w2", false);
  st.server("w3", false);
  auto& a = st.client("cli-a");
  auto& b = st.client("cli-b");
  auto& c = st.client("cli-c");
  st.start();
  for (int i = 0; i < 5; ++i) {
    a.get_at(2_s + i * 100_ms, st.lb_ip());
    b.get_at(2_s + i * 100_ms + 10_ms, st.lb_ip());
    c.get_at(2_s + i * 100_ms + 20_ms, st.lb_ip());
  }
  st.run_until(5_s);
  std::set<std::string> used;
  for (Curl* cl : {&a, &b, &c}) {
    const Names got = cl->served_by();
    REQUIRE(got.size() == 5);
    CHECK(got[0].rfind('w', 0) == 0);
    CHECK(std::count(got.begin(), got.end(), got[0]) == 5);
    used.insert(got[0]);
  }
  CHECK(used.size() >= 2);  // a hash, not one fixed server for everyone
}

TEST_CASE("without option redispatch every retry goes to the same failed server, then 503", "[haproxy][retry]") {
  Stack st;
  st.server("w1", false, /*running=*/false);  // node up, nothing listens: refused at once
  st.server("w2", false);
  auto& cli = st.client();
  st.start();
  cli.get_at(2_s, st.lb_ip());
  st.run_until(10_s);
  REQUIRE(cli.replies.size() == 1);
  CHECK(cli.replies[0].status == 503);
  CHECK(st.srv("w1").connect_errors == 4);  // the attempt and `retries 3`
  CHECK(st.srv("w2").requests == 0);
  // Retries wait min(timeout connect, 1s) each: three turn-arounds.
  CHECK(cli.replies[0].done - cli.replies[0].sent >= 3_s);
  CHECK(cli.replies[0].done - cli.replies[0].sent < 3_s + 10_ms);
}

TEST_CASE("with option redispatch and a hash balance, only the last retry goes to another server",
          "[haproxy][retry]") {
  Stack st;
  st.backend().redispatch = true;
  st.backend().balance = "source";  // deterministic: retries stay on the client's server
  st.server("w1", false);
  st.server("w2", false);
  auto& cli = st.client();
  st.start();
  cli.get_at(2_s, st.lb_ip());
  st.run_until(3_s);
  REQUIRE(cli.replies[0].status == 200);
  const std::string mine = cli.replies[0].served_by;
  const std::string other = mine == "w1" ? "w2" : "w1";
  st.nginx[mine]->kill();
  cli.get_at(4_s, st.lb_ip());
  st.run_until(15_s);
  REQUIRE(cli.replies.size() == 2);
  CHECK(cli.replies[1].status == 200);
  CHECK(cli.replies[1].served_by == other);
  // redispatch -1 (the default): the attempt and two retries on the same server, then the last
  // retry (retries 3) elsewhere.
  CHECK(st.srv(mine).connect_errors == 3);
}

// src/stream.c sess_update_st_cer() (2.6+: backend.c back_handle_st_cer()) with `option
// redispatch` redispatches at once on every retry when the stream is not
// persistent, the algorithm is not a hash (roundrobin, leastconn, first) and more than one active
// server is up (`srv_act > 1`): "we accept to perform an immediate redispatch without waiting
// since we don't care about this particular server". The turn-around applies only when retrying
// on the same server.
TEST_CASE("with option redispatch and roundrobin over several servers, a refused connection is redispatched at once",
          "[haproxy][retry]") {
  Stack st;
  st.backend().redispatch = true;
  st.server("w1", false, /*running=*/false);
  st.server("w2", false);
  auto& cli = st.client();
  st.start();
  cli.get_at(2_s, st.lb_ip());
  st.run_until(10_s);
  REQUIRE(cli.replies.size() == 1);
  CHECK(cli.replies[0].status == 200);
  CHECK(cli.replies[0].served_by == "w2");
  CHECK(st.srv("w1").connect_errors == 1);
  CHECK(cli.replies[0].done - cli.replies[0].sent < 10_ms);
}

TEST_CASE("option httpchk fails a server answering 404 with L7STS, and passes one answering 200", "[haproxy][check]") {
  Stack st;
  st.backend().httpchk = true;
  st.backend().httpchk_method = "GET";
  st.backend().httpchk_uri = "/health";
  distinct_intervals(st.server("web1"));
  st.start().run_until(2_s);
  CHECK(st.statuses("web1") == Statuses{"L7STS"});
  CHECK_FALSE(st.srv("web1").up);

  Stack ok;
  ok.backend().httpchk = true;
  ok.backend().httpchk_method = "GET";
  ok.backend().httpchk_uri = "/";
  ok.backend().expect_status = 200;
  distinct_intervals(ok.server("web1"));
  ok.start().run_until(2_s);
  CHECK(ok.statuses("web1") == Statuses{"L7OK"});
  // connect 200 us, request 100 us, nginx 300 us, response 100 us
  CHECK(ok.checks("web1")[0].duration_ms == 0.7);
}

TEST_CASE("a frozen server times out its HTTP check: after `timeout check` from connect, else `inter` from start",
          "[haproxy][check]") {
  const bool with_timeout_check = GENERATE(false, true);
  Stack st;
  if (with_timeout_check) st.config.timeout_check = 1_s;
  st.backend().httpchk = true;
  distinct_intervals(st.server("web1"));
  st.start();
  st.s.at(2_s, [&] { st.nginx["web1"]->freeze(); });  // the kernel still completes handshakes
  st.run_until(6_s);
  const auto c = st.checks("web1");
  REQUIRE(c.size() >= 2);
  CHECK(c[1].status == "L7TOUT");
  CHECK(c[1].duration_ms == (with_timeout_check ? 1000.2 : 2000.0));
}

TEST_CASE("on a slow host each timed-out check lasts its deadline plus a wake-up, and the next starts an interval plus a wake-up later",
          "[haproxy][check]") {
  // What the validation suite measures in real HAProxy logs (parse_logs.check_wakeups) and feeds
  // back as runtime.wakeup_delay: the lateness of both timers of a failing check cycle.
  Stack st;
  distinct_intervals(st.server("web1"));
  st.start();
  st.lb->wakeup_delay = sim::Distribution::constant(30_ms);
  st.s.at(2_s, [&] { st.s.network().disconnect(st.node("web1").id()); });
  st.run_until(20_s);
  const auto c = st.checks("web1");
  std::vector<std::size_t> timeouts;
  for (std::size_t i = 1; i < c.size(); ++i)
    if (c[i].status == "L4TOUT") timeouts.push_back(i);
  REQUIRE(timeouts.size() >= 3);
  for (std::size_t i : timeouts) {
    CHECK(c[i].duration_ms == 2030.0);
    // In transition (UP, failing) the next check waits fastinter (500 ms), plus one wake-up.
    if (c[i - 1].status == "L4TOUT" && c[i - 1].health > 0)
      CHECK(c[i].at - c[i - 1].at == 500_ms + 30_ms + 2030_ms);
  }
}

TEST_CASE("each frontend routes to its own default_backend", "[haproxy][routing]") {
  // Issue 9 §6a: every request used to go to the first frontend's backend.
  Stack st;
  models::haproxy::BackendConfig api;
  api.name = "api";
  st.config.backends.push_back(api);
  st.config.frontends.push_back(models::haproxy::FrontendConfig{"fe_api", 8080, "api"});
  st.server("w1");
  st.server("a1", true, true, /*be_index=*/1);
  Curl& cli = st.client();
  st.start().run_until(1_s);
  cli.get_at(2_s, st.lb_ip(), 80);
  cli.get_at(2100_ms, st.lb_ip(), 8080);
  cli.get_at(2200_ms, st.lb_ip(), 80);
  st.run_until(5_s);
  CHECK(cli.served_by() == Names{"w1", "a1", "w1"});
}

TEST_CASE("finished requests and checks leave no connection behind", "[haproxy][tcp]") {
  // Both ends close (the client after the answer, the server at EOF), so the kernel forgets them.
  Stack st;
  st.backend().httpchk = true;
  st.server("w1");
  st.server("w2");
  Curl& cli = st.client();
  st.start();
  for (int i = 0; i < 20; ++i) cli.get_at(2_s + i * 100_ms, st.lb_ip());
  st.run_until(29_s + 500_ms);  // between checks
  CHECK(cli.served_by() == Names{"w1", "w2", "w1", "w2", "w1", "w2", "w1", "w2", "w1", "w2",
                                 "w1", "w2", "w1", "w2", "w1", "w2", "w1", "w2", "w1", "w2"});
  CHECK(st.s.tcp().open_count() == 0);
}

TEST_CASE("an http check whose server exits after reading the request fails with L7RSP and keeps no socket",
          "[haproxy][check][tcp]") {
  // nginx killed with the request read: its kernel sends a FIN (nothing unread), the check reads
  // EOF before any status line.
  Stack st;
  st.backend().httpchk = true;
  st.server("w1", true, true, 0, /*service_time=*/50_ms);
  st.start().run_until(1_s);
  st.run_until(1_s + 10_ms);  // the first check's request is being served
  st.nginx["w1"]->kill();
  st.run_until(1_s + 20_ms);
  CHECK(st.statuses("w1") == std::vector<std::string>{"L7RSP"});
  CHECK(st.s.tcp().open_count() == 0);
}
