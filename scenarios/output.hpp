#pragma once
#include <string>

namespace scenarios {
/// Writes `data` to `path` through a temporary file renamed into place, so a failure never
/// leaves a half-written output. Throws std::runtime_error naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& data);
}  // namespace scenarios
