// `hasim explore`: the command line around scenarios/explore.hpp (profile lookup, budget by
// count or wall clock, Ctrl-C, progress, the out dir).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "scenarios/explore.hpp"
#include "scenarios/loader.hpp"
#include "sim/time.hpp"
#include "tools/cli.hpp"

namespace cli {

const char* const kExploreHelp = R"(hasim explore SCENARIO [--faults PROFILE] [--budget N | --time T] [--jobs J] [--seed S] [--out DIR]

Draws fault schedules from a fault profile and runs each on SCENARIO (whose own faults are set
aside): a safety phase with the faults on and the invariants checked all along, then a liveness
phase (every fault healed at the profile's heal_at; its `converge` conditions must hold
`within` later). Each kind of violation found (an invariant's name, or liveness/CONDITION) is
shrunk by delta debugging (faults removed, merged, shortened, moved earlier, each candidate
re-run with the same seed) to a minimal schedule, written as a standalone scenario that
`hasim run` replays with the same trace hash. Prints the catalogue: per kind, how many schedules
showed it, its classes of minimal schedule, and a line from each one's trace.

Options:
  --faults PROFILE   the fault profile (default: faults/NAME.yaml beside the scenario or up to
                     two folders above, NAME the scenario's name or that of a file it includes)
  --budget N         schedules to run (default 100, at most 1000000)
  --time T           instead of --budget: draw schedules for this long (wall clock, e.g. 30s);
                     the catalogue then depends on how many were done (it says how many)
  --jobs J           worker threads (default: number of cores); the catalogue is the same for any J
  --seed S           the search's seed (default: the scenario's `seed`)
  --shrink K         schedules shrunk per kind of violation, the first K that showed it
                     (default 5); their distinct minimal schedules are the kind's classes
  --out DIR          write catalogue.json, each reproduction (KIND.yaml) and its Chrome trace
                     (KIND.trace.json) there, each through a temporary file
  --set KEY.PATH=VAL an override of the scenario (kept in the reproductions)
  --json             print the catalogue as JSON instead of text
  --max-events N     events one run may process (default 10000000; 0: no limit)
  -q, --quiet        no progress bar

Ctrl-C stops the search (and then the shrinking) and keeps what was found: the catalogue of
the schedules done is printed and written, marked interrupted; exit status 130.
Exit status: 0 done, 2 bad input (file:line:column), 130 interrupted.
)";

namespace {

std::atomic<bool> g_interrupt{false};
std::atomic<bool> g_stop_search{false};

extern "C" void on_sigint(int) {
  g_interrupt.store(true);
  g_stop_search.store(true);
}

}  // namespace

int cmd_explore(const Args& a) {
  if (a.budget && !a.time.empty()) usage_error("explore takes --budget or --time, not both");
  sim::Time wall_budget = 0;
  if (!a.time.empty() && (!sim::parse_duration(a.time, sim::kSecond, wall_budget) || wall_budget <= 0))
    usage_error("--time expects a duration such as 30s or 5m, got '" + a.time + "'");
  // Everything is read and checked before anything is written.
  scenarios::Tree tree = scenarios::load_tree(a.scenario());
  for (const auto& o : a.sets) scenarios::apply_override(tree, o);
  const scenarios::ScenarioSpec spec = scenarios::spec_from_tree(tree, a.scenario());
  std::string profile_path = a.faults;
  if (profile_path.empty()) {
    profile_path = scenarios::default_profile_path(a.scenario());
    if (profile_path.empty())
      throw scenarios::ScenarioError(scenarios::Source{a.scenario(), 0, 0}, "",
                                     "no default fault profile for scenario '" + spec.name +
                                         "' (faults/NAME.yaml beside it or above): give one with --faults");
  }
  const scenarios::FaultProfile profile = scenarios::load_fault_profile(profile_path, spec);
  if (!a.out.empty()) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(a.out, ec) && !fs::is_directory(a.out, ec)) usage_error("--out " + a.out + " is not a directory");
    fs::create_directories(a.out, ec);
    if (ec) usage_error("--out " + a.out + ": " + ec.message());
  }

  scenarios::ExploreOptions o;
  o.seed = a.seed.value_or(spec.seed);
  // With --time the budget is a ceiling the deadline stops well before.
  o.budget = a.budget ? static_cast<std::size_t>(*a.budget) : (a.time.empty() ? 100 : scenarios::kMaxExploreBudget);
  const unsigned hw = std::thread::hardware_concurrency();
  o.jobs = a.jobs > 0 ? a.jobs : static_cast<int>(hw == 0 ? 1 : hw);
  o.out_dir = a.out;
  if (a.max_events) o.max_events = *a.max_events;
  if (a.shrinks) o.shrinks_per_kind = static_cast<std::size_t>(*a.shrinks);
  o.stop_search = &g_stop_search;
  o.interrupt = &g_interrupt;
  const bool tty = isatty(2) != 0 && !a.quiet;
  const bool timed = !a.time.empty();
  // When the search ended (its last schedule), for the rate printed at the end.
  using Clock = std::chrono::steady_clock;
  Clock::time_point search_end{};
  o.on_progress = [timed, tty, &search_end](const std::string& phase, std::size_t done, std::size_t total, std::size_t found) {
      if (phase == "search") search_end = Clock::now();
      if (!tty) return;
      const std::string extra = ", " + std::to_string(found) + " kind(s) found";
      if (phase == "search" && timed) {
        if (done % 64 == 0) std::fprintf(stderr, "\r  %zu schedules%s\033[K", done, extra.c_str());
      } else {
        progress_bar(done, total, phase == "search" ? "schedules" : "schedules shrunk", extra);
      }
    };

  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C ends the process at once
  sigemptyset(&sa.sa_mask);
  struct sigaction old {};
  sigaction(SIGINT, &sa, &old);

  // --time: a deadline on the wall clock (the command line's, never the simulation's).
  std::mutex m;
  std::condition_variable cv;
  bool finished = false;
  std::thread deadline;
  if (timed)
    deadline = std::thread([&] {
      std::unique_lock<std::mutex> lock(m);
      if (!cv.wait_for(lock, std::chrono::nanoseconds(wall_budget), [&] { return finished; })) g_stop_search.store(true);
    });
  const auto start = std::chrono::steady_clock::now();
  scenarios::Catalogue cat;
  try {
    cat = scenarios::explore(tree, a.scenario(), profile, o);
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(m);
      finished = true;
    }
    cv.notify_all();
    if (deadline.joinable()) deadline.join();
    sigaction(SIGINT, &old, nullptr);
    throw;
  }
  {
    std::lock_guard<std::mutex> lock(m);
    finished = true;
  }
  cv.notify_all();
  if (deadline.joinable()) deadline.join();
  sigaction(SIGINT, &old, nullptr);
  const auto end = Clock::now();
  const double wall_s = std::chrono::duration<double>(end - start).count();
  const double search_s = std::chrono::duration<double>((cat.schedules > 0 ? search_end : start) - start).count();
  if (tty && timed) std::fprintf(stderr, "\r\033[K");

  if (a.json) std::cout << scenarios::catalogue_json(cat, true) << "\n";
  else std::cout << scenarios::catalogue_text(cat);
  std::cout.flush();
  std::size_t shrunk = 0;
  for (const auto& f : cat.findings) shrunk += f.shrunk;
  std::fprintf(stderr,
               "hasim: %zu schedule(s) in %.2f s (%.0f/s), %zu kind(s) found, %zu schedule(s) shrunk, %.2f s wall in all, %d "
               "job(s)%s\n",
               cat.schedules, search_s, search_s > 0 ? static_cast<double>(cat.schedules) / search_s : 0.0, cat.findings.size(),
               shrunk, wall_s, o.jobs,
               a.out.empty() ? "" : (", wrote " + a.out + "/catalogue.json").c_str());
  return cat.interrupted ? 130 : 0;
}

}  // namespace cli
