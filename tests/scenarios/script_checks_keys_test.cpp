// The `checks:` key of a vrrp_script, as the loader reads it.
#include <catch2/catch.hpp>

#include <string>

#include "scenarios/loader.hpp"
#include "scenarios/tree.hpp"

namespace {

std::string scenario(const std::string& script_entry) {
  return "name: scripts\n"
         "duration: 10s\n"
         "networks: {lan: {subnet: 10.0.0.0/24}}\n"
         "nodes:\n"
         "  lb:\n"
         "    keepalived:\n"
         "      vrrp_script:\n"
         "        chk: " + script_entry + "\n"
         "      vrrp_instance:\n"
         "        VI_1: {state: MASTER, interface: eth0, virtual_router_id: 51, priority: 100,\n"
         "               virtual_ipaddress: [10.0.0.100/24], track_script: [chk]}\n";
}

scenarios::ScenarioSpec load(const std::string& yaml) {
  return scenarios::spec_from_tree(scenarios::parse_yaml(yaml, "inline.yaml"), "inline.yaml");
}

std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const scenarios::ScenarioError& e) {
    return e.what();
  }
  return "";
}

const models::keepalived::VrrpScriptConfig& script_of(const scenarios::ScenarioSpec& s) {
  return std::get<models::keepalived::KeepalivedConfig>(s.nodes.at(0).components.at(0)).scripts.at(0);
}

}  // namespace

TEST_CASE("any script loads once it says what it checks", "[scenarios][keepalived]") {
  using Kind = models::keepalived::ScriptCheck::Kind;
  const auto p = load(scenario("{script: /etc/keepalived/check.sh, checks: {process: haproxy}}"));
  CHECK(script_of(p).checks.kind == Kind::Process);
  CHECK(script_of(p).checks.what == "haproxy");
  const auto f = load(scenario("{script: 'curl -sf http://x/', checks: {pidfile: /run/haproxy.pid}}"));
  CHECK(script_of(f).checks.kind == Kind::Pidfile);
  const auto e = load(scenario("{script: /bin/custom, checks: {exit: 1}}"));
  CHECK(script_of(e).checks.kind == Kind::Exit);
  CHECK(script_of(e).checks.exit_code == 1);
}

TEST_CASE("a script the model cannot read, told nothing, is an error that names checks", "[scenarios][keepalived][errors]") {
  const std::string what = error_of(scenario("{script: /etc/keepalived/check.sh}"));
  INFO(what);
  CHECK(what.find("inline.yaml:8:") != std::string::npos);
  CHECK(what.find("nodes.lb.keepalived.vrrp_script.chk.script: command 'check.sh' is not modelled") != std::string::npos);
  CHECK(what.find("checks: {process: NAME}") != std::string::npos);
}

TEST_CASE("checks takes exactly one known kind", "[scenarios][keepalived][errors]") {
  CHECK(error_of(scenario("{script: /x, checks: {process: a, exit: 0}}")).find("expected one of") != std::string::npos);
  CHECK(error_of(scenario("{script: /x, checks: {proces: a}}")).find("did you mean 'process'") != std::string::npos);
  CHECK(error_of(scenario("{script: /x, checks: {pidfile: run/x.pid}}")).find("expected an absolute path") != std::string::npos);
  CHECK(error_of(scenario("{script: /x, checks: {exit: 300}}")).find("checks.exit") != std::string::npos);
  CHECK(error_of(scenario("{script: /x, checks: haproxy}")).find("expected one of") != std::string::npos);
  CHECK(error_of(scenario("{script: 'curl -fs x', checks: {http: localhost/health}}")).find("checks.http: expected http://HOST") !=
        std::string::npos);
  CHECK(error_of(scenario("{script: 'curl -fs http://localhost/health', checks: {http: 'http://localhost/health'}}")).empty());
}
