// hasim explore: schedules drawn from a fault profile, shrinking, reproductions, the catalogue.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "scenarios/emit.hpp"
#include "scenarios/explore.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/report.hpp"
#include "scenarios/runner.hpp"
#include "../support/scratch_dir.hpp"

using namespace sim::literals;

namespace {

/// A keepalived pair and nothing else: lb1 MASTER (100), lb2 BACKUP (90), one VIP. lb2 takes
/// over after its master-down interval (3 x advert_int + skew, ~3.65 s) without adverts.
const std::string kPair = R"(
name: pair
seed: 1
duration: 40s
networks:
  lan: {subnet: 10.0.0.0/24, latency: 100us}
nodes:
  lb1:
    networks: {lan: 10.0.0.10}
    keepalived:
      vrrp_instance:
        VI_1: {state: MASTER, interface: eth0, virtual_router_id: 51, priority: 100, advert_int: 1,
               virtual_ipaddress: [10.0.0.100/24]}
  lb2:
    networks: {lan: 10.0.0.11}
    keepalived:
      vrrp_instance:
        VI_1: {state: BACKUP, interface: eth0, virtual_router_id: 51, priority: 90, advert_int: 1,
               virtual_ipaddress: [10.0.0.100/24]}
invariants: [single_vip_holder]
)";

const std::string kPairProfile = R"(
name: pair
kinds: [freeze, drop_proto, partition]
targets: [lb1, lb2, lb1/keepalived, lb2/keepalived]
protocols: [vrrp]
count: {min: 1, max: 3}
window: {from: 8s, to: 15s}
for: {min: 1s, max: 8s}
heal_at: 23s
converge: {within: 10s, holds: [single_vip_holder, vip_held]}
)";

struct Pair {
  testing::ScratchDir dir{"explore"};
  std::string scenario_path = dir.write("pair.yaml", kPair);
  std::string profile_path = dir.write("pair-faults.yaml", kPairProfile);
  scenarios::Tree tree = scenarios::load_tree(scenario_path);
  scenarios::ScenarioSpec spec = scenarios::spec_from_tree(tree, scenario_path);
  scenarios::FaultProfile profile = scenarios::load_fault_profile(profile_path, spec);
};

scenarios::FaultSpec fault(const std::string& action, const std::string& target, sim::Time at, sim::Time length) {
  scenarios::FaultSpec f;
  f.action = action;
  f.target = target;
  f.at = at;
  f.for_ = length;
  f.jitter = 0;
  return f;
}

std::string profile_error(const std::string& scenario_yaml, const std::string& profile_yaml) {
  testing::ScratchDir dir("explore-bad");
  const auto spec = scenarios::load_scenario(dir.write("s.yaml", scenario_yaml));
  try {
    scenarios::load_fault_profile(dir.write("p.yaml", profile_yaml), spec);
  } catch (const scenarios::ScenarioError& e) {
    const std::string what = e.what();
    // Located: the profile's file, line and column first.
    const std::string file = (dir.dir / "p.yaml").string();
    CHECK(what.rfind(file + ":", 0) == 0);
    CHECK(e.where().line > 0);
    return what;
  }
  return "";
}

}  // namespace

TEST_CASE("a schedule depends only on the search seed and its index, and stays inside the profile", "[explore]") {
  Pair p;
  const auto base = scenarios::explore_base(p.spec, p.profile);
  CHECK(base.faults.empty());
  CHECK(base.duration == 33_s);
  bool differs = false;
  for (std::size_t i = 0; i < 50; ++i) {
    const auto a = scenarios::draw_schedule(base, p.profile, 7, i);
    const auto b = scenarios::draw_schedule(base, p.profile, 7, i);
    REQUIRE(a.size() == b.size());
    for (std::size_t k = 0; k < a.size(); ++k) CHECK(scenarios::schedule_line(a[k]) == scenarios::schedule_line(b[k]));
    CHECK(a.size() >= 1);
    CHECK(a.size() <= 3);
    for (const auto& f : a) {
      CHECK(f.at >= 8_s);
      CHECK(f.at <= 15_s);
      REQUIRE(f.for_);
      CHECK(*f.for_ >= 1_s);
      CHECK(*f.for_ <= 8_s);
      CHECK((f.action == "freeze" || f.action == "drop" || f.action == "partition"));
      if (f.action == "freeze") CHECK((f.target == "lb1/keepalived" || f.target == "lb2/keepalived"));
      if (f.action == "drop") CHECK(f.proto == sim::kVrrp);
    }
    const auto other = scenarios::draw_schedule(base, p.profile, 8, i);
    if (other.size() != a.size() || scenarios::schedule_line(other[0]) != scenarios::schedule_line(a[0])) differs = true;
  }
  CHECK(differs);
}

