#include "scenarios/report.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "models/haproxy/events.hpp"
#include "scenarios/events.hpp"
#include "scenarios/fault_actions.hpp"
#include "sim/events.hpp"
#include "sim/json.hpp"
#include "sim/network.hpp"

namespace scenarios {

namespace hp = models::haproxy::events;

std::map<std::string, Summary> summarize(const std::vector<RunResult>& runs) {
  std::map<std::string, std::vector<double>> values;
  for (const auto& r : runs)
    for (const auto& [k, v] : r.metrics) values[k].push_back(v);
  std::map<std::string, Summary> out;
  for (auto& [k, v] : values) {
    std::sort(v.begin(), v.end());
    Summary s;
    s.count = v.size();
    s.min = v.front();
    s.max = v.back();
    s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    const std::size_t rank = (95 * v.size() + 99) / 100;  // nearest rank, 1-based
    s.p95 = v[std::max<std::size_t>(rank, 1) - 1];
    out[k] = s;
  }
  return out;
}

namespace {

std::string field_text(const sim::FieldValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return sim::number_text(*d);
  return std::get<bool>(v) ? "true" : "false";
}

std::string fmt_value(const std::string& name, double v) {
  char buf[64];
  if (name.size() > 2 && name.compare(name.size() - 2, 2, "_s") == 0) std::snprintf(buf, sizeof buf, "%.3f s", v);
  else if (v == static_cast<double>(static_cast<long long>(v))) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  else std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string pad(const std::string& s, std::size_t w) { return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' '); }

}  // namespace

std::string describe_event(const sim::TraceRecord& e) {
  std::string out;
  const std::string node = e.text(sim::events::field::kNode);
  if (e.kind == events::kFault || e.kind == events::kFaultEnd) {
    out = (e.kind == events::kFault ? "FAULT " : "FAULT ENDS ") + e.text(events::field::kAction) + " " +
          e.text(events::field::kTarget);
    return out;
  }
  if (e.kind == hp::kServerDown || e.kind == hp::kServerUp)
    return e.kind + " " + node + " " + e.text(hp::field::kBackend) + "/" + e.text(hp::field::kServer) + " (" +
           e.text(hp::field::kReason) + ")";
  out = e.kind;
  for (const auto& f : e.fields) {
    if (f.key == "source") continue;
    out += " " + (f.key == "node" ? "" : f.key + "=") + field_text(f.value);
  }
  return out;
}

std::string fault_summary(const FaultSpec& f) {
  std::string o = f.action + fault_action(f.action).summary(f);
  if (!f.network.empty()) o += " on " + f.network;
  return o;
}

namespace {

/// Events a timeline never elides: what was done to the stack and what went wrong.
bool is_cause(const std::string& kind) {
  return kind == events::kFault || kind == events::kFaultEnd || kind == hp::kBackendDown || kind.find("fail") != std::string::npos ||
         kind.find("error") != std::string::npos || kind.find("refused") != std::string::npos;
}

/// The timeline of a run: every event, except that a burst of one kind (at least kBurstLong
/// less than a second apart, e.g. a thousand servers coming up) shows its first kBurstShown
/// and one line for the rest; and beyond kTimelineLines other lines, only causes.
std::vector<std::string> timeline(const ScenarioSpec& spec, const RunResult& r, const char* red, const char* green,
                                  const char* reset) {
  constexpr std::size_t kBurstShown = 5, kBurstLong = 16;
  constexpr sim::Time kBurstGap = sim::kSecond;
  std::vector<const sim::TraceRecord*> events;
  for (const auto& e : r.events) {
    if (e.kind == events::kRunStart || e.kind == sim::events::kProcessExec) continue;
    if (e.kind == sim::events::kProcessStart && e.text(sim::events::field::kProcess).rfind("client:", 0) == 0) continue;
    events.push_back(&e);
  }
  // Bursts: per kind, consecutive occurrences less than kBurstGap apart.
  struct Burst {
    std::size_t count = 0, seen = 0;
    sim::Time last = 0;
  };
  std::vector<std::size_t> burst_of(events.size());
  std::vector<Burst> bursts;
  std::map<std::string, std::size_t> open;  // kind -> its current burst
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = *events[i];
    auto it = open.find(e.kind);
    if (it == open.end() || e.time - bursts[it->second].last >= kBurstGap) {
      bursts.push_back(Burst{});
      it = open.insert_or_assign(e.kind, bursts.size() - 1).first;
    }
    Burst& b = bursts[it->second];
    ++b.count;
    b.last = e.time;
    burst_of[i] = it->second;
  }
  auto line = [](sim::Time t, const std::string& text) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "%10.3fs  ", sim::to_seconds(t));
    return std::string("  ") + ts + text + "\n";
  };
  std::vector<std::string> out;
  std::size_t others = 0, cut = 0;
  struct Elided {
    std::size_t n = 0;
    sim::Time first = 0;
    std::string first_node, last_node;
  };
  std::map<std::size_t, Elided> elided;  // burst -> what was left out so far
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = *events[i];
    const bool cause = is_cause(e.kind);
    Burst& b = bursts[burst_of[i]];
    ++b.seen;
    if (!cause && b.count >= kBurstLong && b.seen > kBurstShown) {
      Elided& x = elided[burst_of[i]];
      if (x.n++ == 0) {
        x.first = e.time;
        x.first_node = e.text("node");
      }
      x.last_node = e.text("node");
      if (b.seen == b.count) {
        const std::string who = x.first_node.empty() ? "" : " (" + x.first_node + (x.n > 1 ? " .. " + x.last_node : "") + ")";
        char since[32];
        std::snprintf(since, sizeof since, "%.3fs", sim::to_seconds(x.first));
        out.push_back(line(e.time, "... " + std::to_string(x.n) + " more " + e.kind + who + " since " + since));
      }
      continue;
    }
    if (!cause && ++others > kTimelineLines) {
      ++cut;
      continue;
    }
    std::string text = describe_event(e);
    if (e.kind == events::kFault || e.kind == events::kFaultEnd) {
      // The record names the action and target; the scenario knows the rest (from, to, groups).
      for (const auto& f : spec.faults)
        if (f.source == e.text(events::field::kSource) && f.action == e.text(events::field::kAction)) {
          text = (e.kind == events::kFault ? "FAULT " : "FAULT ENDS ") + fault_summary(f);
          break;
        }
    }
    const bool bad = e.kind == hp::kServerDown || e.kind == hp::kBackendDown || e.kind == events::kFault ||
                     e.kind == hp::kServerMaint || (cause && e.kind != events::kFaultEnd);
    out.push_back(line(e.time, std::string(bad ? red : (e.kind == hp::kServerUp ? green : "")) + text + reset));
  }
  if (cut > 0)
    out.push_back("  ... " + std::to_string(cut) + " more events left out after " + std::to_string(kTimelineLines) +
                  " lines (faults and errors are all above; every event is in --json and --trace)\n");
  return out;
}

}  // namespace

