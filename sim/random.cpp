#include "sim/random.hpp"

#include <algorithm>
#include <cmath>

namespace sim {

std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

Rng::Rng(std::uint64_t seed, std::string_view name) {
  std::uint64_t x = seed ^ fnv1a64(name);
  for (auto& s : s_) s = splitmix64(x);
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

std::int64_t Rng::uniform_int(std::int64_t lo, std::int64_t hi) {
  if (hi <= lo) return lo;
  // Unsigned arithmetic throughout: hi - lo overflows a signed type on wide ranges.
  const std::uint64_t range = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
  if (range == 0) return static_cast<std::int64_t>(next_u64());  // the full 64-bit span
  // Lemire: multiply into 128 bits, reject the small biased zone.
  unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * range;
  std::uint64_t low = static_cast<std::uint64_t>(m);
  if (low < range) {
    const std::uint64_t threshold = (0 - range) % range;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next_u64()) * range;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + static_cast<std::uint64_t>(m >> 64));
}

double Rng::exponential(double mean) {
  // 1 - u is in (0, 1], so the log is finite.
  return -mean * std::log(1.0 - uniform01());
}

double Rng::normal(double mean, double stddev) {
  const double u1 = 1.0 - uniform01();  // (0, 1]
  const double u2 = uniform01();
  const double r = std::sqrt(-2.0 * std::log(u1));
  return mean + stddev * r * std::cos(2.0 * M_PI * u2);
}

double Rng::lognormal_median(double median, double sigma) {
  return median * std::exp(normal(0.0, sigma));
}

Time Distribution::sample(Rng& rng) const {
  double v = 0;
  switch (kind) {
    case Kind::Constant:
      return std::clamp(a, min, max);
    case Kind::Uniform:
      return std::clamp(static_cast<Time>(rng.uniform_int(a, b)), min, max);
    case Kind::Exponential:
      v = rng.exponential(static_cast<double>(a));
      break;
    case Kind::Normal:
      v = rng.normal(static_cast<double>(a), static_cast<double>(b));
      break;
    case Kind::Lognormal:
      v = rng.lognormal_median(static_cast<double>(a), sigma);
      break;
    case Kind::Empirical: {
      if (quantiles.empty()) return std::clamp(Time{0}, min, max);
      const double u = rng.uniform01();
      auto hi = std::lower_bound(quantiles.begin(), quantiles.end(), u,
                                 [](const auto& q, double p) { return q.first < p; });
      if (hi == quantiles.begin()) return std::clamp(hi->second, min, max);
      if (hi == quantiles.end()) return std::clamp(quantiles.back().second, min, max);
      auto lo = hi - 1;
      const double f = (u - lo->first) / (hi->first - lo->first);
      v = static_cast<double>(lo->second) + f * static_cast<double>(hi->second - lo->second);
      break;
    }
  }
  if (!(v > 0)) v = 0;  // also catches NaN
  if (v > 9.0e18) v = 9.0e18;
  return std::clamp(static_cast<Time>(std::llround(v)), min, max);
}

Time Distribution::median() const {
  switch (kind) {
    case Kind::Constant: return a;
    case Kind::Uniform: return a + (b - a) / 2;
    case Kind::Exponential: return static_cast<Time>(std::llround(static_cast<double>(a) * std::log(2.0)));
    case Kind::Normal: return a;
    case Kind::Lognormal: return a;
    case Kind::Empirical: {
      for (std::size_t i = 1; i < quantiles.size(); ++i) {
        if (quantiles[i].first >= 0.5) {
          const auto& lo = quantiles[i - 1];
          const auto& hi = quantiles[i];
          const double f = (0.5 - lo.first) / (hi.first - lo.first);
          return lo.second + static_cast<Time>(f * static_cast<double>(hi.second - lo.second));
        }
      }
      return quantiles.empty() ? 0 : quantiles.back().second;
    }
  }
  return a;
}

std::string Distribution::describe() const {
  switch (kind) {
    case Kind::Constant: return format_duration(a);
    case Kind::Uniform: return "uniform(" + format_duration(a) + ", " + format_duration(b) + ")";
    case Kind::Exponential: return "exponential(mean " + format_duration(a) + ")";
    case Kind::Normal: return "normal(" + format_duration(a) + ", sd " + format_duration(b) + ")";
    case Kind::Lognormal: return "lognormal(median " + format_duration(a) + ")";
    case Kind::Empirical: return "empirical(" + std::to_string(quantiles.size()) + " quantiles)";
  }
  return "?";
}

}  // namespace sim
