#include "scenarios/kinds/registry.hpp"

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

std::vector<std::string> floating_addresses(const NodeSpec& n) {
  std::vector<std::string> out;
  for (const auto& c : n.components) {
    auto a = visit_kind(c, [](auto kind, const auto& config) { return decltype(kind)::floating_addresses(config); });
    out.insert(out.end(), a.begin(), a.end());
  }
  return out;
}

}  // namespace scenarios
