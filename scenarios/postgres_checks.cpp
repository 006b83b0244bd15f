#include "scenarios/postgres_checks.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "models/postgres/events.hpp"
#include "scenarios/events.hpp"
#include "sim/events.hpp"
#include "sim/network.hpp"

namespace scenarios {
namespace {

namespace pg = models::postgres;
namespace se = sim::events;

/// A text field's value without a copy ("" when absent or not a string).
std::string_view text_of(const sim::TraceRecord& r, std::string_view key) {
  const sim::FieldValue* v = r.find(key);
  const auto* s = v != nullptr ? std::get_if<std::string>(v) : nullptr;
  return s != nullptr ? std::string_view(*s) : std::string_view();
}

std::int64_t int_field(const sim::TraceRecord& r, std::string_view key) {
  const sim::FieldValue* v = r.find(key);
  return v != nullptr && std::holds_alternative<std::int64_t>(*v) ? std::get<std::int64_t>(*v) : 0;
}

}  // namespace

void PostgresChecks::check_primaries(sim::Time t) {
  std::string who;
  for (const auto& [n, tli] : primaries_) who += (who.empty() ? "" : ", ") + n + " (timeline " + std::to_string(tli) + ")";
  invariants_.update(t, "single_writable_primary", "postgres", primaries_.size() > 1, "primaries: " + who);
}

void PostgresChecks::primaries_problem(std::vector<std::string>& problems) const {
  if (primaries_.size() == 1) return;
  std::string who;
  for (const auto& [n, tli] : primaries_) who += (who.empty() ? "" : ", ") + n + " (timeline " + std::to_string(tli) + ")";
  problems.push_back(primaries_.empty() ? "no primary" : "primaries: " + who);
}

void PostgresChecks::standbys_problem(std::vector<std::string>& problems) const {
  for (const auto& [node, sb] : standbys_) {
    if (!sb.streaming) {
      problems.push_back(node + " is not streaming");
      continue;
    }
    if (primaries_.size() != 1) continue;
    const auto& [primary, tli] = *primaries_.begin();
    if (!sim::Ipv4::parse(sb.from) && sb.from != primary)
      problems.push_back(node + " streams from " + sb.from + ", not from the primary " + primary);
    else if (sb.timeline != tli)
      problems.push_back(node + " streams timeline " + std::to_string(sb.timeline) + ", the primary " + primary + " is on " +
                         std::to_string(tli));
  }
}

void PostgresChecks::on_record(const sim::TraceRecord& r) {
  const std::string& k = r.kind;
  // Most records are not PostgreSQL's (requests, checks, the engine's): of those only a process
  // or node going away matters. Of the rest, a commit's outcome is by far the most frequent.
  if (k.rfind("pg", 0) != 0) {
    if (k == events::kFault) return on_fault(r);
    if (k != se::kProcessExit && k != se::kNodeDown) return;
  } else if (k.rfind("pg_", 0) == 0) {
    any_ = true;
    if (k == pg::kCommitAcked || k == pg::kCommitFailed) return on_commit(r, k == pg::kCommitFailed);
  }
  if (k == pg::kStarted) {
    const std::string node = r.text("node");
    if (auto s = starts_.find(node); s != starts_.end() && s->second.took < 0) s->second.took = r.time - s->second.at;
    if (r.text("role") == "primary") primaries_[node] = int_field(r, "timeline");
    else primaries_.erase(node);
    // A standby's walreceiver may stream before the server is ready for read-only connections
    // (a real log says "started streaming WAL" before "ready to accept read-only connections"
    // when replay has little to do): its start keeps what the walreceiver already said. A
    // server's stop erased its entry, so a restart begins afresh.
    if (r.text("role") == "primary") standbys_.erase(node);
    else standbys_.try_emplace(node);
    check_primaries(r.time);
  } else if (k == pg::kPromoted) {
    primaries_[r.text("node")] = int_field(r, "timeline");
    standbys_.erase(r.text("node"));
    switch_at_[int_field(r, "timeline")] = int_field(r, "switch_lsn");
    check_primaries(r.time);
  } else if (k == pg::kWalReceiverConnected || k == pg::kWalReceiverDisconnected) {
    // A walreceiver streaming means a standby runs, even before its ready line (see above).
    if (k == pg::kWalReceiverConnected && primaries_.count(r.text("node")) == 0) standbys_.try_emplace(r.text("node"));
    if (auto it = standbys_.find(r.text("node")); it != standbys_.end()) {
      it->second.streaming = k == pg::kWalReceiverConnected;
      it->second.from = r.text("primary");
      if (it->second.streaming) it->second.timeline = int_field(r, "timeline");
    }
  } else if (k == pg::kShutdownDone || (k == se::kProcessExit && r.text(se::field::kProcess) == "postgres") || k == se::kNodeDown) {
    standbys_.erase(r.text("node"));
    if (primaries_.erase(r.text("node"))) check_primaries(r.time);
  } else if (k == pg::kPgbenchTransaction || k == pg::kPgbenchAborted) {
    std::string p = r.text("client");
    if (p.rfind("client:", 0) == 0) p = p.substr(7);
    Pgbench& b = pgbench_[p];
    if (k == pg::kPgbenchAborted) {
      ++b.aborted;
      if (int_field(r, "command") >= 0) ++b.failed;
      return;
    }
    const std::int64_t latency = int_field(r, "latency_us");
    b.latency_us.push_back(latency);
    b.lag_us.push_back(int_field(r, "lag_us"));
    b.first_start = std::min(b.first_start, r.time - latency * sim::kMicrosecond);
    b.last_end = std::max(b.last_end, r.time);
  } else if (k == pg::kRewind || k == pg::kBaseBackup) {
    ToolRun& run = tools_[k];
    run.done = r.text("outcome") != "failed";
    run.duration_ms = int_field(r, "duration_ms");
    run.copied_bytes = int_field(r, "copied_bytes");
  } else if (k == pg::kReadDone || k == pg::kReadFailed) {
    std::string rd = r.text("client");
    if (rd.rfind("client:", 0) == 0) rd = rd.substr(7);
    if (k == pg::kReadFailed) {
      ++read_failed_[rd];
      return;
    }
    reads_[rd].push_back(Read{r.time - int_field(r, "latency_us") * sim::kMicrosecond, r.time, int_field(r, "max_id")});
  }
}

void PostgresChecks::on_commit(const sim::TraceRecord& r, bool failed) {
  std::string_view w = text_of(r, "client");
  if (w.rfind("client:", 0) == 0) w.remove_prefix(7);
  auto wit = writers_.find(w);
  if (wit == writers_.end()) wit = writers_.emplace(std::string(w), Writer{}).first;
  Writer& writer = wit->second;
  std::int64_t waited = int_field(r, "latency_us");
  if (r.find("latency_us") == nullptr)
    if (const sim::FieldValue* v = r.find("sent_s"); v != nullptr && std::holds_alternative<double>(*v))
      // Real runs parsed before failures carried latency_us: their attempt's start instead.
      waited = (r.time - std::llround(std::get<double>(*v) * 1e9)) / sim::kMicrosecond;
  writer.wait_max_us = std::max(writer.wait_max_us, waited);
  if (failed) {
    // No answer and no error: the writer's own bound (psql killed after it, exit 124, in the
    // real runs parsed before the message said so) or the end of its run. Which of them, and
    // so whether it failed, is known at the end (finish).
    const std::string_view message = text_of(r, "message");
    if (message.rfind(pg::kNoAnswer, 0) == 0 || (message.empty() && int_field(r, "psql_exit") == 124))
      writer.unanswered_us.push_back(waited);
    else
      ++writer.failed;
    return;
  }
  writer.latency_us.push_back(waited);
  // The row's id: a real writer logs users.id (RETURNING id); the simulator's rows are its
  // xids (the readers' max(id) is the newest xid replayed), one per commit in commit order.
  const std::int64_t id = r.find("id") != nullptr ? int_field(r, "id") : int_field(r, "xid");
  acks_.push_back(Ack{r.time, name_of(wit->first), name_of(text_of(r, "node")), int_field(r, "timeline"), int_field(r, "lsn"), id});
  ++writer.acked;
  if (writer.last_ack >= 0) writer.gap_max = std::max(writer.gap_max, r.time - writer.last_ack);
  writer.last_ack = r.time;
}

std::uint32_t PostgresChecks::name_of(std::string_view name) {
  if (auto it = name_index_.find(name); it != name_index_.end()) return it->second;
  const auto i = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(name);
  name_index_.emplace(names_.back(), i);
  return i;
}

namespace {

/// Nanoseconds as milliseconds in one division (the nearest double to the decimal the JSON
/// output prints, so the CLI's and the Python module's figures are equal).
double ms(sim::Time t) { return static_cast<double>(t) / 1e6; }

/// The nearest-rank percentile `q` (0..1) of `v` (sorted), in milliseconds.
double percentile_ms(const std::vector<sim::Time>& v, double q) {
  if (v.empty()) return 0.0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return ms(v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)]);
}

}  // namespace

