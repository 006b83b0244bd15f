// PgBouncer between clients and PostgreSQL: pooling modes, its limits and its own errors, and
// what its clients see while the server behind it fails over (pgbouncer 1.18's source).
#include <catch2/catch.hpp>

#include "../support/pg_cluster.hpp"
#include "../support/raw_pg_client.hpp"
#include "models/pgbouncer/events.hpp"
#include "models/pgbouncer/pgbouncer.hpp"

using namespace sim::literals;
using testing::PgCluster;
namespace pg = models::postgres;
namespace pgb = models::pgbouncer;

namespace {

/// A PgCluster with a "bouncer" node running pgbouncer for database demodb on pg1.
struct Bounced {
  PgCluster cluster;
  pgb::Pgbouncer* bouncer = nullptr;
  explicit Bounced(const std::function<void(pgb::PgbouncerConfig&)>& tweak = {}, int standbys = 1,
                   const PgCluster::Tweak& pg_tweak = {})
      : cluster(standbys, pg_tweak) {
    pgb::PgbouncerConfig c;
    c.pool_mode = pgb::PoolMode::Transaction;
    c.databases.push_back(*pgb::DatabaseEntry::parse("demodb", "host=pg1 port=5432 dbname=demodb"));
    if (tweak) tweak(c);
    sim::Node& n = cluster.add_node("bouncer");
    bouncer = &n.add_process<pgb::Pgbouncer>(c);
    bouncer->start_delay = sim::Distribution::constant(0);
    n.start();
    cluster.run_for(1_s);
  }
  /// A client session to the bouncer, logged in (or refused) before it returns.
  std::shared_ptr<pg::PgConnection> session(pg::PgResult& login, const std::string& database = "demodb") {
    auto c = std::make_shared<pg::PgConnection>(*cluster.admin, "bouncer", 6432);
    c->database = database;
    bool done = false;
    c->connect([&](const pg::PgResult& r) {
      login = r;
      done = true;
    });
    for (int i = 0; i < 2000 && !done; ++i) cluster.run_for(1_ms);
    return c;
  }
  /// Runs `sql` on `c`; the answer, or nullopt if none came within `limit`.
  std::optional<pg::PgResult> query(pg::PgConnection& c, const std::string& sql, sim::Time limit) {
    std::optional<pg::PgResult> out;
    c.query({sql, 0}, [&out](const pg::PgResult& r) { out = r; });
    const sim::Time end = cluster.s.now() + limit;
    while (!out && cluster.s.now() < end) cluster.run_for(1_ms);
    return out;
  }
  /// The bouncer's address: for a client that must not look it up itself (a DNS silence).
  std::string address() { return cluster.s.network().address_of(cluster.id("bouncer"))->str(); }
  pg::WriteClient& writer(const std::string& name, sim::Time interval) {
    auto& w = cluster.node("app").add_process<pg::WriteClient>(name, "bouncer", interval, 200);
    w.port = 6432;
    w.keep_acks = true;
    w.start();
    return w;
  }
  std::vector<sim::TraceRecord> failures(const pg::WriteClient& w) const {
    std::vector<sim::TraceRecord> out;
    for (const auto& r : cluster.events(pg::kCommitFailed))
      if (r.text("client") == w.name()) out.push_back(r);
    return out;
  }
};

const std::string kLoginRetry = "server login has been failing, try again later (server_login_retry)";

}  // namespace

TEST_CASE("a writer through pgbouncer in transaction mode commits on the primary over one server connection",
          "[pgbouncer]") {
  Bounced b;
  auto& w = b.writer("w1", 100_ms);
  b.cluster.run_for(5_s);
  REQUIRE(w.acks().size() >= 45);
  REQUIRE(w.failures() == 0);
  for (const auto& a : w.acks()) REQUIRE(a.node == "pg1");
  REQUIRE(b.bouncer->servers("demodb") == 1);
  REQUIRE(b.cluster.events(pgb::kServerConnected, "bouncer").size() == 1);
}

