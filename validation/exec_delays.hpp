#pragma once
// The engine's `docker exec` latency as a real run measured it, less the steps whose command
// runs a tool to its end: what runtime.command_delay.exec stands for.
#include <string>
#include <vector>

#include "scenarios/spec.hpp"
#include "scenarios/tree.hpp"

namespace validation {

/// A run's `command_delays_s.exec` (run_real.py: the load loop's late first request and each
/// `docker exec` step's span, issue to return) without the spans of its `reclone`, `rewind`,
/// `promote` and `sql` steps, which records stored before run_real.py left them out. A re-clone's or a
/// rewind's one `docker exec` runs pg_basebackup or pg_rewind to its end, seconds that
/// pg_basebackup.duration_ms already measures: pooled in, a tenth of a re-clone record's
/// samples were 5.7-6.2 s, and the simulator delayed a tenth of every operator step by that. A
/// promote's `SELECT pg_promote()` returns when the promotion is over: 72 stored spans of
/// 0.21-20.2 s, 16 of them 5 s or more (a retry interval sat out, a backlog replayed).
/// Later records time a promote to the server's "received promote request" instead. A `sql`
/// step's psql returns when its last statement is done: 0.2-5.4 s in the stored records, a
/// CHECKPOINT's or a slot creation's own time included; later records time it to the server's
/// log of its first statement's start.
/// `removed` counts the spans taken out. Throws as seconds_list does for a malformed list.
std::vector<double> engine_exec_samples(const scenarios::Tree& run, const std::string& path, int& removed);

/// The same latency as a run's PostgreSQL clients show it: run_real.py execs each pg_writer and
/// pg_reader at its `start` after time 0, and its first attempt (the earliest `sent_s` among its
/// events) comes that late. One sample per client with events; none for pgbench (pgbench.sh is
/// execed at 0 and waits for its own start). run_real.py stores no such sample itself.
std::vector<double> pg_client_exec_samples(const scenarios::ScenarioSpec& spec, const scenarios::Tree& events);

}  // namespace validation