void PostgresChecks::reader_metrics(std::map<std::string, double>& m) const {
  std::set<std::string> readers;
  for (const auto& [rd, v] : reads_) readers.insert(rd);
  for (const auto& [rd, n] : read_failed_) readers.insert(rd);
  // Acknowledgements in id order, with the earliest acknowledgement among those of a larger id
  // (a read that saw max_id missed every commit above it).
  std::vector<const Ack*> by_id;
  for (const auto& a : acks_) by_id.push_back(&a);
  std::stable_sort(by_id.begin(), by_id.end(), [](const Ack* x, const Ack* y) { return x->id < y->id; });
  std::vector<sim::Time> earliest_above(by_id.size() + 1, sim::kNever);
  for (std::size_t i = by_id.size(); i-- > 0;) earliest_above[i] = std::min(earliest_above[i + 1], by_id[i]->at);
  for (const auto& rd : readers) {
    static const std::vector<Read> kNone;
    const auto it = reads_.find(rd);
    const std::vector<Read>& reads = it != reads_.end() ? it->second : kNone;
    const auto f = read_failed_.find(rd);
    m[rd + ".reads"] = static_cast<double>(reads.size());
    m[rd + ".failed"] = f != read_failed_.end() ? f->second : 0;
    // Staleness of each read.
    sim::Time stale_max = 0;
    for (const auto& r : reads) {
      const auto first_above = std::upper_bound(by_id.begin(), by_id.end(), r.max_id,
                                                [](std::int64_t v, const Ack* a) { return v < a->id; });
      const sim::Time missed = earliest_above[static_cast<std::size_t>(first_above - by_id.begin())];
      if (missed < r.sent) stale_max = std::max(stale_max, r.sent - missed);
    }
    m[rd + ".stale_ms.max"] = ms(stale_max);
    // Visibility: the first read (in answer order) whose snapshot reached each commit's id. The
    // running maximum of what was seen rises, so the first read reaching an id is found by bisection.
    std::vector<std::int64_t> seen_max;
    for (const auto& r : reads) seen_max.push_back(std::max(seen_max.empty() ? r.max_id : seen_max.back(), r.max_id));
    std::vector<sim::Time> after;
    std::int64_t unseen = 0;
    for (const auto& a : acks_) {
      if (reads.empty() || a.at < reads.front().sent) continue;  // before the reader began
      const auto at = std::lower_bound(seen_max.begin(), seen_max.end(), a.id);
      if (at == seen_max.end()) {
        ++unseen;
        continue;
      }
      after.push_back(std::max<sim::Time>(0, reads[static_cast<std::size_t>(at - seen_max.begin())].at - a.at));
    }
    std::sort(after.begin(), after.end());
    m[rd + ".visible_after_ms.p50"] = percentile_ms(after, 0.5);
    m[rd + ".visible_after_ms.max"] = after.empty() ? 0.0 : ms(after.back());
    m[rd + ".unseen"] = static_cast<double>(unseen);
  }
}

