#include "scenarios/events.hpp"

#include "models/haproxy/events.hpp"
#include "models/keepalived/events.hpp"
#include "models/postgres/events.hpp"
#include "models/workloads/events.hpp"
#include "sim/events.hpp"

namespace scenarios::events {

const std::vector<EventKind>& declared_event_kinds() {
  namespace se = sim::events;
  namespace w = models::workloads::events;
  namespace hp = models::haproxy::events;
  namespace pg = models::postgres;
  using namespace se::field;
  using namespace field;
  static const std::vector<EventKind> kinds = {
      {se::kNodeDown, {kNode}},
      {se::kProcessExit, {kNode, kProcess}},
      {se::kVipAdded, {kNode, kVip}},
      {se::kVipRemoved, {kNode, kVip}},
      {kFault, {kNode, kAction, kTarget, kSource, "done_s", "planned_s", "phase_offset_s", "shell"}},
      {kFaultEnd, {kAction, kTarget, kSource, "done_s"}},
      {w::kRequest,
       {kNode, w::field::kWorkload, w::field::kSeq, w::field::kSentS, w::field::kStatus, w::field::kError,
        w::field::kServedBy, w::field::kLatencyMs, w::field::kLb, w::field::kServer, "curl_exit", "curl_s", "dns_ms",
        "remote_ip", "sched_s"}},
      {hp::kServerDown, {kNode, hp::field::kBackend, hp::field::kServer, hp::field::kReason, hp::field::kCheckDurationMs, hp::field::kLine}},
      {hp::kServerUp, {kNode, hp::field::kBackend, hp::field::kServer, hp::field::kReason, hp::field::kCheckDurationMs, hp::field::kLine}},
      {hp::kServerMaint, {kNode, hp::field::kBackend, hp::field::kServer, hp::field::kReason}},
      {hp::kHttpNon2xx, {kNode, hp::field::kBackend, hp::field::kServer, hp::field::kStatus}},
      {models::keepalived::events::kState, {kNode, "instance", "state", "priority"}},
      {models::keepalived::events::kForceElection, {kNode, "instance", "from", "their_priority"}},
      {pg::kStarted, {kNode, "role", "timeline", "lsn"}},
      {pg::kRecoveryStarted, {kNode, "state", "redo_lsn", "wal_bytes"}},
      {pg::kRecoveryDone, {kNode, "end_lsn", "replayed_bytes", "duration_ms"}},
      {pg::kPromoteRequested, {kNode}},
      {pg::kStatementStarted, {kNode, "statement"}},
      {pg::kPromoted, {kNode, "timeline", "switch_lsn", "replayed_bytes"}},
      {pg::kTimelineFollowed, {kNode, "timeline"}},
      {pg::kSyncStandbyChanged, {kNode, "application_name", "sync_state"}},
      {pg::kReload, {kNode, "synchronous_standby_names"}},
      {pg::kWalReceiverConnected, {kNode, "primary", "timeline", "start_lsn"}},
      {pg::kWalReceiverDisconnected, {kNode, "reason"}},
      {pg::kDataDirectorySynced, {kNode, "files", "duration_ms"}},
      {pg::kCheckpoint, {kNode, "redo_lsn", "removed_segments", "kept_bytes", "sync_files", "sync_average_ms"}},
      {pg::kPanic, {kNode, "message"}},
      {pg::kSlotInvalidated, {kNode, "slot", "restart_lsn", "exceeds_bytes", "terminated_pid"}},
      {pg::kShutdownRequested, {kNode, "mode"}},
      {pg::kShutdownDone, {kNode, "mode"}},
      {pg::kRewind, {kNode, "source", "outcome", "message", "diverged_lsn", "checkpoint_lsn", "copied_bytes", "duration_ms"}},
      // Real re-clones (since 2026-12-08) add removed_files and emptied_ms: the old data
      // directory's deletion before pg_basebackup starts, which the model does not cost.
      {pg::kBaseBackup, {kNode, "source", "outcome", "message", "slot", "copied_bytes", "duration_ms", "removed_files", "emptied_ms"}},
      {pg::kStatReplication, {kNode, "application_name", "state", "wal_lsn", "sent_lsn", "write_lsn", "flush_lsn",
                              "replay_lsn", "write_lag_us", "flush_lag_us", "replay_lag_us"}},
      // The writer's: real runs add workload, seq, sent_s, id (the row written), psql_exit.
      {pg::kCommitAcked, {"client", kNode, "timeline", "xid", "lsn", "latency_us", w::field::kWorkload, w::field::kSeq,
                          w::field::kSentS, "id"}},
      {pg::kCommitFailed, {"client", kNode, "sqlstate", "message", "latency_us", w::field::kWorkload, w::field::kSeq, w::field::kSentS,
                           "psql_exit"}},
      // pgbench's: real runs add workload.
      {pg::kPgbenchTransaction, {"client", kNode, "client_id", "tx", "latency_us", "lag_us", w::field::kWorkload}},
      {pg::kPgbenchAborted, {"client", kNode, "client_id", "command", "sqlstate", "message", w::field::kWorkload}},
      // The reader's: real runs add workload, seq, sent_s, psql_exit.
      {pg::kReadDone, {"client", kNode, "max_id", "latency_us", w::field::kWorkload, w::field::kSeq, w::field::kSentS}},
      {pg::kReadFailed, {"client", kNode, "sqlstate", "message", "latency_us", w::field::kWorkload, w::field::kSeq,
                         w::field::kSentS, "psql_exit"}},
  };
  return kinds;
}

}  // namespace scenarios::events
