#pragma once
// Mutations of shipped scenario files, as an attacker or a careless editor would make them:
// keys, types, values, raw text, nesting, aliases and includes. Deterministic: the same seed
// and mutant number give the same mutant on every machine (our own generator, no std
// distributions).
#include <cstdint>
#include <string>
#include <vector>

namespace fuzz {

/// splitmix64: small, fast, and the same everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : x_(seed) {}
  std::uint64_t next();
  /// Uniform in [0, n) (n > 0); the bias of a modulo over 2^64 is negligible here.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  bool chance(int percent) { return below(100) < static_cast<std::size_t>(percent); }
  template <typename T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

 private:
  std::uint64_t x_;
};

/// Files the include mutations point at, made once in the work directory (a FIFO, a file
/// over 4 MiB, an alias bomb, text that is not UTF-8, a chain of includes deeper than the
/// limit, a symbolic link to itself, a directory).
struct Hostile {
  std::vector<std::string> include_targets;  // absolute paths and names, hostile and benign
};
Hostile make_hostile_files(const std::string& work_dir, const std::vector<std::string>& shipped_abs);

struct Mutant {
  std::string op;       // which mutation, for the report ("value", "alias-bomb", ...)
  std::string detail;   // what it did, in a few words
  std::string text;     // the mutated file's text
};

/// One mutant of `text` (a scenario file's content), number `index` of the run seeded `seed`.
/// `self` is the file's own absolute path (for self-includes).
Mutant mutate(const std::string& text, const std::string& self, const Hostile& hostile, std::uint64_t seed,
              std::uint64_t index);

}  // namespace fuzz
