// Every class of bad scenario input is a ScenarioError naming the file, line:column, the key
// path, and (for names) the closest valid one. Fixtures live in tests/scenarios/bad/.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "scenarios/loader.hpp"
#include "scenarios/sweep.hpp"
#include "scenarios/tree.hpp"
#include "sim/time.hpp"

namespace {

const std::string kBad = std::string(HASIM_SOURCE_DIR) + "/tests/scenarios/bad/";

struct Case {
  const char* file;
  const char* where;  // "line:column"
  const char* key_path;
  std::vector<const char*> says;
};

std::string error_of(const std::string& path) {
  try {
    scenarios::load_scenario(path);
  } catch (const scenarios::ScenarioError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("every class of bad scenario names file, line:column, key path and the problem", "[scenarios][errors]") {
  const std::vector<Case> cases = {
      {"syntax_error.yaml", "4:6", "", {"YAML syntax error"}},
      {"unknown_top_key.yaml", "8:1", "invariant", {"unknown key", "did you mean 'invariants'?"}},
      {"unknown_nested_key.yaml", "11:41", "nodes.lb.haproxy.backends.be.default-server.iner",
       {"unknown key", "did you mean 'inter'?", "valid keys: address, check, inter"}},
      {"wrong_type.yaml", "14:22", "nodes.lb.haproxy.backends.be.servers.web1.inter",
       {"expected a single value, found a list"}},
      {"negative_interval.yaml", "12:60", "nodes.lb.haproxy.backends.be.servers.web1.inter",
       {"must not be negative, found '-2s'"}},
      {"zero_inter.yaml", "12:60", "nodes.lb.haproxy.backends.be.servers.web1.inter", {"must be greater than zero"}},
      {"fall_zero.yaml", "12:59", "nodes.lb.haproxy.backends.be.servers.web1.fall",
       {"must be between 1 and 1000, found 0"}},
      {"weight_out_of_range.yaml", "12:48", "nodes.lb.haproxy.backends.be.servers.web1.weight",
       {"must be between 0 and 256, found 300"}},
      {"port_out_of_range.yaml", "12:29", "nodes.lb.haproxy.backends.be.servers.web1.address (port)",
       {"must be between 1 and 65535, found 70000"}},
      {"unknown_server_node.yaml", "12:29", "nodes.lb.haproxy.backends.be.servers.web1.address",
       {"no node named 'webl'", "did you mean 'web1'?"}},
      {"unknown_balance.yaml", "11:20", "nodes.lb.haproxy.backends.be.balance",
       {"unknown algorithm 'roundrobn'", "did you mean 'roundrobin'?"}},
      {"unknown_fault_node.yaml", "10:21", "faults.0.stop", {"no node named 'web2'", "did you mean 'web1'?"}},
      {"unknown_process.yaml", "10:21", "faults.0.stop",
       {"node 'web1' runs no process 'haproxy'", "did you mean 'nginx'?"}},
      {"fault_after_end.yaml", "10:10", "faults.0.at", {"after the end of the run (duration 30s)"}},
      {"unknown_workload_node.yaml", "10:29", "workloads.load.url", {"no node named 'webl'", "did you mean 'web1'?"}},
      {"unknown_invariant.yaml", "9:13", "invariants",
       {"unknown invariant 'backend_availabel'", "did you mean 'backend_available'?"}},
      {"unknown_network.yaml", "6:5", "nodes.web1.networks", {"no network named 'lam'", "did you mean 'lan'?"}},
      {"address_outside_subnet.yaml", "6:5", "nodes.web1.networks.lan", {"10.0.1.5 is outside 10.0.0.0/24"}},
      {"duplicate_address.yaml", "8:5", "nodes.web2.networks.lan", {"address 10.0.0.5 is used twice"}},
      {"duplicate_key.yaml", "6:3", "web1", {"duplicate key (first written at line 5)"}},
      {"missing_include.yaml", "1:11", "include.0", {"no such file", "no_such_fragment.yaml"}},
      {"empty.yaml", "1:1", "", {"the scenario file is empty"}},
      {"bad_probability.yaml", "5:55", "networks.lan.latency.quantiles.1",
       {"expected a probability from 0 to 1, found 'half'"}},
  };
  for (const auto& c : cases) {
    const std::string what = error_of(kBad + c.file);
    INFO(what);
    const std::string located = std::string(c.file) + ":" + c.where + ": ";
    CHECK(what.find(located) != std::string::npos);
    if (*c.key_path != '\0') CHECK(what.find(located + c.key_path + ": ") != std::string::npos);
    for (const char* s : c.says) CHECK(what.find(s) != std::string::npos);
  }
}

TEST_CASE("a scenario error keeps its parts apart for programs", "[scenarios][errors]") {
  try {
    scenarios::load_scenario(kBad + "unknown_nested_key.yaml");
    FAIL("no error");
  } catch (const scenarios::ScenarioError& e) {
    CHECK(e.where().file == kBad + "unknown_nested_key.yaml");
    CHECK(e.where().line == 11);
    CHECK(e.where().column == 41);
    CHECK(e.key_path() == "nodes.lb.haproxy.backends.be.default-server.iner");
    CHECK(e.message().rfind("unknown key (did you mean 'inter'?)", 0) == 0);
  }
}

TEST_CASE("a file that does not exist is a located scenario error too", "[scenarios][errors]") {
  const std::string what = error_of(kBad + "does_not_exist.yaml");
  CHECK(what.find("does_not_exist.yaml") != std::string::npos);
  CHECK(what.find("cannot read the scenario file") != std::string::npos);
}

TEST_CASE("a bad --set path names the closest existing key", "[scenarios][errors]") {
  scenarios::Tree t = scenarios::parse_yaml(
      "nodes:\n  lb:\n    haproxy:\n      backends:\n        be:\n          default-server: {inter: 2s}\n", "x.yaml");
  try {
    scenarios::apply_override(t, "nodes.lb.haproxy.backends.be.default-servr.inter=1s");
    FAIL("no error");
  } catch (const scenarios::ScenarioError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("--set nodes.lb.haproxy.backends.be.default-servr.inter=1s") != std::string::npos);
    CHECK(e.key_path() == "nodes.lb.haproxy.backends.be.default-servr");
    CHECK(what.find("no such key (did you mean 'default-server'?)") != std::string::npos);
  }
  // A list takes item numbers or *, and a missing last key is added.
  scenarios::Tree u = scenarios::parse_yaml("a: {b: [1, 2]}\n", "u.yaml");
  CHECK_THROWS_WITH(scenarios::apply_override(u, "a.b.x=3"), Catch::Contains("is a list"));
  CHECK_THROWS_WITH(scenarios::apply_override(u, "a.b.5=3"), Catch::Contains("has 2 items"));
  CHECK_THROWS_WITH(scenarios::apply_override(u, "a.b"), Catch::Contains("expected key.path=value"));
  CHECK(scenarios::apply_override(u, "a.b.*=7") == 2);
  CHECK(u.find("a")->find("b")->seq[1].scalar == "7");
  CHECK(scenarios::apply_override(u, "a.c=new") == 1);
  CHECK(u.find("a")->find("c")->scalar == "new");
}

TEST_CASE("an override is checked like the file: a bad value names the --set and its key path", "[scenarios][errors]") {
  scenarios::Tree t = scenarios::load_tree(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part1.yaml");
  scenarios::apply_override(t, "nodes.haproxy.haproxy.backends.nginx_backend.default-server.fall=0");
  try {
    scenarios::spec_from_tree(t, "demo1-part1.yaml");
    FAIL("no error");
  } catch (const scenarios::ScenarioError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("--set nodes.haproxy.haproxy.backends.nginx_backend.default-server.fall=0") != std::string::npos);
    CHECK(e.key_path() == "nodes.haproxy.haproxy.backends.nginx_backend.default-server.fall");
    CHECK(what.find("must be between 1 and 1000, found 0") != std::string::npos);
  }
}

TEST_CASE("suggestions come from the smallest edit distance", "[scenarios][errors]") {
  CHECK(scenarios::edit_distance("", "abc") == 3);
  CHECK(scenarios::edit_distance("kitten", "sitting") == 3);
  CHECK(scenarios::edit_distance("iner", "inter") == 1);
  CHECK(scenarios::closest("roundrobn", {"leastconn", "roundrobin", "source", "first"}) == "roundrobin");
  CHECK(scenarios::closest("x", {}) == "");
}

TEST_CASE("an include cycle is an error at the include that closes it, not a crash", "[scenarios][errors]") {
  const std::string what = error_of(kBad + "cycle_a.yaml");
  INFO(what);
  CHECK(what.find("cycle_b.yaml:2:11: include.0: include cycle: ") != std::string::npos);
  CHECK(what.find("cycle_a.yaml is already being included") != std::string::npos);
}

TEST_CASE("included fragments merge under the including file, whose own keys win", "[scenarios]") {
  const std::string good = std::string(HASIM_SOURCE_DIR) + "/tests/scenarios/good/";
  const auto spec = scenarios::load_scenario(good + "with_include.yaml");
  CHECK(spec.name == "with-include");
  CHECK(spec.duration == 45 * sim::kSecond);
  REQUIRE(spec.networks.size() == 1);
  CHECK(spec.networks[0].subnet == "10.0.0.0/24");
  REQUIRE(spec.nodes.size() == 2);
  CHECK(spec.nodes[0].name == "web1");
  CHECK_FALSE(spec.nodes[0].start);
  CHECK(spec.nodes[0].components.size() == 1);  // the fragment's nginx is kept
  CHECK(spec.nodes[1].name == "client");
}

TEST_CASE("an error inside an included fragment names the fragment's own file and line", "[scenarios][errors]") {
  const std::string good = std::string(HASIM_SOURCE_DIR) + "/tests/scenarios/good/";
  const std::string what = error_of(good + "includes_bad_fragment.yaml");
  INFO(what);
  CHECK(what.find("bad_fragment.yaml:5:21: nodes.web1.nginx.listen: must be between 1 and 65535, found 99999") !=
        std::string::npos);
}

TEST_CASE("a sweep validates every combination before running any", "[scenarios][errors][sweep]") {
  const std::string demo = std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part1.yaml";
  const scenarios::Tree base = scenarios::load_tree(demo);
  scenarios::SweepOptions o;
  o.grid.push_back(scenarios::GridAxis::parse("nodes.haproxy.haproxy.backends.nginx_backend.default-server.inter=2s,banana"));
  int progress = 0;
  o.on_progress = [&](std::size_t, std::size_t) { ++progress; };
  try {
    scenarios::run_sweep(base, demo, o);
    FAIL("no error");
  } catch (const scenarios::ScenarioError& e) {
    const std::string what = e.what();
    INFO(what);
    // Named as the user wrote it: the --grid argument and the value that failed.
    CHECK(what.rfind("--grid nodes.haproxy.haproxy.backends.nginx_backend.default-server.inter=2s,banana (value 'banana'): "
                     "nodes.haproxy.haproxy.backends.nginx_backend.default-server.inter: ", 0) == 0);
    CHECK(what.find("expected a duration") != std::string::npos);
  }
  CHECK(progress == 0);
  CHECK_THROWS_WITH(scenarios::GridAxis::parse("a.b=1,,2"), Catch::Contains("empty value"));
  CHECK_THROWS_WITH(scenarios::GridAxis::parse("novalues"), Catch::Contains("expected key.path=v1,v2"));
}
