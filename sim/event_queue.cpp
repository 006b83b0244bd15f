#include "sim/event_queue.hpp"

#include <algorithm>
#include <utility>

namespace sim {

namespace {
/// The wheel's buckets of the last queue this thread destroyed, emptied with their capacity
/// kept: a sweep's next run reuses them instead of growing 8,192 vectors anew (about 3,000
/// allocations a Demo 1 run). At most one set per thread.
template <class Buckets>
Buckets& spare_buckets() {
  thread_local Buckets spare;
  return spare;
}
}  // namespace

/// The slab and the heaps of the last queue this thread destroyed, emptied with their capacity
/// kept, for the same reason: a run grows its slab to a few hundred slots by doubling, and
/// freeing those blocks at its end made malloc consolidate its free lists on every run of a sweep.
namespace {
template <class Slots, class Entries>
struct SpareStorage {
  Slots slots;
  std::vector<std::uint32_t> free;
  Entries heap, far, active;
};
}  // namespace

EventQueue::EventQueue() {
  auto& spare = spare_buckets<decltype(buckets_)>();
  if (spare.size() == static_cast<std::size_t>(kBuckets)) buckets_.swap(spare);
  else buckets_.resize(kBuckets);
  auto& storage = spare_buckets<SpareStorage<decltype(slots_), decltype(heap_)>>();
  slots_.swap(storage.slots);
  free_.swap(storage.free);
  heap_.swap(storage.heap);
  far_.swap(storage.far);
  active_.swap(storage.active);
}

EventQueue::~EventQueue() {
  // Only an occupied bucket holds entries (a stale one must never reach the next run), and only
  // it may hold more than kKeep of capacity: a bucket is trimmed as it empties (drained()). The
  // bitmap finds them without walking all 8,192.
  for (std::size_t w = 0; w < kWords; ++w)
    for (std::uint64_t bits = occupied_[w]; bits != 0; bits &= bits - 1) {
      auto& b = buckets_[w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits))];
      b.clear();
      if (b.capacity() > kKeep) std::vector<Entry>().swap(b);
    }
  auto& spare = spare_buckets<decltype(buckets_)>();
  if (spare.empty()) spare.swap(buckets_);
  // Emptied here (every callback destroyed, nothing of this run left for the next), capacity kept.
  slots_.clear();
  free_.clear();
  heap_.clear();
  far_.clear();
  active_.clear();
  auto& storage = spare_buckets<SpareStorage<decltype(slots_), decltype(heap_)>>();
  if (storage.slots.capacity() == 0) {
    storage.slots.swap(slots_);
    storage.free.swap(free_);
    storage.heap.swap(heap_);
    storage.far.swap(far_);
    storage.active.swap(active_);
  }
}

EventId EventQueue::push(Time time, Phase phase, Owner owner, Callback fn) {
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.fn = std::move(fn);
  s.owner = owner;
  s.live = true;
  const std::uint64_t order = (static_cast<std::uint64_t>(phase) << 60) | sequence_++;
  insert(Entry{time, order, slot, s.generation});
  ++live_;
  return EventId{slot, s.generation};
}

void EventQueue::insert(const Entry& e) {
  const std::int64_t b = e.time >> kBucketShift;
  if (b > current_bucket_ && b - current_bucket_ < kBuckets) {
    const auto i = static_cast<std::size_t>(b & (kBuckets - 1));
    std::vector<Entry>& bucket = buckets_[i];
    if (bucket.empty()) occupied_[i / 64] |= std::uint64_t{1} << (i % 64);
    if (bucket.size() == bucket.capacity() && bucket.size() >= kKeep && !spares_.empty()) grow(bucket);
    bucket.push_back(e);
    ++wheel_entries_;
  } else if (b <= current_bucket_) {
    heap_.push_back(e);
    sift_up(heap_, heap_.size() - 1);
  } else {
    far_.push_back(e);
    sift_up(far_, far_.size() - 1);
  }
  ++stored_;
}

void EventQueue::grow(std::vector<Entry>& bucket) {
  // A full bucket takes the largest spare storage if it beats doubling its own.
  if (spares_.back().capacity() <= bucket.capacity()) return;
  std::vector<Entry> big;
  big.swap(spares_.back());
  spares_.pop_back();
  big.assign(bucket.begin(), bucket.end());
  big.swap(bucket);
  big.clear();
  drained(big);  // the bucket's old storage: a spare if it is large, else freed with `big`
}

