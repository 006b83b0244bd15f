#pragma once
// How fast the host ran pgbench -i's COPY in a real run, read from the run's own
// pg_stat_replication rows: the simulated COPY's pace (runtime.bulk_row) is the host's that day,
// which on the shared validation host ran from 1.6 to 9 us a row (2026-12-04 and 05).
#include <optional>

#include "scenarios/tree.hpp"

namespace validation {

/// The seed's monitor reads pg_current_wal_lsn() every second; pgbench.sh's set-up (pgbench -i)
/// writes the WAL of a COPY at the host's pace. The fastest second between two rows, if it wrote
/// at least 20 MB (a second wholly inside a COPY: scale 10 and more; at scale 1 the whole COPY
/// takes a fraction of a second and gives none), over the WAL a row takes
/// (models/postgres/bulk_load.cpp): CPU seconds a row. Nothing without such a second.
std::optional<double> copy_row_seconds(const scenarios::Tree& events);

}  // namespace validation
