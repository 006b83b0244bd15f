// The keepalived scenario library: each file loads, runs with two seeds, reproduces its trace
// byte for byte, and shows the outcome its header comment promises.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "scenarios/loader.hpp"
#include "scenarios/runner.hpp"

namespace {

const std::string kVip = "vip.172.20.0.100.";

std::string path(const std::string& rel) { return std::string(HASIM_SOURCE_DIR) + "/scenarios/" + rel; }

/// Runs `rel` with seeds 1 and 2, each twice; requires equal trace hashes per seed.
std::vector<scenarios::RunResult> run_twice(const std::string& rel, const std::vector<std::string>& sets = {}) {
  const auto spec = scenarios::load_scenario(path(rel), sets);
  std::vector<scenarios::RunResult> out;
  for (std::uint64_t seed : {1u, 2u}) {
    auto a = scenarios::run_scenario(spec, seed);
    auto b = scenarios::run_scenario(spec, seed);
    INFO(rel << " seed " << seed);
    REQUIRE(a.trace_sha256 == b.trace_sha256);
    out.push_back(std::move(a));
  }
  REQUIRE(out[0].trace_sha256 != out[1].trace_sha256);  // seeds do change the run
  return out;
}

double metric(const scenarios::RunResult& r, const std::string& name) {
  auto it = r.metrics.find(name);
  INFO("metric " << name);
  REQUIRE(it != r.metrics.end());
  return it->second;
}

/// Time of the first notable record of `kind` on `node` with field state/... equal to `value`.
double first(const scenarios::RunResult& r, const std::string& kind, const std::string& node, const std::string& key = "",
             const std::string& value = "", double after_s = 0) {
  for (const auto& e : r.events)
    if (e.kind == kind && e.text("node") == node && (key.empty() || e.text(key) == value) &&
        sim::to_seconds(e.time) >= after_s)
      return sim::to_seconds(e.time);
  return -1;
}

/// How many notable records of `kind` come at or after `after_s` (e.g. VIP moves after a fault,
/// leaving out the start-up election, where the first container up may hold the VIP briefly).
int count_after(const scenarios::RunResult& r, const std::string& kind, double after_s) {
  int n = 0;
  for (const auto& e : r.events)
    if (e.kind == kind && sim::to_seconds(e.time) >= after_s) ++n;
  return n;
}

double fault_time(const scenarios::RunResult& r, const std::string& action) {
  for (const auto& e : r.events)
    if (e.kind == "fault" && e.text("action") == action) return sim::to_seconds(e.time);
  return -1;
}

}  // namespace

TEST_CASE("demo1-part2: a stopped haproxy1 hands the VIP over in the skew time and takes it back on start", "[keepalived][scenario]") {
  for (const auto& r : run_twice("demo1-part2.yaml")) {
    const double stop = fault_time(r, "stop");
    const double master2 = first(r, "vrrp_state", "haproxy2", "state", "MASTER", stop);
    // priority-0 advert: (256-92)/256 s after the SIGTERM, which podman delivers 34-67 ms after
    // the command, plus haproxy2's wake-up to read it (at most 100 ms; scenarios/calibration/podman.yaml).
    REQUIRE(master2 - stop >= 0.6406 + 0.034 - 0.002);
    REQUIRE(master2 - stop <= 0.6406 + 0.067 + 0.100 + 0.002);
    REQUIRE(first(r, "vrrp_state", "haproxy1", "state", "MASTER", stop) > 30);  // preempts back
    REQUIRE(count_after(r, "vip_added", stop) == 2);  // to haproxy2, and back to haproxy1
    REQUIRE(metric(r, "load.failed") == 0);
  }
}

TEST_CASE("demo1-part2 kill-container: without a priority-0 advert the VIP is missing 2.6 to 3.7 s", "[keepalived][scenario]") {
  for (const auto& r : run_twice("demo1-part2/kill-haproxy1-container.yaml")) {
    const double kill = fault_time(r, "kill");
    const double gap = first(r, "vip_added", "haproxy2", "", "", kill) - kill;
    REQUIRE(gap > 2.6);
    REQUIRE(gap < 3.7);
  }
}

