#include "validation/compare.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace validation {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string strip(const std::string& s, const std::string& suffix) { return s.substr(0, s.size() - suffix.size()); }

// How each outcome is read off a run's metrics. The name says the question; `key` is the metric.
struct OutcomeRule {
  std::string suffix, question;
  enum Kind { Positive, Present, Above100ms } kind;
};

const std::vector<OutcomeRule>& rules() {
  static const std::vector<OutcomeRule> r = {
      {".failed", "requests failed", OutcomeRule::Positive},
      {".moves", "moved", OutcomeRule::Positive},
      // Two holders for longer than the simulator's single_vip_holder grace (100 ms): a
      // hand-over overlaps for one advert's flight and the old master's reaction only.
      {".multi_holder_s", "two holders over 100 ms", OutcomeRule::Above100ms},
      {".detect_down_s", "DOWN after its fault", OutcomeRule::Present},
      {".detect_up_s", "UP after its restart", OutcomeRule::Present},
      // PostgreSQL's invariants, which real runs now check too (the simulator's own
      // postgres_checks over their events): judged as outcomes, not as counts.
      {".single_writable_primary", "two writable primaries at once", OutcomeRule::Positive},
      {".no_acked_commit_lost", "an acknowledged commit lost", OutcomeRule::Positive},
      // A commit that got neither an acknowledgement nor an error (waiting for an absent
      // synchronous standby, or a silent server): whether any did is the outcome.
      {".hung_commits", "commits hung (no answer)", OutcomeRule::Positive},
  };
  return r;
}

const OutcomeRule* rule_for(const std::string& metric) {
  for (const auto& r : rules())
    if (ends_with(metric, r.suffix)) return &r;
  return nullptr;
}

}  // namespace

Summary summarize(std::vector<double> v) {
  Summary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.n = static_cast<int>(v.size());
  s.min = v.front();
  s.max = v.back();
  const std::size_t m = v.size() / 2;
  s.median = v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  return s;
}

bool is_time_metric(const std::string& metric) { return ends_with(metric, "_s"); }

namespace {
/// The records' timings are microseconds (run_real.py rounds every measured latency to 6
/// decimals of a second, and the simulator's distributions of them keep that): a simulated time
/// made of them, such as a `docker start` plus the start-up after it, meets the real one to a
/// microsecond at best, against a real figure taken from nanosecond stamps.
constexpr double kRecordResolutionS = 1e-6 + 1e-9;
}  // namespace

std::vector<double> values_of(const std::vector<RunMetrics>& runs, const std::string& metric) {
  std::vector<double> out;
  const bool time = is_time_metric(metric);
  for (const auto& r : runs) {
    const auto it = r.find(metric);
    if (it != r.end()) out.push_back(it->second);
    else if (!time) out.push_back(0.0);
  }
  return out;
}

double tolerance_for(double real_median) { return std::max(0.1 * std::fabs(real_median), 0.3); }

bool Outcome::agree() const {
  if (real_n == 0 || sim_n == 0) return false;
  const bool real_yes_seen = real_yes > 0, real_no_seen = real_yes < real_n;
  const bool sim_yes_seen = sim_yes > 0, sim_no_seen = sim_yes < sim_n;
  return (!real_yes_seen || sim_yes_seen) && (!real_no_seen || sim_no_seen);
}

bool Comparison::pass() const {
  for (const auto& m : metrics)
    if (!m.pass()) return false;
  for (const auto& o : outcomes)
    if (!o.agree()) return false;
  // A metric only one side has fails unless an outcome already judges it (an event one side
  // never saw is a disagreement of that outcome, counted there).
  for (const auto* side : {&real_only, &sim_only})
    for (const auto& k : *side)
      if (rule_for(k) == nullptr) return false;
  return true;
}

std::vector<std::string> outcome_names(const std::vector<RunMetrics>& real, const std::vector<RunMetrics>& sim) {
  std::set<std::string> names;
  for (const auto* side : {&real, &sim})
    for (const auto& run : *side)
      for (const auto& [k, v] : run)
        if (const auto* r = rule_for(k)) names.insert(strip(k, r->suffix) + ": " + r->question);
  return {names.begin(), names.end()};
}

