#include "scenarios/checks/check.hpp"

#include <cmath>

#include "scenarios/checks/load.hpp"
#include "scenarios/postgres_checks.hpp"
#include "scenarios/spec.hpp"

namespace scenarios {

CheckSet make_checks(const ScenarioSpec& spec, sim::Invariants& invariants) {
  CheckSet checks;
  Kinds::each([&](auto kind) { decltype(kind)::add_checks(spec, invariants, checks); });
  // The workloads' own: an HTTP loop's user-side figures; a database writer's commits are the
  // PostgreSQL checks' (made once, whether a server or a writer asks first).
  std::vector<std::string> http;
  for (const auto& [name, w] : spec.workloads) {
    if (w.kind == "pg_writer") checks.once<PostgresChecks>("postgres", invariants);
    else http.push_back(name);
  }
  if (!http.empty()) checks.once<LoadChecks>("load", http);
  return checks;
}

std::optional<sim::Time> time_field(const sim::TraceRecord& r, const std::string& key) {
  const sim::FieldValue* v = r.find(key);
  if (v == nullptr) return std::nullopt;
  if (const auto* d = std::get_if<double>(v)) return std::isfinite(*d) ? std::optional<sim::Time>(std::llround(*d * 1e9)) : std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(v)) return *i * sim::kSecond;
  const auto* s = std::get_if<std::string>(v);
  if (s == nullptr || s->empty()) return std::nullopt;
  // sim::seconds_text read back exactly: "12", "12.5", "-0.000000001".
  const bool neg = (*s)[0] == '-';
  const std::string text = neg ? s->substr(1) : *s;
  const auto dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 10 || frac.size() > 9) return std::nullopt;
  for (char c : whole + frac)
    if (c < '0' || c > '9') return std::nullopt;
  frac.append(9 - frac.size(), '0');
  const sim::Time t = std::stoll(whole) * sim::kSecond + std::stoll(frac);
  return neg ? -t : t;
}

}  // namespace scenarios
