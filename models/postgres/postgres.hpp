#pragma once
// A PostgreSQL 15 server with streaming replication (src/backend/postmaster/postmaster.c,
// access/transam/xlog.c, xlogrecovery.c, replication/walsender.c, walreceiver.c, syncrep.c), as
// /work/shared/docs/facts-stateful.md describes it. One sim::Process stands for the postmaster
// and its children: a SIGSTOP freezes them all, a SIGKILL takes them all.
#include <any>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "models/postgres/config.hpp"
#include "models/postgres/host_walk.hpp"
#include "models/postgres/lag_tracker.hpp"
#include "models/postgres/latch.hpp"
#include "models/postgres/protocol.hpp"
#include "models/postgres/statement.hpp"
#include "models/postgres/tuple_locks.hpp"
#include "models/postgres/wal.hpp"
#include "models/runtime/embedded_dns.hpp"
#include "sim/process.hpp"
#include "sim/tcp.hpp"

namespace models::postgres {

class Postgres;

/// pg_stat_replication.state.
enum class WalSndState { Startup, Catchup, Streaming, Stopping };
const char* to_string(WalSndState s);

/// A walsender (walsender.c): serves one replication connection. Sends flushed WAL in batches of
/// at most MAX_SEND_SIZE, a keepalive asking for a reply once half of `wal_sender_timeout`
/// passed without one, and exits when a whole timeout passed ("terminating walsender process
/// due to replication timeout"), on EOF, or on a socket error.
class WalSender {
 public:
  WalSender(Postgres& pg, sim::ConnId conn, std::uint32_t pid, std::string application_name);
  /// A message from the standby, handled when the walsender next wakes (its latch).
  void deliver(const std::any& m);
  /// New WAL was flushed (WalSndWakeup sets the walsender's latch): send it when it wakes.
  void wal_flushed();
  /// The server is shutting down: send everything, exit once the standby flushed it.
  void begin_stopping();
  /// SIGTERM (the checkpointer invalidating its slot): die()'s FATAL "terminating connection
  /// due to administrator command" goes to the standby, then the process exits.
  void terminate();
  /// Ends this walsender (its process exits, the socket closes).
  void end(const std::string& reason, bool close_socket = true);

  sim::ConnId conn() const { return conn_; }
  std::uint32_t pid() const { return pid_; }
  const std::string& application_name() const { return application_name_; }
  WalSndState state() const { return state_; }
  const std::string& slot() const { return slot_; }
  // pg_stat_replication's positions
  Lsn sent_lsn() const { return sent_; }
  Lsn write_lsn() const { return write_; }
  Lsn flush_lsn() const { return flush_; }
  Lsn replay_lsn() const { return apply_; }
  /// write_lag, flush_lag, replay_lag (LagTracker); -1 is NULL: none measured yet, or cleared
  /// because the standby reported everything replayed in two replies in a row.
  sim::Time write_lag() const { return write_lag_; }
  sim::Time flush_lag() const { return flush_lag_; }
  sim::Time replay_lag() const { return replay_lag_; }
  /// async / potential / sync / quorum (set by SyncRep).
  std::string sync_state = "async";
  /// Counted by SyncRep: streaming (or stopping) with a valid flush position.
  bool sync_candidate() const {
    return !ended_ && (state_ == WalSndState::Streaming || state_ == WalSndState::Stopping) && flush_ != 0;
  }

  /// MAX_SEND_SIZE (XLOG_BLCKSZ * 16).
  static constexpr std::uint64_t kMaxSendBytes = 128 * 1024;
  /// Bytes this walsender lets wait in its socket before it waits for the socket to drain.
  static constexpr std::uint64_t kSendBufferBytes = 256 * 1024;

 private:
  void on_message(const std::any& m);
  void start_replication(const StartReplication& cmd);
  void reply(const StandbyStatusUpdate& r);
  void send_more();
  void arm_timeout();
  void timeout_tick();
  void send_keepalive(bool reply_requested);
  void end_of_timeline(Lsn switchpoint);
  void error(const std::string& code, const std::string& message, const std::string& detail = {});

