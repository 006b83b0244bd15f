#pragma once
// An immutable value shared by a one-pointer handle, for message payloads. std::any keeps only a
// pointer's worth in place, so an HTTP request or a VRRP advert put in one was a heap allocation
// per message, and another per copy (a retransmitted segment, a multicast to each neighbour).
// A handle is 8 bytes: std::any and the event callbacks hold it in place, copies share the value,
// and the value's block comes from a per-thread pool. The count is not atomic: a payload lives
// within one simulation, which runs on one thread.
#include <cstddef>
#include <new>
#include <utility>

#include "sim/pool_allocator.hpp"

namespace sim {

template <class T>
class SharedValue {
 public:
  template <class... A>
  static SharedValue make(A&&... args) {
    PoolAllocator<Box> pool;
    Box* b = pool.allocate(1);
    try {
      ::new (static_cast<void*>(b)) Box{T(std::forward<A>(args)...), 1};
    } catch (...) {
      pool.deallocate(b, 1);
      throw;
    }
    return SharedValue(b);
  }

  SharedValue(const SharedValue& o) noexcept : box_(o.box_) {
    if (box_ != nullptr) ++box_->refs;
  }
  SharedValue(SharedValue&& o) noexcept : box_(std::exchange(o.box_, nullptr)) {}
  SharedValue& operator=(SharedValue o) noexcept {
    std::swap(box_, o.box_);
    return *this;
  }
  ~SharedValue() {
    if (box_ != nullptr && --box_->refs == 0) {
      box_->~Box();
      PoolAllocator<Box>().deallocate(box_, 1);
    }
  }

  /// The value (a moved-from handle has none).
  const T& operator*() const noexcept { return box_->value; }
  const T* operator->() const noexcept { return &box_->value; }
  /// How many handles share the value.
  std::size_t use_count() const noexcept { return box_ == nullptr ? 0 : box_->refs; }

 private:
  struct Box {
    T value;
    std::size_t refs;
  };
  explicit SharedValue(Box* b) noexcept : box_(b) {}
  Box* box_;
};

}  // namespace sim
