#include "scenarios/reader.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "sim/json.hpp"

namespace scenarios {

std::string shown(const std::string& value) {
  const std::string p = printable_text(value);
  return p.size() <= 80 ? p : p.substr(0, 77) + "...";
}

void fail(const Tree& at, const std::string& path, const std::string& message) {
  throw ScenarioError(at.src, path, message);
}

std::string scalar_of(const Tree& t, const std::string& path) {
  if (!t.is_scalar()) fail(t, path, std::string("expected a single value, found ") + t.kind_name());
  return t.scalar;
}

MapReader::MapReader(const Tree& t, std::string path, std::vector<std::string> allowed)
    : t_(t), path_(std::move(path)) {
  if (!t.is_map()) fail(t, path_, std::string("expected a mapping of keys, found ") + t.kind_name());
  for (std::size_t i = 0; i < t.map.size(); ++i) {
    const std::string& k = t.map[i].first;
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string hint;
    const std::string best = closest(k, allowed);
    if (!best.empty()) hint = " (did you mean '" + best + "'?)";
    std::string valid;
    for (const auto& a : allowed) valid += (valid.empty() ? "" : ", ") + a;
    throw ScenarioError(t.key_sources[i], sub(k), "unknown key" + hint + "; valid keys: " + valid);
  }
}

Source MapReader::key_source(const std::string& key) const {
  for (std::size_t i = 0; i < t_.map.size(); ++i)
    if (t_.map[i].first == key) return t_.key_sources[i];
  return t_.src;
}

std::string MapReader::str(const std::string& key, const std::string& fallback) const {
  const Tree* v = get(key);
  return v == nullptr ? fallback : scalar_of(*v, sub(key));
}

std::string MapReader::required_str(const std::string& key) const {
  const Tree* v = get(key);
  if (v == nullptr) throw ScenarioError(t_.src, sub(key), "missing (required)");
  return scalar_of(*v, sub(key));
}

std::int64_t integer_of(const Tree& t, const std::string& path, std::int64_t min, std::int64_t max) {
  const std::string s = scalar_of(t, path);
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0') fail(t, path, "expected a whole number, found '" + shown(s) + "'");
  if (errno == ERANGE || v < min || v > max)
    fail(t, path, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", found " + shown(s));
  return v;
}

std::uint64_t uint64_of(const Tree& t, const std::string& path) {
  const std::string s = scalar_of(t, path);
  // strtoull would accept "-1" as 2^64-1: digits only.
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    fail(t, path, "expected a whole number from 0 to 18446744073709551615, found '" + shown(s) + "'");
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno == ERANGE) fail(t, path, "must be at most 18446744073709551615, found " + shown(s));
  return v;
}

std::int64_t MapReader::integer(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max) const {
  const Tree* v = get(key);
  return v == nullptr ? fallback : integer_of(*v, sub(key), min, max);
}

double MapReader::real(const std::string& key, double fallback, double min, double max) const {
  const Tree* v = get(key);
  if (v == nullptr) return fallback;
  const std::string s = scalar_of(*v, sub(key));
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') fail(*v, sub(key), "expected a number, found '" + shown(s) + "'");
  if (!(d >= min && d <= max))
    fail(*v, sub(key), "must be between " + sim::number_text(min) + " and " + sim::number_text(max) + ", found " + shown(s));
  return d;
}

bool MapReader::boolean(const std::string& key, bool fallback) const {
  const Tree* v = get(key);
  if (v == nullptr) return fallback;
  const std::string s = scalar_of(*v, sub(key));
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  fail(*v, sub(key), "expected true or false, found '" + shown(s) + "'");
}

namespace {
/// Whether `s` is written as a duration (digits, a fraction, a known unit) even though it did
/// not parse: then it was too large for simulated time.
bool duration_syntax(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  if (i < s.size() && s[i] == '+') ++i;
  const std::size_t digits = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  if (i == digits) return false;
  std::string unit = s.substr(i);
  while (!unit.empty() && unit.back() == ' ') unit.pop_back();
  for (const char* u : {"", "ns", "us", "ms", "s", "m", "min", "h", "d"})
    if (unit == u) return true;
  return false;
}
}  // namespace

sim::Time duration_of(const Tree& t, const std::string& path, bool allow_zero, sim::Time unit) {
  const std::string s = scalar_of(t, path);
  const std::string trimmed = s.substr(std::min(s.size(), s.find_first_not_of(' ')));
  if (!trimmed.empty() && trimmed[0] == '-') fail(t, path, "must not be negative, found '" + shown(s) + "'");
  sim::Time v = 0;
  if (!sim::parse_duration(s, unit, v)) {
    if (duration_syntax(s)) fail(t, path, "must be at most 365d, found '" + shown(s) + "'");
    fail(t, path, "expected a duration such as 2s, 500ms or 1.5s, found '" + shown(s) + "'");
  }
  if (v > kMaxDuration) fail(t, path, "must be at most 365d, found '" + shown(s) + "'");
  if (v == 0 && !allow_zero) fail(t, path, "must be greater than zero");
  return v;
}

