#pragma once
// What the real stack needs of each workload kind (scenarios/workload_kinds.hpp), one entry per
// kind keyed by the kind's declared name, as validation/kinds/ holds each daemon kind's real
// parts: render asks this table and names no workload kind. A declared kind without an entry
// cannot be rendered (workload_render throws) and fails tests/validation/render_workloads_test.cpp.
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/spec.hpp"

namespace validation::detail {

struct WorkloadRender {
  std::string_view kind;  // a name of scenarios::workload_kinds()
  /// The image a node without daemons runs for it (kPgClientImage, kProbeImage), or "" for
  /// "base". Its packages and scripts are that image's (image_context).
  std::string_view client_image;
  /// Whether every haproxy.cfg tags its answers with itself and its server (X-Hasim-Lb,
  /// X-Hasim-Server) for this kind's client to record.
  bool answerer_headers = false;
  /// Refuses (cannot_render, naming `key`) a node it cannot run on: `node_processes` are the
  /// daemons of its node.
  void (*check_node)(const std::string& key, const std::vector<std::string>& node_processes) = nullptr;
  /// Its plan.json entry (one JSON object): what run_real.py starts and reads back.
  std::string (*plan_entry)(const scenarios::ScenarioSpec& spec, const std::string& name,
                            const scenarios::WorkloadSpec& w) = nullptr;
};

/// One entry per declared workload kind, in the declaration's order.
const std::vector<WorkloadRender>& workload_renders();
/// The entry of kind `kind`; std::logic_error when a declared kind has none.
const WorkloadRender& workload_render(std::string_view kind);

}  // namespace validation::detail
