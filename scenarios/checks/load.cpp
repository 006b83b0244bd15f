#include "scenarios/checks/load.hpp"

#include <algorithm>

#include "models/workloads/events.hpp"

namespace scenarios {

namespace w = models::workloads::events;

LoadChecks::LoadChecks(const std::vector<std::string>& workloads) {
  for (const auto& name : workloads) loops_[name];
}

void LoadChecks::on_record(const sim::TraceRecord& r) {
  if (r.kind != w::kRequest) return;
  Loop& l = loops_[r.text(w::field::kWorkload)];
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
  if (const std::string by = r.text(w::field::kServedBy); !by.empty()) ++l.served[by];
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
