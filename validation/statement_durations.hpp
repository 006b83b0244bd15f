#pragma once
// The writer's statements as its backends timed them in a real run: pg-writer.sh's session sets
// log_min_duration_statement = 0, and run_real.py keeps each statement's logged duration by its
// first word (BEGIN, INSERT, SELECT, COMMIT) under the run's `statement_durations_s`.
#include <map>
#include <string>
#include <vector>

#include "scenarios/spec.hpp"
#include "scenarios/tree.hpp"

namespace validation {

/// One run's durations in seconds, by statement; empty for a record made before they were logged
/// or a run with no writer. Throws std::runtime_error naming `path` and the line on a malformed
/// entry (not a list, not a number, a negative one).
std::map<std::string, std::vector<double>> statement_duration_samples(const scenarios::Tree& run, const std::string& path);

/// One run's `writer_overheads_s` (run_real.py since 2026-12-05): each acknowledged commit of a
/// warm session, its latency at the writer less its four statements' server durations, in
/// seconds; empty for an older record. Malformed entries throw as above.
std::vector<double> writer_overhead_samples(const scenarios::Tree& run, const std::string& path);

/// Whether a COMMIT's logged duration may hold a wait for synchronous standbys: some server of
/// the scenario names them (synchronous_standby_names), so a commit at `on`, `remote_write` or
/// `remote_apply` returns only when they confirm (SyncRepWaitForLSN, inside the COMMIT's
/// duration). Such a duration is not the local WAL flush the model's commit_flush stands for, and
/// the model simulates the standbys' part itself; a stopped sync standby made 1% of one record's
/// COMMITs 10 s long (2026-12-08). run_real.py pools a run's COMMITs over its writers, so one
/// writer at `local` beside one at `on` does not make them flushes.
bool commits_may_wait_for_standbys(const scenarios::ScenarioSpec& spec);

}  // namespace validation
