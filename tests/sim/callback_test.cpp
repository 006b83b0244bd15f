// sim::Callback behaves as std::function<void()> does for everything the models do with it
// (copy, move, empty, calling a mutable lambda), whether the callable sits in place or on the heap.
#include <catch2/catch.hpp>

#include <array>
#include <functional>
#include <memory>

#include "sim/callback.hpp"

namespace {
// Counts live copies, so a leak or a double destruction shows.
struct Counted {
  static inline int live = 0;
  int* calls;
  std::array<char, 8> pad{};
  explicit Counted(int* c) : calls(c) { ++live; }
  Counted(const Counted& o) : calls(o.calls) { ++live; }
  Counted(Counted&& o) noexcept : calls(o.calls) { ++live; }
  ~Counted() { --live; }
  void operator()() const { ++*calls; }
};
struct Big : Counted {
  std::array<char, 200> more{};  // too large to sit in place
  using Counted::Counted;
};
}  // namespace

TEMPLATE_TEST_CASE("a callback copies, moves and destroys what it holds exactly once each", "[engine]", Counted, Big) {
  int calls = 0;
  {
    sim::Callback a = TestType(&calls);
    REQUIRE(Counted::live == 1);
    sim::Callback b = a;  // a copy
    REQUIRE(Counted::live == 2);
    sim::Callback c = std::move(a);
    REQUIRE_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty, as std::function's is
    REQUIRE(Counted::live == 2);
    b();
    c();
    REQUIRE(calls == 2);
    b = c;
    REQUIRE(Counted::live == 2);
    c = nullptr;
    REQUIRE(Counted::live == 1);
    b = std::move(b);
    b();
    REQUIRE(calls == 3);
  }
  REQUIRE(Counted::live == 0);
}

TEST_CASE("a callback made from an empty std::function or a null pointer is empty", "[engine]") {
  std::function<void()> none;
  sim::Callback a = none;
  REQUIRE_FALSE(a);
  void (*null)() = nullptr;
  sim::Callback b = null;
  REQUIRE_FALSE(b);
  REQUIRE_THROWS_AS(b(), std::bad_function_call);
  sim::Callback c = std::function<void()>([] {});
  REQUIRE(c);
}

TEST_CASE("a mutable lambda keeps its state across calls, and a copy starts from the state copied", "[engine]") {
  int seen = 0;
  sim::Callback a = [n = 0, &seen]() mutable { seen = ++n; };
  a();
  a();
  REQUIRE(seen == 2);
  sim::Callback b = a;
  b();
  REQUIRE(seen == 3);
  a();
  REQUIRE(seen == 3);
}

TEST_CASE("a callback holding a shared_ptr releases it when it is destroyed", "[engine]") {
  auto p = std::make_shared<int>(7);
  std::weak_ptr<int> w = p;
  {
    sim::Callback a = [p, x = std::array<long, 3>{}] { (void)x; };
    p.reset();
    REQUIRE_FALSE(w.expired());
  }
  REQUIRE(w.expired());
}
