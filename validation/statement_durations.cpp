#include "validation/statement_durations.hpp"

#include <stdexcept>

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

}  // namespace validation