TEST_CASE("transaction mode lends one server to a second client between transactions, session mode makes it "
          "wait until query_wait_timeout",
          "[pgbouncer]") {
  for (const auto mode : {pgb::PoolMode::Transaction, pgb::PoolMode::Session}) {
    Bounced b([mode](pgb::PgbouncerConfig& c) {
      c.pool_mode = mode;
      c.default_pool_size = 1;
      c.query_wait_timeout = 2_s;
    });
    pg::PgResult login1, login2;
    auto c1 = b.session(login1);
    auto c2 = b.session(login2);
    REQUIRE(login1.ok);
    REQUIRE(login2.ok);
    REQUIRE(b.query(*c1, "SELECT 1", 1_s)->ok);
    const sim::Time asked = b.cluster.s.now();
    const auto r = b.query(*c2, "SELECT 1", 5_s);
    REQUIRE(r.has_value());
    if (mode == pgb::PoolMode::Transaction) {
      REQUIRE(r->ok);
      REQUIRE(b.cluster.s.now() - asked < 10_ms);
    } else {
      // janitor.c pool_client_maint, every 1/3 s: the first pass after 2 s of waiting.
      REQUIRE_FALSE(r->ok);
      REQUIRE(r->sqlstate == "08P01");
      REQUIRE(r->message == "query_wait_timeout");
      REQUIRE(b.cluster.s.now() - asked > 2_s);
      REQUIRE(b.cluster.s.now() - asked < 2_s + 350_ms);
    }
    REQUIRE(b.bouncer->servers("demodb") == 1);
  }
}

TEST_CASE("a client beyond max_client_conn is refused with pgbouncer's own FATAL 08P01", "[pgbouncer]") {
  Bounced b([](pgb::PgbouncerConfig& c) { c.max_client_conn = 2; });
  pg::PgResult l1, l2, l3;
  auto c1 = b.session(l1);
  auto c2 = b.session(l2);
  auto c3 = b.session(l3);
  REQUIRE(l1.ok);
  REQUIRE(l2.ok);
  REQUIRE_FALSE(l3.ok);
  REQUIRE(l3.sqlstate == "08P01");
  REQUIRE(l3.message == "no more connections allowed (max_client_conn)");
  // One leaves: the next one is let in.
  c1->close();
  b.cluster.run_for(10_ms);
  pg::PgResult l4;
  auto c4 = b.session(l4);
  REQUIRE(l4.ok);
}

TEST_CASE("a database missing from [databases] is refused by name", "[pgbouncer]") {
  Bounced b;
  pg::PgResult l;
  auto c = b.session(l, "nope");
  REQUIRE_FALSE(l.ok);
  REQUIRE(l.sqlstate == "08P01");
  REQUIRE(l.message == "no such database: nope");
}

TEST_CASE("after the primary stops, pgbouncer refuses each write at once with server_login_retry and tries the "
          "server again only every server_login_retry",
          "[pgbouncer]") {
  Bounced b;
  auto& w = b.writer("w1", 500_ms);
  b.cluster.run_for(4_s);
  REQUIRE(w.failures() == 0);
  const sim::Time stopped = b.cluster.s.now();
  b.cluster.stop("pg1").run_for(40_s);
  int login_retry = 0;
  for (const auto& f : b.failures(w))
    if (f.text("message") == kLoginRetry) {
      REQUIRE(f.text("sqlstate") == "08P01");
      ++login_retry;
    }
  REQUIRE(login_retry >= 40);
  // Connects to the stopped server: the first at once, then one each 15 s (objects.c
  // launch_new_connection: last_connect_time + server_login_retry).
  std::vector<sim::Time> attempts;
  for (const auto& r : b.cluster.events(pgb::kServerClosed, "bouncer"))
    if (r.time > stopped && (r.text("reason") == "connect failed" || r.text("reason") == "login failed")) attempts.push_back(r.time);
  REQUIRE(attempts.size() >= 3);
  for (std::size_t i = 1; i < attempts.size(); ++i) {
    REQUIRE(attempts[i] - attempts[i - 1] >= 15_s);
    REQUIRE(attempts[i] - attempts[i - 1] < 15_s + 600_ms);
  }
}