void EventQueue::drained(std::vector<Entry>& bucket) {
  if (bucket.capacity() <= kKeep) return;
  if (spares_.size() < kSpares) {
    spares_.emplace_back().swap(bucket);
    // Largest last: grow() takes from the back.
    for (std::size_t k = spares_.size() - 1; k > 0 && spares_[k - 1].capacity() > spares_[k].capacity(); --k)
      spares_[k - 1].swap(spares_[k]);
  } else {
    std::vector<Entry>().swap(bucket);
  }
}

bool EventQueue::cancel(EventId id) {
  if (!pending(id)) return false;
  release(id.slot);
  // Cancelled keys are skipped lazily; a model that cancels most of what it schedules (request
  // timeouts) must not make them pile up, so sweep them out once they outnumber the live ones.
  if (stored_ > 2 * live_ + 4096) compact();
  return true;
}

void EventQueue::release(std::uint32_t slot) {
  Slot& s = slots_[slot];
  s.fn = nullptr;
  s.live = false;
  ++s.generation;  // the key, if still queued, no longer matches and is skipped
  free_.push_back(slot);
  --live_;
}

void EventQueue::compact() {
  auto is_dead = [this](const Entry& e) { return dead(e); };
  for (auto* heap : {&heap_, &far_}) {
    std::erase_if(*heap, is_dead);
    std::make_heap(heap->begin(), heap->end(), [](const Entry& a, const Entry& b) { return before(b, a); });
  }
  wheel_entries_ = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if ((occupied_[i / 64] >> (i % 64) & 1) == 0) continue;
    std::erase_if(buckets_[i], is_dead);
    if (buckets_[i].empty()) {
      occupied_[i / 64] &= ~(std::uint64_t{1} << (i % 64));
      drained(buckets_[i]);  // trimmed as the clock's draining trims: the destructor relies on it
    }
    wheel_entries_ += buckets_[i].size();
  }
  fine_entries_ = 0;
  for (auto& f : fine_) {
    std::erase_if(f, is_dead);
    fine_entries_ += f.size();
  }
  stored_ = heap_.size() + far_.size() + wheel_entries_ + fine_entries_ + (active_.size() - active_pos_);
}

std::int64_t EventQueue::next_occupied_bucket() const {
  // Bit i stands for the one absolute bucket b in (current, current + kBuckets) with
  // b % kBuckets == i, so scanning the bits circularly from current + 1 visits buckets in time order.
  const std::int64_t base = current_bucket_ + 1;
  const auto start = static_cast<std::size_t>(base & (kBuckets - 1));
  std::size_t word = start / 64;
  std::uint64_t bits = occupied_[word] & (~std::uint64_t{0} << (start % 64));
  for (std::size_t n = 0; n <= kWords; ++n) {
    if (bits != 0) {
      const auto i = static_cast<std::int64_t>(word * 64 + static_cast<std::size_t>(__builtin_ctzll(bits)));
      return base + ((i - static_cast<std::int64_t>(start)) & (kBuckets - 1));
    }
    word = (word + 1) % kWords;
    bits = occupied_[word];
  }
  return current_bucket_ + kBuckets;  // not reached while wheel_entries_ > 0
}

void EventQueue::sort_active() {
  std::sort(active_.begin(), active_.end(), [](const Entry& a, const Entry& b) { return before(a, b); });
}

void EventQueue::admit_far() {
  while (!far_.empty() && (far_.front().time >> kBucketShift) - current_bucket_ < kBuckets) {
    const Entry e = far_.front();
    remove_top(far_);
    --stored_;
    if (!dead(e)) insert(e);
  }
}