sim::Time MapReader::duration(const std::string& key, sim::Time fallback, bool allow_zero, sim::Time unit) const {
  const Tree* v = get(key);
  return v == nullptr ? fallback : duration_of(*v, sub(key), allow_zero, unit);
}

std::optional<sim::Time> MapReader::opt_duration(const std::string& key, bool allow_zero, sim::Time unit) const {
  const Tree* v = get(key);
  if (v == nullptr) return std::nullopt;
  return duration_of(*v, sub(key), allow_zero, unit);
}

sim::Distribution distribution_of(const Tree& t, const std::string& path) {
  if (t.is_scalar()) return sim::Distribution::constant(duration_of(t, path, true));
  MapReader r(t, path, {"dist", "value", "low", "high", "mean", "sd", "median", "sigma", "quantiles", "min", "max"});
  const std::string kind = r.required_str("dist");
  sim::Distribution d;
  using K = sim::Distribution::Kind;
  if (kind == "constant") {
    d.kind = K::Constant;
    d.a = r.duration("value", 0, true);
  } else if (kind == "uniform") {
    d.kind = K::Uniform;
    d.a = r.duration("low", 0, true);
    d.b = r.duration("high", 0, true);
    if (d.b < d.a) fail(t, r.sub("high"), "must not be below low");
  } else if (kind == "exponential") {
    d.kind = K::Exponential;
    d.a = r.duration("mean", 0, false);
  } else if (kind == "normal") {
    d.kind = K::Normal;
    d.a = r.duration("mean", 0, true);
    d.b = r.duration("sd", 0, true);
  } else if (kind == "lognormal") {
    d.kind = K::Lognormal;
    d.a = r.duration("median", 0, false);
    d.sigma = r.real("sigma", 0.5, 0.0, 5.0);
  } else if (kind == "empirical") {
    d.kind = K::Empirical;
    const Tree* q = r.get("quantiles");
    if (q == nullptr || !q->is_seq() || q->seq.size() < 2)
      fail(t, r.sub("quantiles"), "expected a list of at least two [probability, duration] pairs");
    double last_p = -1;
    for (std::size_t i = 0; i < q->seq.size(); ++i) {
      const Tree& pair = q->seq[i];
      const std::string ip = r.sub("quantiles") + "." + std::to_string(i);
      if (!pair.is_seq() || pair.seq.size() != 2) fail(pair, ip, "expected [probability, duration]");
      const std::string ps = scalar_of(pair.seq[0], ip);
      char* end = nullptr;
      const double p = std::strtod(ps.c_str(), &end);
      if (ps.empty() || *end != '\0') fail(pair.seq[0], ip, "expected a probability from 0 to 1, found '" + shown(ps) + "'");
      if (!(p >= 0 && p <= 1) || p <= last_p) fail(pair, ip, "probabilities must rise from 0 to 1");
      last_p = p;
      d.quantiles.emplace_back(p, duration_of(pair.seq[1], ip, true));
    }
    if (d.quantiles.front().first != 0.0 || d.quantiles.back().first != 1.0)
      fail(*q, r.sub("quantiles"), "must start at probability 0 and end at 1");
  } else {
    fail(*r.get("dist"), r.sub("dist"),
         "unknown distribution '" + shown(kind) + "' (did you mean '" +
             closest(kind, {"constant", "uniform", "exponential", "normal", "lognormal", "empirical"}) + "'?)");
  }
  d.min = r.duration("min", 0, true);
  // Draws are clamped to a year at most, so a wide lognormal cannot reach the end of time.
  d.max = r.duration("max", kMaxDuration, true);
  if (d.max < d.min) fail(*r.get("max"), r.sub("max"), "must not be below min");
  return d;
}

std::optional<sim::Distribution> MapReader::distribution(const std::string& key) const {
  const Tree* v = get(key);
  if (v == nullptr) return std::nullopt;
  return distribution_of(*v, sub(key));
}

std::vector<std::string> MapReader::str_list(const std::string& key) const {
  std::vector<std::string> out;
  const Tree* v = get(key);
  if (v == nullptr) return out;
  if (v->is_scalar()) return {v->scalar};
  if (!v->is_seq()) fail(*v, sub(key), "expected a list");
  for (std::size_t i = 0; i < v->seq.size(); ++i) out.push_back(scalar_of(v->seq[i], sub(key) + "." + std::to_string(i)));
  return out;
}

}  // namespace scenarios