TEST_CASE("a reload to the promoted standby brings the writes back no sooner than server_login_retry after the "
          "last failed login",
          "[pgbouncer]") {
  for (const sim::Time retry : {15_s, 1_s}) {
    Bounced b([retry](pgb::PgbouncerConfig& c) { c.server_login_retry = retry; });
    auto& w = b.writer("w1", 500_ms);
    b.cluster.run_for(4_s).stop("pg1").run_for(2_s);
    REQUIRE(b.cluster.sql("pg2", "SELECT pg_promote()").result.value);
    b.cluster.run_for(1_s);
    const sim::Time reloaded = b.cluster.s.now();
    b.bouncer->reload({*pgb::DatabaseEntry::parse("demodb", "host=pg2 port=5432 dbname=demodb")});
    REQUIRE(b.cluster.events(pgb::kReload, "bouncer").size() == 1);
    b.cluster.run_for(25_s);
    sim::Time last_failed = 0;
    for (const auto& r : b.cluster.events(pgb::kServerClosed, "bouncer"))
      if (r.time < reloaded && (r.text("reason") == "connect failed" || r.text("reason") == "login failed"))
        last_failed = std::max(last_failed, r.time);
    sim::Time first_on_pg2 = 0;
    for (const auto& a : w.acks())
      if (a.node == "pg2") {
        first_on_pg2 = a.at;
        break;
      }
    REQUIRE(first_on_pg2 > reloaded);
    REQUIRE(last_failed > 0);
    if (retry == 15_s) {
      // The failed attempt began a few ms before it failed: within a ms of that plus 15 s.
      REQUIRE(first_on_pg2 >= last_failed + 15_s - 50_ms);
      REQUIRE(first_on_pg2 < last_failed + 15_s + 1_s);
    } else {
      REQUIRE(first_on_pg2 < reloaded + 1_s + 500_ms);
    }
  }
}

TEST_CASE("a server connection lost mid-transaction closes its client with server conn crashed?", "[pgbouncer]") {
  // No standby to confirm: every commit waits on pg1 (syncrep.c), so one is in flight when pg1 dies.
  Bounced b({}, 0, [](const std::string&, pg::PostgresConfig& c) { c.synchronous_standby_names = "nobody"; });
  pg::PgResult l;
  auto c = b.session(l);
  REQUIRE(l.ok);
  std::optional<pg::PgResult> out;
  c->write(200, [&out](const pg::PgResult& r) { out = r; });
  b.cluster.run_for(1_s);
  REQUIRE_FALSE(out.has_value());
  b.cluster.kill("pg1").run_for(100_ms);
  REQUIRE(out.has_value());
  REQUIRE_FALSE(out->ok);
  REQUIRE(out->sqlstate == "08P01");
  REQUIRE(out->message == "server conn crashed?");
}

TEST_CASE("a server that does not answer the connect is given up after server_connect_timeout", "[pgbouncer]") {
  Bounced b([](pgb::PgbouncerConfig& c) { c.server_connect_timeout = 1_s; });
  b.cluster.partition("bouncer", "pg1");
  pg::PgResult l;
  const sim::Time asked = b.cluster.s.now();
  auto c = b.session(l);  // the pool's first login: the client waits for it
  b.cluster.run_for(5_s);
  const auto closed = b.cluster.events(pgb::kServerClosed, "bouncer");
  REQUIRE(closed.size() == 1);
  REQUIRE(closed[0].text("reason") == "connect timeout");
  // The janitor's first pass after 1 s (every 1/3 s); a neighbour that never answers would fail
  // the connect itself only after 3 s (EHOSTUNREACH).
  REQUIRE(closed[0].time > asked + 1_s);
  REQUIRE(closed[0].time <= asked + 1_s + 340_ms);
  REQUIRE(b.bouncer->waiting_clients("demodb") == 1);  // still waiting: the next try is 15 s later
}

