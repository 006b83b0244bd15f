// Known-answer tests for the random streams. The expected values were computed once with an
// independent Python re-implementation of the published algorithms (FNV-1a 64; SplitMix64
// seeding xoshiro256** from seed ^ fnv1a64(name); uniform01 = (x >> 11) * 2^-53; Lemire's
// multiply-shift for integers; Box-Muller with u1 = 1 - uniform01), and agree with this
// implementation to the last bit. If one of them changes, every recorded trace changes too.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/random.hpp"

using namespace sim::literals;
using Draws = std::vector<std::uint64_t>;
using Samples = std::vector<sim::Time>;

namespace {
Draws first(sim::Rng r, int n) {
  Draws out;
  for (int i = 0; i < n; ++i) out.push_back(r.next_u64());
  return out;
}
Samples samples(const sim::Distribution& d, int n) {
  sim::Rng r(7, "kat/dist");
  Samples out;
  for (int i = 0; i < n; ++i) out.push_back(d.sample(r));
  return out;
}
sim::Distribution make(sim::Distribution::Kind k, sim::Time a, sim::Time b = 0, double sigma = 0) {
  sim::Distribution d;
  d.kind = k;
  d.a = a;
  d.b = b;
  d.sigma = sigma;
  return d;
}
}  // namespace

