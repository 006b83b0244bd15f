// keepalived model tests: a two-node VRRP pair built directly on sim::Simulation (no YAML).
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "models/keepalived/keepalived.hpp"
#include "sim/network.hpp"
#include "../support/dummy_process.hpp"
#include "../support/pkill.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

using namespace sim::literals;
namespace ka = models::keepalived;

namespace {

using Dummy = testing::DummyProcess;

const sim::Ipv4 kVip = *sim::Ipv4::parse("172.20.0.100");

ka::KeepalivedConfig config(const std::string& state, int priority, int weight = 0, bool track = false) {
  ka::KeepalivedConfig c;
  ka::VrrpScriptConfig s;
  s.name = "check_haproxy";
  s.script = "killall -0 haproxy";
  s.interval = 2_s;
  s.weight = weight;
  c.scripts.push_back(s);
  ka::VrrpInstanceConfig i;
  i.name = "VI_1";
  i.state = state;
  i.priority = priority;
  i.auth_type = "PASS";
  i.auth_pass = "1234";
  i.virtual_ipaddress = {"172.20.0.100/16"};
  if (track) i.track_script = {"check_haproxy"};
  c.instances.push_back(i);
  return c;
}

/// haproxy1 (.10) and haproxy2 (.11) on one bridge, each running "haproxy" and keepalived.
struct Pair {
  sim::Simulation s;
  sim::Node* n1;
  sim::Node* n2;
  ka::Keepalived* k1;
  ka::Keepalived* k2;

  /// `start_second` false: haproxy2 stays down until the test starts it.
  Pair(ka::KeepalivedConfig c1, ka::KeepalivedConfig c2, bool start_second = true) : s(1) {
    auto& net = s.network();
    const auto seg = net.add_segment("ha-net", *sim::Subnet::parse("172.20.0.0/16"), sim::Distribution::constant(100_us));
    n1 = &s.add_node("haproxy1");
    n2 = &s.add_node("haproxy2");
    net.attach(*n1, seg, sim::Ipv4::parse("172.20.0.10"));
    net.attach(*n2, seg, sim::Ipv4::parse("172.20.0.11"));
    for (sim::Node* n : {n1, n2}) {
      n->start_delay = sim::Distribution::constant(100_ms);
      n->add_process<Dummy>("haproxy").start_delay = sim::Distribution::constant(10_ms);
    }
    k1 = &n1->add_process<ka::Keepalived>(std::move(c1));
    k2 = &n2->add_process<ka::Keepalived>(std::move(c2));
    k1->start_delay = k2->start_delay = sim::Distribution::constant(20_ms);
    n1->start();
    if (start_second) n2->start();
  }
  ka::VrrpInstance& i1() { return *k1->instance("VI_1"); }
  ka::VrrpInstance& i2() { return *k2->instance("VI_1"); }
  bool holds(sim::Node* n) { return s.network().holds(n->id(), kVip); }
  /// Time of the first `vrrp_state` record for node `n` entering `state` at or after `from`.
  sim::Time entered(const std::string& n, const std::string& state, sim::Time from = 0) {
    for (const auto& r : s.trace().records())
      if (r.time >= from && r.kind == "vrrp_state" && r.text("node") == n && r.text("state") == state) return r.time;
    return sim::kNever;
  }
};

}  // namespace

TEST_CASE("effective priority adds a positive weight while the script succeeds, and only then", "[keepalived]") {
  Pair p(config("MASTER", 100, 2, true), config("BACKUP", 90, 2, true));
  p.s.run_until(5_s);
  REQUIRE(p.i1().priority() == 102);
  REQUIRE(p.i2().priority() == 92);
  p.n1->process("haproxy")->kill();
  p.s.run_until(8_s);  // the script runs every 2 s
  REQUIRE(p.i1().priority() == 100);  // not 98: a failing script only removes the bonus
  REQUIRE(p.i1().state() == ka::VrrpState::Master);  // 100 > 92: no failover
}

TEST_CASE("effective priority subtracts a negative weight while the script fails", "[keepalived]") {
  Pair p(config("MASTER", 100, -20, true), config("BACKUP", 90, -20, true));
  p.s.run_until(5_s);
  REQUIRE(p.i1().priority() == 100);
  p.n1->process("haproxy")->kill();
  p.s.run_until(8_s);
  REQUIRE(p.i1().priority() == 80);
  p.s.run_until(15_s);  // 80 < 90: haproxy2 preempts after its master-down interval
  REQUIRE(p.i2().state() == ka::VrrpState::Master);
  REQUIRE(p.i1().state() == ka::VrrpState::Backup);
  REQUIRE(p.holds(p.n2));
  REQUIRE_FALSE(p.holds(p.n1));
}