  Postgres& pg_;
  sim::ConnId conn_;
  std::uint32_t pid_;
  std::string application_name_;
  WalSndState state_ = WalSndState::Startup;
  std::string slot_;
  bool streaming_started_ = false;
  TimeLineId send_tli_ = 0;  // the timeline START_REPLICATION asked for (sendTimeLine)
  Lsn sent_ = 0, write_ = 0, flush_ = 0, apply_ = 0;
  LagTracker lag_;
  sim::Time write_lag_ = -1, flush_lag_ = -1, replay_lag_ = -1;
  bool fully_applied_last_time_ = false;
  sim::Time last_reply_ = 0;
  bool ping_sent_ = false;
  bool ended_ = false;
  sim::Timer timeout_timer_;
  Latch latch_;
};

/// The walreceiver (walreceiver.c): connects to `primary_conninfo` (each host in turn), runs
/// IDENTIFY_SYSTEM / TIMELINE_HISTORY / START_REPLICATION, writes what arrives to pg_wal, fsyncs
/// it, and reports write/flush/apply positions: after each batch, after each fsync, when the
/// primary asks, when a remote_apply commit was replayed, when the startup process has replayed
/// everything received (and waits for more), and every
/// `wal_receiver_status_interval`. Pings the primary at half `wal_receiver_timeout` of silence
/// and exits after a whole one ("terminating walreceiver due to timeout").
///
/// PostgreSQL 15's loop (WalReceiverMain before 16's wake-up times): it sleeps in
/// WaitLatchOrSocket for at most NAPTIME_PER_CYCLE (100 ms) after each wake-up, and only a sleep
/// that ran out checks the timeout, the ping and the status interval. It sends no reply when
/// streaming starts (16 added that one): a standby with nothing to receive reports its positions
/// first when its first nap runs out, because XLogWalRcvSendReply's last-sent positions start
/// invalid in each walreceiver process. The primary's lag tracker noted its flush position when
/// START_REPLICATION began, so that first reply reads ~100 ms in all three lag columns, and the
/// walsender shows it until newer WAL is reported.
class WalReceiver {
 public:
  /// NAPTIME_PER_CYCLE (walreceiver.c, PostgreSQL 15): the longest sleep between two turns of
  /// the streaming loop.
  static constexpr sim::Time kNapPerCycle = 100 * sim::kMillisecond;
  explicit WalReceiver(Postgres& pg);
  void start();
  void stop(const std::string& reason);
  /// The startup process's ShutdownWalRcv (a promotion): SIGTERM, then a wait for the process to
  /// be gone. One blocked in getaddrinfo (libpq resolving primary_conninfo's host while the
  /// engine's DNS answers nothing) sees the signal only when that returns; Postgres is told then
  /// (walreceiver_exited), as at once otherwise.
  void request_stop(const std::string& reason);
  /// A requested stop waits for getaddrinfo to return.
  bool exiting() const { return stop_pending_.has_value(); }
  bool active() const { return active_; }
  bool streaming() const { return streaming_; }
  /// pg_stat_wal_receiver
  Lsn written_lsn() const { return written_; }
  Lsn flushed_lsn() const { return flushed_; }
  const std::string& sender_host() const { return host_; }
  /// The server flushed WAL (this walreceiver's writes among it).
  void wal_flushed();
  /// The startup process replayed a record; `force`: a remote_apply commit asked for apply
  /// feedback, or the startup process caught up with what was received (WalRcvForceReply).
  void applied(bool force);

 private:
  /// Connects to the walk's current host (the next after a failure).
  void try_host();
  /// getaddrinfo's outcome for host_ (models::getaddrinfo: a silent DNS blocks the process 10 s,
  /// as the real promotions of 2026-12-06 that waited for it took, 10.04 s after the
  /// walreceiver's previous exit), then the connection to its address.
  void resolved(const runtime::DnsAnswer& answer);
  void connected(sim::ConnId conn);
  void on_message(const std::any& m);
  void on_identify(const IdentifySystemResult& r);
  void on_history(const TimelineHistoryResult& r);
  void start_streaming();
  /// The streaming loop handles one message: at once, or after the batch it is writing.
  void receive(const std::any& m);
  void on_data(const XLogData& d);
  /// XLogWalRcvWrite of a batch, its write reply, then its flush (XLogWalRcvFlush).
  void write_batch(const XLogData& d);
  void send_reply(bool force, bool reply_requested = false);
  /// The loop goes back to WaitLatchOrSocket: its nap starts again from now.
  void nap();
  /// The nap ran out (WL_TIMEOUT): timeout, ping, then XLogWalRcvSendReply unforced.
  void nap_over();
  void fail(const std::string& reason);

