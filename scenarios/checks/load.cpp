#include "scenarios/checks/load.hpp"

#include <algorithm>
#include <cmath>

#include "models/workloads/events.hpp"

namespace scenarios {

namespace w = models::workloads::events;

LoadChecks::LoadChecks(const std::vector<std::string>& workloads, const std::vector<std::string>& latency) {
  for (const auto& name : workloads) loops_[name];
  for (const auto& name : latency) loops_[name].latency = true;
}

namespace {

/// A text field without copying it ("" when absent or not text).
std::string_view text_of(const sim::TraceRecord& r, const char* key) {
  const sim::FieldValue* v = r.find(key);
  const auto* s = v != nullptr ? std::get_if<std::string>(v) : nullptr;
  return s != nullptr ? std::string_view(*s) : std::string_view();
}

/// The entry for `key`, made if absent, found without building a string.
template <class Map>
typename Map::mapped_type& entry(Map& m, std::string_view key) {
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(std::string(key), typename Map::mapped_type{}).first;
  return it->second;
}

}  // namespace

void LoadChecks::on_record(const sim::TraceRecord& r) {
  if (r.kind != w::kRequest) return;
  Loop& l = entry(loops_, text_of(r, w::field::kWorkload));
  ++l.requests;
  const sim::FieldValue* s = r.find(w::field::kStatus);
  const std::int64_t status = s != nullptr && std::holds_alternative<std::int64_t>(*s) ? std::get<std::int64_t>(*s) : 0;
  const sim::Time sent = time_field(r, w::field::kSentS).value_or(r.time);
  const bool ok = status >= 200 && status < 400;
  if (!ok) ++l.failed;
  if (ok && l.latency) {
    // curl's own time (a real run's curl_s) where there is one, else latency_ms: both from
    // curl's start, not the shell's fork of it.
    auto number = [&r](const char* key) {
      const sim::FieldValue* v = r.find(key);
      if (v == nullptr) return -1.0;
      if (const auto* d = std::get_if<double>(v)) return *d;
      if (const auto* i = std::get_if<std::int64_t>(v)) return static_cast<double>(*i);
      return -1.0;
    };
    const double curl_s = number(w::field::kCurlS);
    const double ms = curl_s >= 0 ? curl_s * 1e3 : number(w::field::kLatencyMs);
    if (ms >= 0) l.latency_max = std::max(l.latency_max, static_cast<sim::Time>(std::llround(ms * 1e6)));
  }
  if (ok) {
    if (const std::string_view by = text_of(r, w::field::kServedBy); !by.empty()) ++entry(l.served, by);
    if (const std::string_view lb = text_of(r, w::field::kLb); !lb.empty()) ++entry(l.lb, lb);
  }
  // The outage in send order. A record without a usable seq, or one already passed or repeated
  // (a hand-written real record), counts where it comes.
  const sim::FieldValue* q = r.find(w::field::kSeq);
  const std::int64_t seq = q != nullptr && std::holds_alternative<std::int64_t>(*q) ? std::get<std::int64_t>(*q) : 0;
  if (seq < l.next_seq || l.waiting.count(seq) != 0) {
    in_send_order(l, sent, ok);
    return;
  }
  if (seq == l.next_seq && l.waiting.empty()) {  // in order, as a closed loop's always are
    in_send_order(l, sent, ok);
    ++l.next_seq;
    return;
  }
  l.waiting.emplace(seq, std::make_pair(sent, ok));
  for (auto it = l.waiting.begin(); it != l.waiting.end() && it->first == l.next_seq; it = l.waiting.erase(it), ++l.next_seq)
    in_send_order(l, it->second.first, it->second.second);
}

void LoadChecks::in_send_order(Loop& l, sim::Time sent, bool ok) {
  if (!ok) {
    if (l.outage_from < 0) l.outage_from = sent;
    return;
  }
  if (l.outage_from >= 0) {
    l.outage_max = std::max(l.outage_max, sent - l.outage_from);
    l.outage_from = -1;
  }
}

void LoadChecks::finish(sim::Time end, std::map<std::string, double>& m) {
  for (auto& [name, l] : loops_) {
    // Requests that never answered (their client was killed, or the run ended) leave gaps: what
    // waited behind them counts now, in send order.
    for (const auto& [seq, x] : l.waiting) in_send_order(l, x.first, x.second);
    l.waiting.clear();
    m[name + ".requests"] = static_cast<double>(l.requests);
    m[name + ".failed"] = static_cast<double>(l.failed);
    for (const auto& [by, n] : l.served) m[name + ".served." + by] = static_cast<double>(n);
    for (const auto& [by, n] : l.lb) m[name + ".lb." + by] = static_cast<double>(n);
    const sim::Time open = l.outage_from >= 0 ? end - l.outage_from : 0;
    m[name + ".outage_max_s"] = sim::to_seconds(std::max(l.outage_max, open));
    if (l.latency && l.latency_max >= 0) m[name + ".latency_max_s"] = sim::to_seconds(l.latency_max);
  }
}

std::vector<std::string_view> LoadChecks::reads() const { return {w::kRequest}; }

}  // namespace scenarios
