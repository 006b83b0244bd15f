#pragma once
// HAProxy's detection times: from a fault on a server's node to the state change it caused.
#include <map>
#include <string>

#include "scenarios/checks/check.hpp"

namespace scenarios {

/// Which detection a fault action opens on its target's node, as its declaration says
/// (scenarios/fault_actions.hpp): "down" (stop, kill, crash, freeze, disconnect, link_down), "up"
/// (start, restart, recreate, thaw, connect, link_up) or "". The real runner's plan
/// (validation/render.cpp) says the same of each fault.
std::string detection_direction(const std::string& action);

/// Per server, `BACKEND.SERVER.detect_down_s` (from the first down fault's command on the
/// server's node — stop, kill, crash, freeze, disconnect, link_down — to the first server_down
/// or server_maint that follows: checks marking it DOWN or, with `resolvers`, its name no longer
/// resolving) and `detect_up_s` (from an up fault — start, restart, recreate, thaw, connect,
/// link_up — or a
/// fault's end, to server_up): the figures a user tunes `inter`/`fall`/`rise` for. Each fault
/// counts for one event; the first value of each metric stands. Also `haproxy.server_down` and
/// `haproxy.server_up`, the state changes of every HAProxy summed (absent when none).
class DetectionChecks final : public Check {
 public:
  /// `server_node`: "HAPROXY_NODE/BACKEND/SERVER" -> the node the server's address names.
  explicit DetectionChecks(std::map<std::string, std::string> server_node) : server_node_(std::move(server_node)) {}
  void on_record(const sim::TraceRecord& r) override;
  void finish(sim::Time end, std::map<std::string, double>& metrics) override;
  std::vector<std::string_view> reads() const override;

 private:
  std::map<std::string, std::string> server_node_;
  std::map<std::string, sim::Time> last_down_fault_, last_up_fault_;  // node -> the fault's time
  std::map<std::string, double> detect_;
  std::int64_t downs_ = 0, ups_ = 0;
};

}  // namespace scenarios
