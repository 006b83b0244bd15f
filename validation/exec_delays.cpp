#include "validation/exec_delays.hpp"

#include <algorithm>
#include <cmath>

#include "validation/event_fields.hpp"
#include "validation/seconds_list.hpp"

namespace validation {

namespace {
/// The steps whose command lasts as long as the tool it runs (validation/kinds/postgres.cpp).
bool runs_a_tool(const std::string& action) { return action == "reclone" || action == "rewind"; }
}  // namespace

std::vector<double> engine_exec_samples(const scenarios::Tree& run, const std::string& path, int& removed) {
  removed = 0;
  const scenarios::Tree* cd = run.is_map() ? run.find("command_delays_s") : nullptr;
  const scenarios::Tree* ex = cd != nullptr && cd->is_map() ? cd->find("exec") : nullptr;
  if (ex == nullptr) return {};
  std::vector<double> out = seconds_list(*ex, path, "command_delays_s.exec");
  const scenarios::Tree* faults = run.find("faults");
  if (faults == nullptr || !faults->is_seq()) return out;
  for (const auto& f : faults->seq) {
    if (!f.is_map()) continue;
    const scenarios::Tree* action = f.find("action");
    double t = 0, done = 0;
    if (action == nullptr || !action->is_scalar() || !runs_a_tool(action->scalar) || !event_number(f, "t_s", t) ||
        !event_number(f, "done_s", done))
      continue;
    // run_real.py stored the span rounded to the microsecond.
    const double span = std::round((done - t) * 1e6) / 1e6;
    auto it = std::find_if(out.begin(), out.end(), [span](double x) { return std::abs(x - span) < 1.5e-6; });
    if (it == out.end()) continue;
    out.erase(it);
    ++removed;
  }
  return out;
}

}  // namespace validation
