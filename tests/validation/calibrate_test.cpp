#include <catch2/catch.hpp>

#include "scenarios/tree.hpp"
#include "validation/calibrate.hpp"
#include "validation/validate.hpp"

namespace {

const std::string kFile = "scenarios/validation/demo1-part1-short.yaml";
const std::string kInter = "nodes.haproxy.haproxy.backends.nginx_backend.default-server.inter";
const std::string kConnect = "nodes.haproxy.haproxy.defaults.timeout connect";

}  // namespace

TEST_CASE("calibration recovers known timings from synthetic real runs") {
  // "Real" runs: the simulator itself with inter 3 s and timeout connect 3 s, on seeds the fit
  // never uses. Starting from the scenario's 2 s / 5 s, the fit has to find them again.
  const scenarios::Tree tree = scenarios::load_tree(kFile);
  validation::CalibrationCase c;
  c.file = kFile;
  c.tree = tree;
  c.real = validation::simulate(tree, kFile, {kInter + "=3s", kConnect + "=3s"}, 10, 1001, 2);
  const std::vector<validation::FitParam> params = {validation::FitParam::parse(kInter + "=1s..6s"),
                                                    validation::FitParam::parse(kConnect + "=1s..8s")};
  validation::FitOptions o;
  o.sim_seeds = 40;
  o.jobs = 2;
  const auto r = validation::fit({c}, params, o);
  CHECK(r.start[0] == Approx(2.0));
  CHECK(r.start[1] == Approx(5.0));
  CHECK(r.value[1] == Approx(3.0).margin(0.3));
  CHECK(r.value[0] == Approx(3.0).margin(0.3));
  CHECK(r.cost_after < r.cost_before / 10);
  for (const auto& x : r.residuals) CHECK(x.within_after());
}

TEST_CASE("seeds split among real runs' own host measurements are simulated in order, each with its run's") {
  const scenarios::Tree tree = scenarios::load_tree(kFile);
  const std::vector<std::vector<std::string>> groups = {{kInter + "=3s"}, {kInter + "=5s"}};
  const auto split = validation::simulate_groups(tree, kFile, {}, groups, {}, 5, 101, 2);
  auto first = validation::simulate(tree, kFile, {kInter + "=3s"}, 3, 101, 1);
  const auto second = validation::simulate(tree, kFile, {kInter + "=5s"}, 2, 104, 1);
  first.insert(first.end(), second.begin(), second.end());
  CHECK(split == first);
  CHECK(split != validation::simulate(tree, kFile, {}, 5, 101, 1));
  // One group, or fewer seeds than groups: every seed with the pooled settings alone.
  CHECK(validation::simulate_groups(tree, kFile, {}, {{kInter + "=3s"}}, {}, 3, 101, 1) == validation::simulate(tree, kFile, {}, 3, 101, 1));
}

TEST_CASE("a fitted parameter wins over each real run's own host measurements") {
  // The runs' groups set inter to 6 s; the real runs had 3 s. Applied after the groups, the fit
  // still moves inter and finds 3 s (applied before them, it could not move anything).
  const scenarios::Tree tree = scenarios::load_tree(kFile);
  validation::CalibrationCase c;
  c.file = kFile;
  c.tree = tree;
  c.groups = {{kInter + "=6s"}, {kInter + "=6s"}};
  c.real = validation::simulate(tree, kFile, {kInter + "=3s"}, 10, 1001, 2);
  validation::FitOptions o;
  o.sim_seeds = 40;
  o.jobs = 2;
  const auto r = validation::fit({c}, {validation::FitParam::parse(kInter + "=1s..6s")}, o);
  CHECK(r.value[0] == Approx(3.0).margin(0.3));
}

TEST_CASE("a calibration profile nests the fitted values under their key paths") {
  const std::vector<validation::FitParam> params = {validation::FitParam::parse("runtime.dns.register_delay=0s..30s"),
                                                    validation::FitParam::parse("runtime.command_delay.stop=0s..2s"),
                                                    validation::FitParam::parse("runtime.dns.retries=1..5")};
  validation::FitResult r;
  r.value = {12.3456789, 0.25, 3.0};
  const std::string yaml = validation::profile_yaml(params, r, "line one\nline two");
  CHECK(yaml ==
        "# line one\n# line two\n"
        "runtime:\n"
        "  command_delay:\n"
        "    stop: 0.25s\n"
        "  dns:\n"
        "    register_delay: 12.345679s\n"
        "    retries: 3\n");
}

TEST_CASE("a fitted parameter with a wildcard, reversed bounds or mixed units is refused") {
  using validation::FitParam;
  CHECK_THROWS_WITH(FitParam::parse("nodes.*.start_delay=0s..1s"), Catch::Contains("no '*'"));
  CHECK_THROWS_WITH(FitParam::parse("a.b=2s..1s"), Catch::Contains("lower bound"));
  CHECK_THROWS_WITH(FitParam::parse("a.b=1..2s"), Catch::Contains("both bounds"));
  CHECK_THROWS_WITH(FitParam::parse("a.b=-1s..2s"), Catch::Contains("bounds"));
  CHECK_THROWS_WITH(FitParam::parse("a.b"), Catch::Contains("KEY.PATH=LO..HI"));
}

TEST_CASE("a fitted parameter the scenario does not accept is an error naming it") {
  const scenarios::Tree tree = scenarios::load_tree(kFile);
  validation::CalibrationCase c;
  c.file = kFile;
  c.tree = tree;
  c.real = {{{"load.outage_max_s", 10.0}}};
  validation::FitOptions o;
  o.sim_seeds = 2;
  CHECK_THROWS_WITH(validation::fit({c}, {validation::FitParam::parse("nodes.haproxy.haproxy.defaults.timeout connnect=1s..2s")}, o),
                    Catch::Contains("connnect"));
}
