#pragma once
// PostgreSQL stacks' invariants and metrics, computed once from the run's events (the records
// the models and clients make), after the run: the same code can read a real run's events.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/checks/check.hpp"
#include "sim/invariants.hpp"
#include "sim/trace.hpp"

namespace scenarios {

/// From the events of a run (the notable ones suffice) that ends at `end`:
/// - per writer W: W.acked, W.failed, W.write_gap_max_s (the longest time without an
///   acknowledgement, from the first one to the end of the run); W.commit_latency_ms.p50 and
///   .p99 (nearest rank over its acknowledged commits, from the attempt's start to the
///   acknowledgement: the seed's "write latency"); W.hung_commits (attempts that got no answer at
///   all, neither an acknowledgement nor an error, before the writer gave up or its run ended: a
///   commit waiting for an absent synchronous standby; one that had waited no longer than the
///   writer's slowest acknowledged commit is not one, nor a failure: the run's end cut it off,
///   sent a few ms before it) and W.commit_wait_max_s (the longest any attempt waited for its
///   outcome, acknowledged, failed or hung);
/// - commits.acked, commits.acked_lost (acknowledged commits absent from the final primary's
///   history: the RPO in commits), commits.lost_window_s (from the first lost commit's
///   acknowledgement to the last's);
/// - where an operator ran pg_rewind or pg_basebackup (the way back from a split brain): for
///   each, TOOL.done (1 unless its last run failed), TOOL.duration_ms and TOOL.copied_mb of its
///   last run; postgres.primaries_at_end and postgres.standbys_unconverged_at_end (running
///   standbys not streaming the one primary's timeline at the end);
/// - per node N that a `start` step started: postgres.N.start_s, from its last such step to its
///   server's next ready line (pg_started): the wait for its upstream in the container's script,
///   start-up, the whole data directory's fsync after an unclean shutdown and redo; absent when
///   the server never became ready after it;
/// - per reader R (pg_reader): R.reads and R.failed; for each commit acknowledged after R's
///   first read was sent, when R first saw it (the answer of its first read whose max_id reached
///   the commit's id, less the acknowledgement's time, 0 if the row was seen before the writer
///   heard of it): R.visible_after_ms.p50 / .max, and R.unseen, the commits it never saw; and
///   each read's staleness, its send time less the acknowledgement of the oldest commit it
///   missed (acknowledged before the read was sent, id above what it saw), 0 when it missed
///   none: R.stale_ms.max. Writers and readers in different containers compare times of one
///   host clock (CLOCK_REALTIME), so a real run's figures are the same computation;
/// - per pgbench workload P: P.transactions, P.tps (its transactions over the span from the
///   first one's scheduled start to the last one's end), P.latency_ms.p50 / .p99 / .avg (as
///   pgbench's log counts it: from the scheduled start under -R), P.lag_ms.p99 (the schedule
///   lag), P.failed (transactions that ended in an error: each aborts its client in pgbench 15,
///   whose own "failed" count is serialization and deadlock failures, which TPC-B cannot have
///   with its fixed lock order) and P.aborted_clients (those, plus every client when pgbench
///   could not connect at its start);
/// - invariants single_writable_primary (while two servers run as primaries) and
///   no_acked_commit_lost (one point per lost commit, at its acknowledgement).
/// The final primary is the primary at the end with the newest timeline (the one an operator
/// keeps); a commit survives on it when its timeline is the primary's, or an older timeline of
/// its history that the commit precedes the switch of.
/// Does nothing for a run without PostgreSQL events.
void postgres_checks(const std::vector<sim::TraceRecord>& events, sim::Time end, sim::Invariants& invariants,
                     std::map<std::string, double>& metrics);

/// The same as an observer of a running simulation (sim::Trace::observe): fed each record as it
/// is made, it keeps only what it needs (one small entry per acknowledged commit), so a long run
/// need not keep its commit events, and single_writable_primary opens and closes as it happens.
class PostgresChecks final : public Check {
 public:
  explicit PostgresChecks(sim::Invariants& invariants) : invariants_(invariants) {}
  void on_record(const sim::TraceRecord& r) override;
  /// The metrics, and the lost commits' violations, once the run has ended at `end`.
  void finish(sim::Time end, std::map<std::string, double>& metrics) override;
  /// one_primary and standbys_streaming, as below.
  void unsettled(const std::string& condition, std::vector<std::string>& problems) const override;
  std::vector<std::string_view> reads() const override;
  /// One line unless exactly one server runs as a primary now: `converge: {holds: [one_primary]}`.
  void primaries_problem(std::vector<std::string>& problems) const;
  /// One line per running standby that is not streaming, or, when there is exactly one primary,
  /// streams another server's WAL or another timeline than that primary's:
  /// `converge: {holds: [standbys_streaming]}`.
  void standbys_problem(std::vector<std::string>& problems) const;

