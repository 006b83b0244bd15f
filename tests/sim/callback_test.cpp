// sim::Callback behaves as std::function<void()> does for everything the models do with it
// (copy, move, empty, calling a mutable lambda), whether the callable sits in place or on the heap.
#include <catch2/catch.hpp>

#include <array>
#include <functional>
#include <memory>
#include <string>

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

TEST_CASE("a function with arguments hands them to its callable and returns what it returns", "[engine]") {
  sim::Function<int(int, const std::string&)> f = [](int a, const std::string& s) { return a + static_cast<int>(s.size()); };
  REQUIRE(f(2, "abc") == 5);
  // A callable returning something still converts to a void() function, as to std::function.
  int seen = 0;
  sim::Function<void(int)> g = [&seen](int a) { return seen = a; };
  g(7);
  REQUIRE(seen == 7);
  // An argument taken by reference is the caller's object, not a copy.
  std::string text = "x";
  sim::Function<void(std::string&)> h = [](std::string& s) { s += "y"; };
  h(text);
  REQUIRE(text == "xy");
}

TEST_CASE("a function holding another function of the default size fits a larger one, and both stay usable", "[engine]") {
  int calls = 0;
  sim::Function<void(int)> inner = [&calls](int n) { calls += n; };
  sim::Function<void(int), 64> outer = [inner](int n) { inner(n * 10); };
  static_assert(sizeof(inner) <= 64, "the default Function is 48 bytes in place and its ops pointer");
  auto copy = outer;
  outer(1);
  copy(2);
  REQUIRE(calls == 30);
  sim::Function<void(int), 64> moved = std::move(outer);
  REQUIRE_FALSE(outer);  // NOLINT(bugprone-use-after-move)
  moved(3);
  REQUIRE(calls == 60);
}
