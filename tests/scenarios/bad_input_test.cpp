// Every class of bad scenario input is a ScenarioError naming the file, line:column, the key
// path, and (for names) the closest valid one. Fixtures live in tests/scenarios/bad/.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "scenarios/loader.hpp"
#include "scenarios/reader.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/sweep.hpp"
#include "scenarios/tree.hpp"
#include "sim/time.hpp"
#include "../support/scratch_dir.hpp"

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
      {"servers_as_list.yaml", "11:20", "nodes.lb.haproxy.backends.be.servers",
       {"expected a mapping of servers by name"}},
      {"negative_interval.yaml", "12:60", "nodes.lb.haproxy.backends.be.servers.web1.inter",
       {"must not be negative, found '-2s'"}},
      {"zero_inter.yaml", "12:60", "nodes.lb.haproxy.backends.be.servers.web1.inter", {"must be greater than zero"}},
      {"fall_zero.yaml", "12:59", "nodes.lb.haproxy.backends.be.servers.web1.fall",
       {"must be between 1 and 1000, found 0"}},
      {"syn_retries_zero.yaml", "3:29", "runtime.kernel.tcp_syn_retries", {"must be between 1 and 127, found 0"}},
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

TEST_CASE("a grid axis on the seed is refused, as the CSV would get two columns named seed", "[scenarios][sweep]") {
  CHECK_THROWS_WITH(scenarios::GridAxis::parse("seed=1,2"), Catch::Contains("--grid seed=1,2") && Catch::Contains("use --seed N --seeds K"));
}

// ---------------------------------------------------------------------------------------------
// Hostile input (issue 14): each reproducer is a located ScenarioError, in bounded time and
// memory, never a crash, a hang or bad_alloc.

namespace {

namespace fs = std::filesystem;

using Scratch = testing::ScratchDir;

/// A small valid scenario; tests append keys or replace parts of it.
const std::string kMini =
    "name: mini\n"
    "duration: 10s\n"
    "networks: {lan: {subnet: 10.0.0.0/24}}\n"
    "nodes:\n"
    "  web1: {nginx: {files: [/]}}\n";

/// An alias bomb: nine levels of ten references, 10^9 values once expanded.
std::string alias_bomb() {
  std::string t = "name: bomb\na: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    const char prev = static_cast<char>(c - 1);
    t += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) t += std::string(i ? ", " : "") + "*" + prev;
    t += "]\n";
  }
  return t;
}

}  // namespace

TEST_CASE("a YAML alias bomb is refused while its aliases expand, with file and line", "[scenarios][errors][hostile]") {
  Scratch s("bomb");
  const std::string what = error_of(s.write("bomb.yaml", alias_bomb()));
  INFO(what);
  CHECK(what.find("bomb.yaml:2:") != std::string::npos);
  CHECK(what.find("expands to more than 200000 values (aliases included)") != std::string::npos);
  // Within the limit, aliases still work: a scenario may reuse an anchored block.
  const std::string ok = s.write("alias.yaml", "name: alias\nduration: 10s\nnetworks: {lan: {subnet: 10.0.0.0/24}}\n"
                                               "nodes:\n  web1: &web {nginx: {files: [/]}}\n  web2: *web\n");
  CHECK(scenarios::load_scenario(ok).nodes.size() == 2);
}

TEST_CASE("an alias that contains itself, and nesting past 64 levels, are located errors", "[scenarios][errors][hostile]") {
  Scratch s("nesting");
  std::string what = error_of(s.write("self.yaml", "name: x\nr: &r [*r]\n"));
  CHECK(what.find("self.yaml:2:") != std::string::npos);
  CHECK(what.find("nested deeper than 64 levels") != std::string::npos);
  what = error_of(s.write("deep.yaml", kMini + "notes: " + std::string(100, '[') + std::string(100, ']') + "\n"));
  CHECK(what.find("deep.yaml:6:") != std::string::npos);
  CHECK(what.find("nested deeper than 64 levels") != std::string::npos);
  // Past yaml-cpp's own guard: the same words, not "YAML syntax error: bad file".
  what = error_of(s.write("deeper.yaml", kMini + "notes: " + std::string(5000, '[') + std::string(5000, ']') + "\n"));
  INFO(what);
  CHECK(what.find("deeper.yaml:6:") != std::string::npos);
  CHECK(what.find("nested deeper than 64 levels of mappings and lists (the parser stopped at") != std::string::npos);
  CHECK(what.find("bad file") == std::string::npos);
}