  Postgres& pg_;
  bool active_ = false, streaming_ = false;
  PrimaryConnInfo info_;
  std::string host_;
  sim::ConnId conn_ = 0;
  std::uint64_t gen_ = 0;  // invalidates callbacks of an earlier connection
  enum class Phase { Connecting, Startup, Identify, History, Starting, Streaming } phase_ = Phase::Connecting;
  /// primary_conninfo's hosts, as libpq walks them (target_session_attrs: any).
  HostWalk walk_;
  TimeLineId primary_tli_ = 0;
  TimeLineId stream_tli_ = 0;
  Lsn written_ = 0, flushed_ = 0;
  /// XLogWalRcvSendReply's statics (writePtr, flushPtr, sendTime): per walreceiver process,
  /// kept across the streams it starts (a new timeline), invalid in a new process.
  Lsn reported_write_ = 0, reported_flush_ = 0, reported_apply_ = 0;
  bool replied_ = false;
  sim::Time last_recv_ = 0, last_reply_ = 0;
  bool ping_sent_ = false;
  sim::Timer timer_;
  bool resolving_ = false;                   // blocked in getaddrinfo
  std::optional<std::string> stop_pending_;  // request_stop's reason, while resolving_
  Latch latch_;
  /// A batch being written (Postgres::walreceiver_write), and what arrived meanwhile, in order.
  sim::Timer write_timer_;
  bool writing_ = false;
  std::deque<std::any> held_;
};

/// Synchronous replication on the primary (syncrep.c): commits wait in LSN order for the
/// positions their `synchronous_commit` level needs, as reported by the standbys that
/// `synchronous_standby_names` makes synchronous (FIRST n by priority, ANY n by quorum).
/// Waiters are released only where PostgreSQL releases them: when a synchronous standby's reply
/// is processed (SyncRepReleaseWaiters, called from ProcessStandbyReplyMessage, does nothing for
/// a walsender that is not one of the synchronous standbys), when a reload empties the setting,
/// by a cancel, or at shutdown. A walsender that exits or a reload that names another standby
/// changes pg_stat_replication.sync_state at once but releases nobody: the new synchronous
/// standby's next reply does (up to `wal_receiver_status_interval` later on an idle stream).
class SyncRep {
 public:
  explicit SyncRep(Postgres& pg) : pg_(pg) {}
  void configure(const SyncStandbyNames& names);
  const SyncStandbyNames& names() const { return names_; }
  bool defined() const { return names_.defined(); }
  /// Waits until `lsn` is covered at `mode`'s level; `released(canceled)`. A position the
  /// standbys' replies already released returns at once (SyncRepWaitForLSN's fast exit).
  void wait(std::uint64_t id, Lsn lsn, SynchronousCommit mode, std::function<void(bool)> released);
  /// Cancels a waiter (the commit stands); false if it was not waiting.
  bool cancel(std::uint64_t id);
  /// Recomputes pg_stat_replication.sync_state (a walsender started, caught up or ended, or a
  /// reload), recording each change; releases nobody.
  void standbys_changed();
  /// A standby's reply was processed by `from`: SyncRepReleaseWaiters.
  void reply_processed(const WalSender& from);
  /// Releases every waiter (synchronous_standby_names emptied, or shutdown).
  void release_all();
  std::size_t waiting() const { return waiters_.size(); }

 private:
  struct Waiter {
    std::uint64_t id;
    Lsn lsn;
    SynchronousCommit mode;
    std::function<void(bool)> released;
  };
  /// The synchronous standbys (SyncRepGetCandidateStandbys), setting every walsender's sync_state.
  std::vector<const WalSender*> choose();
  /// The synchronous positions (write, flush, apply) of `chosen`; nullopt when too few.
  std::optional<std::array<Lsn, 3>> positions(const std::vector<const WalSender*>& chosen) const;
  Postgres& pg_;
  SyncStandbyNames names_;
  std::vector<Waiter> waiters_;
  /// WalSndCtl->lsn[mode]: what the replies have released so far (write, flush, apply).
  std::array<Lsn, 3> released_{};
};

/// What the server is doing (the postmaster's pmState, as clients see it).
enum class ServerState {
  Starting,     // startup process running crash recovery: "the database system is starting up"
  Recovering,   // archive recovery before consistency: "not yet accepting connections"
  HotStandby,   // consistent standby: read-only queries
  Running,      // primary in production
  ShuttingDown,
  Stopped,
};
const char* to_string(ServerState s);

/// The signals the postmaster handles (postmaster.c pmdie/SIGHUP_handler).
enum class PgSignal { Term, Int, Quit, Hup };
enum class ShutdownMode { Smart, Fast, Immediate };
const char* to_string(ShutdownMode m);

/// The WAL pgbench -i's COPY writes per pgbench_accounts row, its pages' records averaged
/// (bulk_load.cpp): what validation divides a real run's COPY rate by.
double copy_wal_bytes_per_row();

/// A PostgreSQL server ("postgres"): its role comes from its data directory (standby.signal),
/// not from a flag. `initdb()` or `init_standby()` prepare the directory before it starts.
///
///   sim::Node& n = sim.add_node("pg2");
///   Postgres::init_standby(n.disk(), kSystemId);
///   PostgresConfig c; c.primary_conninfo = "host=pg1 application_name=pg2";
///   n.add_process<Postgres>(c);
class Postgres final : public sim::Process {
 public:
  Postgres(sim::Node& node, PostgresConfig config);

