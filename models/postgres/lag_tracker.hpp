#pragma once
// pg_stat_replication's write_lag, flush_lag and replay_lag (walsender.c's lag tracker).
#include <array>
#include <cstdint>
#include <deque>

#include "models/postgres/protocol.hpp"
#include "sim/time.hpp"

namespace models::postgres {

/// The walsender's lag tracker (walsender.c, LagTrackerWrite / LagTrackerRead): each time the
/// walsender finds new flushed WAL to send it notes (flush position, now); each standby reply
/// reads, for its write, flush and apply positions, the newest note at or below the position
/// and reports now less its time. A position between two notes is interpolated from the last
/// note it passed; one that passed none since the tracker emptied is given the next note's time
/// (the lag it would have if that WAL were reached now). So the lag is a round trip measured
/// at the primary, and it includes how late the standby reports a position: the walreceiver
/// reports its apply position only in replies it sends for other reasons (new WAL written or
/// flushed, or `wal_receiver_status_interval`), so with a writer committing every T seconds
/// replay_lag reads about T.
class LagTracker {
 public:
  enum Head { kWrite = 0, kFlush = 1, kApply = 2 };
  /// LAG_TRACKER_BUFFER_SIZE: when the slowest head is this far behind, the newest note is
  /// overwritten instead (a lower sampling rate, as in walsender.c).
  static constexpr std::size_t kCapacity = 8192;
  /// Notes `lsn` flushed locally at `now`, unless it is the position noted last.
  void write(Lsn lsn, sim::Time now);
  /// The lag of `head` at position `lsn`, or -1 when no note tells it (PostgreSQL's NULL).
  sim::Time read(Head head, Lsn lsn, sim::Time now);

 private:
  struct Sample {
    Lsn lsn = 0;
    sim::Time time = 0;
    bool valid = false;  // walsender.c marks "none" with time 0, a real time here
  };
  std::deque<Sample> buffer_;             // notes from the slowest head's position on
  std::uint64_t base_ = 0;                // absolute index of buffer_.front()
  std::array<std::uint64_t, 3> read_{};   // absolute index of each head's next unread note
  std::array<Sample, 3> last_read_{};     // invalid: none since the tracker was last empty
  Lsn last_lsn_ = 0;
  bool any_ = false;
  void trim();
};

}  // namespace models::postgres
