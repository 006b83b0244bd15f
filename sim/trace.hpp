#pragma once
// The trace: typed records stamped with simulated time. Its JSON Lines text is the artefact
// whose SHA-256 pins determinism; "notable" records also form the run's event timeline.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "sim/sha256.hpp"
#include "sim/time.hpp"

namespace sim {

using FieldValue = std::variant<std::int64_t, double, std::string, bool>;

struct Field {
  std::string key;
  FieldValue value;
};

/// A field as a model writes it in a record() call: the key and any text are views of the
/// caller's strings, turned into a Field only when the record is written or observed. The value
/// takes the FieldValue alternative that a Field made from the same argument holds (text for
/// anything a std::string_view can view), so a record reads and encodes the same either way.
struct FieldRef {
  template <class V>
  FieldRef(std::string_view k, const V& v) : key(k) {  // NOLINT(google-explicit-constructor): {key, value}
    if constexpr (std::is_convertible_v<const V&, std::string_view>) {
      text = std::string_view(v);
      is_text = true;
    } else {
      value = FieldValue(v);
    }
  }
  std::string_view key;
  std::string_view text;
  bool is_text = false;
  FieldValue value;
  Field field() const { return Field{std::string(key), is_text ? FieldValue(std::string(text)) : value}; }
};

struct TraceRecord {
  Time time;
  std::string kind;
  std::vector<Field> fields;
  bool notable;  // part of the human timeline and of the result's `events`

  const FieldValue* find(std::string_view key) const;
  std::string text(std::string_view key) const;  // "" when absent or not a string
};

/// Every record is serialised once, when made: the line feeds the running SHA-256 and the sink
/// (a `--trace` file), and the record itself is kept only as far as `keep` asks, so a long run's
/// memory does not grow with its trace.
class Trace {
 public:
  /// What records() holds: every record (tests, `keep_trace`), the notable ones only (the
  /// timeline and metrics need no more), or none (a run whose caller reads only its verdict).
  enum class Keep { All, Notable, None };
  /// Adds a record; `t_s` is written first from `time`, then the fields in the given order.
  void record(Time time, std::string kind, std::vector<Field> fields, bool notable = false);
  /// The same from the fields as written at the call site: nothing is copied for a record that is
  /// neither written (a debug one with `detail` off) nor of a kind an observer reads.
  void record(Time time, std::string_view kind, std::initializer_list<FieldRef> fields, bool notable = false);
  const std::vector<TraceRecord>& records() const { return records_; }
  /// Records made so far, kept or not.
  std::size_t size() const { return count_; }
  /// Turns off debug-level records (notable ones are always kept): sweeps need no check-by-check log.
  void set_detail(bool on) { detail_ = on; }
  bool detail() const { return detail_; }
  void set_keep(Keep k) { keep_ = k; }
  /// Off: records are not serialised nor hashed (sha256() is then ""), for runs whose caller
  /// reads only metrics and violations (explore's search). Observers and the sink are unchanged.
  void set_hashing(bool on) { hashing_ = on; }
  /// Receives each record's JSON line (with its newline) as it is made.
  void set_sink(std::function<void(std::string_view)> sink) { sink_ = std::move(sink); }
  /// An observer (an invariant checker, a metric) sees every record as it is made, debug ones
  /// too even when `detail` is off and whatever `keep` says: what it computes does not depend
  /// on how much of the trace is written or kept.
  void observe(std::function<void(const TraceRecord&)> fn) { observers_.push_back(Observer{std::move(fn), {}, true}); }
  /// An observer of the records of `kinds` only (it is not called for others).
  void observe(std::function<void(const TraceRecord&)> fn, std::vector<std::string> kinds);

  static std::string record_json(const TraceRecord& r);
  /// The JSON Lines text of the kept records (all of them with Keep::All).
  std::string jsonl() const;
  /// SHA-256 of the JSON Lines text of every record made so far, kept or not ("" with hashing off).
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
  std::size_t count_ = 0;
  bool detail_ = true;
  Keep keep_ = Keep::All;
  bool hashing_ = true;
  Sha256 hash_;
  std::string line_;  // reused: one allocation for every record's text
  std::function<void(std::string_view)> sink_;
  struct Observer {
    std::function<void(const TraceRecord&)> fn;
    std::vector<std::string> kinds;  // sorted
    bool all = false;
    bool reads(std::string_view kind) const;
  };
  /// Some observer reads records of `kind`.
  bool observed(std::string_view kind) const;
  /// Hands `r` to its observers, then writes and keeps it as `written` and `keep` say.
  void add(TraceRecord&& r, bool written);
  std::vector<Observer> observers_;
};

}  // namespace sim
