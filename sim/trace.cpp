#include "sim/trace.hpp"

#include <algorithm>
#include <charconv>

#include "sim/json.hpp"
#include "sim/sha256.hpp"

namespace sim {

const FieldValue* TraceRecord::find(std::string_view key) const {
  for (const auto& f : fields)
    if (f.key == key) return &f.value;
  return nullptr;
}

std::string TraceRecord::text(std::string_view key) const {
  const FieldValue* v = find(key);
  if (v == nullptr) return "";
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  return "";
}

namespace {
void write_field(JsonWriter& w, const FieldValue& v) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) w.value(x);
        else if constexpr (std::is_same_v<T, bool>) w.value(x);
        else if constexpr (std::is_same_v<T, double>) w.value(x);
        else w.value(static_cast<std::int64_t>(x));
      },
      v);
}

/// The record's JSON object, byte for byte what JsonWriter writes (the trace hash depends on
/// it), appended straight to `out` without a writer's bookkeeping.
void append_json(std::string& out, Time time, const std::string& kind, const std::vector<Field>& fields) {
  out += "{\"t_s\":";
  append_seconds(out, time);
  out += ",\"kind\":";
  json_escape(out, kind);
  for (const auto& f : fields) {
    out.push_back(',');
    json_escape(out, f.key);
    out.push_back(':');
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) json_escape(out, x);
          else if constexpr (std::is_same_v<T, bool>) out += x ? "true" : "false";
          else if constexpr (std::is_same_v<T, double>) append_number(out, x);
          else {
            char buf[24];
            out.append(buf, std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(x)).ptr);
          }
        },
        f.value);
  }
  out.push_back('}');
}
}  // namespace

void Trace::record(Time time, std::string kind, std::vector<Field> fields, bool notable) {
  const bool written = notable || detail_;
  if (!written && !observed(kind)) return;
  // Made once: the observers see it, then it is written and kept without a copy.
  add(TraceRecord{time, std::move(kind), std::move(fields), notable}, written);
}

void Trace::record(Time time, std::string_view kind, std::initializer_list<FieldRef> fields, bool notable) {
  const bool written = notable || detail_;
  if (!written && !observed(kind)) return;
  std::vector<Field> owned;
  owned.reserve(fields.size());
  for (const FieldRef& f : fields) owned.push_back(f.field());
  add(TraceRecord{time, std::string(kind), std::move(owned), notable}, written);
}

void Trace::observe(std::function<void(const TraceRecord&)> fn, std::vector<std::string> kinds) {
  std::sort(kinds.begin(), kinds.end());
  kinds.erase(std::unique(kinds.begin(), kinds.end()), kinds.end());
  observers_.push_back(Observer{std::move(fn), std::move(kinds), false});
}

bool Trace::Observer::reads(std::string_view kind) const {
  return all || std::binary_search(kinds.begin(), kinds.end(), kind, std::less<>());
}

bool Trace::observed(std::string_view kind) const {
  for (const auto& o : observers_)
    if (o.reads(kind)) return true;
  return false;
}

void Trace::add(TraceRecord&& r, bool written) {
  for (const auto& o : observers_)
    if (o.reads(r.kind)) o.fn(r);
  if (!written) return;
  ++count_;
  if (hashing_ || sink_) {
    line_.clear();
    append_json(line_, r.time, r.kind, r.fields);
    line_.push_back('\n');
    if (hashing_) hash_.update(line_);
    if (sink_) sink_(line_);
  }
  if (keep_ == Keep::All || (r.notable && keep_ == Keep::Notable)) records_.push_back(std::move(r));
}

std::string Trace::record_json(const TraceRecord& r) {
  std::string out;
  append_json(out, r.time, r.kind, r.fields);
  return out;
}

std::string Trace::jsonl() const {
  std::string out;
  for (const auto& r : records_) {
    append_json(out, r.time, r.kind, r.fields);
    out.push_back('\n');
  }
  return out;
}

std::string Trace::sha256() const {
  if (!hashing_) return "";
  Sha256 h(hash_);  // a copy: the trace may go on
  return h.hex_digest();
}

std::string Trace::chrome_json(const std::vector<Span>& spans) const {
  // Tracks are numbered in order of first appearance, which is itself deterministic.
  std::map<std::string, int> tracks;
  std::vector<std::string> track_names;
  auto track_of = [&](const std::string& name) {
    auto [it, inserted] = tracks.emplace(name.empty() ? "sim" : name, 0);
    if (inserted) {
      it->second = static_cast<int>(track_names.size()) + 1;
      track_names.push_back(it->first);
    }
    return it->second;
  };
  JsonWriter w;
  w.begin_object();
  w.key("displayTimeUnit");
  w.value("ms");
  w.key("traceEvents");
  w.begin_array();
  // Chrome wants microseconds; keep nanosecond precision as three exact decimals.
  // A set-up's records come before time 0 (negative).
  auto micros = [](Time ns) {
    const std::uint64_t a = ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
    std::string frac = std::to_string(a % 1000);
    frac.insert(0, 3 - frac.size(), '0');
    return (ns < 0 ? "-" : "") + std::to_string(a / 1000) + "." + frac;
  };
  for (const auto& r : records_) {
    const int tid = track_of(r.text("node"));
    w.begin_object();
    w.key("name"); w.value(r.kind);
    w.key("cat"); w.value(r.notable ? "event" : "detail");
    w.key("ph"); w.value("i");
    w.key("s"); w.value("t");
    w.key("ts"); w.raw(micros(r.time));
    w.key("pid"); w.value(1);
    w.key("tid"); w.value(tid);
    w.key("args");
    w.begin_object();
    for (const auto& f : r.fields) {
      w.key(f.key);
      write_field(w, f.value);
    }
    w.end_object();
    w.end_object();
  }
  for (const auto& s : spans) {
    const int tid = track_of(s.track);
    w.begin_object();
    w.key("name"); w.value(s.name);
    w.key("cat"); w.value("span");
    w.key("ph"); w.value("X");
    w.key("ts"); w.raw(micros(s.start));
    w.key("dur"); w.raw(micros(s.end - s.start));
    w.key("pid"); w.value(1);
    w.key("tid"); w.value(tid);
    w.key("args"); w.begin_object(); w.key("detail"); w.value(s.detail); w.end_object();
    w.end_object();
  }
  for (std::size_t i = 0; i < track_names.size(); ++i) {
    w.begin_object();
    w.key("name"); w.value("thread_name");
    w.key("ph"); w.value("M");
    w.key("pid"); w.value(1);
    w.key("tid"); w.value(static_cast<std::int64_t>(i + 1));
    w.key("args"); w.begin_object(); w.key("name"); w.value(track_names[i]); w.end_object();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

}  // namespace sim
