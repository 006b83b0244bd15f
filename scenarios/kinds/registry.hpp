#pragma once
// What the loader, runner, render and bindings ask of a node's daemons, answered from their
// kinds' declarations (scenarios/kinds/kinds.hpp), so none of them names a kind.
#include <string>
#include <vector>

#include "scenarios/spec.hpp"

namespace scenarios {

/// Every kind's key, in list order ("haproxy", "nginx", "keepalived").
std::vector<std::string> kind_keys();
/// The processes faults may target on `n` (its daemons', in component order), without workloads.
std::vector<FaultTarget> fault_targets(const NodeSpec& n);
/// The one named `name`, or nullptr.
const FaultTarget* find_fault_target(const std::vector<FaultTarget>& targets, const std::string& name);
/// Addresses `n`'s daemons may claim (VIPs), in component order, repeats kept.
std::vector<std::string> floating_addresses(const NodeSpec& n);

}  // namespace scenarios
