#pragma once
// Trace record kinds of the PostgreSQL models, one constant each; fields with units put them
// last (`lag_bytes`, `lsn` as a number of bytes, `lsn_text` as PostgreSQL prints it).
namespace models::postgres {

/// The server accepts connections: fields node, role ("primary"/"standby"), timeline, lsn.
inline constexpr const char* kStarted = "pg_started";
/// Start-up began (crash or archive recovery): node, state (from pg_control), redo_lsn, wal_bytes.
inline constexpr const char* kRecoveryStarted = "pg_recovery_started";
/// Start-up fsynced the whole data directory before redo, as after a crash (SyncDataDirectory):
/// node, files, duration_ms.
inline constexpr const char* kDataDirectorySynced = "pg_data_directory_synced";
/// Redo finished: node, end_lsn, replayed_bytes, duration_ms.
inline constexpr const char* kRecoveryDone = "pg_recovery_done";
/// Promotion completed: node, timeline (the new one), switch_lsn, replayed_bytes.
inline constexpr const char* kPromoted = "pg_promoted";
/// A new history file was learnt from the primary and followed (node, timeline), or refused
/// because this server replayed past the fork (kTimelineForkBehind: node, timeline, fork_lsn, lsn).
inline constexpr const char* kTimelineFollowed = "pg_timeline_followed";
inline constexpr const char* kTimelineForkBehind = "pg_timeline_fork_behind";
/// Walreceiver: connected (node, primary, timeline, start_lsn), disconnected (node, reason).
inline constexpr const char* kWalReceiverConnected = "pg_walreceiver_connected";
inline constexpr const char* kWalReceiverDisconnected = "pg_walreceiver_disconnected";
/// Walsender started streaming (node, application_name, start_lsn) or ended (node, application_name, reason).
inline constexpr const char* kWalSenderStarted = "pg_walsender_started";
inline constexpr const char* kWalSenderEnded = "pg_walsender_ended";
/// pg_stat_replication.sync_state changed: node, application_name, sync_state.
inline constexpr const char* kSyncStandbyChanged = "pg_sync_state_changed";
/// A commit's WAL is flushed locally and it waits for synchronous standbys: node, xid, lsn.
inline constexpr const char* kCommitWaitingForSync = "pg_commit_waiting_for_sync";
/// A sync-rep wait was canceled: node, xid, lsn (the commit stands: "already committed locally").
inline constexpr const char* kSyncWaitCanceled = "pg_sync_wait_canceled";
/// The server acknowledged a commit (debug level): node, xid, timeline, lsn.
inline constexpr const char* kCommitDone = "pg_commit_done";
/// A client received its commit's acknowledgement: client, node, timeline, xid, lsn, latency_us.
/// Debug level: a busy writer makes thousands; scenarios/postgres_checks.cpp observes them all.
inline constexpr const char* kCommitAcked = "pg_commit_acked";
/// A client's write failed: client, node, sqlstate, message, latency_us (how long it waited).
inline constexpr const char* kCommitFailed = "pg_commit_failed";
/// A client's read (ReadClient: `SELECT max(id)` of the writers' table) answered: client, node
/// (the server that answered), max_id (the freshest id its snapshot saw: on a hot standby what
/// replay applied), latency_us. Debug level, like the acknowledgements it is compared with.
inline constexpr const char* kReadDone = "pg_read_done";
/// A client's read failed: client, node (the host it asked), sqlstate (08006: no server answer),
/// message, latency_us.
inline constexpr const char* kReadFailed = "pg_read_failed";
/// pgbench finished one transaction of its script: client (the workload's process), node (the
/// server that answered), client_id (pgbench's client number), tx (its transaction_no),
/// latency_us (from its scheduled start under -R, as pgbench's log counts it), lag_us (the
/// schedule lag: its start after its scheduled time). Debug level: one per transaction.
inline constexpr const char* kPgbenchTransaction = "pgbench_txn";
/// A pgbench client aborted on an error ("client N aborted in command M (SQL) of script 0"), or
/// pgbench could not connect at its start (command -1): client, node (its host), client_id,
/// command (the script's command index), sqlstate (08006: the connection), message.
inline constexpr const char* kPgbenchAborted = "pgbench_client_aborted";
/// pgbench.sh's set-up done: pgbench -i, its CHECKPOINT and the wait for the standbys (init_s:
/// how long it took; ok false when pgbench -i never succeeded).
inline constexpr const char* kPgbenchInitialized = "pgbench_initialized";
/// kCommitFailed's message (its start) when the attempt got no answer at all, neither an
/// acknowledgement nor an error, before the client gave up: a hung commit (sqlstate empty).
inline constexpr const char* kNoAnswer = "no answer";
/// WAL could not be written for lack of space: node, path, lsn; the server PANICs.
inline constexpr const char* kWalDiskFull = "pg_wal_disk_full";
/// PANIC (the postmaster reinitialises, or exits if the startup process failed): node, message.
inline constexpr const char* kPanic = "pg_panic";
/// A slot invalidated at a checkpoint or restartpoint because its restart_lsn fell behind
/// what max_slot_wal_keep_size lets slots keep ("invalidating slot ... because its restart_lsn
/// X/X exceeds max_slot_wal_keep_size"): node, slot, restart_lsn (the slot's, now its
/// invalidated_at), exceeds_bytes (the kept horizon minus restart_lsn), terminated_pid (the
/// walsender SIGTERMed to release it, 0 if none was active).
inline constexpr const char* kSlotInvalidated = "pg_slot_invalidated";
/// A checkpoint or restartpoint completed: node, redo_lsn, removed_segments, kept_bytes.
inline constexpr const char* kCheckpoint = "pg_checkpoint";
/// The startup process took a promote request (`pg_promote()`, `pg_ctl promote`): node. The real
/// server's "received promote request"; the promotion itself is pg_promoted, at once or after a
/// wait (the rest of wal_retrieve_retry_interval, a backlog's replay).
inline constexpr const char* kPromoteRequested = "pg_promote_requested";
/// An operator's statement (a `sql` step's psql -c) began on the server: node, statement (its
/// text). The real server's "statement: ..." line, logged at the statement's start when the
/// step's session sets log_statement = all; its end is the statement's own business (a
/// CHECKPOINT's writes), so the step's engine latency ends here.
inline constexpr const char* kStatementStarted = "pg_statement_started";
/// Shutdown requested (node, mode smart/fast/immediate) and completed (node, mode).
inline constexpr const char* kShutdownRequested = "pg_shutdown_requested";
inline constexpr const char* kShutdownDone = "pg_shutdown_done";
/// A configuration reload applied: node, synchronous_standby_names.
inline constexpr const char* kReload = "pg_reload";
/// A connection refused by the server with an ErrorResponse: node, sqlstate, message.
inline constexpr const char* kConnectionRejected = "pg_connection_rejected";
/// One row of pg_stat_replication as a probe read it (psql every second, the seed's
/// `watch -n1 ... pg_stat_replication`): node (the server asked), application_name, state,
/// wal_lsn (pg_current_wal_lsn(), -1 on a standby), sent_lsn, write_lsn, flush_lsn,
/// replay_lsn, write_lag_us, flush_lag_us, replay_lag_us (-1 where the view shows NULL).
inline constexpr const char* kStatReplication = "pg_stat_replication";
/// pg_rewind finished: node, source, outcome ("done", "no_rewind_required", "failed"), message
/// (its last line: "Done!", "no rewind required", or the error), diverged_lsn and
/// checkpoint_lsn (the fork and the last common checkpoint replay starts from; -1 when not
/// found), copied_bytes (what came over the network), duration_ms (exec to exit).
inline constexpr const char* kRewind = "pg_rewind";
/// pg_basebackup finished: node, source, outcome ("done", "failed"), message, slot,
/// copied_bytes, duration_ms.
inline constexpr const char* kBaseBackup = "pg_basebackup";
/// FATAL: the server cannot start (node, message): no pg_control, no WAL to start from.
inline constexpr const char* kStartFailed = "pg_start_failed";

}  // namespace models::postgres
