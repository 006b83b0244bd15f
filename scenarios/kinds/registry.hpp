#pragma once
// What the loader, runner, render and bindings ask of a node's daemons, answered from their
// kinds' declarations (scenarios/kinds/kinds.hpp), so none of them names a kind.
#include <string>
#include <vector>

#include "scenarios/kinds/daemon_kind.hpp"
#include "scenarios/spec.hpp"

namespace scenarios {

/// Every kind's key, in list order ("haproxy", "nginx", "keepalived").
std::vector<std::string> kind_keys();
/// The processes faults may target on `n` (its daemons', in component order), without workloads.
std::vector<FaultTarget> fault_targets(const NodeSpec& n);
/// The one named `name`, or nullptr.
const FaultTarget* find_fault_target(const std::vector<FaultTarget>& targets, const std::string& name);
/// Every kind's operator steps (`promote`), each once, in the kinds' order.
std::vector<std::string> operator_actions();
/// The key of `n`'s first daemon whose kind offers operator step `action` ("" if none).
std::string daemon_for_action(const NodeSpec& n, const std::string& action);
/// Whether operator step `action` can be taken with a node alone (`promote: pg2`), as explore
/// draws it; `sql` cannot: it needs its statement.
bool operator_takes_node_alone(const std::string& action);
/// What is wrong with operator step `f`'s settings on `n` (`why` empty when nothing): a kind that
/// takes none refuses any.
SettingsError operator_settings_error(const NodeSpec& n, const FaultSpec& f);
/// The node names operator step `f`'s settings mention (checked by the loader).
std::vector<std::string> operator_node_refs(const NodeSpec& n, const FaultSpec& f);
/// Carries out operator step `f` (with its settings) on `daemon`, the process of `n`'s component
/// of the kind offering it.
void act(const NodeSpec& n, const FaultSpec& f, sim::Process& daemon);
/// Whether operator step `action` runs beside a stopped daemon (pg_rewind, pg_basebackup: on the
/// node's data, not through the daemon), from the kind's optional `acts_on_stopped(action)`;
/// every other step needs its daemon running (as the real command needs the daemon to answer).
bool operator_acts_on_stopped(const NodeSpec& n, const std::string& action);
/// Addresses `n`'s daemons may claim (VIPs), in component order, repeats kept.
std::vector<std::string> floating_addresses(const NodeSpec& n);

}  // namespace scenarios