std::string human_report(const ScenarioSpec& spec, const RunResult& r, bool color) {
  const char* bold = color ? "\033[1m" : "";
  const char* red = color ? "\033[31m" : "";
  const char* green = color ? "\033[32m" : "";
  const char* reset = color ? "\033[0m" : "";
  std::string o;
  o += std::string(bold) + "Scenario " + spec.name + reset + " (" + spec.file + "), seed " + std::to_string(r.seed) +
       ", " + sim::format_duration(r.duration) + " simulated\n";
  if (!spec.description.empty()) o += "  " + spec.description + "\n";
  o += std::string("\n") + bold + "Timeline" + reset + "\n";
  for (const auto& l : timeline(spec, r, red, green, reset)) o += l;
  o += std::string("\n") + bold + "Metrics" + reset + "\n";
  for (const auto& [k, v] : r.metrics) o += "  " + pad(k, 40) + fmt_value(k, v) + "\n";
  for (const auto& t : r.tables)
    if (!t.rows.empty() && t.text != nullptr) o += std::string("\n") + bold + t.title + reset + " (at the end of the run)\n" + t.text(t.rows);
  o += std::string("\n") + bold + "Invariants" + reset + "\n";
  if (spec.invariants.empty()) o += "  (none declared)\n";
  else if (r.violations.empty()) o += std::string("  ") + green + "no violations" + reset + " of: " + [&] {
      std::string s;
      for (const auto& i : spec.invariants) s += (s.empty() ? "" : ", ") + i;
      return s;
    }() + "\n";
  for (const auto& v : r.violations) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.3fs .. %.3fs (%.3f s)", sim::to_seconds(v.start), sim::to_seconds(v.end), sim::to_seconds(v.duration()));
    o += std::string("  ") + red + v.invariant + reset + " " + buf + "  " + v.detail + "\n";
  }
  o += "\ntrace sha256 " + r.trace_sha256 + "  (" + std::to_string(r.trace_records) + " trace records, " +
       std::to_string(r.events_processed) + " events processed)\n";
  return o;
}

