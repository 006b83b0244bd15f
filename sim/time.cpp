#include "sim/time.hpp"

#include <cctype>

namespace sim {

std::string format_duration(Time t) {
  std::string sign = t < 0 ? "-" : "";
  Time a = t < 0 ? -t : t;
  struct Unit { Time size; const char* name; };
  static constexpr Unit units[] = {{kMinute, "m"}, {kSecond, "s"}, {kMillisecond, "ms"},
                                   {kMicrosecond, "us"}, {1, "ns"}};
  if (a == 0) return "0s";
  for (const auto& u : units) {
    if (a % u.size == 0) return sign + std::to_string(a / u.size) + u.name;
  }
  // Not a whole number of any unit above a nanosecond: print seconds with 9 decimals, trimmed.
  std::string frac = std::to_string(a % kSecond);
  frac.insert(0, 9 - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return sign + std::to_string(a / kSecond) + "." + frac + "s";
}

bool parse_duration(const std::string& text, Time default_unit, Time& out) {
  // Exact decimal parsing (no floating point): integer part and up to 9 fractional digits.
  size_t i = 0;
  const size_t n = text.size();
  while (i < n && text[i] == ' ') ++i;
  if (i < n && text[i] == '+') ++i;
  __int128 whole = 0;
  __int128 frac = 0;
  int frac_digits = 0;
  bool any = false;
  while (i < n && std::isdigit(static_cast<unsigned char>(text[i]))) {
    whole = whole * 10 + (text[i] - '0');
    if (whole > (__int128)INT64_MAX) return false;
    ++i;
    any = true;
  }
  if (i < n && text[i] == '.') {
    ++i;
    while (i < n && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (frac_digits < 18) {
        frac = frac * 10 + (text[i] - '0');
        ++frac_digits;
      }
      ++i;
      any = true;
    }
  }
  if (!any) return false;
  std::string unit = text.substr(i);
  while (!unit.empty() && unit.back() == ' ') unit.pop_back();
  Time scale;
  if (unit.empty()) scale = default_unit;
  else if (unit == "ns") scale = 1;
  else if (unit == "us") scale = kMicrosecond;
  else if (unit == "ms") scale = kMillisecond;
  else if (unit == "s") scale = kSecond;
  else if (unit == "m" || unit == "min") scale = kMinute;
  else if (unit == "h") scale = 60 * kMinute;
  else if (unit == "d") scale = 24 * 60 * kMinute;
  else return false;
  __int128 pow10 = 1;
  for (int k = 0; k < frac_digits; ++k) pow10 *= 10;
  __int128 total = whole * scale + frac * scale / pow10;
  if (total > (__int128)INT64_MAX) return false;
  out = static_cast<Time>(total);
  return true;
}

}  // namespace sim
