// How an including file overrides what it includes: keys with no value, and `*` keys.
#include <catch2/catch.hpp>

#include <string>

#include "../support/scratch_dir.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/spec.hpp"
#include "scenarios/tree.hpp"

namespace {

/// Two HAProxy-less web nodes and one node with keepalived, for the overrides below.
const std::string kBase =
    "name: base\n"
    "duration: 10s\n"
    "networks: {lan: {subnet: 10.0.0.0/24}}\n"
    "nodes:\n"
    "  web1: {nginx: {files: [/]}}\n"
    "  web2: {nginx: {files: [/]}}\n"
    "  lb:\n"
    "    keepalived:\n"
    "      vrrp_instance:\n"
    "        VI_1: {state: MASTER, interface: eth0, virtual_router_id: 51, priority: 100, virtual_ipaddress: [10.0.0.100/24]}\n"
    "faults:\n"
    "  - {at: 5s, kill: web1/nginx}\n";

std::string error_of(const std::string& path) {
  try {
    scenarios::load_scenario(path);
  } catch (const scenarios::ScenarioError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a key written with no value in an including file overrides nothing", "[scenarios][include]") {
  testing::ScratchDir d("empty-override");
  d.write("base.yaml", kBase);
  const auto spec = scenarios::load_scenario(d.write("top.yaml", "include: base.yaml\nfaults:\nnodes:\n  web2:\n"));
  REQUIRE(spec.faults.size() == 1);  // `faults:` with nothing after it keeps the base's faults
  CHECK(spec.faults[0].action == "kill");
  REQUIRE(spec.nodes.size() == 3);
  CHECK(spec.nodes[1].components.size() == 1);  // `web2:` with nothing keeps web2's nginx
}

TEST_CASE("a star key in an including file changes every entry that has the keys below it", "[scenarios][include]") {
  testing::ScratchDir d("star-override");
  d.write("base.yaml", kBase);
  const std::string top = d.write("top.yaml",
                                  "include: base.yaml\n"
                                  "nodes:\n"
                                  "  '*':\n"
                                  "    start_delay: 2s\n"                   // a leaf: set on every node
                                  "    nginx: {stop_delay: 1s}\n");  // a mapping: only where nginx is
  const scenarios::Tree t = scenarios::load_tree(top);
  const scenarios::Tree* nodes = t.find("nodes");
  REQUIRE(nodes != nullptr);
  for (const char* n : {"web1", "web2", "lb"}) {
    INFO(n);
    REQUIRE(nodes->find(n) != nullptr);
    REQUIRE(nodes->find(n)->find("start_delay") != nullptr);
    CHECK(nodes->find(n)->find("start_delay")->scalar == "2s");
  }
  CHECK(nodes->find("web1")->find("nginx")->find("stop_delay") != nullptr);
  CHECK(nodes->find("web1")->find("nginx")->find("files") != nullptr);  // merged, not replaced
  CHECK(nodes->find("lb")->find("nginx") == nullptr);  // the star adds nginx to no node
  CHECK(nodes->find("*") == nullptr);
}

TEST_CASE("a star key that matches nothing is an error located at the star", "[scenarios][include][errors]") {
  testing::ScratchDir d("star-nothing");
  d.write("base.yaml", kBase);
  const std::string what =
      error_of(d.write("top.yaml", "include: base.yaml\nnodes:\n  '*':\n    haproxy: {global: {maxconn: 10}}\n"));
  INFO(what);
  CHECK(what.find("top.yaml:3:3: nodes.*: matched nothing") != std::string::npos);
}
