#include "validation/exec_delays.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "scenarios/workload_kinds.hpp"

#include "validation/event_fields.hpp"
#include "validation/seconds_list.hpp"

namespace validation {

namespace {
/// The steps whose command lasts longer than the engine takes to run it: a re-clone's or a
/// rewind's runs the tool to its end (validation/kinds/postgres.cpp); a promote's
/// `SELECT pg_promote()` returns when the promotion is over (wait => true); a `sql` step's psql
/// when its last statement is (a CHECKPOINT's writes, a slot's creation).
bool outlasts_the_engine(const std::string& action) {
  return action == "reclone" || action == "rewind" || action == "promote" || action == "sql";
}
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
    if (action == nullptr || !action->is_scalar() || !outlasts_the_engine(action->scalar) || !event_number(f, "t_s", t) ||
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

std::vector<double> pg_client_exec_samples(const scenarios::ScenarioSpec& spec, const scenarios::Tree& events) {
  std::map<std::string, double> first;  // workload -> its earliest attempt
  for (const auto& e : events.seq) {
    const scenarios::Tree* kind = e.is_map() ? e.find("kind") : nullptr;
    const scenarios::Tree* name = e.is_map() ? e.find("workload") : nullptr;
    double sent = 0;
    if (kind == nullptr || name == nullptr || !kind->is_scalar() || !name->is_scalar() || !event_number(e, "sent_s", sent)) continue;
    const std::string& k = kind->scalar;
    if (k != "pg_commit_acked" && k != "pg_commit_failed" && k != "pg_read_done" && k != "pg_read_failed") continue;
    auto [it, fresh] = first.try_emplace(name->scalar, sent);
    if (!fresh) it->second = std::min(it->second, sent);
  }
  std::vector<double> out;
  for (const auto& [name, w] : spec.workloads) {
    auto f = first.find(name);
    if (f == first.end()) continue;
    if (w.kind == scenarios::kPgWriter) out.push_back(std::max(0.0, f->second - sim::to_seconds(w.pg.start)));
    if (w.kind == scenarios::kPgReader) out.push_back(std::max(0.0, f->second - sim::to_seconds(w.pg_reader.start)));
  }
  return out;
}

}  // namespace validation