TEST_CASE("fnv1a64 gives the standard FNV-1a 64-bit values", "[random]") {
  CHECK(sim::fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(sim::fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(sim::fnv1a64("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("a stream's first draws are pinned for (seed, name)", "[random]") {
  CHECK(first(sim::Rng(1, "a"), 4) ==
        Draws{0x7d03f6ff94950fc6ULL, 0xaca47478d629d795ULL, 0x834e744ea9288ebeULL, 0xce37a5e8cd281b8cULL});
  CHECK(first(sim::Rng(42, "lb1/haproxy/check/web1"), 4) ==
        Draws{0x84eea2f72e29eac2ULL, 0x844bf3baed0eccc1ULL, 0x8ae3cb5f5f1dfa99ULL, 0xbc269daee0bb3406ULL});
}

TEST_CASE("uniform01 takes the top 53 bits of a draw", "[random]") {
  sim::Rng r(7, "kat/dist");
  const double a = r.uniform01();
  const double b = r.uniform01();
  CHECK(a == 0.8667880668737521);
  CHECK(b == 0.9054348923946204);
}

TEST_CASE("streams are named: the same name repeats, another name or seed differs", "[random]") {
  CHECK(first(sim::Rng(5, "x"), 3) == first(sim::Rng(5, "x"), 3));
  CHECK(first(sim::Rng(5, "x"), 3) != first(sim::Rng(5, "y"), 3));
  CHECK(first(sim::Rng(5, "x"), 3) != first(sim::Rng(6, "x"), 3));
}

TEST_CASE("adding a stream does not change another stream's draws", "[random]") {
  // One component draws alone; then the same with a new component interleaving its draws.
  sim::Rng alone(9, "lb1/haproxy/check/web1");
  const Draws expected = first(alone, 5);
  sim::Rng a(9, "lb1/haproxy/check/web1");
  sim::Rng newcomer(9, "lb1/haproxy/check/web2");
  Draws got;
  for (int i = 0; i < 5; ++i) {
    newcomer.next_u64();
    got.push_back(a.next_u64());
    newcomer.next_u64();
  }
  CHECK(got == expected);
}

TEST_CASE("uniform_int stays within its inclusive bounds and hits both ends", "[random]") {
  sim::Rng r(3, "bounds");
  bool lo = false, hi = false;
  for (int i = 0; i < 10000; ++i) {
    const auto v = r.uniform_int(-3, 3);
    REQUIRE(v >= -3);
    REQUIRE(v <= 3);
    lo = lo || v == -3;
    hi = hi || v == 3;
  }
  CHECK(lo);
  CHECK(hi);
  CHECK(r.uniform_int(5, 5) == 5);
  CHECK(r.uniform_int(9, 2) == 9);  // an empty range gives its low end
}

TEST_CASE("uniform_int draws dice rolls known in advance", "[random]") {
  sim::Rng r(7, "kat/dist");
  std::vector<std::int64_t> rolls;
  for (int i = 0; i < 6; ++i) rolls.push_back(r.uniform_int(1, 6));
  CHECK(rolls == std::vector<std::int64_t>{6, 6, 3, 4, 4, 5});
}

TEST_CASE("uniform_int is unbiased: each of 6 faces within 3% of a sixth over 60000 rolls", "[random]") {
  sim::Rng r(11, "dice");
  std::array<int, 6> counts{};
  for (int i = 0; i < 60000; ++i) ++counts[static_cast<std::size_t>(r.uniform_int(0, 5))];
  for (int c : counts) {
    CHECK(c > 9700);
    CHECK(c < 10300);
  }
  // A range just above 2^63 is where modulo reduction would be most biased (2:1):
  // the upper half of the range must still get about half of the draws.
  const std::int64_t lo = INT64_MIN / 4 * 3;
  const std::int64_t hi = INT64_MAX;
  const std::int64_t mid = lo / 2 + hi / 2;
  int upper = 0;
  for (int i = 0; i < 20000; ++i) upper += r.uniform_int(lo, hi) > mid ? 1 : 0;
  CHECK(upper > 9600);
  CHECK(upper < 10400);
}

TEST_CASE("each distribution kind draws pinned values for a seed", "[random]") {
  using K = sim::Distribution::Kind;
  CHECK(samples(sim::Distribution::constant(5_ms), 3) == Samples{5_ms, 5_ms, 5_ms});
  CHECK(samples(make(K::Uniform, 10_ms, 20_ms), 4) == Samples{18667881, 19054349, 14198719, 16221341});
  CHECK(samples(make(K::Exponential, 100_ms), 4) == Samples{201581394, 235846671, 54450640, 97321588});
  CHECK(samples(make(K::Normal, 50_ms, 5_ms), 4) == Samples{58318828, 46244630, 48498685, 58280008});
  CHECK(samples(make(K::Lognormal, 300_ms, 0, 0.25), 4) == Samples{454739122, 248641970, 278304747, 453857315});
  sim::Distribution e = make(K::Empirical, 0);
  e.quantiles = {{0.0, 1_ms}, {0.5, 2_ms}, {0.9, 10_ms}, {1.0, 100_ms}};
  CHECK(samples(e, 4) == Samples{9335761, 14891403, 1839744, 4442682});
}

TEST_CASE("every distribution reports its exact median", "[random]") {
  using K = sim::Distribution::Kind;
  CHECK(sim::Distribution::constant(5_ms).median() == 5_ms);
  CHECK(make(K::Uniform, 10_ms, 20_ms).median() == 15_ms);
  CHECK(make(K::Exponential, 100_ms).median() == 69314718);  // mean x ln 2
  CHECK(make(K::Normal, 50_ms, 5_ms).median() == 50_ms);
  CHECK(make(K::Lognormal, 300_ms, 0, 0.25).median() == 300_ms);
  sim::Distribution e = make(K::Empirical, 0);
  e.quantiles = {{0.0, 1_ms}, {0.4, 2_ms}, {0.6, 4_ms}, {1.0, 100_ms}};
  CHECK(e.median() == 3_ms);  // interpolated between the 0.4 and 0.6 quantiles
}

TEST_CASE("sample medians match the reported medians", "[random]") {
  using K = sim::Distribution::Kind;
  for (const auto& d : {make(K::Uniform, 10_ms, 20_ms), make(K::Exponential, 100_ms),
                        make(K::Normal, 50_ms, 5_ms), make(K::Lognormal, 300_ms, 0, 0.25)}) {
    sim::Rng r(13, "median");
    Samples s;
    for (int i = 0; i < 20001; ++i) s.push_back(d.sample(r));
    std::nth_element(s.begin(), s.begin() + 10000, s.end());
    INFO(d.describe());
    CHECK(std::abs(static_cast<double>(s[10000] - d.median())) < 0.03 * static_cast<double>(d.median()));
  }
}

TEST_CASE("draws are clamped to [min, max] and never negative", "[random]") {
  using K = sim::Distribution::Kind;
  sim::Distribution n = make(K::Normal, 1_ms, 10_ms);  // mostly below zero
  sim::Rng r(17, "clamp");
  for (int i = 0; i < 1000; ++i) REQUIRE(n.sample(r) >= 0);
  sim::Distribution u = make(K::Uniform, 0, 100_ms);
  u.min = 20_ms;
  u.max = 30_ms;
  bool at_min = false, at_max = false;
  for (int i = 0; i < 1000; ++i) {
    const auto v = u.sample(r);
    REQUIRE(v >= 20_ms);
    REQUIRE(v <= 30_ms);
    at_min = at_min || v == 20_ms;
    at_max = at_max || v == 30_ms;
  }
  CHECK(at_min);
  CHECK(at_max);
}
