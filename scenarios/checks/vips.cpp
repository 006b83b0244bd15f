#include "scenarios/checks/vips.hpp"

#include <algorithm>

#include "sim/events.hpp"

namespace scenarios {

namespace se = sim::events;

VipChecks::VipChecks(const std::vector<std::string>& vips, const std::vector<std::string>& nodes, sim::Invariants& invariants)
    : invariants_(invariants) {
  for (const auto& v : vips)
    if (auto ip = sim::Ipv4::parse(v)) tracks_[*ip];
  for (std::size_t i = 0; i < nodes.size(); ++i) order_.emplace(nodes[i], i);
  // A normal hand-over leaves the VIP on both nodes until the new master's first advert reaches
  // the old one: one wire latency, well under a millisecond. A split brain lasts at least a
  // master-down interval (about 3 s). 100 ms separates the two; multi_holder_s counts both.
  invariants_.set_grace("single_vip_holder", 100 * sim::kMillisecond);
}

std::string VipChecks::who(const Track& t) {
  std::string out;
  for (const auto& h : t.holders) out += (out.empty() ? "" : ",") + h.second;
  return out;
}

void VipChecks::on_record(const sim::TraceRecord& r) {
  const bool added = r.kind == se::kVipAdded;
  if (!added && r.kind != se::kVipRemoved) return;
  const auto ip = sim::Ipv4::parse(r.text(se::field::kVip));
  if (!ip) return;
  auto it = tracks_.find(*ip);
  if (it == tracks_.end()) return;
  Track& t = it->second;
  const std::string node = r.text(se::field::kNode);
  const auto o = order_.find(node);
  const Holder h{o == order_.end() ? order_.size() : o->second, node};
  const sim::Time now = r.time;
  if (added) {
    t.holders.insert(h);
    if (!t.last_adder.empty() && t.last_adder != node) ++t.moves;
    t.last_adder = node;
  } else {
    t.holders.erase(h);
  }
  t.holders_max = std::max(t.holders_max, t.holders.size());
  if (t.holders.empty() && t.unheld_since < 0) t.unheld_since = now;
  if (!t.holders.empty() && t.unheld_since >= 0) {
    t.unheld_max = std::max(t.unheld_max, now - t.unheld_since);
    t.unheld_since = -1;
  }
  const bool multi = t.holders.size() > 1;
  if (multi && t.multi_since < 0) t.multi_since = now;
  if (!multi && t.multi_since >= 0) {
    t.multi_total += now - t.multi_since;
    t.multi_since = -1;
  }
  invariants_.update(now, "single_vip_holder", ip->str(), multi, ip->str() + " held by " + who(t));
}

void VipChecks::unsettled(const std::string& condition, std::vector<std::string>& problems) const {
  if (condition != "vip_held") return;
  for (const auto& [ip, t] : tracks_) {
    if (t.holders.size() == 1) continue;
    const std::string w = who(t);
    problems.push_back(ip.str() + " held by " + (w.empty() ? "nobody" : w));
  }
}

void VipChecks::finish(sim::Time end, std::map<std::string, double>& m) {
  for (auto& [ip, t] : tracks_) {
    sim::Time total = t.multi_total;
    if (t.multi_since >= 0) total += end - t.multi_since;
    const std::string p = "vip." + ip.str() + ".";
    m[p + "moves"] = static_cast<double>(t.moves);
    m[p + "holders_max"] = static_cast<double>(t.holders_max);
    m[p + "multi_holder_s"] = sim::to_seconds(total);
    const sim::Time unheld = t.unheld_since >= 0 ? std::max(t.unheld_max, end - t.unheld_since) : t.unheld_max;
    m[p + "unheld_max_s"] = sim::to_seconds(unheld);
  }
}

std::vector<std::string_view> VipChecks::reads() const { return {se::kVipAdded, se::kVipRemoved}; }

}  // namespace scenarios