void PostgresChecks::pgbench_metrics(std::map<std::string, double>& m) const {
  for (const auto& [p, b] : pgbench_) {
    auto lat = b.latency_us, lag = b.lag_us;
    std::sort(lat.begin(), lat.end());
    std::sort(lag.begin(), lag.end());
    // Nearest rank, as the writers' commit latency.
    auto rank = [](const std::vector<std::int64_t>& v, int q) {
      return v.empty() ? 0.0 : static_cast<double>(v[(v.size() * static_cast<std::size_t>(q) + 99) / 100 - 1]) / 1e3;
    };
    // Rounded to a microsecond and a millionth of a transaction per second: a value the JSON
    // output prints whole (12 significant digits), so the CLI's and the module's figures agree.
    auto micro = [](double v) { return std::round(v * 1e6) / 1e6; };
    double sum = 0;
    for (auto l : lat) sum += static_cast<double>(l);
    m[p + ".transactions"] = static_cast<double>(lat.size());
    const sim::Time span = b.last_end - b.first_start;
    m[p + ".tps"] = lat.empty() || span <= 0 ? 0.0 : micro(static_cast<double>(lat.size()) / sim::to_seconds(span));
    m[p + ".latency_ms.p50"] = rank(lat, 50);
    m[p + ".latency_ms.p99"] = rank(lat, 99);
    m[p + ".latency_ms.avg"] = lat.empty() ? 0.0 : micro(sum / static_cast<double>(lat.size()) / 1e3);
    m[p + ".lag_ms.p99"] = rank(lag, 99);
    m[p + ".failed"] = b.failed;
    m[p + ".aborted_clients"] = b.aborted;
  }
}