TEST_CASE("only regular files of at most 4 MiB are read, each refusal located at its include", "[scenarios][errors][hostile]") {
  Scratch s("files");
  const std::string big = s.write("big.yaml", "name: big\nnotes: \"" + std::string(5u << 20, 'x') + "\"\n");
  const std::string fifo = (s.dir / "fifo.yaml").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  struct Case {
    std::string include, says;
  };
  const std::vector<Case> cases = {
      {"/dev/zero", "/dev/zero: is a device, not a scenario file"},
      {s.dir.string(), "is a directory, not a scenario file"},
      {fifo, "is not a regular file"},
      {big, "a scenario file may have at most 4 MiB"},
      {std::string(5000, 'a') + ".yaml", "...: file name too long ("},
      {"no_such.yaml", "no such file"},
  };
  for (const auto& c : cases) {
    const std::string what = error_of(s.write("inc.yaml", "include: [\"" + c.include + "\"]\n" + kMini));
    INFO(what);
    CHECK(what.rfind(s.dir.string() + "/inc.yaml:1:11: include.0: ", 0) == 0);
    CHECK(what.find(c.says) != std::string::npos);
    CHECK(what.size() < 600);  // a 5000-character name is shortened in the message
  }
  // The scenario itself: the same refusals, named by the file.
  CHECK(error_of("/dev/zero") == "/dev/zero: is a device, not a scenario file");
  CHECK(error_of(s.dir.string()) == s.dir.string() + ": is a directory, not a scenario file");
  CHECK(error_of(fifo) == fifo + ": is not a regular file (a pipe or a socket?), not a scenario file");
  CHECK(error_of(big).find("a scenario file may have at most 4 MiB") != std::string::npos);
}

TEST_CASE("includes nest at most 16 files deep, and a cycle names the include that closes it", "[scenarios][errors][hostile]") {
  Scratch s("chain");
  for (int i = 0; i < 20; ++i) s.write("f" + std::to_string(i) + ".yaml", "include: [f" + std::to_string(i + 1) + ".yaml]\n");
  s.write("f20.yaml", kMini);
  const std::string what = error_of((s.dir / "f0.yaml").string());
  INFO(what);
  CHECK(what.find("f15.yaml:1:11: include.0: includes nested deeper than 16 files") != std::string::npos);
  // The same file under two names is still one file (a cycle through a symbolic link).
  s.write("a.yaml", "include: [link.yaml]\n" + kMini);
  fs::create_symlink(s.dir / "a.yaml", s.dir / "link.yaml");
  const std::string cycle = error_of((s.dir / "a.yaml").string());
  CHECK(cycle.find("a.yaml:1:11: include.0: include cycle: ") != std::string::npos);
}

TEST_CASE("scenario text must be UTF-8: the first bad byte is named by line and column", "[scenarios][errors][hostile]") {
  Scratch s("utf8");
  std::string what = error_of(s.write("latin1.yaml", kMini + "description: caf\xe9 au lait\n"));
  CHECK(what == s.dir.string() + "/latin1.yaml:6:17: not UTF-8 text: byte 0xe9 starts no valid UTF-8 character (save the file as UTF-8)");
  what = error_of(s.write("overlong.yaml", "name: \"\xc0\xaf\"\n"));
  CHECK(what.find("overlong.yaml:1:8: not UTF-8 text") != std::string::npos);
  what = error_of(s.write("control.yaml", "name: a\x01z\n"));
  CHECK(what.find("control.yaml:1:8: control character U+0001 is not allowed") != std::string::npos);
  // An escape that encodes half a UTF-16 pair cannot become UTF-8 either.
  what = error_of(s.write("surrogate.yaml", "name: \"\\ud800\"\n"));
  CHECK(what.find("surrogate.yaml:1:") != std::string::npos);
  // Text that is UTF-8 passes through whole.
  CHECK(scenarios::load_scenario(s.write("ok.yaml", kMini + "description: caf\xc3\xa9 \xe2\x9c\x93\n")).description ==
        "caf\xc3\xa9 \xe2\x9c\x93");
  CHECK(scenarios::invalid_utf8_at("ab\xed\xa0\x80") == 2);  // a surrogate, encoded
  CHECK(scenarios::invalid_utf8_at("\xf4\x90\x80\x80") == 0);  // past U+10FFFF
  CHECK(scenarios::invalid_utf8_at("ok \xf0\x9f\x98\x80") == std::string::npos);
  CHECK(scenarios::printable_text("a\xffz") == "a?z");
}