TEST_CASE("a zero weight puts the instance in FAULT when its script fails", "[keepalived]") {
  Pair p(config("MASTER", 100, 0, true), config("BACKUP", 90, 0, true));
  p.s.run_until(5_s);
  REQUIRE(p.i1().priority() == 100);
  REQUIRE(p.i1().state() == ka::VrrpState::Master);
  p.n1->process("haproxy")->kill();
  p.s.run_until(8_s);
  REQUIRE(p.i1().state() == ka::VrrpState::Fault);
  REQUIRE_FALSE(p.holds(p.n1));
  REQUIRE(p.i2().state() == ka::VrrpState::Master);  // the FAULT transition sent a priority-0 advert
}

TEST_CASE("effective priority is clamped to 1..254 and 255 is never adjusted", "[keepalived]") {
  REQUIRE(ka::effective_priority(100, 2) == 102);
  REQUIRE(ka::effective_priority(100, -20) == 80);
  REQUIRE(ka::effective_priority(250, 10) == 254);
  REQUIRE(ka::effective_priority(5, -20) == 1);
  REQUIRE(ka::effective_priority(255, -50) == 255);
  REQUIRE(ka::effective_priority(255, 10) == 255);
}

TEST_CASE("master-down interval is three adverts plus a skew that falls with priority", "[keepalived]") {
  // VRRPv2: skew = (256 - p) / 256 s whatever advert_int is.
  REQUIRE(ka::master_down_interval(2, 92, 1_s) == 3'640'625'000);
  REQUIRE(ka::master_down_interval(2, 100, 1_s) == 3'609'375'000);
  REQUIRE(ka::master_down_interval(2, 255, 1_s) == 3'003'906'250);
  REQUIRE(ka::master_down_interval(2, 92, 2_s) == 6'640'625'000);
  REQUIRE(ka::skew_time(2, 92, 1_s) == 640'625'000);
  // VRRPv3 (VRRP_TIMER_SKEW_CALC): (256 - p) * (advert_int in centiseconds) * 625 / 16 us, so
  // truncated to the microsecond: 164 * 50 * 625 / 16 = 320312.5 us.
  REQUIRE(ka::master_down_interval(3, 92, 1_s) == 3'640'625'000);
  REQUIRE(ka::master_down_interval(3, 92, 500_ms) == 1'820'312'000);
  REQUIRE(ka::master_down_interval(3, 200, 1_s) == 3'218'750'000);
}

TEST_CASE("a backup recomputes its master-down interval when its priority changes", "[keepalived]") {
  Pair p(config("MASTER", 100, 2, true), config("BACKUP", 90, 2, true));
  p.s.run_until(5_s);
  REQUIRE(p.i2().master_down() == ka::master_down_interval(2, 92, 1_s));
  p.n2->process("haproxy")->kill();
  p.s.run_until(8_s);
  REQUIRE(p.i2().master_down() == ka::master_down_interval(2, 90, 1_s));
}

// vrrp_track.c vrrp_set_effective_priority: a BACKUP's running timer (sands) moves by the new
// master-down interval less ms_down_timer, the interval it was last set with.
TEST_CASE("the first script success at start-up moves the running timer to the new priority's interval", "[keepalived]") {
  Pair p(config("MASTER", 100, 2, true), config("BACKUP", 90), false);
  p.s.run_until(10_s);
  const sim::Time backup_at = p.entered("haproxy1", "BACKUP");
  REQUIRE(backup_at < sim::kNever);
  // Started at 100 (no result yet), 102 two milliseconds later: 3.602 s from the start, not 3.609.
  REQUIRE(p.entered("haproxy1", "MASTER") - backup_at == ka::master_down_interval(2, 102, 1_s));
  REQUIRE(p.i1().priority() == 102);
}

TEST_CASE("a backup whose priority rises after it ignored a lower advert waits a master-down interval from that advert",
          "[keepalived]") {
  // haproxy1 (100, weight +2) is master, then loses keepalived and haproxy (SIGKILL): haproxy2
  // (90) takes over. keepalived comes back alone at 12 s, haproxy at 13 s: haproxy1 ignores
  // haproxy2's lower adverts (preempting), its script fails at 12 s (no change: a weight > 0
  // counts only on success) and succeeds at 14 s. ms_down_timer then held only what was left
  // after the last ignored advert, so the new 102 interval is counted from that advert: keepalived
  // preempts up to an advert interval later than a timer left alone (12 s + 3.609 s).
  Pair p(config("BACKUP", 100, 2, true), config("BACKUP", 90));
  p.s.run_until(6_s);
  REQUIRE(p.i1().state() == ka::VrrpState::Master);
  testing::pkill_kill(*p.n1, "keepalived");
  p.n1->process("haproxy")->kill();
  p.s.run_until(12_s);
  REQUIRE(p.i2().state() == ka::VrrpState::Master);
  p.k1->start();
  p.s.run_until(13_s);
  p.n1->process("haproxy")->start();
  p.s.run_until(20_s);
  const sim::Time backup_at = p.entered("haproxy1", "BACKUP", 12_s);
  const sim::Time master_at = p.entered("haproxy1", "MASTER", 12_s);
  sim::Time raised_at = sim::kNever, last_ignored = sim::kNever;
  for (const auto& r : p.s.trace().records()) {
    if (r.time < 12_s || r.text("node") != "haproxy1") continue;
    const auto* prio = r.find("priority");
    if (r.kind == "vrrp_priority" && prio != nullptr && std::get<std::int64_t>(*prio) == 102 && raised_at == sim::kNever)
      raised_at = r.time;
    if (r.kind == "vrrp_drop" && r.text("reason") == "lower priority advert discarded" && raised_at == sim::kNever)
      last_ignored = r.time;
  }
  REQUIRE(raised_at > 14_s);
  REQUIRE(raised_at < 14_s + 100_ms);
  REQUIRE(last_ignored > 13_s);
  REQUIRE(last_ignored < raised_at);
  CHECK(master_at == last_ignored + ka::master_down_interval(2, 102, 1_s));
  CHECK(master_at - backup_at > ka::master_down_interval(2, 100, 1_s));
  CHECK(p.i2().state() == ka::VrrpState::Backup);  // 102 > 90: the old master steps down at once
}

TEST_CASE("with a weight-0 script keepalived says no state until the script's first result, then starts BACKUP",
          "[keepalived]") {
  // vrrp_init_state: a weight-0 script still in init keeps the instance in a silent FAULT; its
  // first success brings it up (try_up_instance) and the master-down timer starts only then.
  ka::KeepalivedConfig c1 = config("BACKUP", 100, 0, true);
  c1.scripts[0].exec_time = 500_ms;  // a slow check
  Pair p(c1, config("BACKUP", 90), false);
  p.s.run_until(400_ms);
  REQUIRE(p.i1().state() == ka::VrrpState::Fault);
  REQUIRE(p.entered("haproxy1", "FAULT") == sim::kNever);
  REQUIRE(p.entered("haproxy1", "BACKUP") == sim::kNever);
  p.s.run_until(10_s);
  const sim::Time backup_at = p.entered("haproxy1", "BACKUP");
  // Node up at 100 ms, keepalived 20 ms later, the script's first run takes 500 ms.
  REQUIRE(backup_at == 620_ms);
  REQUIRE(p.entered("haproxy1", "MASTER") - backup_at == ka::master_down_interval(2, 100, 1_s));
}

TEST_CASE("a weight-0 script that fails its first run leaves the instance in FAULT without a BACKUP first", "[keepalived]") {
  ka::KeepalivedConfig c1 = config("BACKUP", 100, 0, true);
  Pair p(c1, config("BACKUP", 90), false);
  p.s.run_until(115_ms);  // haproxy runs from 110 ms, keepalived starts at 120 ms
  p.n1->process("haproxy")->kill();  // before keepalived's first check
  p.s.run_until(10_s);
  CHECK(p.i1().state() == ka::VrrpState::Fault);
  CHECK(p.entered("haproxy1", "BACKUP") == sim::kNever);
  CHECK(p.entered("haproxy1", "MASTER") == sim::kNever);
  CHECK_FALSE(p.holds(p.n1));
  p.n1->process("haproxy")->start();
  p.s.run_until(20_s);  // the next run succeeds: BACKUP, then MASTER (alone) a master-down later
  const sim::Time backup_at = p.entered("haproxy1", "BACKUP");
  REQUIRE(backup_at < 20_s);
  CHECK(p.entered("haproxy1", "MASTER") - backup_at == ka::master_down_interval(2, 100, 1_s));
}

TEST_CASE("a priority-0 advert makes the backup take over after the skew time", "[keepalived]") {
  Pair p(config("MASTER", 100), config("BACKUP", 90));
  p.s.run_until(5_s);
  REQUIRE(p.i1().state() == ka::VrrpState::Master);
  const sim::Time stop = p.s.now();
  p.k1->stop();  // SIGTERM: priority 0, VIPs removed
  p.s.run_until(10_s);
  const sim::Time took = p.entered("haproxy2", "MASTER", stop) - stop;
  // One wire latency (100 us) plus the skew (256 - 90) / 256 s, not a master-down interval.
  REQUIRE(took == ka::skew_time(2, 90, 1_s) + 100_us);
  REQUIRE_FALSE(p.holds(p.n1));
  REQUIRE(p.holds(p.n2));
}

TEST_CASE("a preempting backup discards a lower-priority advert and takes over after master-down", "[keepalived]") {
  // haproxy1 (100) is master alone; haproxy2 (110) joins later and hears only lower adverts.
  ka::KeepalivedConfig c2 = config("BACKUP", 110);
  Pair p(config("MASTER", 100), c2, false);
  p.s.run_until(5_s);
  REQUIRE(p.i1().state() == ka::VrrpState::Master);
  p.n2->start();
  p.s.run_until(15_s);
  const sim::Time backup_at = p.entered("haproxy2", "BACKUP", 5_s);
  const sim::Time master_at = p.entered("haproxy2", "MASTER", 5_s);
  REQUIRE(backup_at < sim::kNever);
  // Had it accepted the adverts its timer would keep restarting and it would never take over;
  // had it acted on them it would take over within one advert. It waits exactly master-down.
  REQUIRE(master_at - backup_at == ka::master_down_interval(2, 110, 1_s));
  bool discarded = false;
  for (const auto& r : p.s.trace().records())
    if (r.kind == "vrrp_drop" && r.text("node") == "haproxy2" && r.text("reason") == "lower priority advert discarded")
      discarded = true;
  REQUIRE(discarded);
  REQUIRE(p.i1().state() == ka::VrrpState::Backup);  // 110 > 100: the old master steps down at once
  REQUIRE(p.holds(p.n2));
  REQUIRE_FALSE(p.holds(p.n1));
}

TEST_CASE("a nopreempt backup keeps accepting a lower-priority master", "[keepalived]") {
  ka::KeepalivedConfig c2 = config("BACKUP", 110);
  c2.instances[0].nopreempt = true;
  Pair p(config("MASTER", 100), c2, false);
  p.s.run_until(5_s);
  p.n2->start();
  p.s.run_until(20_s);
  REQUIRE(p.i2().state() == ka::VrrpState::Backup);
  REQUIRE(p.i1().state() == ka::VrrpState::Master);
}

TEST_CASE("a killed master keeps its VIP configured and the backup adds it too", "[keepalived]") {
  Pair p(config("MASTER", 100), config("BACKUP", 90));
  p.s.run_until(5_s);
  REQUIRE(p.holds(p.n1));
  testing::pkill_kill(*p.n1, "keepalived");  // SIGKILL to both processes: no priority-0 advert, no cleanup
  p.s.run_until(6_s);
  REQUIRE(p.holds(p.n1));
  REQUIRE(p.i2().state() == ka::VrrpState::Backup);  // waits out master-down after the last advert
  p.s.run_until(10_s);
  REQUIRE(p.i2().state() == ka::VrrpState::Master);
  REQUIRE(p.holds(p.n1));  // the address stays on the interface of the dead daemon
  REQUIRE(p.s.network().holders(kVip).size() == 2);
}

TEST_CASE("a frozen master is preempted and re-asserts itself when thawed", "[keepalived]") {
  Pair p(config("MASTER", 100), config("BACKUP", 90));
  p.s.run_until(5_s);
  testing::pkill_stop(*p.n1, "keepalived");
  p.s.run_until(12_s);
  REQUIRE(p.s.network().holders(kVip).size() == 2);
  testing::pkill_cont(*p.n1, "keepalived");
  p.s.run_until(14_s);
  REQUIRE(p.i1().state() == ka::VrrpState::Master);
  REQUIRE(p.i2().state() == ka::VrrpState::Backup);
  REQUIRE(p.s.network().holders(kVip).size() == 1);
}

TEST_CASE("matching peers elect exactly one master", "[keepalived]") {
  Pair p(config("MASTER", 100), config("BACKUP", 90));
  p.s.run_until(20_s);
  REQUIRE(p.i1().state() == ka::VrrpState::Master);
  REQUIRE(p.i2().state() == ka::VrrpState::Backup);
  REQUIRE(p.s.network().holders(kVip).size() == 1);
}

TEST_CASE("both nodes become MASTER when their auth_pass differs", "[keepalived]") {
  ka::KeepalivedConfig c2 = config("BACKUP", 90);
  c2.instances[0].auth_pass = "4321";
  Pair p(config("MASTER", 100), c2);
  p.s.run_until(20_s);
  REQUIRE(p.i1().state() == ka::VrrpState::Master);
  REQUIRE(p.i2().state() == ka::VrrpState::Master);
  REQUIRE(p.s.network().holders(kVip).size() == 2);
}

TEST_CASE("only the first 8 characters of auth_pass are compared", "[keepalived]") {
  ka::KeepalivedConfig c1 = config("MASTER", 100), c2 = config("BACKUP", 90);
  c1.instances[0].auth_pass = "12345678";
  c2.instances[0].auth_pass = "12345678-and-more";
  Pair p(c1, c2);
  p.s.run_until(20_s);
  REQUIRE(p.i2().state() == ka::VrrpState::Backup);
}

TEST_CASE("VRRPv3 ignores authentication, so a password mismatch does not split the pair", "[keepalived]") {
  ka::KeepalivedConfig c1 = config("MASTER", 100), c2 = config("BACKUP", 90);
  c1.instances[0].version = c2.instances[0].version = 3;
  c2.instances[0].auth_pass = "4321";
  Pair p(c1, c2);
  p.s.run_until(20_s);
  REQUIRE(p.i1().state() == ka::VrrpState::Master);
  REQUIRE(p.i2().state() == ka::VrrpState::Backup);
}

TEST_CASE("both nodes become MASTER when their virtual_router_id differs", "[keepalived]") {
  ka::KeepalivedConfig c2 = config("BACKUP", 90);
  c2.instances[0].virtual_router_id = 52;
  Pair p(config("MASTER", 100), c2);
  p.s.run_until(20_s);
  REQUIRE(p.i1().state() == ka::VrrpState::Master);
  REQUIRE(p.i2().state() == ka::VrrpState::Master);
  REQUIRE(p.s.network().holders(kVip).size() == 2);
}

// facts.md says a `state MASTER` instance takes over after about one advert interval; keepalived
// 2.2.7 in the real runs (validation/results/2026-11-22-demo1.md, tests/validation/fixtures/
// demo1-part2-haproxy1-keepalived.log: BACKUP (init) at 10.32 s, MASTER at 13.92 s) waited the
// master-down interval, like a BACKUP one.
TEST_CASE("a state MASTER instance below 255 starts BACKUP and waits the master-down interval, as measured", "[keepalived]") {
  Pair p(config("MASTER", 100), config("BACKUP", 90), false);
  p.s.run_until(10_s);
  const sim::Time backup_at = p.entered("haproxy1", "BACKUP");
  REQUIRE(p.entered("haproxy1", "MASTER") - backup_at == ka::master_down_interval(2, 100, 1_s));
  Pair q(config("BACKUP", 100), config("BACKUP", 90), false);
  q.s.run_until(10_s);
  REQUIRE(q.entered("haproxy1", "MASTER") - q.entered("haproxy1", "BACKUP") == ka::master_down_interval(2, 100, 1_s));
}

TEST_CASE("priority 255 goes MASTER at once", "[keepalived]") {
  Pair p(config("BACKUP", 255), config("BACKUP", 90));
  p.s.run_until(1_s);
  REQUIRE(p.entered("haproxy1", "MASTER") < sim::kNever);
  REQUIRE(p.entered("haproxy1", "BACKUP") == sim::kNever);
}

TEST_CASE("unicast peers elect one master, and blocking VRRP between them splits the pair", "[keepalived]") {
  ka::KeepalivedConfig c1 = config("MASTER", 100), c2 = config("BACKUP", 90);
  c1.instances[0].unicast_peer = {"172.20.0.11"};
  c2.instances[0].unicast_peer = {"172.20.0.10"};
  Pair p(c1, c2);
  p.s.run_until(10_s);
  REQUIRE(p.i2().state() == ka::VrrpState::Backup);
  p.s.network().add_drop({p.n1->id()}, {p.n2->id()}, sim::kVrrp, true);
  p.s.run_until(20_s);
  REQUIRE(p.i1().state() == ka::VrrpState::Master);
  REQUIRE(p.i2().state() == ka::VrrpState::Master);
}

TEST_CASE("a keepalived restarted after SIGKILL first removes the VIP its predecessor left behind", "[keepalived]") {
  // Priority 90 restarted beside a master of 100: it stays BACKUP, so only the start-up cleanup
  // (vrrp_complete_instance) can take the stale address away.
  Pair p(config("BACKUP", 90), config("MASTER", 100), false);
  p.s.run_until(5_s);
  REQUIRE(p.holds(p.n1));  // alone, it became master
  testing::pkill_kill(*p.n1, "keepalived");
  p.n2->start();
  p.s.run_until(10_s);
  REQUIRE(p.i2().state() == ka::VrrpState::Master);
  REQUIRE(p.s.network().holders(kVip).size() == 2);  // the dead daemon's address is still there
  p.k1->start();
  p.s.run_until(10_s + 25_ms);  // its start_delay is 20 ms
  CHECK(p.i1().state() == ka::VrrpState::Backup);
  CHECK_FALSE(p.holds(p.n1));
  CHECK(p.s.network().holders(kVip) == std::vector<sim::NodeId>{p.n2->id()});
  p.s.run_until(20_s);
  CHECK_FALSE(p.holds(p.n1));
}

TEST_CASE("a master that hears a lower-priority master re-announces itself and pulls clients' ARP back",
          "[keepalived]") {
  // haproxy2 stops hearing haproxy1 (a one-way VRRP drop) and becomes a second master; haproxy1
  // still hears haproxy2's lower adverts: "forcing new election" sends an advert and a gratuitous
  // ARP burst each time, so a client's neighbour entry ends on haproxy1 whatever haproxy2 sent.
  const int lower_prio_repeat = GENERATE(-1, 0);  // -1: unset, keepalived's default (garp_master_repeat)
  ka::KeepalivedConfig c1 = config("MASTER", 100);
  if (lower_prio_repeat >= 0) c1.instances[0].garp_lower_prio_repeat = lower_prio_repeat;
  Pair p(c1, config("BACKUP", 90));
  auto& net = p.s.network();
  sim::Node& client = p.s.add_node("client");
  net.attach(client, *net.find_segment("ha-net"), sim::Ipv4::parse("172.20.0.50"));
  client.start();
  p.s.run_until(5_s);
  REQUIRE(p.i1().state() == ka::VrrpState::Master);
  net.add_drop({p.n1->id()}, {p.n2->id()}, sim::kVrrp, false);
  p.s.run_until(20_s);
  REQUIRE(p.i2().state() == ka::VrrpState::Master);
  REQUIRE(net.holders(kVip).size() == 2);
  // With garp_lower_prio_repeat 0 only the adverts go out: haproxy2's last burst keeps the client.
  CHECK(net.resolve(client.id(), kVip) == (lower_prio_repeat == 0 ? p.n2 : p.n1)->id());
  std::size_t forced = 0;
  for (const auto& r : p.s.trace().records())
    if (r.kind == "vrrp_force_election" && r.text("node") == "haproxy1") ++forced;
  CHECK(forced >= 10);  // one per haproxy2 advert
}

TEST_CASE("adverts stay on the instance's interface: a keepalived on the master's other bridge never hears them",
          "[keepalived][datagram]") {
  // VRRP multicast (224.0.0.18) is link-local: haproxy1's adverts on ha-net do not reach
  // haproxy3, which shares only another bridge with it, so haproxy3 becomes MASTER of its own.
  Pair p(config("MASTER", 150), config("BACKUP", 100));
  auto& net = p.s.network();
  const auto other = net.add_segment("other-net", *sim::Subnet::parse("172.21.0.0/16"), sim::Distribution::constant(100_us));
  net.attach(*p.n1, other, sim::Ipv4::parse("172.21.0.10"));
  sim::Node& n3 = p.s.add_node("haproxy3");
  net.attach(n3, other, sim::Ipv4::parse("172.21.0.12"));
  n3.start_delay = sim::Distribution::constant(100_ms);
  n3.add_process<Dummy>("haproxy").start_delay = sim::Distribution::constant(10_ms);
  auto c3 = config("BACKUP", 50);
  c3.instances[0].interface = "other-net";
  auto& k3 = n3.add_process<ka::Keepalived>(std::move(c3));
  k3.start_delay = sim::Distribution::constant(20_ms);
  n3.start();
  p.s.run_until(10_s);
  CHECK(p.i1().state() == ka::VrrpState::Master);
  CHECK(p.i2().state() == ka::VrrpState::Backup);
  CHECK(k3.instance("VI_1")->state() == ka::VrrpState::Master);
}

// --- keepalived's two processes: the parent (core/main.c) and the VRRP child (vrrp_daemon.c) ----

namespace {

/// The delays of the parent's respawns, in ms, in order.
std::vector<std::int64_t> respawn_delays_ms(const sim::Simulation& s) {
  std::vector<std::int64_t> out;
  for (const auto& r : s.trace().records())
    if (r.kind == "vrrp_respawn")
      if (const auto* v = r.find("delay_ms")) out.push_back(std::get<std::int64_t>(*v));
  return out;
}

}  // namespace

TEST_CASE("keepalived is a parent and a VRRP child, both 'keepalived' to pkill, each with its pid file", "[keepalived]") {
  Pair p(config("MASTER", 100), config("BACKUP", 90));
  p.s.run_until(5_s);
  REQUIRE(p.k1->running());
  REQUIRE(p.k1->vrrp().running());
  CHECK(p.k1->vrrp().parent() == p.k1);
  CHECK(p.n1->processes_with_comm("keepalived").size() == 2);
  CHECK(p.n1->disk().read_file(ka::Keepalived::kPidFile) == std::to_string(p.k1->pid()) + "\n");
  CHECK(p.n1->disk().read_file(ka::VrrpChild::kPidFile) == std::to_string(p.k1->vrrp().pid()) + "\n");
  CHECK(p.k1->vrrp().pid() == p.k1->pid() + 1);  // forked right after the parent's start
}

TEST_CASE("SIGKILL of keepalived's parent alone makes its VRRP child shut down cleanly: the backup takes over within its skew",
          "[keepalived]") {
  Pair p(config("MASTER", 100), config("BACKUP", 90));
  p.s.run_until(5_s);
  REQUIRE(p.holds(p.n1));
  const sim::Time cut = p.s.now();
  p.k1->kill();  // kill -KILL $(cat /run/keepalived.pid): the child's pdeath signal is SIGTERM
  p.s.run_until(cut + 10_ms);
  CHECK_FALSE(p.holds(p.n1));  // the child's shutdown removed the VIP at once
  CHECK(p.k1->vrrp().state() == sim::ProcessState::Stopping);
  // A priority-0 advert: the backup waits only its skew time (256-90)/256 s, not master-down.
  p.s.run_until(cut + 2_s);
  const sim::Time took = p.entered("haproxy2", "MASTER", cut) - cut;
  CHECK(took < 700_ms);
  CHECK(p.holds(p.n2));
  CHECK(p.k1->vrrp().state() == sim::ProcessState::Stopped);  // exited about a second later
  CHECK(p.k1->respawns() == 0);                                // no parent left to fork another
  CHECK(p.n1->disk().read_file(ka::Keepalived::kPidFile));    // the parent's file stays (no stop_keepalived)
  CHECK_FALSE(p.n1->disk().read_file(ka::VrrpChild::kPidFile));
}

TEST_CASE("SIGKILL of the VRRP child alone: its VIP stays until the parent's new child removes it at start", "[keepalived]") {
  Pair p(config("MASTER", 100), config("BACKUP", 90));
  p.s.run_until(5_s);
  const sim::Time cut = p.s.now();
  p.k1->vrrp().kill();  // kill -KILL $(cat /run/vrrp.pid): no priority-0 advert
  CHECK(p.holds(p.n1));
  p.s.run_until(cut + 200_ms);  // the respawn is immediate; the new child's start-up is <= 134 ms
  CHECK(p.k1->respawns() == 1);
  CHECK(p.k1->vrrp().running());
  CHECK_FALSE(p.holds(p.n1));  // vrrp_restore_interfaces_startup removed what the old child left
  CHECK(p.i1().state() == ka::VrrpState::Backup);
  // No priority-0 advert: the backup waits master-down (3 adverts + skew) after the last advert
  // it heard; the new child (priority 100 > 90) then preempts it after its own master-down.
  p.s.run_until(cut + 15_s);
  const sim::Time backup_took = p.entered("haproxy2", "MASTER", cut) - cut;
  CHECK(backup_took > 2_s);
  CHECK(backup_took < 3700_ms);
  CHECK(p.i1().state() == ka::VrrpState::Master);
  CHECK(p.holds(p.n1));
  CHECK_FALSE(p.holds(p.n2));
}

TEST_CASE("a VRRP child that dies again within 60 s is respawned after keepalived's back-off, one that ran 60 s at once",
          "[keepalived]") {
  Pair p(config("MASTER", 100), config("BACKUP", 90));
  p.s.run_until(5_s);
  for (int i = 0; i < 4; ++i) {
    p.k1->vrrp().kill();
    p.s.run_until(p.s.now() + 10_s);
  }
  CHECK(respawn_delays_ms(p.s) == std::vector<std::int64_t>{0, 1000, 2000, 4000});
  p.s.run_until(p.s.now() + 61_s);
  p.k1->vrrp().kill();
  p.s.run_until(p.s.now() + 1_s);
  CHECK(respawn_delays_ms(p.s).back() == 0);
  CHECK(ka::Keepalived::restart_delay(6) == 32_s);
  CHECK(ka::Keepalived::restart_delay(7) == 60_s);
  CHECK(ka::Keepalived::restart_delay(50) == 60_s);
}

TEST_CASE("SIGTERM to keepalived's parent stops the child first and exits once it is reaped", "[keepalived]") {
  Pair p(config("MASTER", 100), config("BACKUP", 90));
  p.s.run_until(5_s);
  const sim::Time cut = p.s.now();
  p.k1->stop();  // docker stop: the entrypoint signals the parent only (pkill -o)
  p.s.run_until(cut + 10_ms);
  CHECK_FALSE(p.holds(p.n1));  // the child's priority-0 advert and VIP removal come at once
  p.s.run_until(cut + 1_s);
  CHECK(p.k1->state() == sim::ProcessState::Stopping);  // waiting for the child (~1 s)
  p.s.run_until(cut + 1100_ms);
  CHECK(p.k1->state() == sim::ProcessState::Stopped);
  CHECK(p.k1->vrrp().state() == sim::ProcessState::Stopped);
  CHECK(p.k1->respawns() == 0);
  CHECK_FALSE(p.n1->disk().read_file(ka::Keepalived::kPidFile));
  CHECK_FALSE(p.n1->disk().read_file(ka::VrrpChild::kPidFile));
}

TEST_CASE("a VRRP child that does not die within child_wait_time is SIGKILLed by its stopping parent", "[keepalived]") {
  Pair p(config("MASTER", 100), config("BACKUP", 90));
  p.s.run_until(5_s);
  p.k1->vrrp().freeze();  // SIGSTOP to the child: it cannot handle the parent's SIGTERM
  const sim::Time cut = p.s.now();
  p.k1->stop();
  p.s.run_until(cut + 4900_ms);
  CHECK(p.k1->state() == sim::ProcessState::Stopping);
  CHECK(p.holds(p.n1));  // the frozen child never removed its VIP
  p.s.run_until(cut + 5100_ms);
  CHECK(p.k1->vrrp().state() == sim::ProcessState::Stopped);
  CHECK(p.k1->state() == sim::ProcessState::Stopped);
  CHECK(p.holds(p.n1));  // SIGKILL: no cleanup
}

TEST_CASE("ip link set down on the master: FAULT, its VIP removed, nothing sent, the backup takes over after master-down",
          "[keepalived][link]") {
  Pair p(config("MASTER", 100), config("BACKUP", 90));
  p.s.run_until(5_s);
  REQUIRE(p.holds(p.n1));
  const sim::Time cut = p.s.now();
  p.s.network().set_link(p.n1->id(), std::nullopt, false);
  p.s.run_until(cut + 10_ms);
  CHECK(p.i1().state() == ka::VrrpState::Fault);
  CHECK_FALSE(p.holds(p.n1));  // keepalived removed it; the kernel kept it on the down link until then
  // No priority-0 advert got through: the backup waits its full master-down interval
  // (3 x 1 s + (256 - 90) / 256 s), counted from the last advert it heard.
  p.s.run_until(cut + 10_s);
  const sim::Time took = p.entered("haproxy2", "MASTER", cut) - cut;
  CHECK(took > 2_s);
  CHECK(took < p.i2().master_down());
  CHECK(p.holds(p.n2));
  CHECK(p.i1().state() == ka::VrrpState::Fault);  // for as long as the link is down
}

TEST_CASE("a link set up again brings the instance back as BACKUP, which preempts the weaker master", "[keepalived][link]") {
  Pair p(config("MASTER", 100), config("BACKUP", 90));
  p.s.run_until(5_s);
  p.s.network().set_link(p.n1->id(), std::nullopt, false);
  p.s.run_until(15_s);
  REQUIRE(p.i2().state() == ka::VrrpState::Master);
  const sim::Time back = p.s.now();
  p.s.network().set_link(p.n1->id(), std::nullopt, true);
  p.s.run_until(back + 10_ms);
  CHECK(p.i1().state() == ka::VrrpState::Backup);
  CHECK_FALSE(p.holds(p.n1));
  p.s.run_until(back + 10_s);
  const sim::Time took = p.entered("haproxy1", "MASTER", back) - back;
  CHECK(took <= p.i1().master_down());  // lower adverts discarded: master-down after the link came up
  CHECK(p.holds(p.n1));
  CHECK_FALSE(p.holds(p.n2));
}

TEST_CASE("a link down differs from a disconnect: the VIP outlives the cut until keepalived removes it", "[keepalived][link]") {
  for (bool disconnect : {true, false}) {
    Pair p(config("MASTER", 100), config("BACKUP", 90));
    p.s.run_until(5_s);
    REQUIRE(p.holds(p.n1));
    bool command_returned = false;
    std::vector<bool> removed_by_the_command;
    p.s.network().observe_addresses([&](sim::NodeId n, sim::Ipv4 ip, bool added) {
      if (n == p.n1->id() && ip == kVip && !added) removed_by_the_command.push_back(!command_returned);
    });
    if (disconnect) p.s.network().disconnect(p.n1->id());
    else p.s.network().set_link(p.n1->id(), std::nullopt, false);
    command_returned = true;
    CHECK(p.i1().state() == ka::VrrpState::Master);  // netlink's news is the daemon's next event
    p.s.run_until(p.s.now() + 10_ms);
    CHECK(p.i1().state() == ka::VrrpState::Fault);
    REQUIRE(removed_by_the_command.size() == 1);
    // docker network disconnect: the kernel deletes the interface and its addresses with it;
    // ip link set down: the address stays until keepalived, in FAULT, removes it.
    CHECK(removed_by_the_command[0] == disconnect);
  }
}

TEST_CASE("a vrrp_script command line is read as the shell splits it: a path, options and blanks do not change what it asks", "[keepalived]") {
  // killall -0 / pidof / pgrep [-x] P succeed while P exists; true and false answer themselves.
  const std::vector<std::pair<std::string, ka::VrrpScript::Status>> cases = {
      {"/usr/bin/killall -0 haproxy", ka::VrrpScript::Status::Good},
      {"pgrep  -x\thaproxy", ka::VrrpScript::Status::Good},
      {"  pidof haproxy  ", ka::VrrpScript::Status::Good},
      {"killall -0 nginx", ka::VrrpScript::Status::Failed},
      {"true", ka::VrrpScript::Status::Good},
      {"/bin/false", ka::VrrpScript::Status::Failed},
      {"killall -0", ka::VrrpScript::Status::Failed},  // names no process
  };
  for (const auto& [line, expected] : cases) {
    CAPTURE(line);
    auto c = config("MASTER", 100);
    c.scripts[0].script = line;
    Pair p(c, config("BACKUP", 90), false);
    p.s.run_until(3_s);
    const ka::VrrpScript* script = p.k1->script("check_haproxy");
    REQUIRE(script != nullptr);
    CHECK(script->status() == expected);
  }
}
