#pragma once
#include <string>
#include <vector>

#include "scenarios/spec.hpp"
#include "scenarios/tree.hpp"

namespace scenarios {

/// Reads a scenario file, applies `--set` overrides, and validates everything; throws
/// ScenarioError naming file, line, column and key path on the first problem.
ScenarioSpec load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});
/// The same from a tree already in memory (the Python module builds one from a dict).
ScenarioSpec spec_from_tree(const Tree& root, const std::string& file);

/// Process timing keys every daemon's section accepts (its own keys are its kind's: scenarios/kinds/).
ProcessTiming read_timing(const Tree& t, const std::string& path);

}  // namespace scenarios
