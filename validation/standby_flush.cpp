#include "validation/standby_flush.hpp"

#include <algorithm>
#include <initializer_list>
#include <cmath>
#include <map>
#include <string>
#include <utility>

#include "validation/event_fields.hpp"

namespace validation {

namespace {

// -1 for a missing field: positions and lags are never negative.
double number(const scenarios::Tree& e, const char* key) {
  double x = 0;
  return event_number(e, key, x) ? x : -1;
}

std::string text(const scenarios::Tree& e, const char* key) {
  const scenarios::Tree* v = e.find(key);
  return v != nullptr && v->is_scalar() ? v->scalar : "";
}


/// A pg_stat_replication row of a standby streaming in step with its primary: every position
/// caught up with what was sent, in this row and in that standby's previous one, with less than
/// kSteadyBytes sent between them, and lags not those of the previous row (pg_stat_replication
/// shows a reply until the next). A catch-up after an outage, a replica held back by
/// recovery_min_apply_delay or cut off by a fault times its burst, its delay or its outage, not
/// one fdatasync or one wake-up.
constexpr double kSteadyBytes = 64 * 1024;

template <class Fn>
void steady_rows(const scenarios::Tree& events, Fn&& fn) {
  if (!events.is_seq()) return;
  struct Last {
    double sent = -1, write_lag = -2, flush_lag = -2, replay_lag = -2;
    bool caught_up = false;
  };
  std::map<std::pair<std::string, std::string>, Last> last;
  for (const auto& e : events.seq) {
    if (!e.is_map() || text(e, "kind") != "pg_stat_replication") continue;
    const double sent = number(e, "sent_lsn");
    const bool caught_up = sent >= 0 && number(e, "write_lsn") == sent && number(e, "flush_lsn") == sent &&
                           number(e, "replay_lsn") == sent;
    const double w = number(e, "write_lag_us"), f = number(e, "flush_lag_us"), r = number(e, "replay_lag_us");
    Last& prev = last[{text(e, "node"), text(e, "application_name")}];
    const bool fresh = w != prev.write_lag || f != prev.flush_lag || r != prev.replay_lag;
    if (caught_up && prev.caught_up && sent - prev.sent < kSteadyBytes && fresh && w >= 0 && f >= 0 && r >= 0) fn(w, f, r);
    prev = Last{sent, w, f, r, caught_up};
  }
}

}  // namespace

std::vector<double> standby_flush_samples(const scenarios::Tree& events) {
  std::vector<double> out;
  steady_rows(events, [&](double w, double f, double) {
    if (f > w) out.push_back((f - w) / 1e6);
  });
  return out;
}

std::vector<double> latch_wakeup_samples(const scenarios::Tree& events) {
  std::vector<double> out;
  steady_rows(events, [&](double, double f, double r) {
    if (r > f) out.push_back((r - f) / 2 / 1e6);
  });
  return out;
}

std::vector<double> write_path_samples(const scenarios::Tree& events) {
  std::vector<double> out;
  steady_rows(events, [&](double w, double f, double r) {
    if (r > f) out.push_back((w - (r - f)) / 1e6);
  });
  return out;
}

std::vector<double> clean_fsync_samples(const scenarios::Tree& events) {
  std::vector<double> out;
  if (!events.is_seq()) return out;
  for (const auto& e : events.seq) {
    if (!e.is_map() || text(e, "kind") != "pg_data_directory_synced") continue;
    double t = 0;  // negative for the set-up's events, which precede t0 (so not number(): -1 is a time)
    event_number(e, "t_s", t);
    const double ms = number(e, "duration_ms");
    if (t < 0 && ms >= 0) out.push_back(ms / 1e3 / kSetUpSyncFsyncs);
  }
  return out;
}

namespace {

std::optional<Measured> summarise(const std::vector<std::vector<double>>& per_run, std::size_t least,
                                  std::initializer_list<double> quantiles) {
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
  for (const double q : quantiles) m.quantiles_s.emplace_back(q, at(q));
  m.median_s = at(0.5);
  m.max_s = pooled.back();
  m.n = static_cast<int>(pooled.size());
  m.runs = runs;
  return m;
}

}  // namespace

std::optional<Measured> pooled_measure(const std::vector<std::vector<double>>& per_run, std::size_t least) {
  return summarise(per_run, least, {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0});
}

std::optional<Measured> pooled_measure_fine_tail(const std::vector<std::vector<double>>& per_run, std::size_t least) {
  return summarise(per_run, least, {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98, 0.99, 1.0});
}

std::optional<Measured> pooled_measure_deep_tail(const std::vector<std::vector<double>>& per_run, std::size_t least) {
  return summarise(per_run, least, {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 1.0});
}

}  // namespace validation