const EventQueue::Entry* EventQueue::front(Source& from) {
  for (;;) {
    if (!far_.empty()) admit_far();
    while (active_pos_ < active_.size() && dead(active_[active_pos_])) {
      ++active_pos_;
      --stored_;
    }
    while (!heap_.empty() && dead(heap_.front())) {
      remove_top(heap_);
      --stored_;
    }
    if (active_pos_ < active_.size()) {
      const bool in_heap = !heap_.empty() && before(heap_.front(), active_[active_pos_]);
      from = in_heap ? Source::Near : Source::Active;
      return in_heap ? &heap_.front() : &active_[active_pos_];
    }
    if (fine_entries_ > 0) {
      // The current bucket's next non-empty slice becomes the sorted run, unless the heap's
      // front comes before that slice starts.
      while (fine_[fine_pos_].empty()) ++fine_pos_;
      const Time start = (current_bucket_ << kBucketShift) + (static_cast<Time>(fine_pos_) << kFineShift);
      if (heap_.empty() || heap_.front().time >= start) {
        // Copied, not swapped: every vector keeps the capacity its own traffic grew it to.
        active_.assign(fine_[fine_pos_].begin(), fine_[fine_pos_].end());
        fine_[fine_pos_].clear();
        fine_entries_ -= active_.size();
        active_pos_ = 0;
        ++fine_pos_;
        sort_active();
        continue;
      }
    } else if (wheel_entries_ > 0) {
      const std::int64_t next = next_occupied_bucket();
      if (heap_.empty() || heap_.front().time >= (next << kBucketShift)) {
        // The clock reaches the next bucket. A small one is sorted at once; a crowded one (a
        // burst of timers armed together) is first split into kFine slices by time, so that
        // sorting stays cheap however many fall in one bucket.
        const auto i = static_cast<std::size_t>(next & (kBuckets - 1));
        occupied_[i / 64] &= ~(std::uint64_t{1} << (i % 64));
        current_bucket_ = next;
        active_.clear();
        active_pos_ = 0;
        std::vector<Entry>& bucket = buckets_[i];
        wheel_entries_ -= bucket.size();
        if (bucket.size() <= kSmallBucket) {
          active_.assign(bucket.begin(), bucket.end());
          sort_active();
        } else {
          for (const Entry& e : bucket) fine_[static_cast<std::size_t>(e.time >> kFineShift) & (kFine - 1)].push_back(e);
          fine_entries_ = bucket.size();
          fine_pos_ = 0;
        }
        bucket.clear();
        drained(bucket);
        continue;
      }
    }
    if (!heap_.empty()) {
      from = Source::Near;
      return &heap_.front();
    }
    // Nothing within the wheel's span: the clock jumps to the far heap's front.
    while (!far_.empty() && dead(far_.front())) {
      remove_top(far_);
      --stored_;
    }
    if (far_.empty()) return nullptr;
    from = Source::Far;
    return &far_.front();
  }
}

Time EventQueue::next_time() {
  Source from = Source::Active;
  const Entry* e = front(from);
  return e == nullptr ? kNever : e->time;
}

bool EventQueue::pop(Popped& out) {
  Source from = Source::Active;
  const Entry* e = front(from);
  if (e == nullptr) return false;
  const Entry top = *e;
  if (from != Source::Active) {
    remove_top(from == Source::Near ? heap_ : far_);
    // With the current bucket drained, the heap's event came before every wheel bucket, so the
    // wheel may start after it: keeps the wheel in use when time jumps past its span.
    if (active_pos_ == active_.size() && fine_entries_ == 0)
      current_bucket_ = std::max(current_bucket_, top.time >> kBucketShift);
  } else {
    ++active_pos_;
  }
  --stored_;
  const Slot& s = slots_[top.slot];
  out.time = top.time;
  out.phase = static_cast<Phase>(top.order >> 60);
  out.owner = s.owner;
  out.id = EventId{top.slot, top.generation};
  return true;
}

Callback EventQueue::take(EventId id) {
  Callback fn = std::move(slots_[id.slot].fn);
  release(id.slot);
  return fn;
}

void EventQueue::reschedule(EventId id, Time time, Phase phase) {
  if (!pending(id)) return;
  const std::uint64_t order = (static_cast<std::uint64_t>(phase) << 60) | sequence_++;
  insert(Entry{time, order, id.slot, id.generation});
}

void EventQueue::sift_up(std::vector<Entry>& heap, std::size_t i) {
  Entry e = heap[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!before(e, heap[parent])) break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = e;
}

void EventQueue::remove_top(std::vector<Entry>& heap) {
  const Entry last = heap.back();
  heap.pop_back();
  const std::size_t n = heap.size();
  if (n == 0) return;
  std::size_t hole = 0;
  for (;;) {
    std::size_t child = 2 * hole + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap[child + 1], heap[child])) ++child;
    heap[hole] = heap[child];
    hole = child;
  }
  heap[hole] = last;
  sift_up(heap, hole);
}

}  // namespace sim
