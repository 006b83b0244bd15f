#include "tools/cli.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace cli {

namespace {

long long number_arg(const std::string& flag, const std::string& v, long long min, long long max) {
  char* end = nullptr;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < min || n > max)
    usage_error(flag + " expects a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ", got '" + v + "'");
  return n;
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

Args parse(int argc, char** argv) {
  Args a;
  std::vector<std::string> v(argv + 1, argv + argc);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string& s = v[i];
    auto value = [&](const std::string& flag) -> std::string {
      if (i + 1 >= v.size()) usage_error(flag + " needs a value");
      return v[++i];
    };
    if (s == "--help" || s == "-h") a.help = true;
    else if (s == "--version") { std::printf("hasim %s\n", HASIM_VERSION); std::exit(0); }
    else if (s == "--seed") a.seed = number_arg(s, value(s), 0, INT64_MAX);
    else if (s == "--runs") a.runs = static_cast<int>(number_arg(s, value(s), 1, 1000000));
    else if (s == "--seeds") a.seeds = static_cast<int>(number_arg(s, value(s), 1, 1000000));
    else if (s == "--sim-seeds") a.sim_seeds = static_cast<int>(number_arg(s, value(s), 1, 1000000));
    else if (s == "--parallel") a.parallel = static_cast<int>(number_arg(s, value(s), 1, 16));
    else if (s == "--jobs" || s == "-j") a.jobs = static_cast<int>(number_arg(s, value(s), 1, 1024));
    else if (s == "--set") a.sets.push_back(value(s));
    else if (s == "--grid") a.grids.push_back(value(s));
    else if (s == "--fit") a.fits.push_back(value(s));
    else if (s == "--real") a.reals.push_back(value(s));
    else if (s == "--metric") a.metrics.push_back(value(s));
    else if (s == "--trace") a.trace = value(s);
    else if (s == "--chrome-trace") a.chrome = value(s);
    else if (s == "--out") a.out = value(s);
    else if (s == "--json") a.json = true;
    else if (s == "--no-color") a.no_color = true;
    else if (s == "--no-plot") a.no_plot = true;
    else if (s == "--scenario-loop-cost") a.scenario_loop_cost = true;
    else if (s == "--scenario-wakeup") a.scenario_wakeup = true;
    else if (s == "--quiet" || s == "-q") a.quiet = true;
    else if (s == "--verbose" || s == "-v") a.verbose = true;
    else if (!s.empty() && s[0] == '-') usage_error("unknown option '" + s + "'");
    else if (a.command.empty()) a.command = s;
    else if (a.scenarios.empty()) a.scenarios.push_back(s);
    else if (a.command == "render" && a.dir.empty()) a.dir = s;
    else if (a.command == "calibrate") a.scenarios.push_back(s);
    else usage_error("unexpected argument '" + s + "'");
  }
  return a;
}

}  // namespace cli
