#pragma once
// Strict, located reading of one mapping of the scenario tree: every key must be known (an
// unknown one names the closest valid key), every value must have the right type and range.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/tree.hpp"
#include "sim/random.hpp"
#include "sim/time.hpp"

namespace scenarios {

/// The longest duration any scenario value may have: far beyond any run or timeout worth
/// simulating, and small enough that no sum of a few of them overflows simulated time.
constexpr sim::Time kMaxDuration = 365LL * 24 * 3600 * sim::kSecond;

/// A value as quoted in a message: at most 80 characters, invalid UTF-8 shown as '?'.
std::string shown(const std::string& value);

class MapReader {
 public:
  /// Fails at once if `t` is not a mapping or holds a key outside `allowed`.
  MapReader(const Tree& t, std::string path, std::vector<std::string> allowed);
  const Tree& tree() const { return t_; }
  const std::string& path() const { return path_; }
  std::string sub(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  bool has(const std::string& key) const { return t_.find(key) != nullptr; }
  const Tree* get(const std::string& key) const { return t_.find(key); }
  /// The source of the key itself (for errors about a key rather than its value).
  Source key_source(const std::string& key) const;

  std::string str(const std::string& key, const std::string& fallback) const;
  std::string required_str(const std::string& key) const;
  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max) const;
  double real(const std::string& key, double fallback, double min, double max) const;
  bool boolean(const std::string& key, bool fallback) const;
  /// A duration ("2s", "150ms"; a bare number is `unit`). Negative values and values above
  /// kMaxDuration are rejected; zero only when `allow_zero`.
  sim::Time duration(const std::string& key, sim::Time fallback, bool allow_zero = false,
                     sim::Time unit = sim::kSecond) const;
  std::optional<sim::Time> opt_duration(const std::string& key, bool allow_zero = false,
                                        sim::Time unit = sim::kSecond) const;
  std::optional<sim::Distribution> distribution(const std::string& key) const;
  std::vector<std::string> str_list(const std::string& key) const;

 private:
  const Tree& t_;
  std::string path_;
};

[[noreturn]] void fail(const Tree& at, const std::string& path, const std::string& message);
std::string scalar_of(const Tree& t, const std::string& path);
sim::Time duration_of(const Tree& t, const std::string& path, bool allow_zero, sim::Time unit = sim::kSecond);
sim::Distribution distribution_of(const Tree& t, const std::string& path);
std::int64_t integer_of(const Tree& t, const std::string& path, std::int64_t min, std::int64_t max);
/// A whole number from 0 to 2^64-1 (seeds), exactly.
std::uint64_t uint64_of(const Tree& t, const std::string& path);

}  // namespace scenarios
