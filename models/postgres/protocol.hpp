#pragma once
// The frontend/backend protocol (protocol-message-formats.sgml) and the streaming replication
// sub-protocol (protocol-replication.sgml) as the messages the models exchange over sim::Tcp:
// one struct per message kind, sent with Tcp::send_data and a size close to the real one.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/time.hpp"

namespace models::postgres {

/// A WAL position in bytes (XLogRecPtr), printed "%X/%X" as PostgreSQL does.
using Lsn = std::uint64_t;
using TimeLineId = std::uint32_t;
std::string format_lsn(Lsn lsn);

/// SQLSTATEs used here (src/backend/utils/errcodes.txt).
namespace sqlstate {
inline constexpr const char* kCannotConnectNow = "57P03";      // starting up, shutting down, recovery
inline constexpr const char* kAdminShutdown = "57P01";         // terminating connection due to administrator command
inline constexpr const char* kReadOnlyTransaction = "25006";   // cannot execute INSERT in a read-only transaction
inline constexpr const char* kTooManyConnections = "53300";    // sorry, too many clients already
inline constexpr const char* kObjectNotInPrerequisiteState = "55000";  // recovery is not in progress
inline constexpr const char* kQueryCanceled = "57014";
inline constexpr const char* kInvalidParameterValue = "22023";  // invalid value for parameter
inline constexpr const char* kObjectInUse = "55006";            // replication slot is active
inline constexpr const char* kUndefinedObject = "42704";        // replication slot does not exist
inline constexpr const char* kInternalError = "XX000";          // walsender's history errors
inline constexpr const char* kConnectionFailure = "08006";      // libpq: no server answer
}  // namespace sqlstate

// ---- Frontend -> backend ----
/// StartupMessage: `replication=true` makes the backend a walsender.
struct StartupMessage {
  std::string user = "postgres";
  std::string database = "postgres";
  std::string application_name;
  bool replication = false;
  /// Run-time parameters of the session (libpq `options`, PGOPTIONS="-c name=value"), as the
  /// server applies them at backend start: (GUC, value).
  std::vector<std::pair<std::string, std::string>> options;
};
/// CancelRequest, sent on a new connection with the target's BackendKeyData.
struct CancelRequest {
  std::uint32_t pid = 0;
  std::uint32_t key = 0;
};
/// Query (simple protocol). The SQL text decides what runs; `wal_bytes` is the size of the
/// commit record a write transaction generates (the row data, not modelled byte by byte).
struct Query {
  std::string sql;
  std::uint64_t wal_bytes = 0;
  /// COPY ... FROM STDIN: the rows the client streams after it (CopyData, then CopyDone), and
  /// their bytes on the wire.
  std::int64_t copy_rows = 0;
  std::uint64_t copy_bytes = 0;
};
struct Terminate {};

// ---- Backend -> frontend ----
struct AuthenticationOk {};
struct BackendKeyData {
  std::uint32_t pid = 0;
  std::uint32_t key = 0;
};
/// ErrorResponse (severity ERROR or FATAL; FATAL ends the session).
struct ErrorResponse {
  std::string severity = "ERROR";
  std::string code;
  std::string message;
  std::string detail;
};
/// NoticeResponse (severity WARNING), e.g. the sync-rep cancel's "already committed locally".
struct NoticeResponse {
  std::string severity = "WARNING";
  std::string code;
  std::string message;
  std::string detail;
};
/// CommandComplete plus the one row a model query returns. For a commit, its WAL position and
/// the server's timeline (what `pg_current_wal_lsn()` and `pg_control_checkpoint()` tell).
struct CommandComplete {
  std::string tag;
  bool value = false;         // a boolean result (pg_is_in_recovery, pg_promote, pg_reload_conf)
  std::int64_t rows = 0;      // a count(*) result
  Lsn commit_lsn = 0;
  TimeLineId timeline = 0;
  std::uint64_t xid = 0;
  std::string served_by{};    // inet_server_addr(): the node that answered
  /// An LSN result (pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()); nullopt: NULL.
  std::optional<Lsn> lsn{};
};
/// ParameterStatus: a reported (GUC_REPORT) parameter, sent at session start. PostgreSQL 14+
/// reports in_hot_standby and default_transaction_read_only, which libpq's
/// target_session_attrs reads instead of asking (fe-connect.c CONNECTION_CHECK_TARGET).
struct ParameterStatus {
  std::string name, value;
};
struct ReadyForQuery {
  char status = 'I';
};

// ---- Replication commands (a walsender connection) ----
struct IdentifySystem {};
struct IdentifySystemResult {
  std::uint64_t systemid = 0;
  TimeLineId timeline = 0;
  Lsn xlogpos = 0;
};
struct TimelineHistoryCommand {
  TimeLineId timeline = 0;
};
struct TimelineHistoryResult {
  TimeLineId timeline = 0;
  std::string content;  // the .history file's text
};
struct StartReplication {
  std::string slot;  // empty: no slot
  Lsn start = 0;
  TimeLineId timeline = 0;
};
struct CopyBothResponse {};
/// The end of a stream whose timeline became historic (walsender.c: CopyDone at the switch
/// point, then START_REPLICATION's result row, the next timeline and where it starts). The
/// walsender takes commands again on the same connection.
struct EndOfTimeline {
  TimeLineId timeline = 0;       // the timeline that ended
  Lsn switchpoint = 0;
  TimeLineId next_timeline = 0;
};

/// One WAL record as the models see it (xlogrecord.h XLogRecord: xl_prev links each record to
/// the one before, so recovery finds where valid WAL ends). Sizes are MAXALIGNed bytes.
struct WalRecord {
  /// Prune: a Heap2 PRUNE of a catalog page with that page's image (see prunable_catalog_path).
  /// BackupEnd: XLOG_BACKUP_END (do_pg_backup_stop). Switch: XLOG_SWITCH; the rest of its segment
  /// counts as written (and is sent and received: the walsender streams up to the flush position,
  /// which the switch moved to the segment's end), so the record's size here runs to that end.
  /// Data: changes of a bulk statement that commit nothing the model counts (a COPY's heap pages,
  /// an index build's pages, the catalog rows of CREATE TABLE or VACUUM: pgbench -i).
  // The small fields first, packed (56 bytes, not 88): every server holds every record of its
  // pg_wal/, in memory and in the disk's page cache, one per commit.
  enum class Kind : std::uint8_t { Commit, Checkpoint, EndOfRecovery, Prune, BackupEnd, Switch, Data };
  Kind kind = Kind::Commit;
  bool apply_feedback = false;    // Commit: XACT_COMPLETION_APPLY_FEEDBACK (remote_apply waiters)
  bool shutdown = false;          // Checkpoint: a shutdown checkpoint
  TimeLineId timeline = 1;
  Lsn lsn = 0;
  Lsn prev = 0;
  std::uint64_t size_bytes = 0;
  std::uint64_t xid = 0;          // Commit
  sim::Time commit_time = 0;      // Commit: when the primary wrote it
  Lsn redo = 0;                   // Checkpoint: its redo point
  Lsn end() const { return lsn + size_bytes; }
};
static_assert(sizeof(WalRecord) == 56, "WalRecord's fields are ordered to pack");
/// XLogData ('w'): WAL from `start` to `end` (the records whole: a batch never splits one).
struct XLogData {
  Lsn start = 0;
  Lsn end = 0;
  Lsn wal_end = 0;  // the server's flush position when sent
  sim::Time send_time = 0;
  std::vector<WalRecord> records;
};
/// Primary keepalive ('k').
struct PrimaryKeepalive {
  Lsn wal_end = 0;
  sim::Time send_time = 0;
  bool reply_requested = false;
};
/// Standby status update ('r').
struct StandbyStatusUpdate {
  Lsn write = 0, flush = 0, apply = 0;
  sim::Time send_time = 0;
  bool reply_requested = false;
};

/// A WAL segment file copied whole (pg_rewind copies pg_wal/ files as any other non-relation
/// file; pg_basebackup -X stream receives them): its timeline, number, and the records in it.
struct WalSegmentCopy {
  TimeLineId timeline = 0;
  std::uint64_t segno = 0;
  std::vector<WalRecord> records;
};
/// A source server's files as pg_rewind (libpq_source.c) or BASE_BACKUP sends them: what the
/// target's data directory becomes, less what the program itself writes (standby.signal and
/// primary_conninfo with -R, backup_label).
struct DataCopy {
  std::string control;                                          // global/pg_control, read last
  std::vector<WalSegmentCopy> wal;                              // pg_wal/ segments
  std::vector<std::pair<TimeLineId, std::string>> histories;   // pg_wal/N.history
  std::string auto_conf;                                        // postgresql.auto.conf
  bool catalog_prunable = false;  // the source's demodb pg_attribute page still holds its dead tuples
  Lsn insert_lsn = 0;     // pg_current_wal_insert_lsn() once the files are sent (pg_rewind's endrec)
  Lsn checkpoint_lsn = 0, redo_lsn = 0;  // BASE_BACKUP: the checkpoint it started from
  TimeLineId timeline = 0;
  std::uint64_t bytes = 0;  // what crossed the network
};
/// pg_rewind's first reads of a libpq source: pg_read_binary_file('global/pg_control') and of the
/// source timeline's history file (one round trip here).
struct RewindSourceQuery {};
struct RewindSourceState {
  std::string control;
  std::string history;  // the history file of the control file's timeline ("" on timeline 1)
};
/// pg_rewind's fetch of its file map: every non-relation file whole (pg_wal/ among them) and
/// `changed_blocks` blocks of relation files (the pages the target changed after the fork).
struct RewindFetch {
  std::uint64_t changed_blocks = 0;
};
/// CREATE_REPLICATION_SLOT name PHYSICAL RESERVE_WAL (pg_basebackup -C -S name).
struct CreateReplicationSlot {
  std::string name;
};
/// BASE_BACKUP (FAST: an immediate checkpoint first), its WAL streamed alongside (-X stream)
/// through `slot` when one is named.
struct BaseBackupCommand {
  bool fast = true;
  std::string slot;
};

/// BLCKSZ.
inline constexpr std::uint64_t kBlockBytes = 8192;

/// Wire sizes (bytes) of the fixed messages: header (type + length) plus fields.
inline constexpr std::uint64_t kSmallMessageBytes = 64;
inline constexpr std::uint64_t kXLogDataHeaderBytes = 1 + 4 + 1 + 8 + 8 + 8;
inline constexpr std::uint64_t kKeepaliveBytes = 1 + 4 + 1 + 8 + 8 + 1;
inline constexpr std::uint64_t kStatusUpdateBytes = 1 + 4 + 1 + 8 + 8 + 8 + 8 + 1;

}  // namespace models::postgres