TEST_CASE("the shrinker reaches the known minimum of a synthetic predicate", "[explore][shrink]") {
  // Violated whenever lb1's keepalived is frozen for at least 3 s: the minimum is that one
  // freeze, exactly 3 s long, at the earliest time allowed.
  auto reproduces = [](const std::vector<scenarios::FaultSpec>& faults) {
    for (const auto& f : faults)
      if (f.action == "freeze" && f.target == "lb1/keepalived" && f.for_ && *f.for_ >= 3_s) return true;
    return false;
  };
  const std::vector<scenarios::FaultSpec> start = {
      fault("stop", "web1", 12_s, 5_s), fault("freeze", "lb1/keepalived", 14_s, 9_s),
      fault("kill", "web2/nginx", 16_s, 4_s), fault("freeze", "lb1/keepalived", 20_s, 2_s)};
  REQUIRE(reproduces(start));
  scenarios::ShrinkOptions o;
  o.earliest = 10_s;
  o.shortest = 1_s;
  const auto r = scenarios::shrink_schedule(start, reproduces, o);
  REQUIRE(r.faults.size() == 1);
  CHECK(r.faults[0].action == "freeze");
  CHECK(r.faults[0].target == "lb1/keepalived");
  CHECK(r.faults[0].at == 10_s);
  CHECK(*r.faults[0].for_ == 3_s);
  CHECK(r.complete);
  CHECK(r.runs > 0);
}

TEST_CASE("the shrinker merges two faults on the same target when neither alone reproduces", "[explore][shrink]") {
  // Violated when lb1 is frozen over all of 12 s .. 18 s: two freezes cover it only together.
  auto covers = [](const std::vector<scenarios::FaultSpec>& faults) {
    for (sim::Time t = 12_s; t <= 18_s; t += 100_ms) {
      bool any = false;
      for (const auto& f : faults) any = any || (f.action == "freeze" && f.at <= t && t < f.at + *f.for_);
      if (!any) return false;
    }
    return true;
  };
  const std::vector<scenarios::FaultSpec> start = {fault("freeze", "lb1", 12_s, 4_s), fault("freeze", "lb1", 14_s, 6_s)};
  REQUIRE(covers(start));
  scenarios::ShrinkOptions o;
  o.earliest = 10_s;
  const auto r = scenarios::shrink_schedule(start, covers, o);
  REQUIRE(r.faults.size() == 1);
  CHECK(r.faults[0].at == 12_s);
  CHECK(*r.faults[0].for_ == 6100_ms);  // covers 12 s .. 18 s inclusive, in 100 ms steps
}

TEST_CASE("the shrinker lessens a link fault's added delay and loss to the least that reproduces", "[explore][shrink]") {
  // Violated while lb1's links add at least 1234 ms, or lose at least 37 % of lb2's packets.
  auto reproduces = [](const std::vector<scenarios::FaultSpec>& faults) {
    bool delay = false, loss = false;
    for (const auto& f : faults) {
      delay = delay || (f.action == "delay" && f.target == "lb1" && f.delay.a >= 1234_ms);
      loss = loss || (f.action == "loss" && f.target == "lb2" && f.loss >= 0.37);
    }
    return delay && loss;
  };
  scenarios::FaultSpec delay = fault("delay", "lb1", 12_s, 5_s);
  delay.delay = sim::Distribution::constant(1900_ms);
  scenarios::FaultSpec loss = fault("loss", "lb2", 14_s, 5_s);
  loss.loss = 0.9;
  REQUIRE(reproduces({delay, loss}));
  scenarios::ShrinkOptions o;
  o.earliest = 10_s;
  const auto r = scenarios::shrink_schedule({delay, loss}, reproduces, o);
  REQUIRE(r.faults.size() == 2);
  CHECK(r.faults[0].delay.a == 1234_ms);
  CHECK(r.faults[1].loss == 0.37);
  CHECK(*r.faults[0].for_ == 100_ms);  // durations and times shrink as for every fault
  CHECK(r.faults[1].at == 10_s);
}

