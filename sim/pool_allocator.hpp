#pragma once
// A free-list allocator for objects made and dropped by the thousand on the hot path (a TCP
// segment in flight): each thread keeps the blocks it freed and hands them out again, so a run
// costs a handful of mallocs instead of one per segment. Blocks go back to the heap when the
// thread ends; until then a list holds as many blocks as were ever alive at once on it.
#include <cstddef>
#include <new>

namespace sim {

template <class T>
class PoolAllocator {
 public:
  using value_type = T;
  PoolAllocator() noexcept = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor): rebinding

  T* allocate(std::size_t n) {
    if (n != 1) return static_cast<T*>(::operator new(n * sizeof(T)));
    FreeList& l = list();
    if (l.head == nullptr) return static_cast<T*>(::operator new(kBlock));
    Block* b = l.head;
    l.head = b->next;
    return reinterpret_cast<T*>(b);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n != 1) {
      ::operator delete(p);
      return;
    }
    // A block freed on another thread than the one that made it joins this thread's list: it is
    // plain heap memory either way.
    FreeList& l = list();
    Block* b = reinterpret_cast<Block*>(p);
    b->next = l.head;
    l.head = b;
  }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const PoolAllocator<U>&) const noexcept { return false; }

 private:
  struct Block {
    Block* next;
  };
  static constexpr std::size_t kBlock = sizeof(T) > sizeof(Block) ? sizeof(T) : sizeof(Block);
  static_assert(alignof(T) <= alignof(std::max_align_t), "over-aligned types need their own pool");
  struct FreeList {
    Block* head = nullptr;
    ~FreeList() {
      while (head != nullptr) {
        Block* next = head->next;
        ::operator delete(static_cast<void*>(head));
        head = next;
      }
    }
  };
  static FreeList& list() {
    thread_local FreeList l;
    return l;
  }
};

}  // namespace sim
