#pragma once
// Named random streams with our own distributions. The standard library's distributions are
// not specified bit for bit and differ between library versions, so none are used here.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/time.hpp"

namespace sim {

/// FNV-1a, 64 bit: a stable hash of a stream name (never std::hash, which may differ per build).
std::uint64_t fnv1a64(std::string_view text);

/// xoshiro256** generator seeded through SplitMix64 from (run seed, stream name), so adding a
/// component never shifts another component's draws.
class Rng {
 public:
  Rng() : Rng(0, "") {}
  Rng(std::uint64_t seed, std::string_view name);
  std::uint64_t next_u64();
  /// Uniform in [0, 1) with 53 random bits.
  double uniform01();
  /// Uniform integer in [lo, hi] (inclusive), unbiased (Lemire's multiply-and-reject).
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
  /// True with probability `p` (0..1).
  bool bernoulli(double p) { return uniform01() < p; }
  double exponential(double mean);
  /// Box–Muller, one value per call (the pair's second value is dropped to keep state simple).
  double normal(double mean, double stddev);
  /// exp(normal(mu, sigma)); parameterised by its median = exp(mu).
  double lognormal_median(double median, double sigma);

 private:
  std::uint64_t s_[4];
};

/// A latency or delay distribution over simulated time, as scenarios and calibration
/// profiles describe it. All parameters are durations in nanoseconds except `sigma`.
struct Distribution {
  enum class Kind { Constant, Uniform, Exponential, Normal, Lognormal, Empirical };
  Kind kind = Kind::Constant;
  Time a = 0;          // constant value, uniform low, exponential mean, normal mean, lognormal median
  Time b = 0;          // uniform high, normal stddev
  double sigma = 0.0;  // lognormal shape
  /// Empirical quantile table: (probability, value) pairs, probabilities rising from 0 to 1.
  std::vector<std::pair<double, Time>> quantiles;
  Time min = 0;        // draws are clamped to [min, max]
  Time max = kNever;

  static Distribution constant(Time v) { Distribution d; d.a = v; return d; }
  static Distribution lognormal(Time median, double sigma) {
    Distribution d;
    d.kind = Kind::Lognormal;
    d.a = median;
    d.sigma = sigma;
    return d;
  }
  static Distribution empirical(std::vector<std::pair<double, Time>> q) {
    Distribution d;
    d.kind = Kind::Empirical;
    d.quantiles = std::move(q);
    return d;
  }
  Time sample(Rng& rng) const;
  /// The distribution's median (exact for every kind), for reports.
  Time median() const;
  std::string describe() const;
};

}  // namespace sim
