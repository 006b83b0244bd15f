#pragma once
// Pieces of validation::render_scenario, exposed for unit tests: each returns one file's text.
#include <string>
#include <vector>

#include "scenarios/spec.hpp"
#include "validation/render.hpp"

namespace validation::detail {

/// A duration in the syntax HAProxy, nginx and curl accept: "2s", "150ms", "250us".
std::string haproxy_time(sim::Time t);
/// The same as a decimal number of seconds ("0.5"), for sleep, curl and JSON.
std::string seconds(sim::Time t);
/// The gateway of an IPv4 subnet "a.b.c.d/n": the first host address, where podman's aardvark-dns
/// (and the seed's `nameserver 10.89.4.1:53`) answers container names.
std::string gateway_of(const std::string& subnet);

/// Throws the located error for a scenario feature the real stack cannot reproduce.
[[noreturn]] void cannot_render(const std::string& where, const std::string& what);
std::string join(const std::vector<std::string>& v, const std::string& sep);
/// A JSON string literal, and a JSON list of them.
std::string json_str(const std::string& s);
std::string json_list(const std::vector<std::string>& v);
/// docker-compose.yml (file format 2.4, which docker-compose 1.29 and Docker Compose v2 read).
std::string render_compose(const scenarios::ScenarioSpec& spec, const std::string& project, Engine engine = Engine::Docker);
/// plan.json: the fault timeline as real commands, the workloads and the logs to collect.
std::string render_plan(const scenarios::ScenarioSpec& spec, const std::string& project, Engine engine = Engine::Docker);
/// The compose project name for a scenario ("hasim-" + name, lower case, [a-z0-9_-]).
std::string project_name(const scenarios::ScenarioSpec& spec);

/// SHA-256 of `data`, 64 lower-case hex digits.
std::string sha256_hex(const std::string& data);

/// One file of an image's build context (path relative to the context, '/'-separated).
struct ContextFile {
  std::string path;
  std::string text;
  bool executable = false;
};

/// The image a node runs: its daemons' packages, named after them in a fixed order
/// ("haproxy", "nginx-keepalived", ...; "base" for a node without daemons such as a client).
/// Nodes of the same kind share one image, across scenarios too.
std::string image_kind(const scenarios::NodeSpec& n);
/// The image of a node in its scenario: a node without daemons that runs a pg_writer workload
/// runs "pgclient" (psql and pg-writer.sh), one that runs an http_probe "probe" (probe.sh: the
/// other images, and their tags, stay as they were), every other node image_kind(n).
inline constexpr const char* kPgClientImage = "pgclient";
inline constexpr const char* kProbeImage = "probe";
/// pgbench and pgbench.sh (Debian's postgresql-15: bookworm ships pgbench there).
inline constexpr const char* kPgbenchImage = "pgbench";
std::string image_kind(const scenarios::ScenarioSpec& spec, const scenarios::NodeSpec& n);
/// The build context of a kind: a Dockerfile and hasim's generic scripts, nothing of a node's
/// configuration (compose bind-mounts that), sorted by path.
std::vector<ContextFile> image_context(const std::string& kind);
/// The content hash of a context: SHA-256 over, for each file in path order,
/// "PATH\nMODE\nSIZE\n" + content, MODE being 755 or 644. run_real.py recomputes it from the
/// rendered directory to refuse a context edited after rendering.
std::string context_hash(const std::vector<ContextFile>& files);
/// "localhost/hasim/KIND:" + the first 12 hex digits of context_hash.
std::string image_name(const std::string& kind);

}  // namespace validation::detail