void PostgresChecks::finish(sim::Time end, std::map<std::string, double>& m) {
  if (!any_) return;
  reader_metrics(m);
  pgbench_metrics(m);
  for (auto& [w, writer] : writers_) {
    // An attempt without an answer is hung (and failed) if it waited longer than any answer took:
    // a bound the writer gave up at, or a sync standby that never came. The real writer, like the
    // simulated one, leaves the attempt in flight at its run's end unanswered, sent as much as a
    // commit's latency before it (1.6 ms in a sync-standby-stops seed): cut off, not hung.
    const std::int64_t slowest = writer.latency_us.empty() ? -1 : *std::max_element(writer.latency_us.begin(), writer.latency_us.end());
    int hung = 0;
    for (const std::int64_t waited : writer.unanswered_us) hung += waited > slowest ? 1 : 0;
    m[w + ".acked"] = static_cast<double>(writer.acked);
    m[w + ".failed"] = writer.failed + hung;
    // Never acknowledged: the whole run.
    const sim::Time gap = writer.last_ack < 0 ? end : std::max(writer.gap_max, end - writer.last_ack);
    m[w + ".write_gap_max_s"] = sim::to_seconds(gap);
    m[w + ".hung_commits"] = hung;
    m[w + ".commit_wait_max_s"] = static_cast<double>(writer.wait_max_us) / 1e6;
    if (auto& l = writer.latency_us; !l.empty()) {
      std::sort(l.begin(), l.end());
      // Nearest rank: the smallest latency with at least p % of the commits at or below it.
      auto rank = [&l](int p) { return l[(l.size() * static_cast<std::size_t>(p) + 99) / 100 - 1]; };
      m[w + ".commit_latency_ms.p50"] = static_cast<double>(rank(50)) / 1e3;
      m[w + ".commit_latency_ms.p99"] = static_cast<double>(rank(99)) / 1e3;
    }
  }
  // The final primary: among those running at the end, the newest timeline.
  std::string final_node;
  std::int64_t final_tli = -1;
  for (const auto& [n, tli] : primaries_)
    if (tli > final_tli) final_node = n, final_tli = tli;
  auto survives = [&](const Ack& a) {
    if (final_tli < 0) return false;
    if (a.timeline == final_tli) return true;  // two primaries on one timeline are not told apart here
    if (a.timeline > final_tli) return false;
    auto s = switch_at_.find(a.timeline + 1);
    return s != switch_at_.end() && a.lsn < s->second;
  };
  std::int64_t lost = 0;
  sim::Time first_lost = -1, last_lost = -1;
  for (const auto& a : acks_) {
    if (survives(a)) continue;
    ++lost;
    if (first_lost < 0) first_lost = a.at;
    last_lost = a.at;
    invariants_.point(a.at, "no_acked_commit_lost",
                      names_[a.writer] + "'s commit at " + names_[a.node] + " timeline " + std::to_string(a.timeline) + " lsn " +
                          std::to_string(a.lsn) + " is not in " + (final_node.empty() ? "any primary" : final_node + "'s history"));
  }
  m["commits.acked"] = static_cast<double>(acks_.size());
  m["commits.acked_lost"] = static_cast<double>(lost);
  m["commits.lost_window_s"] = lost > 0 ? sim::to_seconds(last_lost - first_lost) : 0.0;
  tool_metrics(m);
  for (const auto& [node, start] : starts_)
    if (start.took >= 0) m["postgres." + node + ".start_s"] = sim::to_seconds(start.took);
}

