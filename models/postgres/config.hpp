#pragma once
// postgresql.conf, primary_conninfo and the recovery signal files as plain structs. Field names
// are the GUCs' (doc/src/sgml/config.sgml); defaults are PostgreSQL 15's (src/backend/utils/misc/
// guc.c, guc_tables.c from 16 on), so a config renders back to a real postgresql.conf.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/time.hpp"

namespace models::postgres {

/// `synchronous_standby_names`, parsed (syncrep_gram.y): `FIRST n (a, b)`, `ANY n (a, b)`, or a
/// bare list `a, b` (= FIRST 1). Names match a walsender's `application_name` case-insensitively;
/// `*` matches any standby.
struct SyncStandbyNames {
  enum class Method { Priority, Quorum };  // FIRST, ANY
  Method method = Method::Priority;
  int num_sync = 0;                 // 0: no synchronous replication
  std::vector<std::string> names;   // in priority order
  bool defined() const { return num_sync > 0 && !names.empty(); }
  /// nullopt on a syntax error (the real server refuses the value and keeps the old one).
  static std::optional<SyncStandbyNames> parse(const std::string& text);
};

/// `primary_conninfo`: the libpq connection string the walreceiver connects with. Only the
/// keywords the model acts on; `host` may be a comma-separated list tried in order (libpq).
struct PrimaryConnInfo {
  std::vector<std::string> host;    // names or addresses
  std::uint16_t port = 5432;
  std::string user = "replicator";
  std::string application_name;     // default: cluster_name, else "walreceiver"
  /// libpq `connect_timeout` (seconds; 0 = wait indefinitely, the TCP handshake's own retries decide).
  sim::Time connect_timeout = 0;
  /// libpq `keepalives` (on by default), `keepalives_idle/interval/count` (0: the kernel's),
  /// `tcp_user_timeout` (0: off).
  bool keepalives = true;
  sim::Time keepalives_idle = 0, keepalives_interval = 0;
  int keepalives_count = 0;
  sim::Time tcp_user_timeout = 0;
  /// "host=pg1,pg2 port=5432 user=replicator application_name=pg2 connect_timeout=2 ...";
  /// nullopt when a keyword's value is malformed.
  static std::optional<PrimaryConnInfo> parse(const std::string& text);
};

/// The `synchronous_commit` levels (xact.h SYNCHRONOUS_COMMIT_*), in the order of how much
/// they wait for: off < local < remote_write < on (remote_flush) < remote_apply.
enum class SynchronousCommit { Off, Local, RemoteWrite, On, RemoteApply };
const char* to_string(SynchronousCommit s);
std::optional<SynchronousCommit> parse_synchronous_commit(const std::string& text);

/// What postgresql.conf (plus postgresql.auto.conf) sets for one server.
struct PostgresConfig {
  std::uint16_t port = 5432;
  int max_connections = 100;
  int max_wal_senders = 10;
  int max_replication_slots = 10;
  /// `cluster_name`: the default application_name of this server's walreceiver.
  std::string cluster_name;

  SynchronousCommit synchronous_commit = SynchronousCommit::On;
  std::string synchronous_standby_names;  // raw text, parsed by SyncStandbyNames::parse
  sim::Time wal_writer_delay = 200 * sim::kMillisecond;

  sim::Time wal_sender_timeout = 60 * sim::kSecond;           // 0: disabled
  sim::Time wal_receiver_timeout = 60 * sim::kSecond;         // 0: disabled
  sim::Time wal_receiver_status_interval = 10 * sim::kSecond; // 0: no periodic replies
  sim::Time wal_retrieve_retry_interval = 5 * sim::kSecond;

  std::string primary_conninfo;   // raw text, parsed by PrimaryConnInfo::parse
  std::string primary_slot_name;
  /// MB of WAL a slot may hold back; -1 unlimited (the default).
  std::int64_t max_slot_wal_keep_size_mb = -1;
  std::int64_t wal_keep_size_mb = 0;

  bool hot_standby = true;
  bool hot_standby_feedback = false;  // accepted, not modelled (no vacuum conflicts here)
  /// `wal_log_hints`: recorded in pg_control at start-up (XLogReportParameters); pg_rewind
  /// refuses a target that ran without it and without data checksums.
  bool wal_log_hints = false;
  sim::Time checkpoint_timeout = 5 * sim::kMinute;
  std::int64_t max_wal_size_mb = 1024;
  double checkpoint_completion_target = 0.9;
  bool default_transaction_read_only = false;
  sim::Time recovery_min_apply_delay = 0;
  /// initdb --wal-segsize (MB): 16.
  std::uint64_t wal_segment_size_bytes = 16ull * 1024 * 1024;

  /// Sets one GUC from its text form, as postgresql.conf or ALTER SYSTEM gives it ("60s",
  /// "'FIRST 1 (pg2)'"); false for an unknown name or a malformed value.
  bool set(const std::string& name, const std::string& value);
};

}  // namespace models::postgres
