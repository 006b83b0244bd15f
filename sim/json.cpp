#include "sim/json.hpp"

#include <cmath>
#include <charconv>
#include <cstdio>

namespace sim {

void json_escape(std::string& out, std::string_view s) {
  out.push_back('"');
  // Runs of characters that need no escaping (nearly all of a trace) are appended whole.
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(u, sizeof u);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void append_seconds(std::string& out, std::int64_t ns) {
  // Whole seconds, then up to nine decimals without trailing zeros: 1.5, 0.000000001, 12.
  const std::uint64_t a = ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  if (ns < 0) out.push_back('-');
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, a / 1000000000ULL);
  out.append(buf, r.ptr);
  std::uint64_t frac = a % 1000000000ULL;
  if (frac == 0) return;
  int digits = 9;
  while (frac % 10 == 0) {
    frac /= 10;
    --digits;
  }
  char f[9];
  for (int i = digits - 1; i >= 0; --i) {
    f[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  out.push_back('.');
  out.append(f, static_cast<std::size_t>(digits));
}

std::string seconds_text(std::int64_t ns) {
  std::string out;
  append_seconds(out, ns);
  return out;
}

void append_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[40];
  std::to_chars_result r;
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    // printf's "%.0f": the integer, and "-0" for negative zero.
    if (v == 0 && std::signbit(v)) {
      out += "-0";
      return;
    }
    r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v));
  } else {
    // to_chars with a precision formats exactly as printf's "%.12g" does.
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 12);
  }
  out.append(buf, r.ptr);
}

std::string number_text(double v) {
  std::string out;
  append_number(out, v);
  return out;
}

void JsonWriter::newline() {
  if (!pretty_) return;
  out_.push_back('\n');
  out_.append(static_cast<std::size_t>(depth_) * 2, ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ > 0) {
    if (!first_) out_.push_back(',');
    newline();
  }
  first_ = false;
}

void JsonWriter::begin_object() { before_value(); out_.push_back('{'); ++depth_; first_ = true; }
void JsonWriter::begin_array() { before_value(); out_.push_back('['); ++depth_; first_ = true; }
void JsonWriter::end_object() {
  --depth_;
  if (!first_) newline();
  out_.push_back('}');
  first_ = false;
}
void JsonWriter::end_array() {
  --depth_;
  if (!first_) newline();
  out_.push_back(']');
  first_ = false;
}
void JsonWriter::key(std::string_view k) {
  before_value();
  json_escape(out_, k);
  out_ += pretty_ ? ": " : ":";
  after_key_ = true;
}
void JsonWriter::value(std::string_view s) { before_value(); json_escape(out_, s); }
void JsonWriter::value(std::int64_t v) { before_value(); out_ += std::to_string(v); }
void JsonWriter::value(std::uint64_t v) { before_value(); out_ += std::to_string(v); }
void JsonWriter::value(double v) { before_value(); out_ += number_text(v); }
void JsonWriter::value(bool v) { before_value(); out_ += v ? "true" : "false"; }
void JsonWriter::null() { before_value(); out_ += "null"; }
void JsonWriter::raw(std::string_view json) { before_value(); out_.append(json); }

}  // namespace sim
