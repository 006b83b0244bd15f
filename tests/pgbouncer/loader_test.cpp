// The `pgbouncer:` section is read as pgbouncer.ini spells it, and the operator's `reload` step
// takes its [databases] entries; bad values name their file, line and key.
#include <catch2/catch.hpp>

#include <string>

#include "../support/scratch_dir.hpp"
#include "models/pgbouncer/config.hpp"
#include "scenarios/kinds/pgbouncer.hpp"
#include "scenarios/loader.hpp"

namespace {

const std::string kFailover = std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/pgbouncer-failover.yaml";

std::string error_of(const std::string& path, const std::vector<std::string>& sets = {}) {
  try {
    scenarios::load_scenario(path, sets);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the demo 7 pgbouncer section reads pool_mode, the pool sizes and the databases entry", "[pgbouncer][loader]") {
  const auto spec = scenarios::load_scenario(kFailover);
  const scenarios::PgbouncerSection* s = nullptr;
  for (const auto& n : spec.nodes)
    for (const auto& c : n.components)
      if (const auto* x = std::get_if<scenarios::PgbouncerSection>(&c)) s = x;
  REQUIRE(s != nullptr);
  REQUIRE(s->conf.pool_mode == models::pgbouncer::PoolMode::Transaction);
  REQUIRE(s->conf.default_pool_size == 20);
  REQUIRE(s->conf.max_client_conn == 100);
  REQUIRE(s->conf.server_login_retry == 15 * sim::kSecond);  // pgbouncer 1.18's default
  REQUIRE(s->conf.databases.at(0).host == "postgres-primary");
  REQUIRE(s->conf.databases.at(0).dbname == "demodb");
  REQUIRE(spec.workloads.at("load").pg.port == 6432);
  REQUIRE(spec.workloads.at("direct").pg.port == 5432);
  const auto& reload = spec.faults.back();
  REQUIRE(reload.action == "reload");
  REQUIRE(reload.target == "pgbouncer");
  REQUIRE(reload.settings == std::vector<std::pair<std::string, std::string>>{
                                 {"databases.demodb", "host=postgres-replica1 port=5432 dbname=demodb"}});
}

TEST_CASE("pgbouncer's times read as seconds with a fraction, as pgbouncer.ini takes them", "[pgbouncer][loader]") {
  models::pgbouncer::PgbouncerConfig c;
  REQUIRE(c.set("server_login_retry", "0.5"));
  REQUIRE(c.server_login_retry == 500 * sim::kMillisecond);
  REQUIRE_FALSE(c.set("server_login_retry", "15s"));
  REQUIRE_FALSE(c.set("pool_mode", "transactions"));
  REQUIRE_FALSE(c.set("default_pool_size", "-1"));
  REQUIRE_FALSE(models::pgbouncer::DatabaseEntry::parse("db", "host=pg1 sslmode=require").has_value());
  REQUIRE(models::pgbouncer::DatabaseEntry::parse("db", "host='pg1' port=6000")->port == 6000);
}

TEST_CASE("a bad pgbouncer value names its key, in pgbouncer's own words", "[pgbouncer][loader]") {
  const std::string e = error_of(kFailover, {"nodes.pgbouncer.pgbouncer.pool_mode=transactions"});
  REQUIRE_THAT(e, Catch::Contains("nodes.pgbouncer.pgbouncer.pool_mode"));
  REQUIRE_THAT(e, Catch::Contains("invalid value \"transactions\" for parameter pool_mode"));
  REQUIRE_THAT(error_of(kFailover, {"nodes.pgbouncer.pgbouncer.default_pool=3"}),
               Catch::Contains("unknown key") && Catch::Contains("did you mean 'default_pool_size'?"));
}

TEST_CASE("a reload step with a setting other than databases, or a host missing from an entry, is refused at its "
          "line",
          "[pgbouncer][loader]") {
  testing::ScratchDir dir("pgbouncer-reload");
  const std::string base = "include: " + std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/pgbouncer.yaml\nfaults:\n";
  const std::string other = dir.write("other.yaml", base + "  - {at: 30s, reload: {node: pgbouncer, pool_mode: session}}\n");
  std::string e = error_of(other);
  REQUIRE_THAT(e, Catch::Contains("other.yaml:3"));
  REQUIRE_THAT(e, Catch::Contains("reload takes 'databases'"));
  const std::string nohost = dir.write("nohost.yaml", base + "  - {at: 30s, reload: {node: pgbouncer, databases: {demodb: port=5432}}}\n");
  e = error_of(nohost);
  REQUIRE_THAT(e, Catch::Contains("nohost.yaml:3"));
  REQUIRE_THAT(e, Catch::Contains("databases.demodb: expected a connect string with host="));
  const std::string nonode = dir.write("nonode.yaml", base + "  - {at: 30s, reload: {node: pgbouncer, databases: {demodb: host=postgres-replica9}}}\n");
  e = error_of(nonode);
  REQUIRE_THAT(e, Catch::Contains("nonode.yaml:3"));
  REQUIRE_THAT(e, Catch::Contains("no node named 'postgres-replica9'"));
  const std::string promote = dir.write("promote.yaml", base + "  - {at: 30s, promote: {node: postgres-replica1, wait: true}}\n");
  REQUIRE_THAT(error_of(promote), Catch::Contains("promote takes no settings"));
}
