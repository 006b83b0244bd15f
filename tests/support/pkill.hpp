#pragma once
// `pkill -x COMM` in a test: the signal goes to every process of that name on the node, as the
// runner's process faults do (keepalived's parent and VRRP child are both "keepalived").
#include <string_view>

#include "sim/node.hpp"
#include "sim/process.hpp"

namespace testing {

inline void pkill_kill(sim::Node& n, std::string_view comm) {
  for (sim::Process* p : n.processes_with_comm(comm)) p->kill();
}
inline void pkill_stop(sim::Node& n, std::string_view comm) {
  for (sim::Process* p : n.processes_with_comm(comm)) p->freeze();
}
inline void pkill_cont(sim::Node& n, std::string_view comm) {
  for (sim::Process* p : n.processes_with_comm(comm)) p->thaw();
}

}  // namespace testing
