#include "models/postgres/lag_tracker.hpp"

#include <algorithm>

namespace models::postgres {

void LagTracker::write(Lsn lsn, sim::Time now) {
  if (any_ && lsn == last_lsn_) return;  // only new WAL makes a note
  any_ = true;
  last_lsn_ = lsn;
  const std::uint64_t slowest = *std::min_element(read_.begin(), read_.end());
  const std::uint64_t end = base_ + buffer_.size();
  if (end - slowest >= kCapacity - 1) {
    buffer_.back() = Sample{lsn, now, true};  // full: the newest note gives way
    return;
  }
  buffer_.push_back(Sample{lsn, now, true});
}

sim::Time LagTracker::read(Head head, Lsn lsn, sim::Time now) {
  std::uint64_t& next = read_[head];
  const std::uint64_t end = base_ + buffer_.size();
  bool crossed = false;
  sim::Time time = 0;
  while (next != end && buffer_[next - base_].lsn <= lsn) {
    time = buffer_[next - base_].time;
    last_read_[head] = buffer_[next - base_];
    crossed = true;
    ++next;
  }
  // Everything sent has been reached: a later burst must not interpolate from this old note.
  if (next == end) last_read_[head].valid = false;
  if (!crossed) {
    if (next == end) {
      trim();
      return -1;  // nothing newer to measure against
    }
    const Sample& ahead = buffer_[next - base_];
    const Sample& behind = last_read_[head];
    if (behind.valid) {
      if (lsn < behind.lsn) {
        trim();
        return -1;  // went backwards (a timeline change)
      }
      // Between two notes: the flush time in proportion to the position (integers, no float).
      const auto span = static_cast<unsigned __int128>(ahead.lsn - behind.lsn);
      const auto part = static_cast<unsigned __int128>(lsn - behind.lsn);
      time = behind.time + static_cast<sim::Time>(static_cast<unsigned __int128>(ahead.time - behind.time) * part / span);
    } else {
      time = ahead.time;  // caught up before, a new burst not reached yet: its lag if reached now
    }
  }
  trim();
  return time > now ? -1 : now - time;
}

void LagTracker::trim() {
  const std::uint64_t slowest = *std::min_element(read_.begin(), read_.end());
  while (!buffer_.empty() && base_ < slowest) {
    buffer_.pop_front();
    ++base_;
  }
}

}  // namespace models::postgres
