#pragma once
// The one total order of the simulation: events keyed (time, phase, insertion sequence).
// Nothing else (addresses, hashes, ids) ever breaks a tie.
#include <array>
#include <cstdint>
#include <vector>

#include "sim/callback.hpp"
#include "sim/time.hpp"

namespace sim {

/// Within one instant, faults apply first, then ordinary model events, then observers
/// (invariants, probes), which therefore see the settled state of that instant.
enum class Phase : std::uint8_t { Fault = 0, Normal = 1, Observe = 2 };

/// Handle to a scheduled event; stays valid (and harmless) after the event ran or was cancelled.
struct EventId {
  std::uint32_t slot = UINT32_MAX;
  std::uint32_t generation = 0;
  bool valid() const { return slot != UINT32_MAX; }
};

/// Who an event belongs to, so that the loop can drop events of a dead incarnation and
/// defer those of a frozen one. Owner 0 is the simulation itself (never dropped).
struct Owner {
  std::uint32_t id = 0;
  std::uint32_t incarnation = 0;
};

/// (time, order) keys pointing into a slab of callbacks. Cancelling bumps the slot's generation,
/// so a cancelled entry is skipped when it surfaces; no search is needed.
///
/// Keys live in one of three structures. Most events are timers a few seconds ahead (checks,
/// adverts, timeouts), so those go to a timing wheel of ~2 ms buckets covering ~17 s: O(1) to
/// insert, and a bucket is sorted only when the clock reaches it. Events within the current
/// bucket (packets in flight, "now") go to a small binary heap. Timers beyond the wheel's span
/// (TCP keepalives, long timeouts, mostly cancelled before they fall due) wait in a heap of
/// their own and move into the wheel as the clock comes within its span, so they do not deepen
/// the near heap that every packet goes through. The next event is the smallest key of the
/// fronts, and keys are unique (the sequence), so which structure holds an event never changes
/// the order.
class EventQueue {
 public:
  /// The earliest live event, still holding its slot: the caller runs it (take), drops it
  /// (cancel), or keeps it pending while its owner is frozen and later reschedules it.
  struct Popped {
    Time time;
    Phase phase;
    Owner owner;
    EventId id;
  };

  EventQueue();
  ~EventQueue();
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;
  EventId push(Time time, Phase phase, Owner owner, Callback fn);
  bool cancel(EventId id);
  bool pending(EventId id) const {
    return id.valid() && id.slot < slots_.size() && slots_[id.slot].live &&
           slots_[id.slot].generation == id.generation;
  }
  /// Removes the earliest live event from the order into `out`; false when none is left.
  /// The event stays pending (cancellable) until taken or cancelled.
  bool pop(Popped& out);
  /// Moves the callback out of a popped event and frees its slot.
  Callback take(EventId id);
  /// Puts a popped, still-pending event back in the order at `time` (after everything already
  /// queued for that instant and phase).
  void reschedule(EventId id, Time time, Phase phase);
  /// Time of the earliest live event (cancelled entries on top are discarded); kNever when empty.
  Time next_time();
  std::size_t size() const { return live_; }
  /// Keys stored, cancelled ones included (for tests: cancelled keys must not pile up).
  std::size_t stored() const { return stored_; }
  /// Entries the timing wheel's buckets and spare storage have room for (its memory / 24 bytes).
  std::size_t wheel_capacity() const {
    std::size_t n = 0;
    for (const auto& b : buckets_) n += b.capacity();
    for (const auto& b : spares_) n += b.capacity();
    return n;
  }

 private:
  struct Entry {
    Time time;
    std::uint64_t order;  // phase in the top 4 bits, insertion sequence below
    std::uint32_t slot;
    std::uint32_t generation;
  };
  struct Slot {
    Callback fn;
    Owner owner;
    std::uint32_t generation = 0;
    bool live = false;
  };
  // About 17 s ahead: check intervals, adverts, and the connect/check timeouts that are
  // armed with every check and nearly always cancelled (kept out of the heap, whose cost grows
  // with its size, unlike the wheel's).
  static constexpr int kBucketShift = 21;  // 2^21 ns, about 2 ms per bucket
  static constexpr std::int64_t kBuckets = 8192;  // a power of two
  static constexpr std::size_t kWords = kBuckets / 64;
  static constexpr int kFineShift = 14;  // a crowded bucket splits into slices of 2^14 ns
  static constexpr std::size_t kFine = std::size_t{1} << (kBucketShift - kFineShift);
  static constexpr std::size_t kSmallBucket = 16;

  static bool before(const Entry& a, const Entry& b) {
    return a.time < b.time || (a.time == b.time && a.order < b.order);
  }
  bool dead(const Entry& e) const {
    const Slot& s = slots_[e.slot];
    return !s.live || s.generation != e.generation;
  }
  void insert(const Entry& e);
  enum class Source : std::uint8_t { Active, Near, Far };
  /// The earliest live key (nullptr if none) and where it is: active_[active_pos_], or the top
  /// of heap_ or of far_.
  const Entry* front(Source& from);
  std::int64_t next_occupied_bucket() const;
  void sort_active();
  void compact();
  // A binary heap whose pop sifts bottom-up (Floyd): the hole left by the root walks to a leaf
  // with one comparison per level, then the last entry sifts up from there, usually a level or
  // two. Sifting is most of the heap's work; this halves its comparisons.
  static void sift_up(std::vector<Entry>& heap, std::size_t i);
  static void remove_top(std::vector<Entry>& heap);
  /// Moves the far heap's keys that the wheel's span now reaches into the wheel (or the near
  /// heap), dropping cancelled ones.
  void admit_far();
  void release(std::uint32_t slot);

  std::vector<Entry> heap_;                     // the current bucket and earlier
  std::vector<Entry> far_;                      // beyond the wheel's span
  std::vector<std::vector<Entry>> buckets_;     // bucket b (absolute) lives at b % kBuckets
  // A drained bucket keeps at most kKeep entries of capacity; larger storage (a burst of timers
  // armed together lands in one bucket, and re-arms a period later in another) waits here for
  // the next bucket that outgrows its own, instead of every bucket growing to the largest burst
  // it ever saw: with 10,000 timers re-armed every 2 s that was 8,192 buckets x 16,384 entries.
  static constexpr std::size_t kKeep = 64;
  static constexpr std::size_t kSpares = 8;
  std::vector<std::vector<Entry>> spares_;
  void grow(std::vector<Entry>& bucket);
  void drained(std::vector<Entry>& bucket);
  std::array<std::uint64_t, kWords> occupied_{};  // one bit per non-empty bucket
  std::int64_t current_bucket_ = 0;             // wheel buckets hold b in (current, current + kBuckets)
  std::vector<Entry> active_;                   // the current bucket, sorted, drained from active_pos_
  std::size_t active_pos_ = 0;
  std::array<std::vector<Entry>, kFine> fine_;  // the current bucket's later slices, when split
  std::size_t fine_pos_ = 0;                    // next slice to sort into active_
  std::size_t fine_entries_ = 0;
  std::size_t wheel_entries_ = 0;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::uint64_t sequence_ = 0;
  std::size_t live_ = 0;
  std::size_t stored_ = 0;
};

}  // namespace sim