 private:
  /// One acknowledged commit (one per commit of a run: small, no string of its own).
  struct Ack {
    sim::Time at;
    std::uint32_t writer, node;  // indices into names_
    std::int64_t timeline, lsn;
    std::int64_t id;  // the row's id as readers see it: real runs' users.id, the simulator's xid
  };
  /// One answered read of a pg_reader: sent and answered, the freshest id its snapshot saw.
  struct Read {
    sim::Time sent, at;
    std::int64_t max_id;
  };
  void reader_metrics(std::map<std::string, double>& m) const;
  void pgbench_metrics(std::map<std::string, double>& m) const;
  /// One pgbench workload's transactions and aborted clients.
  struct Pgbench {
    std::vector<std::int64_t> latency_us, lag_us;
    sim::Time first_start = sim::kNever, last_end = 0;
    int failed = 0, aborted = 0;
  };
  std::map<std::string, Pgbench> pgbench_;
  void tool_metrics(std::map<std::string, double>& m) const;
  struct ToolRun {
    bool done = false;
    std::int64_t duration_ms = 0, copied_bytes = 0;
  };
  std::map<std::string, ToolRun> tools_;  // pg_rewind / pg_basebackup -> its last run
  struct Start {
    sim::Time at = 0;
    sim::Time took = -1;  // until its server's ready line; -1 while not ready
  };
  std::map<std::string, Start> starts_;  // node -> its last `start` step
  void check_primaries(sim::Time t);
  /// A writer's commit, acknowledged or failed.
  void on_commit(const sim::TraceRecord& r, bool failed);
  /// An operator step: a `start` begins the wait for that node's server to be ready.
  void on_fault(const sim::TraceRecord& r);
  sim::Invariants& invariants_;
  bool any_ = false;
  std::map<std::string, std::int64_t> primaries_;  // node -> timeline, while it runs as a primary
  struct Standby {
    bool streaming = false;
    std::string from;  // the primary_conninfo host it streams from
    std::int64_t timeline = 0;
  };
  std::map<std::string, Standby> standbys_;  // node -> its walreceiver, while it runs as a standby
  std::map<std::int64_t, std::int64_t> switch_at_;  // new timeline -> the old one's end (switch_lsn)
  std::vector<Ack> acks_;
  /// Writer and node names, each once, in order of first appearance: what an Ack refers to.
  std::vector<std::string> names_;
  std::map<std::string, std::uint32_t, std::less<>> name_index_;
  std::uint32_t name_of(std::string_view name);
  /// A writer's outcomes so far: one entry per writer, found with one lookup per commit.
  struct Writer {
    std::int64_t acked = 0;
    int failed = 0;
    std::vector<std::int64_t> latency_us;  // its acknowledged commits'
    std::vector<std::int64_t> unanswered_us;  // how long each attempt with no answer at all waited
    std::int64_t wait_max_us = 0;
    sim::Time last_ack = -1;  // -1: none yet
    sim::Time gap_max = 0;    // between two acknowledgements (from the first one)
  };
  std::map<std::string, Writer, std::less<>> writers_;
  std::map<std::string, std::vector<Read>> reads_;  // reader -> its answered reads, in answer order
  std::map<std::string, int> read_failed_;
};

}  // namespace scenarios
