#include "scenarios/checks/detection.hpp"

#include "models/haproxy/events.hpp"
#include "scenarios/events.hpp"
#include "scenarios/fault_actions.hpp"
#include "sim/events.hpp"

namespace scenarios {
namespace {

namespace hp = models::haproxy::events;
namespace ev = scenarios::events;

std::string target_node(const std::string& target) { return target.substr(0, target.find('/')); }

}  // namespace

std::string detection_direction(const std::string& a) {
  const FaultAction* action = find_fault_action(a);
  return action ? std::string(detection_name(action->detection)) : "";
}

void DetectionChecks::on_record(const sim::TraceRecord& r) {
  const std::string& k = r.kind;
  if (k == ev::kFault) {
    const std::string a = r.text(ev::field::kAction);
    const std::string node = target_node(r.text(ev::field::kTarget));
    const std::string direction = detection_direction(a);
    if (direction == "down") last_down_fault_[node] = r.time;
    if (direction == "up") last_up_fault_[node] = r.time;
  } else if (k == ev::kFaultEnd) {
    last_up_fault_[target_node(r.text(ev::field::kTarget))] = r.time;
  } else if (k == hp::kServerDown || k == hp::kServerUp || k == hp::kServerMaint) {
    if (k == hp::kServerDown) ++downs_;
    if (k == hp::kServerUp) ++ups_;
    const std::string backend = r.text(hp::field::kBackend), server = r.text(hp::field::kServer);
    auto it = server_node_.find(r.text(sim::events::field::kNode) + "/" + backend + "/" + server);
    if (it == server_node_.end()) return;
    // A server stops getting traffic when checks mark it DOWN or, with `resolvers`, when its
    // name stops resolving for `hold nx` (MAINT), whichever comes first.
    const bool down = k != hp::kServerUp;
    auto& faults = down ? last_down_fault_ : last_up_fault_;
    auto f = faults.find(it->second);
    if (f == faults.end()) return;
    detect_.emplace(backend + "." + server + (down ? ".detect_down_s" : ".detect_up_s"), sim::to_seconds(r.time - f->second));
    faults.erase(f);  // one event per fault
  }
}

void DetectionChecks::finish(sim::Time, std::map<std::string, double>& m) {
  for (const auto& [k, v] : detect_) m.emplace(k, v);
  if (downs_ > 0) m[std::string("haproxy.") + hp::kServerDown] = static_cast<double>(downs_);
  if (ups_ > 0) m[std::string("haproxy.") + hp::kServerUp] = static_cast<double>(ups_);
}

std::vector<std::string_view> DetectionChecks::reads() const {
  return {ev::kFault, ev::kFaultEnd, hp::kServerDown, hp::kServerUp, hp::kServerMaint};
}

}  // namespace scenarios
