#pragma once
// Watches who holds each virtual IP, whatever adds or removes it (keepalived, a namespace going
// down, a removed interface), and keeps the `single_vip_holder` invariant and the VIP metrics.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/network.hpp"
#include "sim/simulation.hpp"

namespace models::keepalived {

/// Metrics per VIP V: `vip.V.moves` (configured on a node other than the last one that
/// configured it), `vip.V.holders_max`, `vip.V.multi_holder_s` (time with more than one holder),
/// `vip.V.unheld_max_s` (longest time with no holder once it was first configured: the failover gap).
class VipMonitor {
 public:
  VipMonitor(sim::Simulation& sim, const std::vector<sim::Ipv4>& vips);
  /// Closes the open interval and writes the metrics (call once, at the end of the run).
  void finish(sim::Time end);
  /// One line per VIP not held by exactly one node ("172.20.0.100 held by nobody"): what
  /// `converge: {holds: [vip_held]}` reports.
  void unsettled(std::vector<std::string>& problems) const;

 private:
  struct Track {
    std::set<sim::NodeId> holders;
    std::optional<sim::NodeId> last_adder;
    std::int64_t moves = 0;
    std::size_t holders_max = 0;
    sim::Time multi_since = -1;
    sim::Time multi_total = 0;
    sim::Time unheld_since = -1;
    sim::Time unheld_max = 0;
  };
  void changed(sim::NodeId node, sim::Ipv4 ip, bool added);
  sim::Simulation& sim_;
  std::map<sim::Ipv4, Track> tracks_;
};

}  // namespace models::keepalived
