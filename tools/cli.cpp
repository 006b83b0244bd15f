#include "tools/cli.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>

#include "scenarios/explore.hpp"
#include "scenarios/spec.hpp"
#include "scenarios/sweep.hpp"
#include "scenarios/tree.hpp"

namespace cli {

namespace {

/// `v` as a whole number in [min, max], exactly: digits only (no sign, spaces or exponent), and
/// no silent clamping of a number too large for any integer type.
std::uint64_t number_arg(const std::string& flag, const std::string& v, std::uint64_t min, std::uint64_t max) {
  auto bad = [&] {
    usage_error(flag + " expects a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ", got '" +
                scenarios::printable_text(v.size() > 40 ? v.substr(0, 40) + "..." : v) + "'");
  };
  if (v.empty() || v.size() > 20 || v.find_first_not_of("0123456789") != std::string::npos) bad();
  // 20 digits may still exceed 2^64-1: compare as text against it.
  if (v.size() == 20 && v > "18446744073709551615") bad();
  const std::uint64_t n = std::strtoull(v.c_str(), nullptr, 10);
  if (n < min || n > max) bad();
  return n;
}

int int_arg(const std::string& flag, const std::string& v, int min, int max) {
  return static_cast<int>(number_arg(flag, v, static_cast<std::uint64_t>(min), static_cast<std::uint64_t>(max)));
}

}  // namespace

const std::string& Args::scenario() const {
  static const std::string none;
  return scenarios.empty() ? none : scenarios.front();
}

[[noreturn]] void usage_error(const std::string& msg) {
  std::fprintf(stderr, "hasim: error: %s\n(see 'hasim --help')\n", msg.c_str());
  std::exit(2);
}

void progress_bar(std::size_t done, std::size_t total, const std::string& unit, const std::string& extra) {
  const std::size_t width = 40;
  const std::size_t filled = total == 0 ? width : width * done / total;
  std::fprintf(stderr, "\r  [%s%s] %zu/%zu %s%s\033[K", std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
               done, total, unit.c_str(), extra.c_str());
  if (done == total) std::fprintf(stderr, "\n");
}

Args parse(int argc, char** argv) {
  Args a;
  std::vector<std::string> v(argv + 1, argv + argc);
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::string s = v[i];
    // Every long option also takes its value as --name=value.
    std::optional<std::string> attached;
    if (s.rfind("--", 0) == 0 && s.size() > 2) {
      const auto eq = s.find('=');
      if (eq != std::string::npos) {
        attached = s.substr(eq + 1);
        s = s.substr(0, eq);
      }
    }
    auto value = [&](const std::string& flag) -> std::string {
      if (attached) return *std::exchange(attached, std::nullopt);
      if (i + 1 >= v.size()) usage_error(flag + " needs a value");
      return v[++i];
    };
    if (s == "--help" || s == "-h") a.help = true;
    else if (s == "--version") { std::printf("hasim %s\n", HASIM_VERSION); std::exit(0); }
    else if (s == "--seed") a.seed = number_arg(s, value(s), 0, UINT64_MAX);
    else if (s == "--runs") a.runs = int_arg(s, value(s), 1, scenarios::kMaxRuns);
    else if (s == "--seeds") a.seeds = int_arg(s, value(s), 1, static_cast<int>(scenarios::kMaxSweepRuns));
    else if (s == "--sim-seeds") a.sim_seeds = int_arg(s, value(s), 1, 1000000);
    else if (s == "--parallel") a.parallel = int_arg(s, value(s), 1, 16);
    else if (s == "--jobs" || s == "-j") a.jobs = int_arg(s, value(s), 1, 1024);
    else if (s == "--max-events") a.max_events = number_arg(s, value(s), 0, UINT64_MAX);
    else if (s == "--set") a.sets.push_back(value(s));
    else if (s == "--faults") a.faults = value(s);
    else if (s == "--budget") a.budget = number_arg(s, value(s), 1, scenarios::kMaxExploreBudget);
    else if (s == "--time") a.time = value(s);
    else if (s == "--shrink") a.shrinks = number_arg(s, value(s), 1, 1000);
    else if (s == "--grid") a.grids.push_back(value(s));
    else if (s == "--fit") a.fits.push_back(value(s));
    else if (s == "--real") a.reals.push_back(value(s));
    else if (s == "--metric") a.metrics.push_back(value(s));
    else if (s == "--trace") a.trace = value(s);
    else if (s == "--chrome-trace") a.chrome = value(s);
    else if (s == "--out") a.out = value(s);
    else if (s == "--events") {
      a.events = value(s);
      try {
        scenarios::EventSelection::parse(a.events);
      } catch (const std::invalid_argument& e) {
        usage_error("--events: " + std::string(e.what()) + ", got '" + scenarios::printable_text(a.events) + "'");
      }
    }
    else if (s == "--engine") a.engine = value(s);
    else if (s == "--json") a.json = true;
    else if (s == "--no-color") a.no_color = true;
    else if (s == "--no-plot") a.no_plot = true;
    else if (s == "--scenario-loop-cost") a.scenario_loop_cost = true;
    else if (s == "--scenario-wakeup") a.scenario_wakeup = true;
    else if (s == "--remap") a.remap = true;
    else if (s == "--fail-on-violation") a.fail_on_violation = true;
    else if (s == "--quiet" || s == "-q") a.quiet = true;
    else if (s == "--verbose" || s == "-v") a.verbose = true;
    else if (!s.empty() && s[0] == '-') usage_error("unknown option '" + scenarios::printable_text(s) + "'");
    else if (a.command.empty()) a.command = s;
    else if (a.scenarios.empty()) a.scenarios.push_back(s);
    else if (a.command == "render" && a.dir.empty()) a.dir = s;
    else if (a.command == "calibrate") a.scenarios.push_back(s);
    else usage_error("unexpected argument '" + scenarios::printable_text(s) + "'");
    if (attached) usage_error(s + " takes no value, got '" + s + "=" + scenarios::printable_text(*attached) + "'");
  }
  return a;
}

}  // namespace cli