TEST_CASE("a server's new address is used only once pgbouncer's cached answer is dns_max_ttl old", "[pgbouncer]") {
  for (const sim::Time ttl : {15_s, 0_s}) {
    Bounced b([ttl](pgb::PgbouncerConfig& c) {
      c.dns_max_ttl = ttl;
      c.server_login_retry = 1_s;  // short, so the cache's age decides
    });
    b.cluster.node("pg1").dynamic_address = true;  // a new address at each start
    auto& w = b.writer("w1", 500_ms);
    b.cluster.run_for(2_s);
    const auto first = b.cluster.events(pgb::kServerConnected, "bouncer");
    REQUIRE(first.size() == 1);
    const std::string old_addr = first[0].text("addr");
    b.cluster.crash("pg1").run_for(200_ms).start_node("pg1").run_for(25_s);
    const auto after = b.cluster.events(pgb::kServerConnected, "bouncer");
    REQUIRE(after.size() >= 2);
    REQUIRE(after[1].text("addr") != old_addr);
    if (ttl == 15_s) {
      // Looked up at the first connect: the new address only 15 s after that lookup. Meanwhile
      // the cached old address, whose host is gone, takes SYNs nobody answers: given up by
      // server_connect_timeout.
      REQUIRE(after[1].time >= first[0].time + 15_s);
      bool timed_out = false;
      for (const auto& r : b.cluster.events(pgb::kServerClosed, "bouncer")) timed_out |= r.text("reason") == "connect timeout";
      REQUIRE(timed_out);
    } else {
      REQUIRE(after[1].time < first[0].time + 10_s);
    }
    REQUIRE(w.acks().back().node == "pg1");
  }
}

TEST_CASE("a client that goes while it waits for a server stays in pgbouncer's queue, the pool tries again for it, "
          "and its query is dropped unsent when a server comes",
          "[pgbouncer]") {
  // objects.c pause_client takes a waiting client's socket out of the event loop (sbuf_pause),
  // so its EOF is read only at activate_client's sbuf_continue, which reads before it handles
  // the buffered query ("the pending data is dropped", sbuf.c sbuf_main_loop).
  Bounced b([](pgb::PgbouncerConfig& c) {
    c.server_connect_timeout = 1_s;
    c.server_lifetime = 2_s;  // the first server goes soon, leaving the pool empty
  });
  pg::PgResult l;
  auto c = b.session(l);
  REQUIRE(l.ok);
  b.cluster.run_for(3_s);
  REQUIRE(b.bouncer->servers("demodb") == 0);
  const int rule = b.cluster.partition("bouncer", "pg1");
  std::optional<pg::PgResult> out;
  const sim::Time asked = b.cluster.s.now();
  c->write(200, [&out](const pg::PgResult& r) { out = r; });
  b.cluster.run_for(2_s);  // its connect given up at 1 s; the next try only 15 s after it began
  REQUIRE(b.bouncer->waiting_clients("demodb") == 1);
  c->abandon();  // the client process killed: its kernel sends the FIN
  b.cluster.heal(rule).run_for(2_s);
  CHECK(b.bouncer->waiting_clients("demodb") == 1);
  b.cluster.run_for(13_s);
  std::vector<sim::Time> connected;
  for (const auto& r : b.cluster.events(pgb::kServerConnected, "bouncer"))
    if (r.time > asked) connected.push_back(r.time);
  REQUIRE(connected.size() == 1);
  CHECK(connected[0] >= asked + 15_s);
  CHECK(connected[0] < asked + 15_s + 400_ms);
  CHECK(b.bouncer->clients("demodb") == 0);
  // The server stays, idle: no query reached it.
  CHECK(b.bouncer->servers("demodb") == 1);
  for (const auto& r : b.cluster.events(pgb::kServerClosed, "bouncer")) CHECK(r.text("reason") != "client disconnect while server was not ready");
  CHECK_FALSE(out.has_value());
}

TEST_CASE("in a DNS silence pgbouncer's look-up is sent again 5, then 10 s later, and its server connects at the "
          "first send the silence has ended by",
          "[pgbouncer][dns]") {
  // c-ares 1.18.1's schedule (ares_process.c): sends at 0, 5, 15, 35 s. A silence of 3 s is over
  // by the second send, one of 12 s by the third. The old model failed the look-up at once and
  // connected only a login retry (15 s) later.
  for (const auto& [silence, send] : {std::pair{3_s, 5_s}, std::pair{12_s, 15_s}}) {
    Bounced b;
    testing::SilentDns dns(b.cluster, silence);
    const sim::Time silent = dns.stop_a_container();
    pg::PgResult l;
    // The pool's first login, from a client that needs no look-up itself.
    auto c = std::make_shared<pg::PgConnection>(*b.cluster.admin, b.address(), 6432);
    c->database = "demodb";
    c->connect([&l](const pg::PgResult& r) { l = r; });
    b.cluster.run_for(20_s);
    const auto connected = b.cluster.events(pgb::kServerConnected, "bouncer");
    REQUIRE(connected.size() == 1);
    CHECK(connected[0].time >= silent + send);
    CHECK(connected[0].time < silent + send + 50_ms);
    CHECK(b.cluster.events(pgb::kServerClosed, "bouncer").empty());
    CHECK(l.ok);
  }
}

