#include "scenarios/kinds/registry.hpp"

#include <algorithm>

namespace scenarios {

std::vector<std::string> kind_keys() {
  std::vector<std::string> keys;
  Kinds::each([&](auto kind) { keys.emplace_back(decltype(kind)::key); });
  return keys;
}

std::vector<FaultTarget> fault_targets(const NodeSpec& n) {
  std::vector<FaultTarget> out;
  for (const auto& c : n.components) {
    auto t = visit_kind(c, [](auto kind, const auto& config) { return decltype(kind)::fault_targets(config); });
    out.insert(out.end(), t.begin(), t.end());
  }
  return out;
}

const FaultTarget* find_fault_target(const std::vector<FaultTarget>& targets, const std::string& name) {
  for (const auto& t : targets)
    if (t.name == name) return &t;
  return nullptr;
}

std::vector<std::string> operator_actions() {
  std::vector<std::string> out;
  Kinds::each([&](auto kind) {
    for (const auto& a : decltype(kind)::operator_actions())
      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  });
  return out;
}

std::string daemon_for_action(const NodeSpec& n, const std::string& action) {
  for (const auto& c : n.components) {
    const auto actions = visit_kind(c, [](auto kind, const auto&) { return decltype(kind)::operator_actions(); });
    if (std::find(actions.begin(), actions.end(), action) != actions.end()) return std::string(kind_key(c));
  }
  return "";
}

bool operator_takes_node_alone(const std::string& action) {
  bool alone = false;
  Kinds::each([&](auto kind) {
    using K = decltype(kind);
    const auto actions = K::operator_actions();
    if (std::find(actions.begin(), actions.end(), action) == actions.end()) return;
    if constexpr (TakesOperatorSettings<K>) alone = alone || K::operator_settings_error(action, {}).why.empty();
    else alone = true;
  });
  return alone;
}

SettingsError operator_settings_error(const NodeSpec& n, const FaultSpec& f) {
  const std::string key = daemon_for_action(n, f.action);
  for (const auto& c : n.components)
    if (kind_key(c) == key)
      return visit_kind(c, [&](auto kind, const auto&) -> SettingsError {
        using K = decltype(kind);
        if constexpr (TakesOperatorSettings<K>) return K::operator_settings_error(f.action, f.settings);
        else if (f.settings.empty()) return {};
        else return {f.settings.front().first, f.action + " takes no settings, only a node (e.g. '" + f.target + "')"};
      });
  return {};
}

std::vector<std::string> operator_node_refs(const NodeSpec& n, const FaultSpec& f) {
  const std::string key = daemon_for_action(n, f.action);
  for (const auto& c : n.components)
    if (kind_key(c) == key)
      return visit_kind(c, [&](auto kind, const auto&) -> std::vector<std::string> {
        using K = decltype(kind);
        if constexpr (TakesOperatorSettings<K>) return K::operator_node_refs(f.action, f.settings);
        else return {};
      });
  return {};
}

void act(const NodeSpec& n, const FaultSpec& f, sim::Process& daemon) {
  for (const auto& c : n.components)
    if (kind_key(c) == daemon.name()) {
      visit_kind(c, [&](auto kind, const auto&) {
        using K = decltype(kind);
        if constexpr (TakesOperatorSettings<K>) K::act_with(daemon, f.action, f.settings);
        else K::act(daemon, f.action);
      });
      return;
    }
}

bool operator_acts_on_stopped(const NodeSpec& n, const std::string& action) {
  const std::string key = daemon_for_action(n, action);
  bool out = false;
  for (const auto& c : n.components)
    if (kind_key(c) == key)
      visit_kind(c, [&](auto kind, const auto&) {
        using K = decltype(kind);
        if constexpr (requires { K::acts_on_stopped(action); }) out = K::acts_on_stopped(action);
      });
  return out;
}

std::vector<std::string> floating_addresses(const NodeSpec& n) {
  std::vector<std::string> out;
  for (const auto& c : n.components) {
    auto a = visit_kind(c, [](auto kind, const auto& config) { return decltype(kind)::floating_addresses(config); });
    out.insert(out.end(), a.begin(), a.end());
  }
  return out;
}

}  // namespace scenarios
