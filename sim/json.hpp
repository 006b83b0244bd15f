#pragma once
// A minimal JSON writer: deterministic output (fixed number formatting, caller-ordered keys),
// enough for traces and results without pulling a JSON library into the engine.
#include <cstdint>
#include <string>
#include <string_view>

namespace sim {

void json_escape(std::string& out, std::string_view s);
/// Seconds from integer nanoseconds, exact: "12.5", "0.000001", "3".
std::string seconds_text(std::int64_t ns);
/// seconds_text appended to `out`.
void append_seconds(std::string& out, std::int64_t ns);
/// A double as JSON: an integral value as an integer, else printf's %.12g; NaN/inf become null.
std::string number_text(double v);
/// number_text appended to `out`.
void append_number(std::string& out, double v);

/// Streaming writer with comma bookkeeping. Example:
///   JsonWriter w; w.begin_object(); w.key("a"); w.value(1); w.end_object(); w.str() == "{\"a\":1}"
class JsonWriter {
 public:
  explicit JsonWriter(bool pretty = false) : pretty_(pretty) {}
  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  void key(std::string_view k);
  void value(std::string_view s);
  void value(const char* s) { value(std::string_view(s)); }
  void value(const std::string& s) { value(std::string_view(s)); }
  void value(std::int64_t v);
  void value(int v) { value(static_cast<std::int64_t>(v)); }
  void value(std::uint64_t v);
  void value(double v);
  void value(bool v);
  void null();
  /// Inserts pre-formatted JSON text as one value.
  void raw(std::string_view json);
  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void before_value();
  void newline();
  std::string out_;
  bool pretty_;
  int depth_ = 0;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace sim