TEST_CASE("shrinking a split brain on a synthetic keepalived pair reaches the known minimal schedule", "[explore][shrink]") {
  // A frozen backup and a short freeze of the master are noise; the VRRP drop is the cause. The
  // minimum: the drop alone, at the window's start, 2.8 s long. Shorter than lb2's master-down
  // interval (3 x 1 s + (256 - 90) / 256 s = 3.65 s) because that runs from the last advert lb2
  // heard, lb1's at 7.08 s: lb2 becomes MASTER at 10.73 s, the drop ends at 10.8 s, and lb1's
  // next advert, at 11.08 s, sends lb2 back: 0.35 s of two holders, over the 100 ms grace.
  Pair p;
  const auto base = scenarios::explore_base(p.spec, p.profile);
  scenarios::FaultSpec drop = fault("drop", "", 12_s, 8_s);
  drop.from = {"lb1"};
  drop.to = {"lb2"};
  drop.proto = sim::kVrrp;
  drop.both_ways = true;
  const std::vector<scenarios::FaultSpec> start = {fault("freeze", "lb2/keepalived", 9_s, 5_s), drop,
                                                   fault("freeze", "lb1/keepalived", 14_s, 1_s)};
  auto reproduces = [&](const std::vector<scenarios::FaultSpec>& faults) {
    scenarios::ScenarioSpec s = base;
    s.faults = faults;
    const auto kinds = scenarios::finding_kinds(scenarios::run_scenario(s, 1));
    return std::find(kinds.begin(), kinds.end(), "single_vip_holder") != kinds.end();
  };
  REQUIRE(reproduces(start));
  scenarios::ShrinkOptions o;
  o.earliest = p.profile.window_from;
  o.shortest = p.profile.for_min;
  const auto r = scenarios::shrink_schedule(start, reproduces, o);
  REQUIRE(r.faults.size() == 1);
  CHECK(scenarios::schedule_line(r.faults[0]) == "at 8s drop vrrp from lb1 to lb2 (both ways) for 2800ms");
  CHECK(r.complete);
}

TEST_CASE("explore finds a split brain on the pair and its reproduction replays with the same hash", "[explore]") {
  Pair p;
  testing::ScratchDir out("explore-out");
  scenarios::ExploreOptions o;
  o.seed = 3;
  o.budget = 30;
  o.out_dir = out.dir.string();
  const auto cat = scenarios::explore(p.tree, p.scenario_path, p.profile, o);
  CHECK(cat.schedules == 30);
  const scenarios::Finding* found = nullptr;
  for (const auto& f : cat.findings)
    if (f.kind == "single_vip_holder") found = &f;
  REQUIRE(found != nullptr);
  CHECK(found->schedules >= 1);
  CHECK(found->shrunk == std::min<std::size_t>(found->schedules, 5));
  REQUIRE(!found->classes.empty());
  const scenarios::Reproduction* split = &found->classes.front();
  CHECK(split->minimal.size() == 1);
  CHECK(split->minimal.size() <= split->original.size());
  CHECK(split->replayed);
  CHECK(split->explanation.find("10.0.0.100 held by lb1 (since ") == 0);
  std::size_t in_classes = 0;
  for (const auto& c : found->classes) in_classes += c.shrunk_here;
  CHECK(in_classes == found->shrunk);
  // The written file is an ordinary scenario: loaded and run with its own seed, it gives the
  // catalogue's hash and shows the same violation.
  const auto replay = scenarios::load_scenario((out.dir / split->file).string());
  const auto r = scenarios::run_scenario(replay, replay.seed);
  CHECK(r.trace_sha256 == split->trace_sha256);
  const auto kinds = scenarios::finding_kinds(r);
  CHECK(std::find(kinds.begin(), kinds.end(), "single_vip_holder") != kinds.end());
  CHECK(std::filesystem::exists(out.dir / split->chrome_trace_file));
  CHECK(std::filesystem::exists(out.dir / "catalogue.json"));
  // Nothing but the catalogue and each class's two files, no temporary left behind.
  std::size_t classes = 0;
  for (const auto& f : cat.findings) classes += f.classes.size();
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(out.dir)) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 1 + 2 * classes);
}

