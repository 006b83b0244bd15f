#include "validation/standby_flush.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>

namespace validation {

namespace {

double number(const scenarios::Tree& e, const char* key) {
  const scenarios::Tree* v = e.find(key);
  if (v == nullptr || !v->is_scalar()) return -1;
  char* end = nullptr;
  const double x = std::strtod(v->scalar.c_str(), &end);
  return end == v->scalar.c_str() ? -1 : x;
}

std::string text(const scenarios::Tree& e, const char* key) {
  const scenarios::Tree* v = e.find(key);
  return v != nullptr && v->is_scalar() ? v->scalar : "";
}

}  // namespace

std::vector<double> standby_flush_samples(const scenarios::Tree& events) {
  std::vector<double> out;
  if (!events.is_seq()) return out;
  std::map<std::pair<std::string, std::string>, std::pair<double, double>> last;
  for (const auto& e : events.seq) {
    if (!e.is_map() || text(e, "kind") != "pg_stat_replication") continue;
    const double w = number(e, "write_lag_us"), f = number(e, "flush_lag_us");
    if (w < 0 || f <= w) continue;
    auto& seen = last[{text(e, "node"), text(e, "application_name")}];
    if (seen == std::make_pair(w, f)) continue;  // pg_stat_replication shows a reply until the next
    seen = {w, f};
    out.push_back((f - w) / 1e6);
  }
  return out;
}

std::vector<double> latch_wakeup_samples(const scenarios::Tree& events) {
  std::vector<double> out;
  if (!events.is_seq()) return out;
  std::map<std::pair<std::string, std::string>, std::pair<double, double>> last;
  for (const auto& e : events.seq) {
    if (!e.is_map() || text(e, "kind") != "pg_stat_replication") continue;
    const double f = number(e, "flush_lag_us"), r = number(e, "replay_lag_us");
    if (f < 0 || r <= f) continue;
    auto& seen = last[{text(e, "node"), text(e, "application_name")}];
    if (seen == std::make_pair(f, r)) continue;
    seen = {f, r};
    out.push_back((r - f) / 2 / 1e6);
  }
  return out;
}

std::optional<Measured> pooled_measure(const std::vector<std::vector<double>>& per_run, std::size_t least) {
  std::vector<double> pooled;
  int runs = 0;
  for (const auto& r : per_run) {
    pooled.insert(pooled.end(), r.begin(), r.end());
    runs += r.empty() ? 0 : 1;
  }
  if (pooled.size() < least || pooled.empty()) return std::nullopt;
  std::sort(pooled.begin(), pooled.end());
  // Linear interpolation between order statistics, as the simulator's empirical draws; to the
  // microsecond, as the rows give the lags.
  auto at = [&](double q) {
    const double pos = q * static_cast<double>(pooled.size() - 1);
    const auto i = static_cast<std::size_t>(pos);
    const std::size_t j = std::min(i + 1, pooled.size() - 1);
    return std::round((pooled[i] + (pooled[j] - pooled[i]) * (pos - static_cast<double>(i))) * 1e6) / 1e6;
  };
  Measured m;
  for (const double q : {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0}) m.quantiles_s.emplace_back(q, at(q));
  m.median_s = at(0.5);
  m.max_s = pooled.back();
  m.n = static_cast<int>(pooled.size());
  m.runs = runs;
  return m;
}

}  // namespace validation
