#pragma once
// Every workload kind declared once: its `kind:` name, how its entry is read, what it builds on
// its node, the checks its records call for, and whether `repoint` may send it elsewhere. The
// loader, runner, explore and the checks read this table; none of them names a workload kind.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/spec.hpp"
#include "scenarios/tree.hpp"

namespace sim {
class Simulation;
}  // namespace sim

namespace scenarios {

/// What a workload's records are, and so which checks compute its figures.
enum class WorkloadChecks {
  Load,      // requests: load.* and the outage (scenarios/checks/load.hpp)
  Postgres,  // commits and reads: commits.*, R.visible_after_ms.*, no_acked_commit_lost (scenarios/postgres_checks.hpp)
};

/// Checks a node name a workload's entry names (the loader's, with its file:line on failure).
using NodeCheck = std::function<void(const std::string& node, const Tree& at, const std::string& path)>;

struct WorkloadKind {
  std::string_view name;
  WorkloadChecks checks = WorkloadChecks::Load;
  /// `repoint: {workload: W, host: NODE}` rewrites its connection string.
  bool repointable = false;
  /// Reads the entry `t` at `path` (its `kind` already known) into `w`.
  void (*read)(const Tree& t, const std::string& path, const std::string& name, const NodeCheck& check_node,
               WorkloadSpec& w) = nullptr;
  /// Adds its process to its node (not started). `load`: the run's machine-load draw, which
  /// stretches a shell loop's own overhead.
  void (*build)(sim::Simulation& s, const ScenarioSpec& spec, const std::string& name, const WorkloadSpec& w,
                double load) = nullptr;
};

/// The kinds' names, for the code that builds one kind's parts (here, and the real stack's
/// render table, validation/render_workloads.cpp): nothing else names a kind.
inline constexpr std::string_view kHttpClient = "http_client";  // the seed's closed loop (load.sh)
inline constexpr std::string_view kHttpProbe = "http_probe";    // the open loop (probe.sh)
inline constexpr std::string_view kPgWriter = "pg_writer";      // INSERTs on a session (pg-writer.sh)
inline constexpr std::string_view kPgReader = "pg_reader";      // SELECT max(id) on a session (pg-reader.sh)
inline constexpr std::string_view kPgbench = "pgbench";         // pgbench's TPC-B-like script (pgbench.sh)

/// Every kind, the default (`http_client`) first.
const std::vector<WorkloadKind>& workload_kinds();
/// The kind named `name`, or nullptr.
const WorkloadKind* find_workload_kind(std::string_view name);

}  // namespace scenarios
