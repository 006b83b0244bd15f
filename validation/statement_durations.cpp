#include "validation/statement_durations.hpp"

#include <stdexcept>

#include "models/postgres/statement.hpp"
#include "scenarios/kinds/postgres.hpp"
#include "validation/seconds_list.hpp"

namespace validation {

std::map<std::string, std::vector<double>> statement_duration_samples(const scenarios::Tree& run, const std::string& path) {
  std::map<std::string, std::vector<double>> out;
  const scenarios::Tree* d = run.is_map() ? run.find("statement_durations_s") : nullptr;
  if (d == nullptr) return out;
  auto where = [&](const scenarios::Tree& t) { return path + ":" + std::to_string(t.src.line) + ": statement_durations_s"; };
  if (!d->is_map()) throw std::runtime_error(where(*d) + " is not a mapping of statements");
  for (const auto& [stmt, list] : d->map) out[stmt] = seconds_list(list, path, "statement_durations_s." + stmt);
  return out;
}

std::vector<double> writer_overhead_samples(const scenarios::Tree& run, const std::string& path) {
  const scenarios::Tree* d = run.is_map() ? run.find("writer_overheads_s") : nullptr;
  if (d == nullptr) return {};
  return seconds_list(*d, path, "writer_overheads_s");
}

bool commits_may_wait_for_standbys(const scenarios::ScenarioSpec& spec) {
  for (const auto& n : spec.nodes)
    for (const auto& c : n.components)
      if (const auto* pg = std::get_if<scenarios::PostgresSection>(&c); pg != nullptr && !pg->conf.synchronous_standby_names.empty())
        return true;
  // Or an operator names them later (`ALTER SYSTEM SET synchronous_standby_names = '...'`).
  for (const auto& f : spec.faults) {
    if (f.action != "sql" || f.settings.empty()) continue;
    const auto parsed = models::postgres::parse_operator_sql(f.settings.front().second);
    if (const auto* st = std::get_if<std::vector<models::postgres::OperatorStatement>>(&parsed))
      for (const auto& s : *st)
        if (s.kind == models::postgres::Statement::Kind::AlterSystemSet && s.name == "synchronous_standby_names" &&
            s.value != "''")
          return true;
  }
  return false;
}

}  // namespace validation
