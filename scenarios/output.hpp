#pragma once
#include <cstdio>
#include <string>
#include <string_view>

namespace scenarios {
/// Writes `data` to `path` through a temporary file renamed into place, so a failure never
/// leaves a half-written output. Throws std::runtime_error naming the path on failure.
void write_file_atomic(const std::string& path, const std::string& data);

/// The same, for output written piece by piece (a trace streamed as the run makes it): the file
/// appears at `path` only on commit(); without one, the temporary file is removed.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  void write(std::string_view data);
  void commit();

 private:
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  bool ok_ = true;
};
}  // namespace scenarios
