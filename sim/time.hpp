#pragma once
// Simulated time: an integer count of nanoseconds since the start of the run.
// Integers (not doubles) so that sums of intervals are exact and runs reproduce bit for bit.
#include <cstdint>
#include <string>

namespace sim {

using Time = std::int64_t;  ///< nanoseconds; also used for durations

constexpr Time kNanosecond = 1;
constexpr Time kMicrosecond = 1'000;
constexpr Time kMillisecond = 1'000'000;
constexpr Time kSecond = 1'000'000'000;
constexpr Time kMinute = 60 * kSecond;
constexpr Time kNever = INT64_MAX;

/// Seconds as a double, for reports only (never fed back into the simulation).
constexpr double to_seconds(Time t) { return static_cast<double>(t) / 1e9; }

/// "2s", "150ms", "1.5s", "2m", "10us"; integers when exact, else seconds with decimals.
std::string format_duration(Time t);

/// Parses the duration syntax used by scenarios and by HAProxy/keepalived configs:
/// a decimal number followed by one of ns, us, ms, s, m, h, d; a bare number is `default_unit`.
/// Returns false on anything else (negative values included).
bool parse_duration(const std::string& text, Time default_unit, Time& out);

namespace literals {
constexpr Time operator""_ns(unsigned long long v) { return static_cast<Time>(v); }
constexpr Time operator""_us(unsigned long long v) { return static_cast<Time>(v) * kMicrosecond; }
constexpr Time operator""_ms(unsigned long long v) { return static_cast<Time>(v) * kMillisecond; }
constexpr Time operator""_s(unsigned long long v) { return static_cast<Time>(v) * kSecond; }
constexpr Time operator""_min(unsigned long long v) { return static_cast<Time>(v) * kMinute; }
}  // namespace literals

}  // namespace sim
