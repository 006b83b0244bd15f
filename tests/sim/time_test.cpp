#include <catch2/catch.hpp>

#include <string>

#include "sim/time.hpp"

using namespace sim::literals;

namespace {
// parse_duration's result, or -1 when it rejects the text.
sim::Time parsed(const std::string& text, sim::Time unit = sim::kSecond) {
  sim::Time out = 12345;
  return sim::parse_duration(text, unit, out) ? out : -1;
}
}  // namespace

TEST_CASE("durations parse with every unit, fractions exactly, and bare numbers in the default unit", "[time]") {
  CHECK(parsed("1.5s") == 1500_ms);
  CHECK(parsed("2m") == 120_s);
  CHECK(parsed("2min") == 120_s);
  CHECK(parsed("10000ms") == 10_s);
  CHECK(parsed("250us") == 250_us);
  CHECK(parsed("7ns") == 7);
  CHECK(parsed("1h") == 3600_s);
  CHECK(parsed("1d") == 86400_s);
  CHECK(parsed("0.001s") == 1_ms);
  CHECK(parsed("0.000000001s") == 1);
  CHECK(parsed("0s") == 0);
  // A bare number takes the caller's unit: seconds for scenarios, milliseconds in haproxy.cfg.
  CHECK(parsed("3") == 3_s);
  CHECK(parsed("2000", sim::kMillisecond) == 2_s);
  CHECK(parsed("1.5", sim::kMillisecond) == 1500_us);
}

TEST_CASE("durations reject negative values, words and unknown units", "[time]") {
  CHECK(parsed("-2s") == -1);
  CHECK(parsed("abc") == -1);
  CHECK(parsed("5 parsecs") == -1);
  CHECK(parsed("") == -1);
  CHECK(parsed("s") == -1);
  CHECK(parsed("2x") == -1);
  CHECK(parsed("1e3s") == -1);
  CHECK(parsed("99999999999999999999s") == -1);  // overflows 64-bit nanoseconds
}

TEST_CASE("a rejected duration leaves the output untouched", "[time]") {
  sim::Time out = 77;
  REQUIRE_FALSE(sim::parse_duration("-1s", sim::kSecond, out));
  REQUIRE(out == 77);
}

TEST_CASE("durations format as a whole number of the largest exact unit", "[time]") {
  CHECK(sim::format_duration(0) == "0s");
  CHECK(sim::format_duration(2_s) == "2s");
  CHECK(sim::format_duration(120_s) == "2m");
  CHECK(sim::format_duration(90_s) == "90s");
  CHECK(sim::format_duration(150_ms) == "150ms");
  CHECK(sim::format_duration(10_us) == "10us");
  CHECK(sim::format_duration(7) == "7ns");
  CHECK(sim::format_duration(1500_ms) == "1500ms");
  CHECK(sim::format_duration(1_s + 1) == "1000000001ns");  // still exact in nanoseconds
  CHECK(sim::format_duration(-2_s) == "-2s");
}

TEST_CASE("formatting then parsing a duration gives it back", "[time]") {
  for (sim::Time t : {sim::Time{1}, 999_us, 1500_ms, 2_s + 3, 61_s, 3_min, 5_s + 123456789}) {
    sim::Time back = -1;
    INFO(sim::format_duration(t));
    REQUIRE(sim::parse_duration(sim::format_duration(t), sim::kSecond, back));
    REQUIRE(back == t);
  }
}