  /// initdb: a new cluster (pg_control, the first checkpoint record in the first segment), made
  /// durable at once (the image's initialisation happened before the run).
  /// `switched`: the set-up that cloned standbys from it ended, as pg_basebackup ends, with a
  /// WAL switch (do_pg_backup_stop: RequestXLogSwitch), so its WAL ends at a segment boundary and
  /// the next record opens a segment no file holds yet (XLogFileInit writes it full of zeros
  /// first). Here the checkpoint record takes the last bytes of the first segment, which leaves
  /// the end of WAL where the switch would.
  static void initdb(sim::Disk& disk, std::uint64_t system_identifier,
                     std::uint64_t wal_segment_size_bytes = 16ull * 1024 * 1024, bool switched = false);
  /// The same cluster as a base backup taken right after initdb, plus standby.signal: the
  /// standby a `pg_basebackup -R` taken before any write leaves. `later_clone_ends`: how many
  /// clones of the same primary ended before this one (with `switched`): its copy holds their
  /// backup ends and switches too (backup_end_records), as the primary writes them when it first
  /// starts (setup_clone_ends).
  static void init_standby(sim::Disk& disk, std::uint64_t system_identifier,
                           std::uint64_t wal_segment_size_bytes = 16ull * 1024 * 1024, bool switched = false,
                           int later_clone_ends = 0);
  /// pg_create_physical_replication_slot on a stopped server's disk (the slot file).
  static void create_slot(sim::Disk& disk, const std::string& name);

  /// kill -TERM (smart), -INT (fast), -QUIT (immediate), -HUP (reload) to the postmaster.
  void signal(PgSignal s);
  /// pg_ctl promote / pg_promote(): false when not in recovery.
  bool promote();
  /// An operator's `psql -c STATEMENT ...` over the server's local socket, each statement on its
  /// own (ALTER SYSTEM into postgresql.auto.conf, pg_reload_conf(), pg_promote(), CHECKPOINT).
  /// Nothing happens on a server that is not running (psql cannot connect).
  void operator_sql(const std::vector<OperatorStatement>& statements);
  /// What `docker stop` sends (the image's STOPSIGNAL): SIGINT, a fast shutdown
  /// (docker-library/postgres Dockerfile: "STOPSIGNAL SIGINT").
  PgSignal stop_signal = PgSignal::Int;

  // ---- state, for tests and fixtures (models talk to it over TCP) ----
  const PostgresConfig& config() const { return config_; }
  ServerState server_state() const { return state_; }
  bool in_recovery() const { return in_recovery_; }
  TimeLineId timeline() const;
  std::uint64_t system_identifier() const { return control_.system_identifier; }
  Lsn insert_lsn() const { return wal_ ? wal_->insert_lsn() : 0; }
  Lsn flush_lsn() const { return wal_ ? wal_->flush_lsn() : 0; }
  Lsn replay_lsn() const { return replay_lsn_; }
  const Wal* wal() const { return wal_.get(); }
  Wal& wal() { return *wal_; }
  const TimelineHistory& history() const { return history_; }
  const WalReceiver* walreceiver() const { return walreceiver_.get(); }
  /// Walsenders by connection (pg_stat_replication).
  std::vector<const WalSender*> walsenders() const;
  const SyncRep* sync_rep() const { return sync_rep_.get(); }
  /// Whether the commit written at (`tli`, `lsn`) is part of this server's replayed (or, on a
  /// primary, written) history.
  bool has_commit(TimeLineId tli, Lsn lsn) const;
  /// Commits visible to a new snapshot (count(*) of the workload's table).
  std::int64_t visible_commits() const { return visible_; }
  int regular_backends() const;

