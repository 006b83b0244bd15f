// The `keepalived:` section is read as strictly as keepalived.conf: unknown keys name the
// closest valid one, values are range-checked, references must resolve.
#include <catch2/catch.hpp>

#include <string>

#include "scenarios/loader.hpp"

namespace {

std::string error_of(const std::vector<std::string>& sets) {
  try {
    scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part2.yaml", sets);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

const std::string kInst = "nodes.haproxy1.keepalived.vrrp_instance.VI_1.";

}  // namespace

TEST_CASE("the demo1-part2 keepalived section reads as keepalived.conf spells it", "[keepalived][loader]") {
  const auto spec = scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part2.yaml");
  const auto& n = spec.nodes.front();
  REQUIRE(n.name == "haproxy1");
  const models::keepalived::KeepalivedConfig* k = nullptr;
  for (const auto& c : n.components)
    if (const auto* x = std::get_if<models::keepalived::KeepalivedConfig>(&c)) k = x;
  REQUIRE(k != nullptr);
  REQUIRE(k->scripts.at(0).script == "killall -0 haproxy");
  REQUIRE(k->scripts.at(0).interval == 2 * sim::kSecond);
  REQUIRE(k->scripts.at(0).weight == 2);
  const auto& i = k->instances.at(0);
  REQUIRE(i.state == "MASTER");
  REQUIRE(i.virtual_router_id == 51);
  REQUIRE(i.priority == 100);
  REQUIRE(i.auth_pass == "1234");
  REQUIRE(i.virtual_ipaddress == std::vector<std::string>{"172.20.0.100/16"});
}

TEST_CASE("an unknown keepalived key names the closest valid one", "[keepalived][loader]") {
  REQUIRE_THAT(error_of({kInst + "prority=3"}), Catch::Contains("did you mean 'priority'"));
  REQUIRE_THAT(error_of({kInst + "advert_intt=1"}), Catch::Contains("did you mean 'advert_int'"));
}

TEST_CASE("keepalived values outside their ranges are rejected", "[keepalived][loader]") {
  REQUIRE_THAT(error_of({kInst + "priority=256"}), Catch::Contains("between 1 and 255"));
  REQUIRE_THAT(error_of({kInst + "virtual_router_id=0"}), Catch::Contains("between 1 and 255"));
  REQUIRE_THAT(error_of({kInst + "advert_int=0"}), Catch::Contains("advert_int"));
  REQUIRE_THAT(error_of({kInst + "state=PRIMARY"}), Catch::Contains("MASTER or BACKUP"));
  REQUIRE_THAT(error_of({kInst + "track_script=[check_haprox]"}), Catch::Contains("did you mean 'check_haproxy'"));
  REQUIRE_THAT(error_of({"nodes.haproxy1.keepalived.vrrp_script.check_haproxy.script=curl localhost"}),
               Catch::Contains("not modelled"));
}

TEST_CASE("a fault may target the keepalived process of a node", "[keepalived][loader]") {
  REQUIRE(error_of({}).empty());
  REQUIRE(error_of({"faults=[{at: 10s, freeze: haproxy1/keepalived}]"}).empty());
  REQUIRE_THAT(error_of({"faults=[{at: 10s, freeze: haproxy1/keepalivd}]"}), Catch::Contains("did you mean 'keepalived'"));
}

TEST_CASE("a fault may target keepalived's parent or VRRP child alone, but not start the child", "[keepalived][loader]") {
  REQUIRE(error_of({"faults=[{at: 10s, kill: haproxy1/keepalived_vrrp}]"}).empty());
  REQUIRE(error_of({"faults=[{at: 10s, kill: haproxy1/keepalived_parent, for: 5s}]"}).empty());
  REQUIRE(error_of({"faults=[{at: 10s, freeze: haproxy1/keepalived_vrrp, for: 5s}]"}).empty());
  REQUIRE_THAT(error_of({"faults=[{at: 10s, start: haproxy1/keepalived_vrrp}]"}), Catch::Contains("forked by its parent"));
  REQUIRE_THAT(error_of({"faults=[{at: 10s, kill: haproxy1/keepalived_vrrp, for: 5s}]"}),
               Catch::Contains("kill with 'for' does not apply"));
  REQUIRE_THAT(error_of({"faults=[{at: 10s, kill: nginx1/keepalived_vrrp}]"}), Catch::Contains("runs no process"));
}
