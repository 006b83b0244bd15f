#include "scenarios/checks/check.hpp"

#include <cmath>

#include "scenarios/checks/load.hpp"
#include "scenarios/postgres_checks.hpp"
#include "scenarios/spec.hpp"
#include "scenarios/workload_kinds.hpp"

namespace scenarios {

CheckSet make_checks(const ScenarioSpec& spec, sim::Invariants& invariants) {
  CheckSet checks;
  Kinds::each([&](auto kind) { decltype(kind)::add_checks(spec, invariants, checks); });
  // The workloads' own: an HTTP loop's user-side figures; a database writer's commits are the
  // PostgreSQL checks' (made once, whether a server or a writer asks first).
  std::vector<std::string> http, latency;
  for (const auto& [name, w] : spec.workloads) {
    if (find_workload_kind(w.kind)->checks == WorkloadChecks::Postgres) {
      checks.once<PostgresChecks>("postgres", invariants);
      continue;
    }
    http.push_back(name);
    if (w.latency_metrics) latency.push_back(name);
  }
  if (!http.empty()) checks.once<LoadChecks>("load", http, latency);
  return checks;
}

std::optional<sim::Time> time_field(const sim::TraceRecord& r, std::string_view key) {
  const sim::FieldValue* v = r.find(key);
  if (v == nullptr) return std::nullopt;
  if (const auto* d = std::get_if<double>(v)) return std::isfinite(*d) ? std::optional<sim::Time>(std::llround(*d * 1e9)) : std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(v)) return *i * sim::kSecond;
  const auto* s = std::get_if<std::string>(v);
  if (s == nullptr || s->empty()) return std::nullopt;
  // sim::seconds_text read back exactly ("12", "12.5", "-0.000000001"), without allocating: the
  // load check reads one per request.
  std::size_t i = (*s)[0] == '-' ? 1 : 0;
  const bool neg = i == 1;
  sim::Time whole = 0, frac = 0;
  int whole_digits = 0, frac_digits = 0;
  for (; i < s->size() && (*s)[i] != '.'; ++i, ++whole_digits) {
    if ((*s)[i] < '0' || (*s)[i] > '9' || whole_digits == 10) return std::nullopt;
    whole = whole * 10 + ((*s)[i] - '0');
  }
  if (whole_digits == 0) return std::nullopt;
  if (i < s->size()) ++i;  // the dot
  for (; i < s->size(); ++i, ++frac_digits) {
    if ((*s)[i] < '0' || (*s)[i] > '9' || frac_digits == 9) return std::nullopt;
    frac = frac * 10 + ((*s)[i] - '0');
  }
  for (int d = frac_digits; d < 9; ++d) frac *= 10;
  const sim::Time t = whole * sim::kSecond + frac;
  return neg ? -t : t;
}

}  // namespace scenarios