TEST_CASE("every duration is bounded at load: never negative, at most 365 days", "[scenarios][errors][hostile]") {
  const std::string demo = std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part1.yaml";
  const std::string b = "nodes.haproxy.haproxy.backends.nginx_backend.";
  auto err = [&](const std::string& set) {
    try {
      scenarios::load_scenario(demo, {set});
    } catch (const scenarios::ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  // 2^63-1 ns would overflow `timeout connect` + 50 s in the model: refused where it is written.
  CHECK(err("nodes.haproxy.haproxy.defaults.timeout connect=9223372036854775807ns") ==
        "--set nodes.haproxy.haproxy.defaults.timeout connect=9223372036854775807ns: "
        "nodes.haproxy.haproxy.defaults.timeout connect: must be at most 365d, found '9223372036854775807ns'");
  CHECK(err("nodes.haproxy.haproxy.defaults.timeout connect=99999999999999999999s").find("must be at most 365d") !=
        std::string::npos);
  CHECK(err("duration=100000d").find("duration: must be at most 365d, found '100000d'") != std::string::npos);
  CHECK(err("duration=366d").find("must be at most 365d") != std::string::npos);
  CHECK(err("faults.0.for=-1s").find("faults.0.for: must not be negative, found '-1s'") != std::string::npos);
  CHECK(err("networks.ha-net.latency={dist: lognormal, median: 400d}").find("median: must be at most 365d") != std::string::npos);
  CHECK(err(b + "default-server.inter=-0.5s").find("must not be negative") != std::string::npos);
  CHECK(err("duration=365d") == "(no error)");
  // A wide distribution's draws are clamped to a year unless it says otherwise.
  const auto spec = scenarios::load_scenario(demo, {"networks.ha-net.latency={dist: lognormal, median: 1ms, sigma: 5}"});
  CHECK(spec.networks[0].latency.max == scenarios::kMaxDuration);
}

TEST_CASE("HAProxy time directives are whole milliseconds as haproxy parses them: rounded up, at most 2^31-1 ms",
          "[scenarios][errors][hostile]") {
  const std::string demo = std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part1.yaml";
  const std::string ds = "nodes.haproxy.haproxy.backends.nginx_backend.default-server.";
  auto server = [&](const std::vector<std::string>& sets) {
    const auto spec = scenarios::load_scenario(demo, sets);
    return std::get<models::haproxy::HaproxyConfig>(spec.nodes[0].components[0]).backends[0].servers[0];
  };
  CHECK(server({ds + "inter=1ns"}).inter == 1 * sim::kMillisecond);  // src/tools.c: ceil to 1 ms
  CHECK(server({ds + "inter=1500us"}).inter == 2 * sim::kMillisecond);
  CHECK(server({ds + "inter=2s"}).inter == 2 * sim::kSecond);
  CHECK(*server({ds + "fastinter=1us"}).fastinter == 1 * sim::kMillisecond);
  try {
    scenarios::load_scenario(demo, {"nodes.haproxy.haproxy.defaults.timeout connect=2147483648ms"});
    FAIL("no error");
  } catch (const scenarios::ScenarioError& e) {
    CHECK(e.key_path() == "nodes.haproxy.haproxy.defaults.timeout connect");
    CHECK(e.message().rfind("timer overflow: haproxy allows at most 2147483647 ms (~24.8 days)", 0) == 0);
  }
  const auto spec = scenarios::load_scenario(demo, {"nodes.haproxy.haproxy.defaults.timeout connect=2147483647ms"});
  CHECK(std::get<models::haproxy::HaproxyConfig>(spec.nodes[0].components[0]).timeout_connect == 2147483647 * sim::kMillisecond);
}

TEST_CASE("keepalived's script interval is whole seconds, as vrrp_parser.c reads it, and advert_int and preempt_delay are bounded",
          "[scenarios][errors][hostile]") {
  const std::string part2 = std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part2.yaml";
  const std::string script = "nodes.haproxy1.keepalived.vrrp_script.check_haproxy.";
  const std::string inst = "nodes.haproxy1.keepalived.vrrp_instance.VI_1.";
  auto config = [&](const std::string& set) {
    const auto spec = scenarios::load_scenario(part2, {set});
    for (const auto& c : spec.nodes[0].components)
      if (const auto* k = std::get_if<models::keepalived::KeepalivedConfig>(&c)) return *k;
    FAIL("no keepalived");
    return models::keepalived::KeepalivedConfig{};
  };
  auto err = [&](const std::string& set) {
    try {
      scenarios::load_scenario(part2, {set});
    } catch (const scenarios::ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  // keepalived: "vrrp script interval must be greater than 0, setting to 1".
  CHECK(config(script + "interval=1ns").scripts[0].interval == sim::kSecond);
  CHECK(config(script + "interval=0").scripts[0].interval == sim::kSecond);
  CHECK(config(script + "interval=3").scripts[0].interval == 3 * sim::kSecond);
  CHECK(*config(script + "timeout=500ms").scripts[0].timeout == sim::kSecond);
  CHECK(err(script + "interval=1.5").find("keepalived reads whole seconds from 1 to 4294 here, found '1.5'") != std::string::npos);
  CHECK(err(script + "interval=4295").find("whole seconds from 1 to 4294") != std::string::npos);
  CHECK(err(inst + "advert_int=256").find("advert_int: keepalived allows at most 255 seconds") != std::string::npos);
  CHECK(err(inst + "preempt_delay=1001s").find("preempt_delay: keepalived allows at most 1000 seconds") != std::string::npos);
}

TEST_CASE("a --set item number too large for any integer is a located error, not stoul's exception", "[scenarios][errors][hostile]") {
  scenarios::Tree t = scenarios::load_tree(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part1.yaml");
  CHECK_THROWS_WITH(scenarios::apply_override(t, "faults.99999999999999999999999.at=1s"),
                    "--set faults.99999999999999999999999.at=1s: faults: has 4 items; there is no item 99999999999999999999999");
  CHECK_THROWS_WITH(scenarios::apply_override(t, "faults.4294967296.at=1s"), Catch::Contains("there is no item 4294967296"));
}

TEST_CASE("a scenario's seed is any 64-bit number, exactly, and beyond is an error", "[scenarios][errors][hostile]") {
  Scratch s("seed");
  CHECK(scenarios::load_scenario(s.write("max.yaml", kMini + "seed: 18446744073709551615\n")).seed == UINT64_MAX);
  CHECK(scenarios::load_scenario(s.write("big.yaml", kMini + "seed: 9223372036854775808\n")).seed == 9223372036854775808ull);
  CHECK(error_of(s.write("over.yaml", kMini + "seed: 18446744073709551616\n"))
            .find("over.yaml:6:7: seed: must be at most 18446744073709551615") != std::string::npos);
  CHECK(error_of(s.write("neg.yaml", kMini + "seed: -1\n")).find("neg.yaml:6:7: seed: expected a whole number") != std::string::npos);
}

TEST_CASE("an empty name given with --set is blamed on the --set, not on a line of the file", "[scenarios][errors][hostile]") {
  try {
    scenarios::load_scenario(std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part1.yaml", {"name="});
    FAIL("no error");
  } catch (const scenarios::ScenarioError& e) {
    CHECK(std::string(e.what()) == "--set name=: name: must not be empty (a short name for the scenario)");
  }
}

TEST_CASE("a grid value may hold an escaped comma, and one path twice, or too many runs, is refused", "[scenarios][errors][sweep][hostile]") {
  const auto a = scenarios::GridAxis::parse("x.init-addr=libc\\,none,last,a\\\\b,c\\d");
  CHECK(a.path == "x.init-addr");
  CHECK(a.values == std::vector<std::string>{"libc,none", "last", "a\\b", "c\\d"});
  CHECK(a.origin == "--grid x.init-addr=libc\\,none,last,a\\\\b,c\\d");
  const std::string demo = std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part1.yaml";
  const scenarios::Tree base = scenarios::load_tree(demo);
  scenarios::SweepOptions o;
  o.grid.push_back(scenarios::GridAxis::parse("duration=30s,40s"));
  o.grid.push_back(scenarios::GridAxis::parse("duration=50s"));
  CHECK_THROWS_WITH(scenarios::run_sweep(base, demo, o),
                    "--grid duration=50s: duration: the same path is already an axis of the grid (--grid duration=30s,40s): "
                    "give its values in one list");
  scenarios::SweepOptions big;
  for (int i = 0; i < 6; ++i) big.grid.push_back(scenarios::GridAxis::parse("notes.n" + std::to_string(i) + "=0,1,2,3,4,5,6,7,8,9"));
  CHECK_THROWS_WITH(scenarios::run_sweep(base, demo, big), Catch::Contains("more than 100000 runs, the most one sweep holds"));
  // The escaped value reaches the scenario whole.
  scenarios::SweepOptions esc;
  esc.grid.push_back(scenarios::GridAxis::parse(
      "nodes.haproxy.haproxy.backends.nginx_backend.default-server.init-addr=libc\\,none,last\\,libc"));
  esc.max_events = 1;  // validation only: the first event stops each run
  CHECK_THROWS_WITH(scenarios::run_sweep(base, demo, esc), Catch::Contains("after 1 events, its budget"));
}

TEST_CASE("a run past its event budget stops with an error at its duration, and the budget leaves traces alone",
          "[scenarios][errors][hostile]") {
  const std::string demo = std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part1.yaml";
  const auto spec = scenarios::load_scenario(demo);
  scenarios::RunOptions tight;
  tight.max_events = 1000;
  try {
    scenarios::run_scenario(spec, 1, tight);
    FAIL("no error");
  } catch (const scenarios::ScenarioError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.rfind(demo + ":", 0) == 0);
    CHECK(e.where().line > 0);
    CHECK(e.key_path() == "duration");
    CHECK(what.find("of 90.000s simulated after 1000 events, its budget") != std::string::npos);
  }
  scenarios::RunOptions none;
  none.max_events = 0;
  const auto a = scenarios::run_scenario(spec, 1, none);
  scenarios::RunOptions exact;
  exact.max_events = a.events_processed + 1;  // the marker at the end is the runner's own
  const auto b = scenarios::run_scenario(spec, 1, exact);
  CHECK(a.trace_sha256 == b.trace_sha256);
  CHECK(a.events_processed == b.events_processed);
  int progress = 0;
  const auto long_spec = scenarios::load_scenario(demo, {"duration=30m"});
  scenarios::RunOptions watched;
  watched.on_progress = [&](sim::Time now, std::uint64_t events) {
    CHECK(now <= long_spec.duration);
    CHECK(events % 65536 == 0);
    ++progress;
  };
  scenarios::run_scenario(long_spec, 1, watched);
  CHECK(progress > 0);
}

TEST_CASE("a value quoted in a message is at most 80 characters", "[scenarios][errors][hostile]") {
  const std::string demo = std::string(HASIM_SOURCE_DIR) + "/scenarios/demo1-part1.yaml";
  try {
    scenarios::load_scenario(demo, {"nodes.haproxy.haproxy.backends.nginx_backend.balance=" + std::string(5000, 'r')});
    FAIL("no error");
  } catch (const scenarios::ScenarioError& e) {
    CHECK(e.message().size() < 200);
    CHECK(e.message().find(std::string(77, 'r') + "...'") != std::string::npos);
  }
}

TEST_CASE("link_down takes a node, an interface it has, and 'for', and misuse is a located error", "[scenarios][errors]") {
  Scratch s("link_down");
  const std::string two = "name: mini\nduration: 10s\nnetworks: {lan: {subnet: 10.0.0.0/24}, wan: {subnet: 10.1.0.0/24}}\n"
                          "nodes:\n  web1: {nginx: {files: [/]}}\n  web2: {networks: [wan], nginx: {files: [/]}}\n";
  const auto ok = scenarios::load_scenario(s.write("ok.yaml", two + "faults:\n  - {at: 1s, link_down: web1, for: 2s, network: lan}\n"));
  REQUIRE(ok.faults.size() == 1);
  CHECK(ok.faults[0].action == "link_down");
  CHECK(ok.faults[0].target == "web1");
  CHECK(ok.faults[0].network == "lan");
  std::string what = error_of(s.write("proc.yaml", two + "faults:\n  - {at: 1s, link_down: web1/nginx}\n"));
  CHECK(what.find("proc.yaml:8:") != std::string::npos);
  CHECK(what.find("faults.0.link_down: link_down applies to a whole node, not to a process") != std::string::npos);
  what = error_of(s.write("net.yaml", two + "faults:\n  - {at: 1s, link_down: web2, network: lan}\n"));
  CHECK(what.find("net.yaml:8:") != std::string::npos);
  CHECK(what.find("faults.0.network: node 'web2' is not attached to network 'lan'") != std::string::npos);
  what = error_of(s.write("up.yaml", two + "faults:\n  - {at: 1s, link_up: web1, for: 2s}\n"));
  CHECK(what.find("faults.0.for: link_up cannot be undone with 'for'") != std::string::npos);
  what = error_of(s.write("other.yaml", two + "faults:\n  - {at: 1s, stop: web1, network: lan}\n"));
  CHECK(what.find("faults.0.network: only disconnect, connect, link_down and link_up take a network") != std::string::npos);
}

TEST_CASE("a fault's jitter is a duration from zero that keeps the fault inside the run, and misuse is a located error",
          "[scenarios][errors][faults]") {
  Scratch s("jitter");
  const auto ok = scenarios::load_scenario(s.write("ok.yaml", kMini + "faults:\n  - {at: 1s, jitter: 500ms, stop: web1}\n"));
  REQUIRE(ok.faults.size() == 1);
  CHECK(ok.faults[0].jitter == 500 * sim::kMillisecond);
  std::string what = error_of(s.write("neg.yaml", kMini + "faults:\n  - {at: 1s, jitter: -1s, stop: web1}\n"));
  CHECK(what.find("neg.yaml:") != std::string::npos);
  CHECK(what.find("faults.0.jitter:") != std::string::npos);
  what = error_of(s.write("word.yaml", kMini + "faults:\n  - {at: 1s, jitter: soon, stop: web1}\n"));
  CHECK(what.find("faults.0.jitter:") != std::string::npos);
  what = error_of(s.write("late.yaml", kMini + "faults:\n  - {at: 5s, jitter: 1h, stop: web1}\n"));
  CHECK(what.find("late.yaml:") != std::string::npos);
  CHECK(what.find("faults.0.jitter: at + jitter is after the end of the run") != std::string::npos);
}

TEST_CASE("an nginx master may be named alone as a fault target, and only with master_process on", "[scenarios][errors]") {
  Scratch s("nginx_master");
  const auto ok = scenarios::load_scenario(s.write("ok.yaml", kMini + "faults:\n  - {at: 1s, kill: web1/nginx_master}\n"));
  CHECK(ok.faults[0].target == "web1/nginx_master");
  const std::string off = "name: mini\nduration: 10s\nnetworks: {lan: {subnet: 10.0.0.0/24}}\n"
                          "nodes:\n  web1: {nginx: {files: [/], master_process: false}}\n";
  const std::string what = error_of(s.write("off.yaml", off + "faults:\n  - {at: 1s, kill: web1/nginx_master}\n"));
  CHECK(what.find("node 'web1' runs no process 'nginx_master'") != std::string::npos);
}
