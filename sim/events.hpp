#pragma once
// The trace records the engine itself makes (nodes, processes, addresses), one name each, and
// the field names they share with every model's records. Checks (scenarios/checks/) and the
// real runs' reader (validation/validate.cpp) read them by these names.
namespace sim::events {

inline constexpr const char* kNodeUp = "node_up";            // node
inline constexpr const char* kNodeDown = "node_down";        // node: its processes are gone
inline constexpr const char* kNodeStop = "node_stop";        // node: `docker stop` began (SIGTERM to each process)
inline constexpr const char* kNodeRecreate = "node_recreate";  // node: a new container, its disk's writable layer gone
inline constexpr const char* kProcessExec = "process_exec";    // node, process: exec'd, not yet serving
inline constexpr const char* kProcessStart = "process_start";  // node, process
inline constexpr const char* kProcessSigterm = "process_sigterm";  // node, process: asked to stop
inline constexpr const char* kProcessExit = "process_exit";    // node, process
inline constexpr const char* kProcessFreeze = "process_freeze";  // node, process: SIGSTOP or cgroup freeze
inline constexpr const char* kProcessThaw = "process_thaw";      // node, process
/// A node's dynamic address re-allocated as it came up again (a container without a fixed
/// address restarted): node, old, new. sim/network.cpp makes them.
inline constexpr const char* kAddressChange = "address_change";
/// A floating address added to or removed from a node (keepalived's VIP, `ip addr add/del`):
/// node, vip. sim/network.cpp makes them.
inline constexpr const char* kVipAdded = "vip_added";
inline constexpr const char* kVipRemoved = "vip_removed";

/// Field names used by many kinds.
namespace field {
inline constexpr const char* kNode = "node";        // the node the record is about (or made on)
inline constexpr const char* kProcess = "process";  // a process name on that node
inline constexpr const char* kVip = "vip";          // an IPv4 address as text
inline constexpr const char* kOld = "old";          // address_change: the address before
inline constexpr const char* kNew = "new";          // address_change: the address after
}  // namespace field

}  // namespace sim::events
