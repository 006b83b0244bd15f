#include "validation/statement_durations.hpp"

#include <cstdlib>
#include <stdexcept>

namespace validation {

std::map<std::string, std::vector<double>> statement_duration_samples(const scenarios::Tree& run, const std::string& path) {
  std::map<std::string, std::vector<double>> out;
  const scenarios::Tree* d = run.is_map() ? run.find("statement_durations_s") : nullptr;
  if (d == nullptr) return out;
  auto where = [&](const scenarios::Tree& t) { return path + ":" + std::to_string(t.src.line) + ": statement_durations_s"; };
  if (!d->is_map()) throw std::runtime_error(where(*d) + " is not a mapping of statements");
  for (const auto& [stmt, list] : d->map) {
    if (!list.is_seq()) throw std::runtime_error(where(list) + "." + stmt + " is not a list");
    auto& v = out[stmt];
    for (const auto& x : list.seq) {
      char* end = nullptr;
      const double s = x.is_scalar() ? std::strtod(x.scalar.c_str(), &end) : -1.0;
      if (!x.is_scalar() || end == x.scalar.c_str() || *end != '\0' || s < 0)
        throw std::runtime_error(where(x) + "." + stmt + ": not a duration in seconds");
      v.push_back(s);
    }
  }
  return out;
}

}  // namespace validation