  // ---- model knobs (not GUCs) ----
  /// One query's execution, parse to result.
  sim::Distribution statement_time = sim::Distribution::constant(200 * sim::kMicrosecond);
  /// One query's execution by its command, its first word as log_min_duration_statement's
  /// lines show it (BEGIN, INSERT, SELECT, COMMIT: runtime.statement_time_by_command, upper
  /// case), where the real runs timed each; a command not named takes statement_time. Each its
  /// own because they differ (an INSERT 0.29 ms where a BEGIN takes 0.07, 2026-12-05): four draws
  /// from their pooled times put 0.05-0.09 ms more on a commit's median than the four real ones.
  std::map<std::string, sim::Distribution> statement_time_by_command;
  /// The same for a statement on one relation (runtime.statement_time_by_relation: relation,
  /// lower case, then command), first where it names one: pgbench's UPDATE of pgbench_accounts
  /// is not the writer's INSERT, and a TPC-B transaction's statements differ among themselves.
  std::map<std::string, std::map<std::string, sim::Distribution>, std::less<>> statement_time_by_relation;
  /// The time a query of this text takes to run: by its relation and command, else by its
  /// command (END is COMMIT, as the server runs it), else statement_time.
  const sim::Distribution& statement_time_of(const std::string& sql);
  /// Redo speed: a record costs this plus its size over the rate (crash recovery, standby
  /// replay, promotion's backlog). 0 rate: size costs nothing.
  sim::Time replay_record_time = 5 * sim::kMicrosecond;
  std::uint64_t replay_rate_bytes_per_s = 200ull * 1024 * 1024;
  /// A bulk statement's CPU time per row (runtime.bulk_row): COPY FROM's parse and heap insert of
  /// one pgbench_accounts row; an index build and a VACUUM take measured fractions of it
  /// (bulk_load.cpp). Drawn once per statement: the host's pace during that statement.
  sim::Distribution bulk_row = sim::Distribution::constant(sim::kMicrosecond);
  /// pg_promote(wait => true) polls this often (xlogfuncs.c WAITS_PER_SECOND 10).
  sim::Time promote_poll = 100 * sim::kMillisecond;
  /// After a PANIC the postmaster reinitialises: a restart this much later.
  sim::Time reinit_delay = 10 * sim::kMillisecond;
  /// How late a process asleep on its latch or socket runs once woken (the host's scheduler:
  /// runtime.latch_wakeup): the walsender after a flush or a reply, the walreceiver after WAL
  /// or the startup process's WalRcvForceReply, the startup process after the walreceiver's
  /// flush. 0: at once.
  sim::Distribution latch_wakeup = sim::Distribution::constant(0);
  sim::Rng& latch_rng() { return latch_rng_; }
  /// A walreceiver's work on a batch of WAL once it runs, up to its write reply
  /// (runtime.walreceiver_write: XLogWalRcvWrite and the CPU it waits for beside other load).
  /// The walreceiver handles nothing else meanwhile. 0: at once.
  sim::Distribution walreceiver_write = sim::Distribution::constant(0);
  sim::Rng& walreceiver_rng() { return walreceiver_rng_; }
  /// From the startup process asking for streaming (RequestXLogStreaming) to the walreceiver's
  /// connection attempt (runtime.walreceiver_start: the postmaster's fork, the process's set-up,
  /// libpq's look-up when the engine's DNS answers). A promotion that comes meanwhile waits out
  /// wal_retrieve_retry_interval (Postgres::promote). 0: at once.
  sim::Distribution walreceiver_start = sim::Distribution::constant(0);
  sim::Rng& walreceiver_start_rng() { return walreceiver_start_rng_; }
  /// A client backend's first statement's extra cost over its later ones: a new backend's
  /// relation and catalog caches start empty, so its first statements naming users, its sequence
  /// and its index read them from the catalogs (runtime.backend_warmup: validation's session
  /// probe times the writer's transaction on a new backend and again on the same one). 0: none.
  sim::Distribution backend_warmup = sim::Distribution::constant(0);
  /// The real set-up clones its standbys at once (each container's pg_basebackup), and each clone
  /// ends with XLOG_BACKUP_END and a WAL switch on this primary: a clone that ended before others
  /// streams their ends, 16 MiB a switched segment, when it starts (its first replay lag is that
  /// catch-up, the others' their walreceiver's first 100 ms nap). The run starts after the first
  /// clone's end (initdb's `switched`); the primary writes the later ones, this many, when it first
  /// becomes primary, before any standby connects. Zero: none (one clone, or none).
  int setup_clone_ends = 0;
  /// How long the WAL flush a committing backend asks for takes (runtime.commit_flush: each real
  /// run's COMMITs as their backends timed them, less a statement's mean): on a loaded host its
  /// own fdatasync's wake-up and the CPU it waits for, which the device's fsync (the standbys'
  /// flushes) does not carry. Unset: the disk's fsync.
  std::optional<sim::Distribution> commit_flush;

