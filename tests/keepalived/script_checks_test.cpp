// vrrp_script commands the model cannot read, told what they check (`checks:`).
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "../support/dummy_process.hpp"
#include "models/keepalived/keepalived.hpp"
#include "models/nginx/nginx.hpp"
#include "sim/disk.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

using namespace sim::literals;
namespace ka = models::keepalived;

namespace {

/// One node running "app" and a keepalived whose instance tracks a script with weight +10, so
/// its priority (100 or 110) says whether the script's last result was a success.
struct Single {
  sim::Simulation s{1};
  sim::Node* node;
  ka::Keepalived* k;
  explicit Single(ka::ScriptCheck checks, const std::string& script = "/usr/local/bin/check_app.sh",
                  const std::function<void(sim::Node&)>& also = {}) {
    auto& net = s.network();
    const auto seg = net.add_segment("lan", *sim::Subnet::parse("10.0.0.0/24"), sim::Distribution::constant(100_us));
    node = &s.add_node("lb");
    net.attach(*node, seg, sim::Ipv4::parse("10.0.0.2"));
    node->add_process<testing::DummyProcess>("app");
    if (also) also(*node);
    ka::KeepalivedConfig c;
    ka::VrrpScriptConfig sc;
    sc.name = "check_app";
    sc.script = script;
    sc.checks = std::move(checks);
    sc.interval = 1_s;
    sc.weight = 10;
    c.scripts.push_back(sc);
    ka::VrrpInstanceConfig i;
    i.name = "VI_1";
    i.state = "MASTER";
    i.priority = 100;
    i.virtual_ipaddress = {"10.0.0.100/24"};
    i.track_script = {"check_app"};
    c.instances.push_back(i);
    k = &node->add_process<ka::Keepalived>(std::move(c));
    node->start();
  }
  int priority() { return k->instance("VI_1")->priority(); }
};

ka::ScriptCheck check(ka::ScriptCheck::Kind kind, std::string what = "", int code = 0) {
  ka::ScriptCheck c;
  c.kind = kind;
  c.what = std::move(what);
  c.exit_code = code;
  return c;
}

}  // namespace

TEST_CASE("a script told it checks a process succeeds while that process exists", "[keepalived][script]") {
  Single one(check(ka::ScriptCheck::Kind::Process, "app"));
  one.s.run_until(3_s);
  CHECK(one.priority() == 110);
  one.node->process("app")->kill();
  one.s.run_until(6_s);
  CHECK(one.priority() == 100);
}

TEST_CASE("a script told its exit code always returns it", "[keepalived][script]") {
  Single ok(check(ka::ScriptCheck::Kind::Exit, "", 0));
  Single failing(check(ka::ScriptCheck::Kind::Exit, "", 1));
  ok.s.run_until(3_s);
  failing.s.run_until(3_s);
  CHECK(ok.priority() == 110);
  CHECK(failing.priority() == 100);
}

TEST_CASE("a pid file check succeeds only while the file names a live process", "[keepalived][script]") {
  Single one(check(ka::ScriptCheck::Kind::Pidfile, "/run/app.pid"));
  one.s.run_until(3_s);
  CHECK(one.priority() == 100);  // no file yet: `cat` fails, so does the script
  const std::uint32_t pid = one.node->process("app")->pid();
  REQUIRE(pid != 0);
  one.node->disk().write_file("/run/app.pid", std::to_string(pid) + "\n");
  one.s.run_until(6_s);
  CHECK(one.priority() == 110);
  one.node->process("app")->kill();  // SIGKILL leaves the file behind, naming a dead PID
  one.s.run_until(9_s);
  CHECK(one.node->disk().read_file("/run/app.pid").has_value());
  CHECK(one.priority() == 100);
  one.node->disk().write_file("/run/app.pid", "not a pid\n");
  one.s.run_until(12_s);
  CHECK(one.priority() == 100);
}

TEST_CASE("a script told it checks an HTTP URL succeeds while the answer is 200-399 within its timeout",
          "[keepalived][script]") {
  // `curl -fs http://localhost/` beside nginx in the same container.
  auto with_nginx = [](sim::Node& n) { n.add_process<models::Nginx>(models::NginxConfig{}).start_delay = sim::Distribution::constant(0); };
  Single one(check(ka::ScriptCheck::Kind::Http, "http://localhost/"), "curl -fs http://localhost/", with_nginx);
  one.s.run_until(3_s);
  CHECK(one.priority() == 110);
  for (const auto& p : one.node->processes())  // pkill -KILL -x nginx: master and worker; refused from now on
    if (p->name() == "nginx" || p->name() == "nginx_worker") p->kill();
  one.s.run_until(6_s);
  CHECK(one.priority() == 100);
  Single missing(check(ka::ScriptCheck::Kind::Http, "http://localhost/health"), "curl -fs http://localhost/health", with_nginx);
  missing.s.run_until(3_s);
  CHECK(missing.priority() == 100);  // 404: curl -f fails
}