TEST_CASE("a keepalived killed with its container refuses to start again: its stale pid file names itself",
          "[keepalived][scenario]") {
  // Real keepalived 2.2.7 after `docker kill haproxy1; docker start haproxy1`: "daemon is
  // already running". So haproxy1 never rejoins, and when haproxy2 stops at 45 s nobody holds
  // the VIP until the end of the run (real: 44.3-44.7 s).
  for (const auto& r : run_twice("demo1-part2/kill-haproxy1-container.yaml")) {
    const double start = fault_time(r, "start");
    REQUIRE(first(r, "daemon_refused", "haproxy1", "", "", start) > start);
    REQUIRE(first(r, "vrrp_state", "haproxy1", "state", "MASTER", start) < 0);
    REQUIRE(metric(r, kVip + "unheld_max_s") > 43.5);
  }
  // A graceful stop removes the pid file: the same faults with `stop` instead of `kill` rejoin.
  auto spec = scenarios::load_scenario(path("demo1-part2/kill-haproxy1-container.yaml"));
  REQUIRE(spec.faults.at(0).action == "kill");
  spec.faults[0].action = "stop";
  const auto r = scenarios::run_scenario(spec, 1);
  REQUIRE(first(r, "daemon_refused", "haproxy1", "", "", 0) < 0);
  REQUIRE(first(r, "vrrp_state", "haproxy1", "state", "MASTER", fault_time(r, "start")) > 0);
}

TEST_CASE("a re-created container gets a new writable layer: keepalived starts after docker kill and takes the VIP back",
          "[keepalived][scenario]") {
  // docker-compose up --force-recreate in place of docker start: no stale pid file, so keepalived
  // runs, preempts haproxy2 at priority 102 and still holds the VIP when haproxy2 stops at 45 s.
  for (const auto& r : run_twice("demo1-part2/recreate-haproxy1-container.yaml")) {
    const double recreate = fault_time(r, "recreate");
    REQUIRE(first(r, "node_recreate", "haproxy1", "", "", recreate) >= recreate);
    REQUIRE(first(r, "daemon_refused", "haproxy1", "", "", 0) < 0);
    const double master = first(r, "vrrp_state", "haproxy1", "state", "MASTER", recreate);
    REQUIRE(master > recreate + 3.0);  // the container's stop and start, then master-down
    REQUIRE(master < 45.0);
    REQUIRE(count_after(r, "vip_removed", 45.0) == 0);
    REQUIRE(metric(r, kVip + "unheld_max_s") < 3.7);  // only the gap after the kill
  }
}

TEST_CASE("demo1-part2 kill-haproxy-process: weight +2 never moves the VIP and clients fail", "[keepalived][scenario]") {
  for (const auto& r : run_twice("demo1-part2/kill-haproxy-process.yaml")) {
    const double kill = fault_time(r, "kill");
    REQUIRE(count_after(r, "vip_added", kill) == 0);
    REQUIRE(metric(r, "load.failed") > 50);
    REQUIRE(first(r, "vrrp_state", "haproxy2", "state", "MASTER", kill) < 0);
  }
  SECTION("with weight -20 the VIP moves to haproxy2 and the outage ends") {
    for (const auto& r : run_twice("demo1-part2/kill-haproxy-process.yaml",
                                   {"nodes.*.keepalived.vrrp_script.check_haproxy.weight=-20"})) {
      const double kill = fault_time(r, "kill");
      const double moved = first(r, "vrrp_state", "haproxy2", "state", "MASTER", kill) - kill;
      REQUIRE(moved > 2.6);
      REQUIRE(moved < 5.7);
      REQUIRE(metric(r, "load.outage_max_s") < 6.5);
    }
  }
}

