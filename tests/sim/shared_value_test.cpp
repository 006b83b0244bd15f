// sim::SharedValue: a payload shared by a one-pointer handle, so std::any keeps it in place.
#include <catch2/catch.hpp>

#include <any>
#include <string>
#include <type_traits>

#include "sim/shared_value.hpp"

namespace {
struct Payload {
  static inline int live = 0;
  std::string text;
  explicit Payload(std::string t) : text(std::move(t)) { ++live; }
  Payload(const Payload& o) : text(o.text) { ++live; }
  ~Payload() { --live; }
};
}  // namespace

TEST_CASE("copies of a shared value share one value, destroyed with the last handle", "[engine]") {
  {
    auto a = sim::SharedValue<Payload>::make(std::string(100, 'x'));
    REQUIRE(Payload::live == 1);
    auto b = a;
    auto c = b;
    REQUIRE(Payload::live == 1);
    REQUIRE(a.use_count() == 3);
    REQUIRE(&*b == &*a);
    REQUIRE(c->text.size() == 100);
    auto d = std::move(c);
    REQUIRE(c.use_count() == 0);  // NOLINT(bugprone-use-after-move): a moved-from handle holds nothing
    REQUIRE(d.use_count() == 3);
    a = d;  // the same value: nothing made or destroyed
    REQUIRE(Payload::live == 1);
  }
  REQUIRE(Payload::live == 0);
}

TEST_CASE("a shared value is one pointer and moves without throwing, what std::any keeps in place", "[engine]") {
  // libstdc++ keeps a value in std::any's own storage (one pointer) when it is that small and
  // nothrow-movable; otherwise every payload put in one is a heap allocation.
  static_assert(sizeof(sim::SharedValue<Payload>) == sizeof(void*));
  static_assert(std::is_nothrow_move_constructible_v<sim::SharedValue<Payload>>);
  std::any held = sim::SharedValue<Payload>::make("advert");
  std::any copy = held;
  const auto* v = std::any_cast<sim::SharedValue<Payload>>(&copy);
  REQUIRE(v != nullptr);
  REQUIRE((*v)->text == "advert");
  REQUIRE(v->use_count() == 2);
  REQUIRE(Payload::live == 1);
}
