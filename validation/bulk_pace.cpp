#include "validation/bulk_pace.hpp"

#include <map>
#include <string>

#include "models/postgres/postgres.hpp"
#include "validation/event_fields.hpp"

namespace validation {

namespace {
constexpr double kLeastBytes = 20e6;  // a second wholly inside a COPY
}  // namespace

std::optional<double> copy_row_seconds(const scenarios::Tree& events) {
  // The primary's WAL position at each row of the monitor (one row per standby: the same).
  std::map<double, double> wal_at;
  for (const auto& e : events.seq) {
    if (!e.is_map()) continue;
    const scenarios::Tree* kind = e.find("kind");
    double t = 0, w = 0;
    if (kind == nullptr || kind->scalar != "pg_stat_replication" || !event_number(e, "t_s", t) ||
        !event_number(e, "wal_lsn", w))
      continue;
    if (w > 0) wal_at[t] = w;
  }
  double fastest = 0;  // bytes a second
  for (auto it = wal_at.begin(); it != wal_at.end() && std::next(it) != wal_at.end(); ++it) {
    const auto next = std::next(it);
    const double dt = next->first - it->first, dw = next->second - it->second;
    // Rows a second apart (the same sample's rows for two standbys are microseconds apart).
    if (dt < 0.5 || dt > 1.5 || dw < kLeastBytes) continue;
    fastest = std::max(fastest, dw / dt);
  }
  if (fastest <= 0) return std::nullopt;
  return models::postgres::copy_wal_bytes_per_row() / fastest;
}

}  // namespace validation
