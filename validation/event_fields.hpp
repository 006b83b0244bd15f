#pragma once
// Reading a field of one record of a real run's events (a map of scalars, as run_real.py writes
// them) as a number.
#include <cstdlib>

#include "scenarios/tree.hpp"

namespace validation {

/// The field `key` of the record `e` as a number into `out`; false when it is missing, not a
/// scalar, or does not start with a number.
inline bool event_number(const scenarios::Tree& e, const char* key, double& out) {
  const scenarios::Tree* v = e.find(key);
  if (v == nullptr || !v->is_scalar()) return false;
  char* end = nullptr;
  out = std::strtod(v->scalar.c_str(), &end);
  return end != v->scalar.c_str();
}

}  // namespace validation
