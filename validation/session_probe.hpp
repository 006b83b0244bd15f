#pragma once
// The writer's session opening as run_real.py's session probe measured it in the writer's own
// container after each real run (SESSION_PROBE_SH): per trial, getent, psql's exec alone, psql
// started to its session ready, and the writer's transaction on the new backend and again.
#include <map>
#include <string>
#include <vector>

#include "scenarios/tree.hpp"

namespace validation {

/// One run's probe as the simulator's session steps, seconds per trial, keyed by the runtime
/// setting each one feeds: `getent` (the look-up process), `psql_start` (psql's fork, exec and
/// dynamic loading: `psql --version`), `backend_warmup` (the writer's transaction on the new
/// backend less the same again on that session; a trial whose second was the slower gives 0).
/// The probe's up_s (psql started to its session ready) is not used: it is psql's start again
/// (2026-12-04: up_s - exec_s of each trial had a median of -7 ms, within psql's own spread), so
/// the connection and the backend's fork add nothing measurable. Empty without a probe (records
/// made before it, a run with no pg_writer). Throws std::runtime_error naming `path` and the line
/// on a malformed probe (lists of unequal length, a non-number).
std::map<std::string, std::vector<double>> session_probe_samples(const scenarios::Tree& run, const std::string& path);

}  // namespace validation