TEST_CASE("demo1-part2 disconnect: haproxy1 goes FAULT, haproxy2 takes over after master-down", "[keepalived][scenario]") {
  for (const auto& r : run_twice("demo1-part2/disconnect-haproxy1.yaml")) {
    const double cut = fault_time(r, "disconnect");
    // The interface goes once podman's disconnect acts: the profile's 35-98 ms after the command.
    const double fault = first(r, "vrrp_state", "haproxy1", "state", "FAULT");
    REQUIRE(fault >= cut + 0.035);
    REQUIRE(fault <= cut + 0.098);
    const double gap = first(r, "vip_added", "haproxy2", "", "", cut) - cut;
    REQUIRE(gap > 2.6);
    REQUIRE(gap < 3.7);
    REQUIRE(first(r, "vrrp_state", "haproxy1", "state", "MASTER", cut + 15) > 0);  // preempts back after connect
  }
}

TEST_CASE("demo1-part2 link down: haproxy1 goes FAULT and drops the VIP itself, haproxy2 takes over after master-down",
          "[keepalived][scenario][link]") {
  for (const auto& r : run_twice("demo1-part2/link-down-haproxy1.yaml")) {
    const double cut = fault_time(r, "link_down");
    // Inside the container, no engine command: keepalived hears netlink's news at once.
    const double fault = first(r, "vrrp_state", "haproxy1", "state", "FAULT");
    REQUIRE(fault >= cut);
    REQUIRE(fault < cut + 0.01);
    // The kernel keeps the VIP on the down link: keepalived removes it, in FAULT.
    REQUIRE(first(r, "vip_removed", "haproxy1", "", "", cut) >= fault);
    const double gap = first(r, "vip_added", "haproxy2", "", "", cut) - cut;
    REQUIRE(gap > 2.6);
    REQUIRE(gap < 3.7);
    REQUIRE(first(r, "vrrp_state", "haproxy1", "state", "BACKUP", cut + 15) > 0);   // up again: BACKUP,
    REQUIRE(first(r, "vrrp_state", "haproxy1", "state", "MASTER", cut + 15) > 0);   // then preempts
  }
}

TEST_CASE("a heal brings up the links a link_down took down: haproxy1 leaves FAULT and preempts", "[keepalived][scenario][link][heal]") {
  // No `for`: only the heal ends the link_down.
  for (const auto& r : run_twice("demo1-part2/link-down-haproxy1.yaml", {"faults=[{at: 20s, link_down: haproxy1}, {at: 35s, heal: all}]"})) {
    const double cut = fault_time(r, "link_down");
    REQUIRE(first(r, "vrrp_state", "haproxy1", "state", "FAULT") >= cut);
    const double heal = fault_time(r, "heal");
    REQUIRE(first(r, "vrrp_state", "haproxy1", "state", "BACKUP", heal) >= heal);
    REQUIRE(first(r, "vrrp_state", "haproxy1", "state", "MASTER", heal) > heal);
  }
}

TEST_CASE("heal_at brings up the link of a link_down still in effect, and the pair converges", "[keepalived][scenario][link][heal]") {
  for (const auto& r : run_twice("demo1-part2/link-down-haproxy1.yaml",
                                 {"faults=[{at: 20s, link_down: haproxy1}]", "heal_at=35s",
                                  "converge={within: 10s, holds: [single_vip_holder, vip_held]}"})) {
    REQUIRE(first(r, "vrrp_state", "haproxy1", "state", "MASTER", 35) > 35);
    CHECK(r.metrics.count("violations.converge") == 0);
  }
}

TEST_CASE("demo1-part2 chaos: the VIP moves and comes back while backends come and go", "[keepalived][scenario]") {
  for (const auto& r : run_twice("demo1-part2/chaos.yaml")) {
    REQUIRE(count_after(r, "vip_added", fault_time(r, "stop")) == 2);
    REQUIRE(metric(r, kVip + "multi_holder_s") < 0.01);
  }
}

TEST_CASE("split-brain vrrp-blocked: both LBs hold the VIP while VRRP is dropped", "[keepalived][scenario]") {
  for (const auto& r : run_twice("split-brain/vrrp-blocked.yaml")) {
    REQUIRE(metric(r, kVip + "holders_max") == 2);
    REQUIRE(metric(r, kVip + "multi_holder_s") > 16);
    REQUIRE(metric(r, kVip + "multi_holder_s") < 18);
    REQUIRE(metric(r, "violations.single_vip_holder") >= 1);
  }
}

