#include "scenarios/checks/responses.hpp"

#include <cmath>

#include "models/haproxy/events.hpp"

namespace scenarios {
namespace {
namespace hp = models::haproxy::events;
}  // namespace

void ResponseChecks::on_record(const sim::TraceRecord& r) {
  const sim::FieldValue* v = r.find(hp::field::kStatus);
  if (v == nullptr) return;
  // The simulator writes an integer; a real run's events, read back from JSON, a number.
  std::int64_t status = 0;
  if (const auto* i = std::get_if<std::int64_t>(v)) status = *i;
  else if (const auto* d = std::get_if<double>(v)) status = std::llround(*d);
  else if (const auto* s = std::get_if<std::string>(v)) status = std::strtoll(s->c_str(), nullptr, 10);
  else return;
  if (status >= 200 && status < 300) return;  // a record of a 2xx answer is not one: counted by no metric
  ++by_status_[status];
}

void ResponseChecks::finish(sim::Time, std::map<std::string, double>& m) {
  for (const auto& [status, n] : by_status_) m["haproxy.http_" + std::to_string(status)] = static_cast<double>(n);
}

std::vector<std::string_view> ResponseChecks::reads() const { return {hp::kHttpNon2xx}; }

}  // namespace scenarios