bool outcome_of(const RunMetrics& run, const std::string& outcome) {
  for (const auto& r : rules()) {
    const std::string tail = ": " + r.question;
    if (!ends_with(outcome, tail)) continue;
    const auto it = run.find(strip(outcome, tail) + r.suffix);
    if (it == run.end()) return false;
    switch (r.kind) {
      case OutcomeRule::Positive: return it->second > 0;
      case OutcomeRule::Present: return true;
      case OutcomeRule::Above100ms: return it->second > 0.1;
    }
  }
  return false;
}

namespace {
/// `metric` is one of `unmeasured`'s names, or starts with one of its prefixes (ending in a dot).
bool unmeasured_metric(const std::string& metric, const std::vector<std::string>& unmeasured) {
  return std::any_of(unmeasured.begin(), unmeasured.end(), [&](const std::string& u) {
    return metric == u || (!u.empty() && u.back() == '.' && metric.rfind(u, 0) == 0);
  });
}
/// `outcome` is a workload's ("bench: requests failed") whose metrics' prefix (`bench.`) is unmeasured.
bool unmeasured_outcome(const std::string& outcome, const std::vector<std::string>& unmeasured) {
  return std::any_of(unmeasured.begin(), unmeasured.end(), [&](const std::string& u) {
    return !u.empty() && u.back() == '.' && outcome.rfind(u.substr(0, u.size() - 1) + ": ", 0) == 0;
  });
}
}  // namespace

Comparison compare(const std::vector<RunMetrics>& real, const std::vector<RunMetrics>& sim,
                   const std::vector<std::string>& unmeasured) {
  Comparison c;
  std::set<std::string> real_keys, sim_keys;
  for (const auto& r : real)
    for (const auto& [k, v] : r) real_keys.insert(k);
  for (const auto& r : sim)
    for (const auto& [k, v] : r) sim_keys.insert(k);
  std::set<std::string> all = real_keys;
  all.insert(sim_keys.begin(), sim_keys.end());
  for (const auto& k : all) {
    // The simulator's own judgements (invariant violations) are not measurements: the real
    // runs have no invariant checker; their counterpart is an outcome ("two holders over 100 ms").
    if (k.rfind("violations.", 0) == 0) continue;
    // What the record says it did not measure is not a zero there (a counter it lacks would be).
    if (unmeasured_metric(k, unmeasured)) {
      c.unmeasured.push_back(k);
      continue;
    }
    const bool in_real = real_keys.count(k) != 0, in_sim = sim_keys.count(k) != 0;
    // The replication monitor's figures need its rows: a record made before the real stack ran
    // one (pg-stat-probe.sh, 2026-12-03) has none, which says nothing about the stack.
    if (k.rfind("replication.", 0) == 0 && !in_real) continue;
    // A counter one side never incremented is a zero there, so it is still compared; a time
    // only one side measured cannot be (its outcome row says which side saw the event).
    if (is_time_metric(k) && !(in_real && in_sim)) {
      (in_real ? c.real_only : c.sim_only).push_back(k);
      continue;
    }
    MetricVerdict m;
    m.metric = k;
    m.real = summarize(values_of(real, k));
    m.sim = summarize(values_of(sim, k));
    if (m.real.n == 0 || m.sim.n == 0) {
      (m.real.n ? c.real_only : c.sim_only).push_back(k);
      continue;
    }
    m.tolerance = tolerance_for(m.real.median);
    m.median_ok = std::fabs(m.sim.median - m.real.median) <= m.tolerance + 1e-9;
    const double resolution = is_time_metric(k) ? kRecordResolutionS : 1e-9;
    m.range_ok = m.sim.min <= m.real.min + resolution && m.real.max <= m.sim.max + resolution;
    c.metrics.push_back(m);
  }
  for (const auto& name : outcome_names(real, sim)) {
    // A workload's outcomes ("bench: requests failed") come from its metrics: unmeasured too.
    if (unmeasured_outcome(name, unmeasured)) {
      c.unmeasured.push_back(name);
      continue;
    }
    Outcome o;
    o.name = name;
    o.real_n = static_cast<int>(real.size());
    o.sim_n = static_cast<int>(sim.size());
    for (const auto& r : real) o.real_yes += outcome_of(r, name) ? 1 : 0;
    for (const auto& r : sim) o.sim_yes += outcome_of(r, name) ? 1 : 0;
    c.outcomes.push_back(o);
  }
  return c;
}

}  // namespace validation