std::string human_summary(const ScenarioSpec& spec, const std::vector<RunResult>& runs) {
  std::string o = "Scenario " + spec.name + ": " + std::to_string(runs.size()) + " runs, seeds " +
                  std::to_string(runs.front().seed) + ".." + std::to_string(runs.back().seed) + "\n\n";
  o += "  " + pad("metric", 40) + pad("min", 12) + pad("median", 12) + pad("p95", 12) + pad("max", 12) + "runs\n";
  for (const auto& [k, s] : summarize(runs))
    o += "  " + pad(k, 40) + pad(fmt_value(k, s.min), 12) + pad(fmt_value(k, s.median), 12) + pad(fmt_value(k, s.p95), 12) +
         pad(fmt_value(k, s.max), 12) + std::to_string(s.count) + "\n";
  std::size_t with_violations = 0;
  for (const auto& r : runs) with_violations += r.violations.empty() ? 0 : 1;
  o += "\n  runs with invariant violations: " + std::to_string(with_violations) + " of " + std::to_string(runs.size()) + "\n";
  return o;
}

namespace {

void write_result_body(sim::JsonWriter& w, const RunResult& r) {
  w.key("seed"); w.value(static_cast<std::uint64_t>(r.seed));
  w.key("duration_s"); w.raw(sim::seconds_text(r.duration));
  w.key("trace_sha256"); w.value(r.trace_sha256);
  w.key("events_processed"); w.value(static_cast<std::uint64_t>(r.events_processed));
  w.key("metrics");
  w.begin_object();
  for (const auto& [k, v] : r.metrics) { w.key(k); w.value(v); }
  w.end_object();
  w.key("events");
  w.begin_array();
  for (const auto& e : r.events) w.raw(sim::Trace::record_json(e));
  w.end_array();
  w.key("violations");
  w.begin_array();
  for (const auto& v : r.violations) {
    w.begin_object();
    w.key("invariant"); w.value(v.invariant);
    w.key("start_s"); w.raw(sim::seconds_text(v.start));
    w.key("end_s"); w.raw(sim::seconds_text(v.end));
    w.key("duration_s"); w.raw(sim::seconds_text(v.duration()));
    w.key("detail"); w.value(v.detail);
    w.end_object();
  }
  w.end_array();
  for (const auto& t : r.tables) {
    w.key(t.key);
    w.begin_array();
    for (const auto& row : t.rows) {
      w.begin_object();
      for (const auto& f : row) {
        w.key(f.key);
        std::visit([&w](const auto& x) { w.value(x); }, f.value);
      }
      w.end_object();
    }
    w.end_array();
  }
}

}  // namespace

std::string result_json(const RunResult& r, const std::string& file, bool pretty) {
  sim::JsonWriter w(pretty);
  w.begin_object();
  w.key("scenario"); w.value(r.scenario);
  w.key("file"); w.value(file);
  write_result_body(w, r);
  w.end_object();
  return w.take();
}

std::string runs_json(const ScenarioSpec& spec, const std::vector<RunResult>& runs, bool pretty) {
  sim::JsonWriter w(pretty);
  w.begin_object();
  w.key("scenario"); w.value(spec.name);
  w.key("file"); w.value(spec.file);
  w.key("runs");
  w.begin_array();
  for (const auto& r : runs) {
    w.begin_object();
    write_result_body(w, r);
    w.end_object();
  }
  w.end_array();
  w.key("summary");
  w.begin_object();
  for (const auto& [k, s] : summarize(runs)) {
    w.key(k);
    w.begin_object();
    w.key("min"); w.value(s.min);
    w.key("median"); w.value(s.median);
    w.key("p95"); w.value(s.p95);
    w.key("max"); w.value(s.max);
    w.key("runs"); w.value(static_cast<std::uint64_t>(s.count));
    w.end_object();
  }
  w.end_object();
  w.end_object();
  return w.take();
}

}  // namespace scenarios
