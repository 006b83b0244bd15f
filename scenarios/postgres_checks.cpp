#include "scenarios/postgres_checks.hpp"

#include <algorithm>
#include <set>

#include "models/postgres/events.hpp"

namespace scenarios {
namespace {

namespace pg = models::postgres;

std::int64_t int_field(const sim::TraceRecord& r, const std::string& key) {
  const sim::FieldValue* v = r.find(key);
  return v != nullptr && std::holds_alternative<std::int64_t>(*v) ? std::get<std::int64_t>(*v) : 0;
}

struct Ack {
  sim::Time at;
  std::string writer, node;
  std::int64_t timeline, lsn;
};

}  // namespace

void postgres_checks(const std::vector<sim::TraceRecord>& events, sim::Time end, sim::Invariants& invariants,
                     std::map<std::string, double>& m) {
  const bool any = std::any_of(events.begin(), events.end(), [](const sim::TraceRecord& r) { return r.kind.rfind("pg_", 0) == 0; });
  if (!any) return;
  std::map<std::string, std::int64_t> primaries;  // node -> timeline, while it runs as a primary
  std::map<std::int64_t, std::int64_t> switch_at;  // new timeline -> the old one's end (switch_lsn)
  std::vector<Ack> acks;
  std::map<std::string, sim::Time> last_ack, gap_max;
  std::map<std::string, int> failed;
  auto check_primaries = [&](sim::Time t) {
    std::string who;
    for (const auto& [n, tli] : primaries) who += (who.empty() ? "" : ", ") + n + " (timeline " + std::to_string(tli) + ")";
    invariants.update(t, "single_writable_primary", "postgres", primaries.size() > 1, "primaries: " + who);
  };
  for (const auto& r : events) {
    const std::string node = r.text("node");
    if (r.kind == pg::kStarted) {
      if (r.text("role") == "primary") primaries[node] = int_field(r, "timeline");
      else primaries.erase(node);
      check_primaries(r.time);
    } else if (r.kind == pg::kPromoted) {
      primaries[node] = int_field(r, "timeline");
      switch_at[int_field(r, "timeline")] = int_field(r, "switch_lsn");
      check_primaries(r.time);
    } else if (r.kind == pg::kShutdownDone || (r.kind == "process_exit" && r.text("process") == "postgres") ||
               r.kind == "node_down") {
      if (primaries.erase(node)) check_primaries(r.time);
    } else if (r.kind == pg::kCommitAcked || r.kind == pg::kCommitFailed) {
      std::string w = r.text("client");
      if (w.rfind("client:", 0) == 0) w = w.substr(7);
      if (r.kind == pg::kCommitFailed) {
        ++failed[w];
        continue;
      }
      acks.push_back(Ack{r.time, w, node, int_field(r, "timeline"), int_field(r, "lsn")});
      if (auto it = last_ack.find(w); it != last_ack.end()) gap_max[w] = std::max(gap_max[w], r.time - it->second);
      else gap_max[w] = 0;
      last_ack[w] = r.time;
    }
  }
  std::set<std::string> writers;
  for (const auto& a : acks) writers.insert(a.writer);
  for (const auto& [w, n] : failed) writers.insert(w);
  for (const auto& w : writers) {
    std::int64_t acked = 0;
    for (const auto& a : acks) acked += a.writer == w ? 1 : 0;
    m[w + ".acked"] = static_cast<double>(acked);
    m[w + ".failed"] = failed.count(w) ? failed[w] : 0;
    sim::Time gap = gap_max.count(w) ? gap_max[w] : end;  // never acknowledged: the whole run
    if (auto it = last_ack.find(w); it != last_ack.end()) gap = std::max(gap, end - it->second);
    m[w + ".write_gap_max_s"] = sim::to_seconds(gap);
  }
  // The final primary: among those running at the end, the newest timeline.
  std::string final_node;
  std::int64_t final_tli = -1;
  for (const auto& [n, tli] : primaries)
    if (tli > final_tli) final_node = n, final_tli = tli;
  auto survives = [&](const Ack& a) {
    if (final_tli < 0) return false;
    if (a.timeline == final_tli) return true;  // a split brain's two primaries on one timeline: not told apart here
    if (a.timeline > final_tli) return false;
    auto s = switch_at.find(a.timeline + 1);
    return s != switch_at.end() && a.lsn < s->second;
  };
  std::int64_t lost = 0;
  sim::Time first_lost = -1, last_lost = -1;
  for (const auto& a : acks) {
    if (survives(a)) continue;
    ++lost;
    if (first_lost < 0) first_lost = a.at;
    last_lost = a.at;
    invariants.point(a.at, "no_acked_commit_lost",
                     a.writer + "'s commit at " + a.node + " timeline " + std::to_string(a.timeline) + " lsn " +
                         std::to_string(a.lsn) + " is not in " + (final_node.empty() ? "any primary" : final_node + "'s history"));
  }
  m["commits.acked"] = static_cast<double>(acks.size());
  m["commits.acked_lost"] = static_cast<double>(lost);
  m["commits.lost_window_s"] = lost > 0 ? sim::to_seconds(last_lost - first_lost) : 0.0;
}

}  // namespace scenarios
