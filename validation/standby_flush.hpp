#pragma once
// The host's fsync as PostgreSQL met it during a real run, read from the run's own
// pg_stat_replication rows instead of a probe run beside the stack.
#include <optional>
#include <vector>

#include "scenarios/tree.hpp"
#include "validation/validate.hpp"

namespace validation {

/// A standby's walreceiver answers each batch of WAL twice (walreceiver.c): once written
/// (XLogWalRcvSendReply before the flush) and once flushed (after XLogWalRcvFlush's
/// fdatasync). The primary's lag tracker times both against the same sample, so a row's
/// flush_lag - write_lag is that one fdatasync, plus the walreceiver's wake-up after it: the
/// disk and the scheduler as the servers met them in that minute. Seconds, one per row of a
/// standby streaming in step (caught up in this row and its previous one, under 64 KiB apart,
/// lags not repeated: standby_flush.cpp) whose flush came in a reply of its own.
std::vector<double> standby_flush_samples(const scenarios::Tree& events);

/// The host's latch wake-up as the servers met it: after the walreceiver's flush reply, the
/// startup process is woken (WakeupRecovery), replays, and having replayed all it has wakes the
/// walreceiver (WalRcvForceReply) for the apply reply, so a row's replay_lag - flush_lag is two
/// wake-ups and a few records' replay. Half of it per row streaming in step (seconds); rows
/// whose replay was answered with the flush give none.
std::vector<double> latch_wakeup_samples(const scenarios::Tree& events);

/// The write path less its wake-ups: the primary's lag tracker notes a position when its
/// walsender sends it (XLogSendPhysical's LagTrackerWrite), so a row's write_lag is the WAL's way
/// to the standby, the walreceiver's wake-up, its work on the batch up to its write reply
/// (XLogWalRcvWrite), the reply's way back and the walsender's wake-up for it. Less two wake-ups
/// (replay_lag - flush_lag is two more of them), what is left is the network both ways and that
/// work. Seconds, one per row of latch_wakeup_samples (a row can give less than nothing: its
/// wake-ups drawn apart); a run's median is what it tells.
std::vector<double> write_path_samples(const scenarios::Tree& events);

/// An fsync with nothing to write, as the stack's set-up met it: each standby the set-up made with
/// pg_basebackup (which synced every file) starts with pg_control saying "in production", so its
/// StartupXLOG fsyncs the whole data directory again (SyncDataDirectory), every file clean. A
/// pg_data_directory_synced event before the run's t0 is one such walk: its duration over the
/// walk's fsyncs (kSetUpSyncFsyncs) is one sample, seconds. The run's own later walks (a re-clone,
/// a rewind, a crash) are what the simulator is compared with, not measured here.
std::vector<double> clean_fsync_samples(const scenarios::Tree& events);
/// The fsyncs of that walk: the cluster's 1,272 files outside pg_wal/ in their 27 directories
/// (models/postgres/data_directory.hpp), with pg_wal/, its archive_status/ and the segment or two
/// the base backup streamed.
inline constexpr double kSetUpSyncFsyncs = 1272 + 27 + 4;

/// The pooled samples as runtime.disk.fsync's empirical distribution (deciles, min and max, as
/// run_real.py's empirical_summary), or nothing with fewer than `least` samples.
std::optional<Measured> pooled_measure(const std::vector<std::vector<double>>& per_run, std::size_t least);
/// The same with the tail summarised finer (0.95, 0.98 and 0.99 too): an empirical draw is
/// linear between two quantiles, so from 0.9 straight to the max a tenth of the draws average
/// the midpoint of a tail that one slow statement stretches (0.31 to 3.7 ms), and a commit's
/// five draws then put 0.1-0.2 ms more on its median than the real commits had (2026-12-05).
std::optional<Measured> pooled_measure_fine_tail(const std::vector<std::vector<double>>& per_run, std::size_t least);
/// Finer still (0.995, 0.998 and 0.999), for thousands of samples whose 99th percentile is a
/// metric: pgbench's wake-ups, 12.6 ms at their maximum and 0.88 at their 99th percentile (17,806
/// of 2026-12-05), where one straight segment from 0.99 to the maximum put a simulated run's p99
/// of lag anywhere from 0.9 to 2 ms as a few draws more or less fell above it.
std::optional<Measured> pooled_measure_deep_tail(const std::vector<std::vector<double>>& per_run, std::size_t least);

}  // namespace validation