TEST_CASE("a look-up that gets no answer fails 75 s after it began, outlives the server connections "
          "server_connect_timeout gives up, and its failure is kept dns_nxdomain_ttl",
          "[pgbouncer][dns]") {
  Bounced b;
  testing::SilentDns dns(b.cluster, 100_s);
  const sim::Time silent = dns.stop_a_container();
  // A writer that keeps asking (a waiting client alone is closed by client_login_timeout, 60 s),
  // by address so that its own look-ups do not meet the silence.
  auto& w = b.cluster.node("app").add_process<pg::WriteClient>(
      "w1", b.address(), 500_ms, 200);
  w.port = 6432;
  w.start();
  b.cluster.run_for(110_s);
  std::vector<sim::Time> timeouts, dns_failed;
  for (const auto& r : b.cluster.events(pgb::kServerClosed, "bouncer")) {
    if (r.text("reason") == "connect timeout") timeouts.push_back(r.time - silent);
    if (r.text("reason") == "server DNS lookup failed") dns_failed.push_back(r.time - silent);
  }
  // Server connections waiting for the look-up are dropped by the janitor 15 s after each
  // began (every 1/3 s), each next one server_login_retry after the last began.
  REQUIRE(timeouts.size() >= 3);
  CHECK(timeouts[0] > 15_s);
  CHECK(timeouts[0] < 15_s + 400_ms);
  // The look-up itself ends at 5 + 10 + 20 + 40 s, and fails the connection then waiting.
  REQUIRE_FALSE(dns_failed.empty());
  CHECK(dns_failed[0] >= 75_s);
  CHECK(dns_failed[0] < 75_s + 10_ms);
  // Attempts within dns_nxdomain_ttl of it fail at once, from the cache. The next one,
  // server_login_retry after the last of those, starts a new look-up, which meets the silence's
  // end (100 s) at its third send, 15 s after it began.
  REQUIRE(dns_failed.size() == 2);
  CHECK(dns_failed[1] < 75_s + 15_s);
  const auto connected = b.cluster.events(pgb::kServerConnected, "bouncer");
  REQUIRE(connected.size() == 1);
  CHECK(connected[0].time - silent > 100_s);
  CHECK(connected[0].time - silent >= dns_failed[1] + 15_s + 15_s);
  CHECK(connected[0].time - silent < dns_failed[1] + 15_s + 15_s + 400_ms);
}

TEST_CASE("a statement's CommandComplete and ReadyForQuery, read together from the server, leave pgbouncer in one send, "
          "as its welcome does",
          "[pgbouncer]") {
  // sbuf.c: what one recv() brought is parsed packet by packet and the packets to forward are
  // sent as one range at the end. At a NIC rate of 1 MB/s two sends would leave one after the
  // other, the second a message's transmission time later; one send arrives whole.
  Bounced b;
  b.cluster.s.network().set_nic_rate(b.cluster.node("bouncer").id(), 1'000'000);
  auto& raw = b.cluster.node("app").add_process<testing::RawPgClient>("bouncer", 6432, "SELECT 1");
  raw.start();
  b.cluster.run_for(2_s);
  const sim::Time cc = raw.first("CommandComplete");
  REQUIRE(cc > 0);
  std::size_t at = 0;
  while (raw.arrivals[at].first != "CommandComplete") ++at;
  REQUIRE(at + 1 < raw.arrivals.size());
  CHECK(raw.arrivals[at + 1].first == "ReadyForQuery");
  CHECK(raw.arrivals[at + 1].second == cc);
  // Its welcome to the client likewise (client.c welcome_client: "send all together").
  const sim::Time auth = raw.first("AuthenticationOk");
  REQUIRE(auth > 0);
  CHECK(raw.first("BackendKeyData") == auth);
  CHECK(raw.first("ReadyForQuery") == auth);
}

