#include "scenarios/chrome_spans.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "models/haproxy/events.hpp"
#include "models/keepalived/events.hpp"
#include "models/workloads/events.hpp"
#include "scenarios/checks/check.hpp"
#include "scenarios/events.hpp"
#include "sim/events.hpp"

namespace scenarios {

namespace {

std::int64_t int_field(const sim::TraceRecord& r, const std::string& key) {
  const sim::FieldValue* v = r.find(key);
  if (v == nullptr) return 0;
  if (const auto* i = std::get_if<std::int64_t>(v)) return *i;
  return 0;
}

/// Intervals keyed by track: an interval opens, and closes at the next open or close of the
/// same key (or at the end of the run). A span's index is fixed when it opens, so the output
/// is in order of starts whatever order they close in.
class Open {
 public:
  explicit Open(std::vector<sim::Trace::Span>& out) : out_(out) {}
  void open(const std::string& track, sim::Time at, std::string name, std::string detail) {
    close(track, at);
    open_[track] = out_.size();
    out_.push_back({std::move(name), track, at, at, std::move(detail)});
  }
  void close(const std::string& track, sim::Time at) {
    auto it = open_.find(track);
    if (it == open_.end()) return;
    out_[it->second].end = at;
    open_.erase(it);
  }
  /// Closes every open track whose name starts with `prefix` (a node's daemon stopped).
  void close_prefix(const std::string& prefix, sim::Time at) {
    for (auto it = open_.lower_bound(prefix); it != open_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
      out_[it->second].end = at;
      it = open_.erase(it);
    }
  }
  void close_all(sim::Time at) { close_prefix("", at); }

 private:
  std::vector<sim::Trace::Span>& out_;
  std::map<std::string, std::size_t> open_;  // ordered: deterministic, and prefixes are ranges
};

}  // namespace

std::vector<sim::Trace::Span> chrome_spans(const std::vector<sim::TraceRecord>& records, sim::Time end) {
  namespace hp = models::haproxy::events;
  namespace ka = models::keepalived::events;
  std::vector<sim::Trace::Span> out;
  Open open(out);
  std::map<std::string, sim::Trace::Span> faults;  // began, not ended yet
  for (const auto& r : records) {
    const std::string node = r.text("node");
    if (r.kind == events::kFault) {
      // A fault with `for:` ends with a fault_end of the same source; one without (a stop, a
      // start) is a moment, an instant in the trace, and gets no window.
      const std::string target = r.text("target");
      const std::string track = "fault " + r.text("source") + " " + r.text("action");
      faults[track] = {"fault " + r.text("action"), track, r.time, r.time, (target.empty() ? "" : target + ", ") + "from " + r.text("source")};
    } else if (r.kind == events::kFaultEnd) {
      const auto it = faults.find("fault " + r.text("source") + " " + r.text("action"));
      if (it == faults.end()) continue;
      it->second.end = r.time;
      out.push_back(std::move(it->second));
      faults.erase(it);
    } else if (r.kind == ka::kState) {
      open.open(node + " vrrp " + r.text("instance"), r.time, r.text("state"),
                "priority " + std::to_string(int_field(r, "priority")));
    } else if (r.kind == sim::events::kVipAdded) {
      open.open(node + " VIP " + r.text("vip"), r.time, "holds " + r.text("vip"), "");
    } else if (r.kind == sim::events::kVipRemoved) {
      open.close(node + " VIP " + r.text("vip"), r.time);
    } else if (r.kind == hp::kServerDown) {
      open.open(node + " server " + r.text("backend") + "/" + r.text("server"), r.time, "DOWN", r.text("reason"));
    } else if (r.kind == hp::kServerMaint) {
      open.open(node + " server " + r.text("backend") + "/" + r.text("server"), r.time, "MAINT", r.text("reason"));
    } else if (r.kind == hp::kServerUp || r.kind == hp::kServerReady) {
      open.close(node + " server " + r.text("backend") + "/" + r.text("server"), r.time);
    } else if (r.kind == models::workloads::events::kRequest) {
      const auto sent = time_field(r, models::workloads::events::field::kSentS);
      if (!sent || *sent > r.time) continue;
      const std::int64_t status = int_field(r, "status");
      const std::string error = r.text("error");
      std::string name = error.empty() ? "HTTP " + std::to_string(status) : error;
      std::string detail = "#" + std::to_string(int_field(r, "seq")) +
                           (r.text("served_by").empty() ? "" : " served by " + r.text("served_by"));
      out.push_back({std::move(name), node + " requests " + r.text("workload"), *sent, r.time, std::move(detail)});
    } else if (r.kind == sim::events::kProcessExit && r.text("process").rfind("keepalived", 0) == 0) {
      open.close_prefix(node + " vrrp ", r.time);  // its VRRP instances are in no state any more
    } else if (r.kind == sim::events::kProcessExit && r.text("process") == "haproxy") {
      open.close_prefix(node + " server ", r.time);  // its servers' states went with it
    } else if (r.kind == sim::events::kNodeDown) {
      open.close_prefix(node + " vrrp ", r.time);
      open.close_prefix(node + " VIP ", r.time);
    }
  }
  open.close_all(end);
  return out;
}

}  // namespace scenarios