  // ---- a source of pg_rewind (libpq_source.c) and BASE_BACKUP (basebackup.c) ----
  /// global/pg_control as on disk and the history file of its timeline.
  RewindSourceState rewind_source_state() const;
  /// The files pg_rewind's file map fetches: pg_wal/ whole, the other non-relation files, and
  /// `changed_blocks` relation blocks besides those this server added since `fork` (COPY_TAIL).
  DataCopy rewind_files(std::uint64_t changed_blocks, Lsn fork) const;
  /// BASE_BACKUP: a checkpoint (immediate with FAST), then the data directory and the WAL from
  /// that checkpoint's redo on; `slot` (if any) holds WAL from there. `done` once it is sent.
  void base_backup(const BaseBackupCommand& cmd, std::function<void(DataCopy)> done);
  /// The data directory without pg_wal/ (what BASE_BACKUP's tar stream carries).
  std::uint64_t data_directory_bytes() const;

  // ---- used by WalSender / WalReceiver / SyncRep ----
  sim::Tcp& tcp() const;
  WalSender* walsender(sim::ConnId conn) const;
  void walsender_ended(sim::ConnId conn);
  void walreceiver_exited(const std::string& reason);
  /// The WAL a walsender may send (what is flushed).
  Lsn send_limit() const { return wal_ ? wal_->flush_lsn() : 0; }
  /// Writes a timeline history file learnt from the primary.
  void store_history(TimeLineId tli, const std::string& content);
  /// Follows `tli` from now on (the walreceiver found its history includes our position).
  void follow_timeline(TimeLineId tli);
  /// The startup process: replays what was flushed (called after each WAL flush).
  void wake_replay();
  /// Slots (pg_replslot/): a walsender acquires one; restart_lsn follows the standby's flush.
  /// An invalidated slot (InvalidatePossiblyObsoleteSlot) keeps its old restart_lsn in
  /// invalidated_at and has none of its own: it holds no WAL back any more.
  struct Slot {
    Lsn restart_lsn = 0;
    std::uint32_t active_pid = 0;
    Lsn invalidated_at = 0;
    bool invalidated() const { return restart_lsn == 0 && invalidated_at != 0; }
  };
  /// One row of pg_replication_slots (pg_get_replication_slots): wal_status is "reserved",
  /// "extended", "unreserved", "lost" or "" (NULL: no restart_lsn yet); safe_wal_size is the
  /// bytes of WAL that can still be written before the slot loses a segment, nullopt (NULL)
  /// when max_slot_wal_keep_size is -1 or the slot is lost.
  struct SlotRow {
    std::string slot_name;
    bool active = false;
    std::uint32_t active_pid = 0;
    Lsn restart_lsn = 0;
    std::string wal_status;
    std::optional<std::int64_t> safe_wal_size;
  };
  std::vector<SlotRow> replication_slots() const;
  std::map<std::string, Slot>& slots() { return slots_; }
  const std::map<std::string, Slot>& slots() const { return slots_; }
  SyncRep& sync() { return *sync_rep_; }
  void record(const char* kind, std::vector<sim::Field> fields, bool notable = true);
  std::uint32_t next_backend_pid() { return next_pid_++; }

 protected:
  void on_start() override;
  void on_sigterm() override;
  void on_exit() override;

 private:
  struct Backend {
    sim::ConnId conn = 0;
    std::uint32_t pid = 0, key = 0;
    bool started = false;  // the startup packet was accepted
    bool walsender = false;
    bool busy = false;
    std::uint64_t waiting_commit = 0;  // id of a sync-rep wait in progress
    /// The session's own `synchronous_commit` (SET, or the startup packet's options); unset:
    /// the server's (postgresql.conf, ALTER SYSTEM after a reload).
    std::optional<SynchronousCommit> synchronous_commit;
    /// An explicit transaction block (BEGIN ... END): open, failed (an error inside it: every
    /// command but its end is refused, 25P02), and the WAL its statements wrote so far (their
    /// records, written as one at its commit).
    bool in_block = false;
    bool block_failed = false;
    std::uint64_t block_wal_bytes = 0;
    bool warm = false;  // it has run a statement (backend_warmup paid)
  };

  // start-up and recovery
  bool load_config();
  void start_recovery();
  /// The rest of start_recovery, after the data directory is synced if it has to be.
  void redo_from_checkpoint();
  void finish_recovery(Lsn end, Lsn last, std::map<Lsn, WalRecord> records, std::uint64_t xid);
  void become_primary();
  void become_hot_standby();
  void start_walreceiver();
  void replay_next();
  void apply_record(const WalRecord& r);
  void finish_promotion();
  void panic(const std::string& message);

