#pragma once
// What an event runs: a copyable `void()` callable, like std::function<void()>, but stored in
// the object itself when it is small. Nearly every event is a lambda holding a `this`, an id or
// two and perhaps a shared_ptr (24-48 bytes); std::function keeps only 16 bytes in place, so
// each of those was a heap allocation and a free per event. Larger callables still go to the heap.
#include <cstddef>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace sim {

class Callback {
 public:
  /// Bytes kept in place: a `this`, three ids and a shared_ptr fit.
  static constexpr std::size_t kInline = 48;

  Callback() noexcept = default;
  Callback(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor): as std::function

  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, Callback> && std::is_invocable_r_v<void, D&>>>
  Callback(F&& f) {  // NOLINT(google-explicit-constructor): a lambda converts, as to std::function
    static_assert(std::is_copy_constructible_v<D>, "a Callback is copyable, so what it holds must be");
    if constexpr (std::is_pointer_v<D> || std::is_member_pointer_v<D>) {
      if (f == nullptr) return;  // empty, as std::function made from a null pointer is
    } else if constexpr (is_function<D>::value) {
      if (!f) return;
    }
    if constexpr (fits<D>) {
      ::new (static_cast<void*>(buf_)) D(std::forward<F>(f));
      ops_ = &kInlineOps<D>;
    } else {
      ::new (static_cast<void*>(buf_)) D*(new D(std::forward<F>(f)));
      ops_ = &kHeapOps<D>;
    }
  }

  Callback(const Callback& o) : ops_(o.ops_) {
    if (ops_ != nullptr) ops_->copy(o.buf_, buf_);
  }
  Callback(Callback&& o) noexcept : ops_(o.ops_) {
    if (ops_ != nullptr) {
      ops_->move(o.buf_, buf_);
      o.ops_ = nullptr;
    }
  }
  Callback& operator=(const Callback& o) {
    if (this != &o) {
      Callback copy(o);
      *this = std::move(copy);
    }
    return *this;
  }
  Callback& operator=(Callback&& o) noexcept {
    if (this != &o) {
      reset();
      if (o.ops_ != nullptr) {
        o.ops_->move(o.buf_, buf_);
        ops_ = o.ops_;
        o.ops_ = nullptr;
      }
    }
    return *this;
  }
  Callback& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }
  ~Callback() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }
  /// Calls it; like std::function, a const call may run a mutable callable, and an empty one throws.
  void operator()() const {
    if (ops_ == nullptr) throw std::bad_function_call();
    ops_->invoke(const_cast<unsigned char*>(buf_));
  }

 private:
  struct Ops {
    void (*invoke)(void*);
    void (*copy)(const void* from, void* to);
    void (*move)(void* from, void* to) noexcept;  // leaves `from` destroyed
    void (*destroy)(void*) noexcept;
  };
  template <class T>
  struct is_function : std::false_type {};
  template <class Sig>
  struct is_function<std::function<Sig>> : std::true_type {};
  template <class D>
  static constexpr bool fits = sizeof(D) <= kInline && alignof(D) <= alignof(std::max_align_t) &&
                               std::is_nothrow_move_constructible_v<D>;

  template <class D>
  static constexpr Ops kInlineOps = {
      [](void* p) { (*static_cast<D*>(p))(); },
      [](const void* from, void* to) { ::new (to) D(*static_cast<const D*>(from)); },
      [](void* from, void* to) noexcept {
        ::new (to) D(std::move(*static_cast<D*>(from)));
        static_cast<D*>(from)->~D();
      },
      [](void* p) noexcept { static_cast<D*>(p)->~D(); },
  };
  template <class D>
  static constexpr Ops kHeapOps = {
      [](void* p) { (**static_cast<D**>(p))(); },
      [](const void* from, void* to) { ::new (to) D*(new D(**static_cast<D* const*>(from))); },
      [](void* from, void* to) noexcept { ::new (to) D*(*static_cast<D**>(from)); },
      [](void* p) noexcept { delete *static_cast<D**>(p); },
  };

  void reset() noexcept {
    if (ops_ != nullptr) {
      ops_->destroy(buf_);
      ops_ = nullptr;
    }
  }

  alignas(std::max_align_t) unsigned char buf_[kInline];
  const Ops* ops_ = nullptr;
};

}  // namespace sim
