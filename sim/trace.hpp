#pragma once
// The trace: typed records stamped with simulated time. Its JSON Lines text is the artefact
// whose SHA-256 pins determinism; "notable" records also form the run's event timeline.
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "sim/time.hpp"

namespace sim {

using FieldValue = std::variant<std::int64_t, double, std::string, bool>;

struct Field {
  std::string key;
  FieldValue value;
};

struct TraceRecord {
  Time time;
  std::string kind;
  std::vector<Field> fields;
  bool notable;  // part of the human timeline and of the result's `events`

  const FieldValue* find(const std::string& key) const;
  std::string text(const std::string& key) const;  // "" when absent or not a string
};

class Trace {
 public:
  /// Adds a record; `t_s` is written first from `time`, then the fields in the given order.
  void record(Time time, std::string kind, std::vector<Field> fields, bool notable = false);
  const std::vector<TraceRecord>& records() const { return records_; }
  /// Turns off debug-level records (notable ones are always kept): sweeps need no check-by-check log.
  void set_detail(bool on) { detail_ = on; }
  bool detail() const { return detail_; }

  static std::string record_json(const TraceRecord& r);
  std::string jsonl() const;
  std::string sha256() const;
  /// Chrome Trace Event Format (opens in Perfetto): one track per node, instants for records,
  /// spans for the intervals given (name, track, start, end).
  struct Span {
    std::string name;
    std::string track;
    Time start;
    Time end;
    std::string detail;
  };
  std::string chrome_json(const std::vector<Span>& spans) const;

 private:
  std::vector<TraceRecord> records_;
  bool detail_ = true;
};

}  // namespace sim