TEST_CASE("split-brain auth-mismatch: both nodes are MASTER for the whole run", "[keepalived][scenario]") {
  for (const auto& r : run_twice("split-brain/auth-mismatch.yaml")) {
    REQUIRE(first(r, "vrrp_state", "haproxy1", "state", "MASTER") > 0);
    REQUIRE(first(r, "vrrp_state", "haproxy2", "state", "MASTER") > 0);
    REQUIRE(metric(r, kVip + "multi_holder_s") > 80);
  }
  SECTION("passwords equal in their first 8 characters do not split") {
    for (const auto& r : run_twice("split-brain/auth-mismatch.yaml",
                                   {"nodes.haproxy1.keepalived.vrrp_instance.VI_1.authentication.auth_pass=12345678",
                                    "nodes.haproxy2.keepalived.vrrp_instance.VI_1.authentication.auth_pass=12345678x"}))
      REQUIRE(metric(r, kVip + "multi_holder_s") < 0.01);
  }
}

TEST_CASE("split-brain vrid-mismatch: both nodes are MASTER for the whole run", "[keepalived][scenario]") {
  for (const auto& r : run_twice("split-brain/vrid-mismatch.yaml")) {
    REQUIRE(metric(r, kVip + "holders_max") == 2);
    REQUIRE(metric(r, kVip + "multi_holder_s") > 80);
  }
}

TEST_CASE("split-brain both-master: two state MASTER configs still end with one holder", "[keepalived][scenario]") {
  for (const auto& r : run_twice("split-brain/both-master.yaml")) {
    REQUIRE(metric(r, kVip + "multi_holder_s") < 1.1);  // at most about one advert interval
    bool h1_master_at_end = false;
    for (const auto& e : r.events)
      if (e.kind == "vrrp_state" && e.text("node") == "haproxy1") h1_master_at_end = e.text("state") == "MASTER";
    REQUIRE(h1_master_at_end);  // 102 beats 92
  }
}

TEST_CASE("split-brain frozen-master: a frozen keepalived keeps the VIP until it thaws", "[keepalived][scenario]") {
  for (const auto& r : run_twice("split-brain/frozen-master.yaml")) {
    const double frozen = fault_time(r, "freeze");
    REQUIRE(metric(r, kVip + "multi_holder_s") > 6);
    REQUIRE(metric(r, kVip + "multi_holder_s") < 7.5);
    REQUIRE(first(r, "vrrp_state", "haproxy2", "state", "BACKUP", frozen + 10) == Approx(frozen + 10).margin(0.01));
  }
}

TEST_CASE("a stopped keepalived sends its priority-0 advert at once but takes a second to exit", "[keepalived][scenario]") {
  for (const auto& r : run_twice("demo1-part2.yaml")) {
    const double stop = fault_time(r, "stop");
    const double master2 = first(r, "vrrp_state", "haproxy2", "state", "MASTER", stop);
    double exit1 = -1;
    for (const auto& e : r.events)
      if (e.kind == "process_exit" && e.text("node") == "haproxy1" && e.text("process") == "keepalived" &&
          sim::to_seconds(e.time) > stop) {
        exit1 = sim::to_seconds(e.time);
        break;
      }
    REQUIRE(master2 - stop < 0.8);
    // SIGTERM 34-67 ms after the command, then 1.009-1.058 s to "Stopped Keepalived".
    REQUIRE(exit1 - stop >= 1.009 + 0.034);
    REQUIRE(exit1 - stop <= 1.058 + 0.067 + 0.001);
  }
}

