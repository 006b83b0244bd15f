#pragma once
// Event kinds and their fields, declared once: the runner's own (fault, fault_end), and the
// list of every kind a check reads or a real run emits, with its fields, which the bindings
// give Python (`hasim.event_kinds()`) so that validation/parse_logs.py writes the same names
// (tests/python/test_event_kinds.py). Each kind's constant lives beside what makes it:
// sim/events.hpp (the engine), models/*/events.hpp (the models), here (the runner).
#include <string_view>
#include <vector>

namespace scenarios::events {

/// A fault's command issued (time: the issue, as the real runner stamps it): node, action,
/// target, source. Real runs add done_s (the command returned), planned_s, phase_offset_s, shell.
inline constexpr const char* kFault = "fault";
/// Its undo issued (`for`, or heal_at): action, target, source; real runs add done_s.
inline constexpr const char* kFaultEnd = "fault_end";
/// The run began: scenario, seed (an integer, or its decimal text above 2^63-1).
inline constexpr const char* kRunStart = "run_start";
/// `heal_at`: every fault still in effect undone (faults: how many), then one heal_start per
/// process the heal restarts (node, process: "" for the node itself).
inline constexpr const char* kHealAt = "heal_at";
inline constexpr const char* kHealStart = "heal_start";
/// `converge: {within, holds}` checked at its deadline: ok, missed (conditions unsettled), source.
inline constexpr const char* kConverge = "converge";

namespace field {
inline constexpr const char* kAction = "action";
inline constexpr const char* kTarget = "target";  // NODE or NODE/PROCESS
inline constexpr const char* kSource = "source";
}  // namespace field

struct EventKind {
  std::string_view kind;
  /// Its fields besides t_s; those only real runs write (a log line, curl's own timings) too.
  std::vector<std::string_view> fields;
};

/// Every kind the checks (scenarios/checks/) read or validation/parse_logs.py emits, in a fixed
/// order (engine, runner, workloads, then the daemon kinds in Kinds order).
const std::vector<EventKind>& declared_event_kinds();

}  // namespace scenarios::events