void PostgresChecks::tool_metrics(std::map<std::string, double>& m) const {
  // Only where an operator rewound or re-cloned a server: the other scenarios' metric sets stay.
  if (tools_.empty()) return;
  for (const auto& [tool, run] : tools_) {
    m[tool + ".done"] = run.done ? 1.0 : 0.0;
    m[tool + ".duration_ms"] = static_cast<double>(run.duration_ms);
    m[tool + ".copied_mb"] = static_cast<double>(run.copied_bytes) / 1e6;
  }
  // Did the stack come back together: one primary, every running standby streaming its timeline
  // (the streamed-from host is checked where the run names it; a real log does not).
  m["postgres.primaries_at_end"] = static_cast<double>(primaries_.size());
  int unconverged = 0;
  for (const auto& [node, sb] : standbys_) {
    const bool one = primaries_.size() == 1;
    if (!sb.streaming || (one && sb.timeline != primaries_.begin()->second) ||
        (one && !sb.from.empty() && !sim::Ipv4::parse(sb.from) && sb.from != primaries_.begin()->first))
      ++unconverged;
  }
  m["postgres.standbys_unconverged_at_end"] = unconverged;
}

void PostgresChecks::on_fault(const sim::TraceRecord& r) {
  if (text_of(r, events::field::kAction) != "start") return;
  // NODE or NODE/PROCESS: a container's start or its server's (a real run's record names no node).
  const std::string_view target = text_of(r, events::field::kTarget);
  starts_[std::string(target.substr(0, target.find('/')))] = Start{r.time, -1};
}

void PostgresChecks::unsettled(const std::string& condition, std::vector<std::string>& problems) const {
  if (condition == "one_primary") primaries_problem(problems);
  if (condition == "standbys_streaming") standbys_problem(problems);
}

/// Every PostgreSQL kind (any of them says the run has PostgreSQL: its metrics exist then), and
/// the engine's records of a server's process or node going away.
std::vector<std::string_view> PostgresChecks::reads() const {
  return {pg::kStarted, pg::kRecoveryStarted, pg::kRecoveryDone, pg::kPromoted, pg::kTimelineFollowed,
          pg::kTimelineForkBehind, pg::kWalReceiverConnected, pg::kWalReceiverDisconnected, pg::kWalSenderStarted,
          pg::kWalSenderEnded, pg::kSyncStandbyChanged, pg::kCommitWaitingForSync, pg::kSyncWaitCanceled,
          pg::kCommitDone, pg::kCommitAcked, pg::kCommitFailed, pg::kReadDone, pg::kReadFailed, pg::kPgbenchTransaction, pg::kPgbenchAborted, pg::kWalDiskFull, pg::kPanic, pg::kCheckpoint,
          pg::kShutdownRequested, pg::kShutdownDone, pg::kReload, pg::kConnectionRejected, pg::kStartFailed,
          pg::kRewind, pg::kBaseBackup, se::kProcessExit, se::kNodeDown, events::kFault};
}

void postgres_checks(const std::vector<sim::TraceRecord>& events, sim::Time end, sim::Invariants& invariants,
                     std::map<std::string, double>& metrics) {
  PostgresChecks c(invariants);
  for (const auto& r : events) c.on_record(r);
  c.finish(end, metrics);
}

}  // namespace scenarios
