#include "validation/seconds_list.hpp"

#include <cstdlib>
#include <stdexcept>

namespace validation {

std::vector<double> seconds_list(const scenarios::Tree& list, const std::string& path, const std::string& key,
                                 bool negative_ok) {
  auto at = [&](const scenarios::Tree& t) { return path + ":" + std::to_string(t.src.line) + ": " + key; };
  if (!list.is_seq()) throw std::runtime_error(at(list) + " is not a list");
  std::vector<double> out;
  for (const auto& x : list.seq) {
    char* end = nullptr;
    const double v = x.is_scalar() ? std::strtod(x.scalar.c_str(), &end) : 0.0;
    if (!x.is_scalar() || end == x.scalar.c_str() || *end != '\0' || (!negative_ok && v < 0))
      throw std::runtime_error(at(x) + ": not a duration in seconds");
    out.push_back(v);
  }
  return out;
}

}  // namespace validation