  // connections
  void accept(sim::ConnId conn);
  void on_first_message(sim::ConnId conn, const std::any& m);
  void reject(sim::ConnId conn, const std::string& code, const std::string& message, const std::string& detail = {});
  void on_query(sim::ConnId conn, const Query& q);
  void run_query(sim::ConnId conn, const Query& q);
  /// One statement of a transaction block (pgbench's script), with its row locks and WAL.
  /// `wal_bytes`: the query's declared row WAL (the writer's INSERT), 0 for pgbench's.
  void run_dml(sim::ConnId conn, const Statement& d, std::uint64_t wal_bytes);
  /// The WAL an INSERT into `relation` writes: its records (`declared`, else a heap insert's)
  /// and, for the seed's users table, the images of its heap page and primary-key leaf when
  /// this is their first change since the redo point.
  std::uint64_t insert_wal_bytes(const Statement& insert, std::uint64_t declared);
  /// BEGIN, COMMIT/END, ROLLBACK, UPDATE or SELECT of a row: run_dml's, wherever it comes.
  bool block_statement(const Statement& st) const;
  /// The WAL one row change writes: its record, and a full-page image if its page is the first
  /// change since the redo point.
  std::uint64_t row_change_wal_bytes(const std::string& relation, std::int64_t key, std::uint64_t record_bytes);
  /// A transaction's commit record (its changes' `wal_bytes` and the commit's own), flushed and
  /// waited for as its synchronous_commit level (`local`: SET LOCAL's) says; then COMMIT.
  void commit(sim::ConnId conn, std::uint64_t wal_bytes, std::optional<SynchronousCommit> local);
  /// The first session in the seed's database prunes its catalog page (prunable_catalog_path).
  void prune_catalog();
  // bulk statements (bulk_load.cpp): pgbench -i's
  struct PageWrite;
  void copy_from(sim::ConnId conn, const Statement& st, const Query& q);
  void add_primary_key(sim::ConnId conn, const Statement& st, std::uint64_t catalog_bytes);
  void vacuum(sim::ConnId conn, const Statement& st, std::uint64_t catalog_bytes);
  void write_pages(sim::ConnId conn, std::shared_ptr<PageWrite> job);
  /// A change that commits nothing the model counts (catalog rows, a bulk statement's pages and
  /// its commit): `bytes` of WAL as one record, flushed by the WAL writer unless a commit's flush
  /// comes first, and a segment it finishes fsynced at once (XLogWrite's finishing_seg).
  bool insert_data(std::uint64_t bytes, Lsn* end = nullptr);
  /// Asks for a checkpoint when WAL up to `end` passed max_wal_size's segments since the redo point.
  void checkpoint_if_needed(Lsn end);
  void poll_promote(sim::ConnId conn, sim::Time deadline);
  void send(sim::ConnId conn, std::any m, std::uint64_t bytes = kSmallMessageBytes);
  void complete(sim::ConnId conn, CommandComplete c);
  void fail_query(sim::ConnId conn, const std::string& code, const std::string& message);
  void backend_gone(sim::ConnId conn);
  /// ALTER SYSTEM: `name = value` in postgresql.auto.conf (an empty value removes it: RESET).
  void write_auto_conf(const std::string& name, const std::string& value);
  /// The synchronous_commit a transaction of `conn` runs with: its own `SET LOCAL` (`local`),
  /// else the session's, else the server's.
  SynchronousCommit commit_level(sim::ConnId conn, std::optional<SynchronousCommit> local) const;
  void reload();

  // WAL, checkpoints
  void wal_flushed();
  /// `fn` once WAL up to `lsn` is flushed; `latency`: the flush's, where the waiter measured it
  /// (a committing backend's commit_flush).
  void wait_flush(Lsn lsn, std::function<void()> fn, std::optional<sim::Time> latency = std::nullopt);
  void checkpoint(bool shutdown, std::function<void()> done);
  /// The outcome of a WAL insert or switch: a full disk records it and PANICs (false).
  bool wal_written(sim::FsError e);
  /// do_pg_backup_stop on a primary: XLOG_BACKUP_END, then RequestXLogSwitch (not flushed).
  /// False when the WAL could not be written (the server panics).
  bool write_backup_end();
  void write_control(std::function<void()> done);
  void save_slots();
  /// KeepLogSeg: the oldest segment to keep for a checkpoint whose end of WAL is `recptr`,
  /// starting from `segno` (the redo pointer's), with slots capped by max_slot_wal_keep_size
  /// and at least wal_keep_size kept.
  std::uint64_t keep_log_seg(Lsn recptr, std::uint64_t segno) const;
  /// CreateCheckPoint/CreateRestartPoint after the control file: the slots that need WAL
  /// before the kept horizon are invalidated (their walsender terminated first), then the
  /// segments before the horizon are removed. Returns how many were removed.
  int remove_old_wal(Lsn recptr);
  /// InvalidateObsoleteReplicationSlots: true if a slot was invalidated.
  bool invalidate_obsolete_slots(Lsn oldest_lsn);

