#pragma once
// The real side of a daemon kind's declaration (its simulated side is scenarios::DaemonKind):
// `RealDaemon<Config>` is specialised once per kind in validation/kinds/KEY.hpp and says how the
// real daemon runs in a hasim container: the Debian packages of its image, the command that runs
// it in the foreground, the signal its own stop sends, the configuration files rendered from its
// section and where they are mounted, and what run_real.py needs to know of it (plan.json).
// `hasim render` iterates over the kinds; a kind without a part fails `RealDeclared`.
#include <concepts>
#include <string>
#include <utility>
#include <vector>

#include "scenarios/spec.hpp"
#include "validation/render.hpp"

namespace validation {

/// One file of a node's configuration, rendered into DIR/NODE/PATH.
struct NodeFile {
  std::string path;
  std::string text;
};

/// Where a daemon's section is rendered.
struct RenderContext {
  const scenarios::ScenarioSpec& spec;
  const scenarios::NodeSpec& node;
  /// "FILE: nodes.N.KEY", the prefix of any "cannot be rendered" message.
  std::string where;
  /// The engine the stack runs on (where its DNS answers).
  Engine engine = Engine::Docker;
};

/// No primary definition: a kind nobody gave a real side cannot be rendered, nor compiled.
template <class Config>
struct RealDaemon;

template <class R, class Config>
concept RealDeclared = requires(const RenderContext& ctx, const Config& c) {
  /// Debian packages its image installs (on top of the base layer).
  { R::packages() } -> std::same_as<std::vector<std::string>>;
  /// The shell line that runs it in the foreground, logging to the container's output.
  { R::command() } -> std::same_as<std::string>;
  /// The signal its own stop sends (the official image's STOPSIGNAL), without "SIG".
  { R::stop_signal() } -> std::same_as<std::string>;
  /// The stop signal goes to the oldest process of that name only (keepalived's parent, which
  /// stops its children itself), not to every one.
  { R::stop_oldest_only() } -> std::same_as<bool>;
  /// The command run inside its container (`docker exec`) for each operator step its simulated
  /// side offers (scenarios::DaemonKind::operator_actions: `promote`); empty for any other.
  { R::operator_command(std::declval<const std::string&>()) } -> std::same_as<std::vector<std::string>>;
  /// Its container needs NET_ADMIN/NET_RAW (raw sockets, addresses it adds itself).
  { R::net_admin() } -> std::same_as<bool>;
  /// Its configuration files under the node's directory, and (path there, target in the
  /// container) pairs bind-mounted read-only.
  { R::files(ctx, c) } -> std::same_as<std::vector<NodeFile>>;
  { R::mounts() } -> std::same_as<std::vector<std::pair<std::string, std::string>>>;
  /// A fixed text of the log line that says it is ready (serving, or its VRRP instance running):
  /// run_real.py measures each start's latency to it.
  { R::ready_log() } -> std::same_as<std::string>;
  /// A JSON object for plan.json's list under the kind's key (what run_real.py reads of it), or
  /// "" for none.
  { R::plan_entry(ctx, c) } -> std::same_as<std::string>;
};

}  // namespace validation
