#pragma once
// Who holds each virtual IP, from the vip_added / vip_removed events (whatever adds or removes
// it: keepalived, a namespace going down, a removed interface): the `single_vip_holder`
// invariant, the VIP metrics and converge's `vip_held`.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "scenarios/checks/check.hpp"
#include "sim/network.hpp"

namespace scenarios {

/// Metrics per VIP V: `vip.V.moves` (configured on a node other than the last one that
/// configured it), `vip.V.holders_max`, `vip.V.multi_holder_s` (time with more than one holder),
/// `vip.V.unheld_max_s` (longest time with no holder once it was first configured: the failover gap).
class VipChecks final : public Check {
 public:
  /// `vips`: the addresses watched; `nodes`: the stack's nodes in scenario order, the order
  /// holders are listed in.
  VipChecks(const std::vector<std::string>& vips, const std::vector<std::string>& nodes, sim::Invariants& invariants);
  void on_record(const sim::TraceRecord& r) override;
  void finish(sim::Time end, std::map<std::string, double>& metrics) override;
  /// vip_held: one line per VIP not held by exactly one node ("172.20.0.100 held by nobody").
  void unsettled(const std::string& condition, std::vector<std::string>& problems) const override;
  std::vector<std::string_view> reads() const override;

 private:
  using Holder = std::pair<std::size_t, std::string>;  // (scenario order, node)
  struct Track {
    std::set<Holder> holders;
    std::string last_adder;
    std::int64_t moves = 0;
    std::size_t holders_max = 0;
    sim::Time multi_since = -1;
    sim::Time multi_total = 0;
    sim::Time unheld_since = -1;
    sim::Time unheld_max = 0;
  };
  static std::string who(const Track& t);
  sim::Invariants& invariants_;
  std::map<std::string, std::size_t> order_;
  std::map<sim::Ipv4, Track> tracks_;
};

}  // namespace scenarios