  // shutdown
  void begin_shutdown(ShutdownMode mode);
  void shutdown_step();

  PostgresConfig base_config_, config_;
  ServerState state_ = ServerState::Stopped;
  bool in_recovery_ = false;
  bool standby_mode_ = false;
  bool startup_done_ = false;  // the startup process finished (a PANIC then reinitialises)
  ControlFile control_;
  TimelineHistory history_;
  std::unique_ptr<Wal> wal_;
  std::unique_ptr<WalReceiver> walreceiver_;
  std::unique_ptr<SyncRep> sync_rep_;
  std::map<sim::ConnId, Backend> backends_;
  std::map<sim::ConnId, std::unique_ptr<WalSender>> walsenders_;
  std::map<std::string, Slot> slots_;
  /// Queries parsed before, by their text: a session's BEGIN, COMMIT and SELECTs repeat with
  /// every transaction (parsing them was ~5% of a busy Demo 2 run). INSERTs are not kept (each
  /// carries its own row), nor more than kParsedKept texts.
  static constexpr std::size_t kParsedKept = 64;
  std::map<std::string, std::vector<Statement>, std::less<>> parsed_;
  /// `sql` split and classified: from parsed_, or parsed into `fresh` (and kept if it may be).
  const std::vector<Statement>& statements_of(const std::string& sql, std::vector<Statement>& fresh);
  std::multimap<Lsn, std::function<void()>> flush_waiters_;
  // the startup process
  Lsn replay_lsn_ = 0;
  TimeLineId replay_tli_ = 1;
  bool replaying_ = false;
  bool replayed_since_wait_ = false;  // a record replayed since the startup process last caught up
  Lsn last_checkpoint_replayed_ = 0;
  bool promote_requested_ = false;
  bool promotion_waits_walreceiver_ = false;  // replay ended, ShutdownWalRcv still waiting
  // A promotion seen while streaming was asked for: not before the retry sleep it falls into.
  sim::Time promote_not_before_ = 0;
  sim::Time last_fail_time_ = -sim::kNever / 2;
  sim::Timer retry_timer_, checkpoint_timer_, walwriter_timer_;
  // the primary
  std::uint64_t last_xid_ = 0;
  std::int64_t visible_ = 0;
  Lsn last_checkpoint_redo_ = 0;
  /// Heap pages modified since the last checkpoint's redo point, per relation: the first change
  /// of a page after it writes a full-page image (full_page_writes, XLogRecordAssemble).
  std::map<std::string, std::set<std::int64_t>> pages_since_redo_;
  /// Rows a COPY loaded, by relation: what an index build or a VACUUM of it reads.
  std::map<std::string, std::int64_t> table_rows_;
  /// users_id_seq as nextval keeps it (sequence.c): values left before it logs again, and the
  /// LSN of its last log record (0: none since the server started, whose state it then re-reads).
  std::int64_t seq_log_cnt_ = 0;
  Lsn seq_logged_at_ = 0;
  TupleLocks row_locks_;
  bool checkpoint_running_ = false;
  std::vector<std::function<void()>> after_checkpoint_;
  Lsn last_replayed_record_ = 0;
  std::uint32_t next_pid_ = 100;
  std::uint64_t next_wait_id_ = 1;
  // shutdown
  std::optional<PgSignal> pending_signal_;
  std::optional<ShutdownMode> shutdown_mode_;
  bool shutdown_checkpoint_done_ = false;
  bool shutdown_checkpoint_started_ = false;
  sim::Rng rng_;
  sim::Rng latch_rng_;
  sim::Rng walreceiver_rng_;
  sim::Rng walreceiver_start_rng_;
  sim::Rng warmup_rng_;
  sim::Rng commit_flush_rng_;
  /// The startup process's latch (WakeupRecovery).
  Latch startup_latch_;
};

}  // namespace models::postgres
