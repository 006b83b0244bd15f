#pragma once
// Small-buffer callables: what an event runs (Callback) and the handlers the network calls with
// arguments (sim::Function), kept in place when small instead of on the heap.
#include <cstddef>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace sim {

/// A copyable callable of signature `R(A...)`, like std::function, that keeps callables of up to
/// `N` bytes in place. `Callback` (what an event runs) is `Function<void()>`; the TCP handlers are
/// Functions too: an accept, a connect's answer and every message read would otherwise allocate
/// (std::function keeps 16 bytes in place, and a handler holding another handler needs more).
template <class Sig, std::size_t N = 48>
class Function;

template <class R, class... A, std::size_t N>
class Function<R(A...), N> {
 public:
  /// Bytes kept in place: a `this`, three ids and a shared_ptr fit in the default 48.
  static constexpr std::size_t kInline = N;

  Function() noexcept = default;
  Function(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor): as std::function

  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, Function> && std::is_invocable_r_v<R, D&, A...>>>
  Function(F&& f) {  // NOLINT(google-explicit-constructor): a lambda converts, as to std::function
    static_assert(std::is_copy_constructible_v<D>, "a Function is copyable, so what it holds must be");
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

  Function(const Function& o) : ops_(o.ops_) {
    if (ops_ != nullptr) ops_->copy(o.buf_, buf_);
  }
  Function(Function&& o) noexcept : ops_(o.ops_) {
    if (ops_ != nullptr) {
      ops_->move(o.buf_, buf_);
      o.ops_ = nullptr;
    }
  }
  Function& operator=(const Function& o) {
    if (this != &o) {
      Function copy(o);
      *this = std::move(copy);
    }
    return *this;
  }
  Function& operator=(Function&& o) noexcept {
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
  Function& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }
  ~Function() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }
  /// Calls it; like std::function, a const call may run a mutable callable, and an empty one throws.
  R operator()(A... args) const {
    if (ops_ == nullptr) throw std::bad_function_call();
    return ops_->invoke(const_cast<unsigned char*>(buf_), std::forward<A>(args)...);
  }

 private:
  struct Ops {
    R (*invoke)(void*, A&&...);
    void (*copy)(const void* from, void* to);
    void (*move)(void* from, void* to) noexcept;  // leaves `from` destroyed
    void (*destroy)(void*) noexcept;
  };
  template <class T>
  struct is_function : std::false_type {};
  template <class S>
  struct is_function<std::function<S>> : std::true_type {};
  template <class S, std::size_t M>
  struct is_function<Function<S, M>> : std::true_type {};
  template <class D>
  static constexpr bool fits = sizeof(D) <= kInline && alignof(D) <= alignof(std::max_align_t) &&
                               std::is_nothrow_move_constructible_v<D>;

  /// Calls `f`, dropping what it returns when R is void (as std::function does).
  template <class D>
  static R call(D& f, A&&... args) {
    if constexpr (std::is_void_v<R>) std::invoke(f, std::forward<A>(args)...);
    else return std::invoke(f, std::forward<A>(args)...);
  }
  template <class D>
  static constexpr Ops kInlineOps = {
      [](void* p, A&&... args) -> R { return call(*static_cast<D*>(p), std::forward<A>(args)...); },
      [](const void* from, void* to) { ::new (to) D(*static_cast<const D*>(from)); },
      [](void* from, void* to) noexcept {
        ::new (to) D(std::move(*static_cast<D*>(from)));
        static_cast<D*>(from)->~D();
      },
      [](void* p) noexcept { static_cast<D*>(p)->~D(); },
  };
  template <class D>
  static constexpr Ops kHeapOps = {
      [](void* p, A&&... args) -> R { return call(**static_cast<D**>(p), std::forward<A>(args)...); },
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

/// What an event runs: a copyable `void()` callable, like std::function<void()>, but stored in
/// the object itself when it is small. Nearly every event is a lambda holding a `this`, an id or
/// two and perhaps a shared_ptr (24-48 bytes); std::function keeps only 16 bytes in place, so
/// each of those was a heap allocation and a free per event. Larger callables still go to the heap.
using Callback = Function<void()>;

}  // namespace sim
