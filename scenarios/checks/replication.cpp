#include "scenarios/checks/replication.hpp"

#include <algorithm>

#include "models/postgres/events.hpp"

namespace scenarios {

namespace {

std::int64_t int_of(const sim::TraceRecord& r, std::string_view key) {
  const sim::FieldValue* v = r.find(key);
  if (v == nullptr) return -1;
  if (std::holds_alternative<std::int64_t>(*v)) return std::get<std::int64_t>(*v);
  if (std::holds_alternative<double>(*v)) return static_cast<std::int64_t>(std::get<double>(*v));
  return -1;
}

}  // namespace

void ReplicationChecks::on_record(const sim::TraceRecord& r) {
  const std::string standby = r.text("application_name");
  if (standby.empty()) return;
  Standby& s = standbys_[standby];
  const std::int64_t sent = int_of(r, "sent_lsn"), replay = int_of(r, "replay_lsn");
  if (sent >= 0 && replay >= 0) s.lag_bytes_max = std::max(s.lag_bytes_max, sent - replay);
  if (const std::int64_t lag = int_of(r, "replay_lag_us"); lag >= 0) s.replay_lag_us.push_back(lag);
}

void ReplicationChecks::finish(sim::Time, std::map<std::string, double>& m) {
  for (auto& [name, s] : standbys_) {
    const std::string p = "replication." + name + ".";
    m[p + "lag_bytes_max"] = static_cast<double>(s.lag_bytes_max);
    if (s.replay_lag_us.empty()) continue;
    std::vector<std::int64_t> v = s.replay_lag_us;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    // The median of an even count is the mean of the middle two (in whole microseconds).
    const std::int64_t median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    m[p + "lag_max_s"] = static_cast<double>(v.back()) / 1e6;
    m[p + "lag_median_s"] = static_cast<double>(median) / 1e6;
  }
}

std::vector<std::string_view> ReplicationChecks::reads() const { return {models::postgres::kStatReplication}; }

}  // namespace scenarios
