#pragma once
// The real runs' time 0 for a PostgreSQL stack with standbys: validation/run_real.py starts the
// stack, then its wait_postgres_ready asks every standby and every server they stream from
// until all are set up, and only then starts the clock (workloads, faults and the replication
// monitor all run after it). The simulator replays that wait on the stack's own set-up, so its
// time 0 is the same moment.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/spec.hpp"
#include "sim/random.hpp"
#include "sim/simulation.hpp"

namespace scenarios {

/// wait_postgres_ready's loop, each ask a `podman exec ... psql` (runtime.command_delay.exec,
/// none for an ideal engine) that sees the server as it is when psql runs:
/// - every standby started with the stack, in the scenario's order: `SELECT status FROM
///   pg_stat_wal_receiver` must say streaming;
/// - then, if all did, every server one streams from (its primary_conninfo's first host): as
///   many of pg_stat_replication's rows in state streaming (walsenders past their catch-up) as
///   standbys name it;
/// - all answered: done at the end of the last ask; otherwise a second's sleep and again.
class PostgresReadyWait {
 public:
  /// How long the real harness waits before it gives up (max(health limit, 240 s)).
  static constexpr sim::Time kLimit = 240 * sim::kSecond;
  PostgresReadyWait(sim::Simulation& sim, const ScenarioSpec& spec);
  /// Whether the stack has a standby started with it, to wait for.
  static bool needed(const ScenarioSpec& spec);
  /// Starts the loop now.
  void start();
  /// When the last ask of the round that found every server set up ended.
  std::optional<sim::Time> ready_at() const { return ready_at_; }

 private:
  /// Ask number `i` of the round (standbys first, then the servers they stream from); `ok`:
  /// every ask of the round before it found its server set up.
  void ask(std::size_t i, bool ok);
  bool answer(std::size_t i) const;

  sim::Simulation& sim_;
  const sim::Distribution* exec_ = nullptr;
  sim::Rng rng_;
  std::vector<std::string> standbys_;
  std::vector<std::pair<std::string, int>> upstreams_;  // server, standbys streaming from it
  std::optional<sim::Time> ready_at_;
};

}  // namespace scenarios
