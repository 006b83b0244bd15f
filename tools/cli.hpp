#pragma once
// The command line of `hasim`, shared by the files that implement its commands.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cli {

struct Args {
  std::string command, trace, chrome, out, dir;
  std::string events;                // run, sweep: --events notable|all|KIND,... ("": not given)
  std::string faults, time;          // explore: the fault profile, a wall-clock budget
  std::optional<std::uint64_t> budget;  // explore: schedules to draw
  std::optional<std::uint64_t> shrinks;  // explore: schedules shrunk per kind
  std::string engine = "docker";  // render: the engine the stack is rendered for
  std::vector<std::string> scenarios;  // calibrate takes several; the others exactly one
  std::vector<std::string> sets, grids, fits, reals, metrics;
  std::optional<std::uint64_t> seed;  // any 64-bit seed, exactly
  int runs = 0, seeds = 1, jobs = 0, sim_seeds = 100, parallel = 0;
  std::optional<std::uint64_t> max_events;  // run, sweep: events per run (0: no limit)
  bool json = false, no_color = false, verbose = false, quiet = false, help = false, no_plot = false;
  bool fail_on_violation = false;  // run: exit 1 when any run broke an invariant
  bool scenario_loop_cost = false;  // validate: keep the scenario's runtime.exec_delay
  bool scenario_wakeup = false;     // validate: keep the scenario's runtime.wakeup_delay
  bool remap = false;  // validate, calibrate: run_real.py moves the stack to free subnets even one at a time
  const std::string& scenario() const;
};

[[noreturn]] void usage_error(const std::string& msg);
/// A progress bar on stderr: "  [####....] 12/40 UNIT" and `extra`; a new line when done == total.
void progress_bar(std::size_t done, std::size_t total, const std::string& unit, const std::string& extra = "");
Args parse(int argc, char** argv);

int cmd_validate(const Args& a);
int cmd_explore(const Args& a);
extern const char* const kExploreHelp;
int cmd_calibrate(const Args& a);
extern const char* const kValidateHelp;
extern const char* const kCalibrateHelp;

}  // namespace cli