TEST_CASE("a preempted master drops the VIP one wake-up after the new master's advert", "[keepalived][scenario]") {
  // With a fixed 5 ms wake-up: haproxy1 returns and preempts (advert, then its VIP 5 ms later);
  // haproxy2 reads the advert 5 ms after it arrives and drops the VIP: the two overlap by about
  // the advert's flight. Add and drop are each a wake-up after the advert, so the stop's gap
  // grows by the backup's wake-up plus its add, less the stopping master's removal: +5 ms.
  for (const auto& r : run_twice("demo1-part2.yaml", {"runtime.wakeup_delay=5ms"})) {
    REQUIRE(metric(r, kVip + "multi_holder_s") < 0.001);
    REQUIRE(metric(r, kVip + "unheld_max_s") == Approx(0.6406 + 0.005).margin(0.002));
  }
  for (const auto& r : run_twice("demo1-part2.yaml", {"runtime.wakeup_delay=0s"})) {
    REQUIRE(metric(r, kVip + "unheld_max_s") == Approx(0.6406).margin(0.002));
  }
}

TEST_CASE("demo1-part2 restart-keepalived: the restarted keepalived drops its stale VIP before it preempts",
          "[keepalived][scenario]") {
  for (const auto& r : run_twice("demo1-part2/restart-keepalived.yaml")) {
    const double kill = fault_time(r, "kill"), start = fault_time(r, "start");
    // A SIGKILLed keepalived leaves its VIP: haproxy2 takes over and both hold it.
    REQUIRE(first(r, "vip_removed", "haproxy1", "", "", kill) > start);
    const double back = first(r, "process_start", "haproxy1", "process", "keepalived", start);
    REQUIRE(back > start);
    // The cleanup comes with the start, before the BACKUP state's master-down interval.
    REQUIRE(first(r, "vip_removed", "haproxy1", "", "", start) == back);
    const double preempt = first(r, "vrrp_state", "haproxy1", "state", "MASTER", start);
    REQUIRE(preempt - back > 3.0);
    REQUIRE(metric(r, kVip + "holders_max") == 2);
    REQUIRE(metric(r, kVip + "multi_holder_s") < back - kill);  // ends at the restart, not at the preemption
  }
}

TEST_CASE("demo1-part2 kill-vrrp-child: the parent's new child drops the stale VIP at once, no double holding",
          "[keepalived][scenario]") {
  for (const auto& r : run_twice("demo1-part2/kill-vrrp-child.yaml")) {
    const double kill = fault_time(r, "kill");
    const double respawned = first(r, "process_start", "haproxy1", "process", "keepalived_vrrp", kill);
    REQUIRE(respawned - kill < 0.2);  // fork at once, start-up <= 134 ms (after the command's latency)
    REQUIRE(first(r, "vip_removed", "haproxy1", "", "", kill) == respawned);
    // No double holding after the kill: haproxy1's stale VIP is gone before anyone adds it.
    for (const char* n : {"haproxy1", "haproxy2"}) {
      const double added = first(r, "vip_added", n, "", "", kill);
      if (added >= 0) REQUIRE(added > respawned);
    }
    // Unheld until the first master-down timer (haproxy2's or the new child's) runs out.
    REQUIRE(metric(r, kVip + "unheld_max_s") > 2.0);
    REQUIRE(metric(r, kVip + "unheld_max_s") < 3.8);
  }
}

TEST_CASE("demo1-part2 kill-keepalived-parent: the orphaned VRRP child stops cleanly and haproxy2 takes over within its skew",
          "[keepalived][scenario]") {
  for (const auto& r : run_twice("demo1-part2/kill-keepalived-parent.yaml")) {
    const double kill = fault_time(r, "kill");
    const double handover = first(r, "vrrp_state", "haproxy2", "state", "MASTER", kill);
    REQUIRE(handover - kill < 0.75);  // the priority-0 advert: skew time (256-92)/256 s plus latencies
    REQUIRE(first(r, "process_exit", "haproxy1", "process", "keepalived_vrrp", kill) - kill > 1.0);
    REQUIRE(first(r, "vip_removed", "haproxy1", "", "", kill) < first(r, "vip_added", "haproxy2", "", "", kill));
    REQUIRE(count_after(r, "vip_added", kill) == 1);  // nothing forks the child again: haproxy2 keeps it
  }
}
