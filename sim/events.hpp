#pragma once
// The trace records the engine itself makes (nodes, processes, addresses), one name each, and
// the field names they share with every model's records. Checks (scenarios/checks/) and the
// real runs' reader (validation/validate.cpp) read them by these names.
namespace sim::events {

inline constexpr const char* kNodeUp = "node_up";            // node
inline constexpr const char* kNodeDown = "node_down";        // node: its processes are gone
inline constexpr const char* kProcessStart = "process_start";  // node, process
inline constexpr const char* kProcessExit = "process_exit";    // node, process
/// A floating address added to or removed from a node (keepalived's VIP, `ip addr add/del`):
/// node, vip. sim/network.cpp makes them.
inline constexpr const char* kVipAdded = "vip_added";
inline constexpr const char* kVipRemoved = "vip_removed";

/// Field names used by many kinds.
namespace field {
inline constexpr const char* kNode = "node";        // the node the record is about (or made on)
inline constexpr const char* kProcess = "process";  // a process name on that node
inline constexpr const char* kVip = "vip";          // an IPv4 address as text
}  // namespace field

}  // namespace sim::events
