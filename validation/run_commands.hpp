#pragma once
// Each real run's own `docker start` and the start-ups after it, for the simulated seeds of that
// run: the two are one start in one moment of the host, and drawn apart from the pooled runs a
// seed reaches the slowest run's sum only by drawing both maxima (a CI run beside a CPU hog,
// 2026-12-06: 0.393 + 0.535 s, 1 ms above 20,000 seeds).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "scenarios/tree.hpp"
#include "validation/validate.hpp"

namespace validation {

/// One run's start latencies by runtime setting: `command_delay.start` from its
/// command_delays_s.start and `daemon_start.KIND` from its startup_delays_s.later (a `docker
/// start`'s start-ups; not the stack's first, every node's at once). The other commands are each
/// their own moment and stay pooled. Throws as seconds_list does for a malformed list.
std::map<std::string, std::vector<double>> run_command_samples(const scenarios::Tree& run, const std::string& path);

/// For each setting in `keys` that every run measured at least once, one Measured per run, in
/// run order; nothing for fewer than 2 runs.
std::map<std::string, std::vector<Measured>> each_run_own(const std::vector<std::map<std::string, std::vector<double>>>& runs,
                                                          const std::set<std::string>& keys);

}  // namespace validation
