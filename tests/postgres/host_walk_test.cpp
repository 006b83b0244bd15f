// libpq's host lists and target_session_attrs (models/postgres/host_walk.hpp), in the walk itself
// and in a reader's session against real servers of the model.
#include <catch2/catch.hpp>

#include "../support/pg_cluster.hpp"
#include "models/postgres/host_walk.hpp"
#include "models/postgres/events.hpp"
#include "models/postgres/read_client.hpp"

using namespace sim::literals;
using testing::PgCluster;
namespace pg = models::postgres;
using TSA = pg::TargetSessionAttrs;

namespace {

pg::ReadClient& reader(PgCluster& c, const std::string& host, TSA target) {
  auto& r = c.node("app").add_process<pg::ReadClient>("r", host, 100_ms);
  r.target_session_attrs = target;
  r.start();
  return r;
}

std::vector<std::string> read_failures(const PgCluster& c) {
  std::vector<std::string> out;
  for (const auto& r : c.s.trace().records())
    if (r.kind == pg::kReadFailed) out.push_back(r.text("message"));
  return out;
}

}  // namespace

TEST_CASE("prefer-standby walks the hosts twice, the second time accepting any server", "[postgres][libpq]") {
  pg::HostWalk w({"a", "b"}, TSA::PreferStandby);
  CHECK(!w.fits(false, false));
  w.next("a: server is not in hot standby mode");
  w.next("b: server is not in hot standby mode");
  REQUIRE(w.current() == std::optional<std::string>("a"));
  CHECK(w.second_pass());
  CHECK(w.fits(false, false));
  w.next("a again");
  w.next("b again");
  CHECK(!w.current());
  // Every other target stops after one pass, with each host's reason on its own line.
  pg::HostWalk s({"a", "b"}, TSA::Standby);
  s.next("one");
  s.next("two");
  CHECK(!s.current());
  CHECK(s.error() == "one\ntwo");
}

TEST_CASE("read-write refuses a hot standby or a server with default_transaction_read_only, read-only wants one of them",
          "[postgres][libpq]") {
  CHECK(!pg::HostWalk({"a"}, TSA::ReadWrite).fits(true, false));
  CHECK(!pg::HostWalk({"a"}, TSA::ReadWrite).fits(false, true));
  CHECK(pg::HostWalk({"a"}, TSA::ReadWrite).fits(false, false));
  CHECK(pg::HostWalk({"a"}, TSA::ReadOnly).fits(false, true));
  CHECK(!pg::HostWalk({"a"}, TSA::ReadOnly).fits(false, false));
  // primary and standby look at in_hot_standby only.
  CHECK(pg::HostWalk({"a"}, TSA::Primary).fits(false, true));
  CHECK(!pg::HostWalk({"a"}, TSA::Standby).fits(false, true));
  CHECK(!pg::parse_target_session_attrs("read_write"));
  CHECK(pg::parse_target_session_attrs("prefer-standby") == TSA::PreferStandby);
}

TEST_CASE("a reader given the primary first and target_session_attrs standby reads from the standby", "[postgres][libpq]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  auto& r = reader(cluster, "pg1,pg2", TSA::Standby);
  cluster.run_for(1_s);
  REQUIRE(!r.reads().empty());
  for (const auto& x : r.reads()) CHECK(x.node == "pg2");
  CHECK(r.failures() == 0);
}

TEST_CASE("read-write skips a hot standby listed first and reads from the primary", "[postgres][libpq]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  auto& r = reader(cluster, "pg2,pg1", TSA::ReadWrite);
  cluster.run_for(1_s);
  REQUIRE(!r.reads().empty());
  CHECK(r.reads().front().node == "pg1");
}

TEST_CASE("prefer-standby falls back to the primary when no standby accepts, and standby then fails naming each host",
          "[postgres][libpq]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  cluster.stop("pg2").run_for(2_s);
  auto& p = reader(cluster, "pg2,pg1", TSA::PreferStandby);
  cluster.run_for(1_s);
  REQUIRE(!p.reads().empty());
  CHECK(p.reads().front().node == "pg1");
  p.kill();
  auto& s = cluster.node("app").add_process<pg::ReadClient>("s", "pg2,pg1", 100_ms);
  s.target_session_attrs = TSA::Standby;
  s.count = 1;
  s.start();
  cluster.run_for(1_s);
  CHECK(s.reads().empty());
  const auto failed = read_failures(cluster);
  REQUIRE(!failed.empty());
  CHECK(failed.back() ==
        "connection to server at \"pg2\" failed: Connection refused\n"
        "connection to server at \"pg1\" failed: server is not in hot standby mode");
}

TEST_CASE("a server shutting down (57P03) sends libpq on to the next host", "[postgres][libpq]") {
  PgCluster cluster(1);
  cluster.run_for(1_s);
  // A session kept open on pg2 holds its smart shutdown (SIGTERM) back: meanwhile pg2 answers
  // every new connection with 57P03 "the database system is shutting down".
  auto& holder = reader(cluster, "pg2", TSA::Any);
  cluster.run_for(300_ms);
  REQUIRE(!holder.reads().empty());
  cluster["pg2"].signal(pg::PgSignal::Term);
  cluster.run_for(10_ms);
  auto& r = cluster.node("app").add_process<pg::ReadClient>("r2", "pg2,pg1", 100_ms);
  r.start();
  cluster.run_for(300_ms);
  int rejected = 0;
  for (const auto& x : cluster.s.trace().records())
    if (x.kind == pg::kConnectionRejected && x.text("node") == "pg2" && x.text("sqlstate") == "57P03") ++rejected;
  REQUIRE(rejected >= 1);
  REQUIRE(!r.reads().empty());
  CHECK(r.reads().front().node == "pg1");
  CHECK(r.failures() == 0);
}
