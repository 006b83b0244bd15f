#include "sim/json.hpp"

#include <cmath>
#include <cstdio>

namespace sim {

void json_escape(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

std::string seconds_text(std::int64_t ns) {
  std::string sign = ns < 0 ? "-" : "";
  const std::uint64_t a = ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  std::string whole = std::to_string(a / 1000000000ULL);
  std::string frac = std::to_string(a % 1000000000ULL);
  if (frac == "0") return sign + whole;
  frac.insert(0, 9 - frac.size(), '0');
  while (frac.back() == '0') frac.pop_back();
  return sign + whole + "." + frac;
}

std::string number_text(double v) {
  if (!std::isfinite(v)) return "null";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
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
