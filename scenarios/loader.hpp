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

// Component sections, one per model (scenarios/components/*.cpp).
models::haproxy::HaproxyConfig read_haproxy(const Tree& t, const std::string& path);
models::NginxConfig read_nginx(const Tree& t, const std::string& path);
models::keepalived::KeepalivedConfig read_keepalived(const Tree& t, const std::string& path);
/// Process timing keys every component accepts.
ProcessTiming read_timing(const Tree& t, const std::string& path);

}  // namespace scenarios
