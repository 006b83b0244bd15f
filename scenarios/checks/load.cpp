#include "scenarios/checks/load.hpp"

#include <algorithm>

#include "models/workloads/events.hpp"

namespace scenarios {

namespace w = models::workloads::events;

LoadChecks::LoadChecks(const std::vector<std::string>& workloads) {
  for (const auto& name : workloads) loops_[name];
}

namespace {

/// A text field without copying it ("" when absent or not text).
std::string_view text_of(const sim::TraceRecord& r, const char* key) {
  const sim::FieldValue* v = r.find(key);
  const auto* s = v != nullptr ? std::get_if<std::string>(v) : nullptr;
  return s != nullptr ? std::string_view(*s) : std::string_view();
}

/// The entry for `key`, made if absent, found without building a string.
template <class Map>
typename Map::mapped_type& entry(Map& m, std::string_view key) {
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(std::string(key), typename Map::mapped_type{}).first;
  return it->second;
}

}  // namespace

void LoadChecks::on_record(const sim::TraceRecord& r) {
  if (r.kind != w::kRequest) return;
  Loop& l = entry(loops_, text_of(r, w::field::kWorkload));
  ++l.requests;
  const sim::FieldValue* s = r.find(w::field::kStatus);
  const std::int64_t status = s != nullptr && std::holds_alternative<std::int64_t>(*s) ? std::get<std::int64_t>(*s) : 0;
  const sim::Time sent = time_field(r, w::field::kSentS).value_or(r.time);
  if (status < 200 || status >= 400) {
    ++l.failed;
    if (l.outage_from < 0) l.outage_from = sent;
    return;
  }
  if (l.outage_from >= 0) {
    l.outage_max = std::max(l.outage_max, sent - l.outage_from);
    l.outage_from = -1;
  }
  if (const std::string_view by = text_of(r, w::field::kServedBy); !by.empty()) ++entry(l.served, by);
}

void LoadChecks::finish(sim::Time end, std::map<std::string, double>& m) {
  for (const auto& [name, l] : loops_) {
    m[name + ".requests"] = static_cast<double>(l.requests);
    m[name + ".failed"] = static_cast<double>(l.failed);
    for (const auto& [by, n] : l.served) m[name + ".served." + by] = static_cast<double>(n);
    const sim::Time open = l.outage_from >= 0 ? end - l.outage_from : 0;
    m[name + ".outage_max_s"] = sim::to_seconds(std::max(l.outage_max, open));
  }
}

std::vector<std::string_view> LoadChecks::reads() const { return {w::kRequest}; }

}  // namespace scenarios
