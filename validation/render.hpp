#pragma once
// Renders a scenario into the files of the real stack it describes, so the same scenario runs
// in containers: docker-compose.yml, Dockerfiles FROM debian:bookworm-slim, haproxy.cfg,
// nginx.conf, keepalived.conf, the client script, and plan.json (the fault timeline as real
// commands, for validation/run_real.py).
#include <string>
#include <vector>

#include "scenarios/spec.hpp"

namespace validation {

/// Writes the stack into `dir` (created if missing). Returns the files written, relative to dir.
/// Throws std::runtime_error (unwritable dir) or scenarios::ScenarioError (a scenario feature
/// the real stack cannot express, naming it).
std::vector<std::string> render_scenario(const scenarios::ScenarioSpec& spec, const std::string& dir);

}  // namespace validation
