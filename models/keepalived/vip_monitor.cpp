#include "models/keepalived/vip_monitor.hpp"

#include <algorithm>

#include "sim/node.hpp"

namespace models::keepalived {

VipMonitor::VipMonitor(sim::Simulation& sim, const std::vector<sim::Ipv4>& vips) : sim_(sim) {
  for (const auto& v : vips) tracks_[v];
  // A normal hand-over leaves the VIP on both nodes until the new master's first advert reaches
  // the old one: one wire latency, well under a millisecond. A split brain lasts at least a
  // master-down interval (about 3 s). 100 ms separates the two; multi_holder_s counts both.
  sim_.invariants().set_grace("single_vip_holder", 100 * sim::kMillisecond);
  sim_.network().observe_addresses([this](sim::NodeId n, sim::Ipv4 ip, bool added) { changed(n, ip, added); });
}

void VipMonitor::changed(sim::NodeId node, sim::Ipv4 ip, bool added) {
  auto it = tracks_.find(ip);
  if (it == tracks_.end()) return;
  Track& t = it->second;
  const sim::Time now = sim_.now();
  if (added) {
    t.holders.insert(node);
    if (t.last_adder && *t.last_adder != node) ++t.moves;
    t.last_adder = node;
  } else {
    t.holders.erase(node);
  }
  if (t.holders.size() > t.holders_max) t.holders_max = t.holders.size();
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
  std::string who;
  for (sim::NodeId h : t.holders) who += (who.empty() ? "" : ",") + sim_.node(h).name();
  sim_.invariants().update(now, "single_vip_holder", ip.str(), multi, ip.str() + " held by " + who);
}

void VipMonitor::unsettled(std::vector<std::string>& problems) const {
  for (const auto& [ip, t] : tracks_) {
    if (t.holders.size() == 1) continue;
    std::string who;
    for (sim::NodeId h : t.holders) who += (who.empty() ? "" : ",") + sim_.node(h).name();
    problems.push_back(ip.str() + " held by " + (who.empty() ? "nobody" : who));
  }
}

void VipMonitor::finish(sim::Time end) {
  for (auto& [ip, t] : tracks_) {
    sim::Time total = t.multi_total;
    if (t.multi_since >= 0) total += end - t.multi_since;
    const std::string p = "vip." + ip.str() + ".";
    sim_.metrics().set(p + "moves", static_cast<double>(t.moves));
    sim_.metrics().set(p + "holders_max", static_cast<double>(t.holders_max));
    sim_.metrics().set(p + "multi_holder_s", sim::to_seconds(total));
    const sim::Time unheld = t.unheld_since >= 0 ? std::max(t.unheld_max, end - t.unheld_since) : t.unheld_max;
    sim_.metrics().set(p + "unheld_max_s", sim::to_seconds(unheld));
  }
}

}  // namespace models::keepalived
