#pragma once
// The failover script's settings: the shell variables at the top of the script a user writes
// for the seed's exercise 4 (validation/kinds/failover_script.cpp renders the same script, with
// these values, for the real stack). Not a daemon's directives: the script is the user's own.
#include <string>
#include <vector>

#include "sim/time.hpp"

namespace models::failover_script {

/// Which position says "least lag" when the script picks the standby to promote.
enum class LagBy {
  /// pg_last_wal_receive_lsn(): what each standby received and flushed. Promotion replays all
  /// of it (a recovery_min_apply_delay included), so this is what the new primary will hold.
  ReceiveLsn,
  /// pg_last_wal_replay_lsn(): what each standby has applied, the naive reading of "lag" (the
  /// one pg_stat_replication's replay_lag shows). A delayed standby looks far behind by it.
  ReplayLsn,
};
const char* to_string(LagBy l);

/// A standby the script may promote or repoint, and the physical slot it streams through (the
/// script creates it on the new primary before repointing the standby: slots are not copied).
struct StandbyEntry {
  std::string host;
  std::string slot;  // empty: the standby streams without a slot
};

struct FailoverScriptConfig {
  /// PRIMARY: the server the script watches.
  std::string primary;
  /// STANDBYS, in the order the script asks them (the first of equal positions wins).
  std::vector<StandbyEntry> standbys;
  /// CHECK_INTERVAL: from one check's end to the next one's start (the script's `sleep`).
  sim::Time check_interval = 2 * sim::kSecond;
  /// libpq `connect_timeout` of every psql the script runs (whole seconds, as libpq reads it).
  sim::Time connect_timeout = 2 * sim::kSecond;
  /// FAILURES: consecutive failed checks that make the primary "failed".
  int failures = 3;
  LagBy lag_by = LagBy::ReceiveLsn;
  /// The rest of the standbys' new primary_conninfo after "host=NEW " (their user and port).
  std::string conninfo = "port=5432 user=replicator";
  /// The application writers the script repoints: each pg_writer on the script's own node reads
  /// its server from /tmp/hasim-pg-host-NAME before every attempt (pg-writer.sh), and the
  /// script writes the new primary there (step 4, "update the load balancer").
  std::vector<std::string> repoint;
};

}  // namespace models::failover_script