TEST_CASE("delay and loss and re-create schedules reproduce from their written scenarios", "[explore]") {
  // A delay of about 3 s on either link delays lb1's adverts past lb2's master-down interval: two holders.
  Pair p;
  scenarios::FaultProfile profile = p.profile;
  profile.kinds = {"delay", "loss", "container_recreate"};
  profile.delay_min = 3_s;
  profile.delay_max = 6_s;
  profile.loss_min = 0.2;
  profile.loss_max = 0.6;
  const auto base = scenarios::explore_base(p.spec, profile);
  std::set<std::string> drawn;
  for (std::size_t i = 0; i < 30; ++i)
    for (const auto& f : scenarios::draw_schedule(base, profile, 3, i)) {
      drawn.insert(f.action);
      if (f.action == "delay") {
        CHECK(f.delay.a >= 3_s);
        CHECK(f.delay.a <= 6_s);
        CHECK(f.delay.a % 1_ms == 0);
      }
      if (f.action == "loss") {
        CHECK(f.loss >= 0.2);
        CHECK(f.loss <= 0.6);
      }
      if (f.action == "recreate") CHECK_FALSE(f.for_);
    }
  CHECK(drawn == std::set<std::string>{"delay", "loss", "recreate"});
  scenarios::ExploreOptions o;
  o.budget = 20;
  o.seed = 3;
  o.out_dir = (p.dir.dir / "out").string();
  std::filesystem::create_directories(o.out_dir);
  const auto cat = scenarios::explore(p.tree, p.scenario_path, profile, o);
  const scenarios::Reproduction* split = nullptr;
  for (const auto& f : cat.findings)
    for (const auto& c : f.classes) {
      UNSCOPED_INFO(f.kind << ": " << scenarios::schedule_class(c.minimal));
      if (f.kind == "single_vip_holder" && c.minimal.size() == 1 && c.minimal[0].action == "delay") split = &c;
    }
  REQUIRE(split != nullptr);
  REQUIRE(split->minimal.size() == 1);
  CHECK(split->minimal[0].action == "delay");
  CHECK(split->minimal[0].delay.a < 3_s);  // lessened below the profile's least: still two holders
  CHECK(split->replayed);
  INFO(split->yaml);
  CHECK(split->yaml.find("delay: {node: lb") != std::string::npos);
  // The written file runs as an ordinary scenario with the catalogue's hash.
  const auto spec = scenarios::load_scenario(o.out_dir + "/" + split->file);
  CHECK(scenarios::run_scenario(spec, spec.seed).trace_sha256 == split->trace_sha256);
}

TEST_CASE("explore draws link_down on a node, undone after its length, and the stack converges after it", "[explore][link]") {
  Pair p;
  scenarios::FaultProfile profile = p.profile;
  profile.kinds = {"link_down"};
  const auto base = scenarios::explore_base(p.spec, profile);
  for (std::size_t i = 0; i < 10; ++i)
    for (const auto& f : scenarios::draw_schedule(base, profile, 3, i)) {
      CHECK(f.action == "link_down");
      CHECK((f.target == "lb1" || f.target == "lb2"));
      CHECK(f.for_);
    }
  scenarios::ExploreOptions o;
  o.budget = 20;
  o.seed = 5;
  const auto cat = scenarios::explore(p.tree, p.scenario_path, profile, o);
  for (const auto& f : cat.findings) CHECK(f.kind.rfind("liveness/", 0) != 0);  // every link up again, one holder
}

TEST_CASE("the catalogue is the same for one job and for two", "[explore]") {
  Pair p;
  scenarios::ExploreOptions o;
  o.seed = 11;
  o.budget = 40;
  o.jobs = 1;
  const std::string one = scenarios::catalogue_json(scenarios::explore(p.tree, p.scenario_path, p.profile, o), true);
  o.jobs = 2;
  const std::string two = scenarios::catalogue_json(scenarios::explore(p.tree, p.scenario_path, p.profile, o), true);
  CHECK(one == two);
  CHECK(one.find("\"kind\": \"single_vip_holder\"") != std::string::npos);
}

TEST_CASE("a stop request ends the search after a prefix of the schedules", "[explore]") {
  Pair p;
  std::atomic<bool> stop{true};
  scenarios::ExploreOptions o;
  o.budget = 20;
  o.stop_search = &stop;
  o.interrupt = &stop;
  const auto cat = scenarios::explore(p.tree, p.scenario_path, p.profile, o);
  CHECK(cat.schedules == 0);
  CHECK(cat.interrupted);
  CHECK(cat.findings.empty());
}

