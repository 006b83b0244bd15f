#include "sim/event_queue.hpp"

#include <algorithm>
#include <utility>

namespace sim {

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
  heap_.push_back(Entry{time, order, slot, s.generation});
  sift_up(heap_.size() - 1);
  ++live_;
  return EventId{slot, s.generation};
}

bool EventQueue::pending(EventId id) const {
  return id.valid() && id.slot < slots_.size() && slots_[id.slot].live &&
         slots_[id.slot].generation == id.generation;
}

bool EventQueue::cancel(EventId id) {
  if (!pending(id)) return false;
  release(id.slot);
  return true;
}

void EventQueue::release(std::uint32_t slot) {
  Slot& s = slots_[slot];
  s.fn = nullptr;
  s.live = false;
  ++s.generation;  // the heap entry, if still there, no longer matches and is skipped
  free_.push_back(slot);
  --live_;
}

Time EventQueue::next_time() {
  while (!heap_.empty()) {
    const Entry& top = heap_.front();
    const Slot& s = slots_[top.slot];
    if (s.live && s.generation == top.generation) return top.time;
    remove_top();
  }
  return kNever;
}

bool EventQueue::pop(Popped& out) {
  while (!heap_.empty()) {
    const Entry top = heap_.front();
    remove_top();
    Slot& s = slots_[top.slot];
    if (!s.live || s.generation != top.generation) continue;  // cancelled
    out.time = top.time;
    out.phase = static_cast<Phase>(top.order >> 60);
    out.owner = s.owner;
    out.id = EventId{top.slot, top.generation};
    return true;
  }
  return false;
}

Callback EventQueue::take(EventId id) {
  Callback fn = std::move(slots_[id.slot].fn);
  release(id.slot);
  return fn;
}

void EventQueue::reschedule(EventId id, Time time, Phase phase) {
  if (!pending(id)) return;
  const std::uint64_t order = (static_cast<std::uint64_t>(phase) << 60) | sequence_++;
  heap_.push_back(Entry{time, order, id.slot, id.generation});
  sift_up(heap_.size() - 1);
}

void EventQueue::sift_up(std::size_t i) {
  Entry e = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / kArity;
    if (!before(e, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

void EventQueue::remove_top() {
  const Entry last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n == 0) return;
  std::size_t hole = 0;
  for (;;) {
    std::size_t child = 2 * hole + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    heap_[hole] = heap_[child];
    hole = child;
  }
  heap_[hole] = last;
  sift_up(hole);
}

}  // namespace sim
