#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/simulation.hpp"

using namespace sim::literals;

TEST_CASE("events run in time order, and ties run in insertion order", "[engine]") {
  sim::Simulation s(1);
  std::vector<std::string> order;
  s.at(2_s, [&] { order.push_back("b@2"); });
  s.at(1_s, [&] { order.push_back("a@1"); });
  s.at(2_s, [&] { order.push_back("c@2"); });
  s.at(2_s, [&] { order.push_back("d@2"); });
  s.run_until(10_s);
  REQUIRE(order == std::vector<std::string>{"a@1", "b@2", "c@2", "d@2"});
  REQUIRE(s.now() == 10_s);
}

TEST_CASE("faults run before ordinary events and observers after them at the same instant", "[engine]") {
  sim::Simulation s(1);
  std::vector<std::string> order;
  s.at(1_s, [&] { order.push_back("observe"); }, sim::Phase::Observe);
  s.at(1_s, [&] { order.push_back("normal"); }, sim::Phase::Normal);
  s.at(1_s, [&] { order.push_back("fault"); }, sim::Phase::Fault);
  s.run_until(1_s);
  REQUIRE(order == std::vector<std::string>{"fault", "normal", "observe"});
}

TEST_CASE("a cancelled event never runs, and cancelling twice is harmless", "[engine]") {
  sim::Simulation s(1);
  int ran = 0;
  auto id = s.at(1_s, [&] { ++ran; });
  REQUIRE(s.cancel(id));
  REQUIRE_FALSE(s.cancel(id));
  s.run_until(2_s);
  REQUIRE(ran == 0);
}

TEST_CASE("running in two halves gives the same order as running at once", "[engine]") {
  auto play = [](bool split) {
    sim::Simulation s(1);
    std::vector<int> order;
    for (int i = 0; i < 50; ++i) {
      auto id = s.at((i % 7) * 1_s, [&order, i] { order.push_back(i); });
      if (i % 5 == 0) s.cancel(id);
    }
    if (split) {
      s.run_until(3_s);
      s.run_until(10_s);
    } else {
      s.run_until(10_s);
    }
    return order;
  };
  REQUIRE(play(true) == play(false));
}

TEST_CASE("events of a retired owner are dropped, and a frozen owner's wait until it thaws", "[engine]") {
  sim::Simulation s(1);
  const auto owner = s.new_owner();
  std::vector<std::string> seen;
  s.at(1_s, [&] { seen.push_back("old incarnation"); }, sim::Phase::Normal, s.owner(owner));
  s.retire(owner);
  s.at(2_s, [&] { seen.push_back("frozen at 2s, ran at " + std::to_string(s.now() / 1_s) + "s"); },
       sim::Phase::Normal, s.owner(owner));
  s.at(1500_ms, [&] { s.freeze(owner); });
  s.at(5_s, [&] { s.thaw(owner); });
  s.run_until(10_s);
  REQUIRE(seen == std::vector<std::string>{"frozen at 2s, ran at 5s"});
}

TEST_CASE("a timer re-armed on thaw cancels its firing that fell due while frozen", "[engine]") {
  // keepalived frozen with a packet and its master-down timer both due: on thaw the packet is
  // handled first and resets the timer, so the stale expiry must not fire.
  sim::Simulation s(1);
  const auto owner = s.new_owner();
  sim::Timer down(&s, owner);
  std::vector<std::string> seen;
  down.arm_at(2500_ms, [&] { seen.push_back("expired at " + std::to_string(s.now() / 1_ms) + "ms"); });
  s.at(2_s, [&] {
    seen.push_back("packet handled at " + std::to_string(s.now() / 1_ms) + "ms");
    down.arm_after(3_s, [&] { seen.push_back("expired at " + std::to_string(s.now() / 1_ms) + "ms"); });
  }, sim::Phase::Normal, s.owner(owner));
  s.at(1_s, [&] { s.freeze(owner); });
  s.at(5_s, [&] { s.thaw(owner); });
  s.run_until(20_s);
  REQUIRE(seen == std::vector<std::string>{"packet handled at 5000ms", "expired at 8000ms"});
}

TEST_CASE("an event cancelled while its owner is frozen never runs", "[engine]") {
  sim::Simulation s(1);
  const auto owner = s.new_owner();
  int ran = 0;
  auto id = s.at(2_s, [&] { ++ran; }, sim::Phase::Normal, s.owner(owner));
  s.at(1_s, [&] { s.freeze(owner); });
  s.at(3_s, [&] { REQUIRE(s.cancel(id)); });
  s.at(4_s, [&] { s.thaw(owner); });
  s.run_until(10_s);
  REQUIRE(ran == 0);
}
