#pragma once
// Renders a scenario into the files of the real stack it describes, so the same scenario runs
// in containers: docker-compose.yml, Dockerfiles FROM debian:bookworm-slim, haproxy.cfg,
// nginx.conf, keepalived.conf, the client script, and plan.json (the fault timeline as real
// commands, for validation/run_real.py).
#include <optional>
#include <string>
#include <vector>

#include "scenarios/spec.hpp"

namespace validation {

/// The container engine the rendered stack runs on. They differ where the containers ask for
/// names: Docker's embedded DNS answers at 127.0.0.11 inside every container of a user-defined
/// network; podman's aardvark-dns at each network's gateway (the seed's `nameserver
/// 10.89.4.1:53`). Users run `docker compose` (the default); the validation runner runs podman.
enum class Engine { Docker, Podman };
/// "docker", "podman".
const char* engine_name(Engine e);
/// The engine named `name`, or std::nullopt.
std::optional<Engine> engine_named(const std::string& name);

struct RenderOptions {
  Engine engine = Engine::Docker;
};

/// Writes the stack into `dir` (created if missing). Returns the files written, relative to dir.
/// Throws std::runtime_error (unwritable dir) or scenarios::ScenarioError (a scenario feature
/// the real stack cannot express, naming it).
std::vector<std::string> render_scenario(const scenarios::ScenarioSpec& spec, const std::string& dir,
                                         const RenderOptions& options = {});

}  // namespace validation
