// The failover script's real side (validation/kinds/failover_script.cpp): what `hasim render`
// writes for scenarios/demo2/failover-script.yaml.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../support/scratch_dir.hpp"
#include "scenarios/loader.hpp"
#include "validation/render.hpp"

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("render: the failover script runs in the writer's container with its variables from the section", "[failover_script][validation]") {
  testing::ScratchDir d("fscript-render");
  const auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo2/failover-script.yaml", {});
  validation::render_scenario(spec, d.dir.string(), validation::RenderOptions{validation::Engine::Podman});
  const std::string conf = slurp(d.dir / "app" / "failover_script.conf");
  CHECK_THAT(conf, Catch::Contains("PRIMARY='postgres-primary'"));
  CHECK_THAT(conf, Catch::Contains("STANDBYS=('postgres-replica1:replica1_slot' 'postgres-replica2:replica2_slot')"));
  CHECK_THAT(conf, Catch::Contains("CHECK_INTERVAL=1\n"));
  CHECK_THAT(conf, Catch::Contains("CONNECT_TIMEOUT=2\n"));
  CHECK_THAT(conf, Catch::Contains("FAILURES=3\n"));
  CHECK_THAT(conf, Catch::Contains("LAG_BY=receive\n"));
  CHECK_THAT(conf, Catch::Contains("REPOINT='load'"));
  const std::string script = slurp(d.dir / "app" / "failover_script.sh");
  CHECK_THAT(script, Catch::Contains("pg_last_wal_receive_lsn() - '0/0'"));
  CHECK_THAT(script, Catch::Contains("SELECT pg_promote()"));
  CHECK_THAT(script, Catch::Contains("/tmp/hasim-pg-host-$w"));
  // The writer runs beside the script: the app's image carries pg-writer.sh and psql.
  const auto image = d.dir / "images" / "failover_script";
  CHECK(std::filesystem::exists(image / "hasim" / "pg-writer.sh"));
  CHECK(std::filesystem::exists(image / "hasim" / "run-failover_script.sh"));
  CHECK_THAT(slurp(image / "Dockerfile"), Catch::Contains("postgresql-client-15"));
  CHECK_THAT(slurp(d.dir / "docker-compose.yml"), Catch::Contains("command: [failover_script]"));
}