TEST_CASE("bad fault profiles are located errors", "[explore][errors]") {
  const std::string good = "name: p\nkinds: [freeze]\nconverge: {within: 5s, holds: [vip_held]}\n";
  CHECK(profile_error(kPair, good).empty());
  CHECK(profile_error(kPair, good + "kindz: [crash]\n").find("kindz: unknown key") != std::string::npos);
  CHECK(profile_error(kPair, "name: p\nkinds: [freez]\nconverge: {within: 5s, holds: [vip_held]}\n")
            .find("kinds.0: unknown fault kind 'freez' (did you mean 'freeze'?)") != std::string::npos);
  CHECK(profile_error(kPair, good + "targets: [lb3]\n").find("targets.0: the scenario has no node named 'lb3'") !=
        std::string::npos);
  CHECK(profile_error(kPair, good + "targets: [lb1/keepalive]\n").find("did you mean 'keepalived'?") != std::string::npos);
  CHECK(profile_error(kPair, good + "count: {min: 3, max: 2}\n").find("count.max: is below count.min") != std::string::npos);
  CHECK(profile_error(kPair, good + "window: {from: 5s, to: 20s}\nfor: {min: 1s, max: 5s}\nheal_at: 24s\n")
            .find("heal_at: comes before the last fault can end") != std::string::npos);
  CHECK(profile_error(kPair, "name: p\nkinds: [freeze]\nconverge: {within: 5s, holds: [vip_hold]}\n")
            .find("did you mean 'vip_held'?") != std::string::npos);
  CHECK(profile_error(kPair, "name: p\nkinds: [promote]\nconverge: {within: 5s, holds: [vip_held]}\n")
            .find("none of these kinds applies") != std::string::npos);
  CHECK(profile_error(kPair, "name: p\nkinds: [freeze]\n").find("converge: missing") != std::string::npos);
  CHECK(profile_error(kPair, good + "protocols: [sctp]\n").find("protocols.0: unknown protocol 'sctp'") != std::string::npos);
}

TEST_CASE("each library stack has a default fault profile that loads", "[explore]") {
  const std::string root = std::string(HASIM_SOURCE_DIR) + "/scenarios/";
  for (const auto& [scenario, profile] : std::vector<std::pair<std::string, std::string>>{
           {"demo1-part2.yaml", "faults/demo1-part2.yaml"},
           {"split-brain/vrrp-blocked.yaml", "faults/demo1-part2.yaml"},
           {"demo1-part2/chaos.yaml", "faults/demo1-part2.yaml"},
           {"demo2/split-brain.yaml", "faults/demo2.yaml"},
           {"demo2/stack.yaml", "faults/demo2.yaml"}}) {
    INFO(scenario);
    const std::string path = scenarios::default_profile_path(root + scenario);
    CHECK(std::filesystem::equivalent(path, root + profile));
    const auto p = scenarios::load_fault_profile(path, scenarios::load_scenario(root + scenario));
    CHECK(!p.kinds.empty());
    CHECK(!p.targets.empty());
  }
  CHECK(scenarios::default_profile_path(root + "demo1-part1.yaml").empty());
}

TEST_CASE("an emitted scenario tree reads back as the same tree", "[explore]") {
  const std::string yaml = R"(name: "x: y"
plain: 5000ms
list: [a, "b,c", "#d"]
nested:
  "*": {k: v}
  seq:
    - [0, 1ms]
    - {at: 1s, drop: {from: [a], to: b}}
empty: {}
none:
quoted_null: "null"
)";
  const scenarios::Tree t = scenarios::parse_yaml(yaml, "t.yaml");
  const std::string text = scenarios::emit_yaml(t, "a header\nof two lines");
  CHECK(text.rfind("# a header\n# of two lines\n", 0) == 0);
  const scenarios::Tree back = scenarios::parse_yaml(text, "back.yaml");
  CHECK(scenarios::emit_yaml(back) == scenarios::emit_yaml(t));
  REQUIRE(back.find("list") != nullptr);
  CHECK(back.find("list")->seq[1].scalar == "b,c");
  CHECK(back.find("none")->kind == scenarios::Tree::Kind::Null);
  CHECK(back.find("quoted_null")->kind == scenarios::Tree::Kind::Scalar);
  CHECK(back.find("name")->scalar == "x: y");
}
