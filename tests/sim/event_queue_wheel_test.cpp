// The event queue keeps near-term keys in a timing wheel and the rest in a heap; these pin that
// the split never shows: one order (time, phase, insertion) whichever structure holds an event.
#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "sim/random.hpp"
#include "sim/simulation.hpp"

using namespace sim::literals;

TEST_CASE("events on both sides of the wheel's span run in time order", "[engine]") {
  sim::Simulation s(1);
  std::vector<sim::Time> ran;
  const std::vector<sim::Time> times = {100_s, 0, 4400_ms, 1_ms, 3_s, 17179_ms, 500_us, 10_s, 2_s, 2_s + 1, 17180_ms, 18_s};
  for (sim::Time t : times) s.at(t, [&ran, &s] { ran.push_back(s.now()); });
  s.run_until(200_s);
  auto sorted = times;
  std::sort(sorted.begin(), sorted.end());
  REQUIRE(ran == sorted);
}

TEST_CASE("ties at one instant run in insertion order whether the wheel or the heap holds them", "[engine]") {
  // `first` is scheduled 2 s ahead (into the wheel); `second`, for the same instant, is scheduled
  // once that instant's bucket is current (into the heap). Insertion order must still decide.
  sim::Simulation s(1);
  std::vector<std::string> order;
  s.at(2_s, [&] { order.push_back("first"); });
  s.at(2_s - 100, [&] {
    s.at(2_s, [&] { order.push_back("second"); });
    s.at(2_s, [&] { order.push_back("fault"); }, sim::Phase::Fault);
  });
  s.run_until(3_s);
  REQUIRE(order == std::vector<std::string>{"fault", "first", "second"});
}

TEST_CASE("time jumping far past the wheel's span keeps the order of what follows", "[engine]") {
  sim::Simulation s(1);
  std::vector<int> order;
  s.at(1000_s, [&] {
    order.push_back(0);
    s.after(2_s, [&] { order.push_back(3); });
    s.after(1_ms, [&] { order.push_back(2); });
    s.after(0, [&] { order.push_back(1); });
    s.after(10_s, [&] { order.push_back(4); });
  });
  s.run_until(2000_s);
  REQUIRE(order == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("a frozen owner's events from the wheel and the heap run on thaw in the order they fell due", "[engine]") {
  sim::Simulation s(1);
  const auto owner = s.new_owner();
  std::vector<std::string> seen;
  s.at(1_s, [&] { s.freeze(owner); });
  s.at(2_s, [&] { seen.push_back("wheel@2s ran at " + std::to_string(s.now() / 1_s)); }, sim::Phase::Normal, s.owner(owner));
  s.at(30_s, [&] { seen.push_back("heap@30s ran at " + std::to_string(s.now() / 1_s)); }, sim::Phase::Normal, s.owner(owner));
  s.at(31_s, [&] { s.thaw(owner); });
  s.at(31_s, [&] { seen.push_back("same instant, queued before the thaw"); });
  s.run_until(40_s);
  REQUIRE(seen == std::vector<std::string>{"same instant, queued before the thaw", "wheel@2s ran at 31", "heap@30s ran at 31"});
}

TEST_CASE("cancelled events do not pile up in the queue", "[engine]") {
  // A request timeout cancelled on every answer, a million times over: the queue's keys stay
  // bounded by the live events, wherever the cancelled ones were.
  sim::EventQueue q;
  for (int i = 0; i < 1'000'000; ++i) {
    const sim::Time t = (i % 2 == 0) ? 5_s : 100 * 365 * 24 * 3600_s;
    auto id = q.push(t, sim::Phase::Normal, {}, [] {});
    q.cancel(id);
  }
  REQUIRE(q.size() == 0);
  REQUIRE(q.stored() < 10'000);
  REQUIRE(q.next_time() == sim::kNever);
}

TEST_CASE("random schedules and cancellations run in the order of a sorted reference", "[engine]") {
  // Each event, when it runs, schedules more at delays across both structures (same instant,
  // within a bucket, a few seconds, far) in random phases and cancels a random pending one.
  // A std::map keyed (time, phase, seq) driven by the same decisions is the oracle.
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    sim::Simulation s(seed);
    sim::Rng rng(seed, "test/mix");
    using Key = std::tuple<sim::Time, int, std::uint64_t>;
    std::map<Key, int> reference;
    std::map<int, std::pair<sim::EventId, Key>> pending;  // id -> (engine handle, reference key)
    int ran = 0;
    std::uint64_t seq = 0;
    int next_id = 0;
    const sim::Time delays[] = {0, 1, 300_us, 2_ms, 2_s, 2_s + 500_us, 5_s, 17179_ms, 17180_ms, 100_s, 30_s, 3600_s};
    std::function<void(int)> on_run;
    auto schedule = [&](sim::Time now) {
      const sim::Time d = delays[rng.uniform_int(0, 11)] + rng.uniform_int(0, 3);
      const int phase = static_cast<int>(rng.uniform_int(0, 2));
      const int id = next_id++;
      const Key k{now + d, phase, seq++};
      reference.emplace(k, id);
      pending[id] = {s.at(now + d, [&on_run, id] { on_run(id); }, static_cast<sim::Phase>(phase)), k};
    };
    on_run = [&](int id) {
      // The event the engine runs must be the reference's earliest.
      REQUIRE_FALSE(reference.empty());
      REQUIRE(reference.begin()->second == id);
      reference.erase(reference.begin());
      ++ran;
      pending.erase(id);
      const int n = static_cast<int>(rng.uniform_int(0, 3));  // 1.5 on average: the run grows to the cap
      for (int i = 0; i < n && next_id < 20'000; ++i) schedule(s.now());
      if (!pending.empty() && rng.bernoulli(0.3)) {
        auto it = pending.begin();
        std::advance(it, rng.uniform_int(0, static_cast<std::int64_t>(pending.size()) - 1));
        s.cancel(it->second.first);
        reference.erase(it->second.second);
        pending.erase(it);
      }
    };
    for (int i = 0; i < 200; ++i) schedule(0);
    while (s.step()) {
    }
    REQUIRE(ran > 5000);
    REQUIRE(reference.empty());
  }
}

TEST_CASE("a timer set beyond the wheel's span keeps its place among timers set later for the same instant", "[engine]") {
  // `far` waits outside the wheel (set 30 s ahead) and enters it only as the clock comes within
  // the span; `wheel` (set at 20 s) and `near` (set within the instant's bucket) were inserted
  // later for the same instant, so they run after it.
  sim::Simulation s(1);
  std::vector<std::string> order;
  s.at(30_s, [&] { order.push_back("far"); });
  s.at(20_s, [&] { s.at(30_s, [&] { order.push_back("wheel"); }); });
  s.at(30_s - 100, [&] { s.at(30_s, [&] { order.push_back("near"); }); });
  s.at(25_s, [&] { s.at(29_s, [&] { order.push_back("earlier, set late"); }); });
  s.run_until(40_s);
  REQUIRE(order == std::vector<std::string>{"earlier, set late", "far", "wheel", "near"});
}

TEST_CASE("a burst of timers re-armed together does not grow every bucket of the wheel to its size", "[engine]") {
  // 10,000 timers armed at once and re-armed every 2 s (plus up to 1 ms) stay bunched: each
  // period one or two buckets hold them all, a different bucket each time round the wheel. When
  // every drained bucket kept its storage, 400 simulated seconds left 2.9 million entries of
  // room (70 MB) for 10,000 live events.
  sim::Simulation s(1);
  std::vector<sim::Rng> rng;
  for (int i = 0; i < 10000; ++i) rng.emplace_back(static_cast<std::uint64_t>(i), "t");
  std::function<void(int)> arm = [&](int i) { s.after(2_s + rng[static_cast<std::size_t>(i)].uniform_int(0, 1_ms), [&arm, i] { arm(i); }); };
  for (int i = 0; i < 10000; ++i) arm(i);
  std::uint64_t ran = 0;
  while (ran < 2'000'000 && s.step()) ++ran;
  CHECK(s.now() > 390_s);
  CHECK(s.events_pending() == 10000);
  // Every bucket at most 64 entries of room after it drains (8,192 x 64), and a few spares as
  // large as the burst.
  CHECK(s.queue().wheel_capacity() < 8192 * 64 + 8 * 16384);
}

TEST_CASE("a queue dropped with events pending in its wheel leaves none of them to the next one on the thread", "[engine]") {
  // The wheel's buckets go to the thread's next queue (a sweep's next run): every pending entry
  // must be gone from them. The next queue's events use the same slots (0, 1, ...) at generation
  // 0 in the same bucket, a little later: a stale key would run one of them early.
  int stale = 0;
  {
    sim::EventQueue q;
    for (int i = 0; i < 10; ++i) q.push(5_s + i, sim::Phase::Normal, sim::Owner{}, [&stale] { ++stale; });
    for (int i = 0; i < 200; ++i) q.push(6_s + i * 50_ms, sim::Phase::Normal, sim::Owner{}, [&stale] { ++stale; });
  }
  sim::EventQueue next;
  for (int i = 0; i < 3200; ++i) next.push(5_s + 3000 + i, sim::Phase::Normal, sim::Owner{}, [] {});
  sim::EventQueue::Popped p;
  std::vector<sim::Time> times;
  while (next.pop(p)) {
    times.push_back(p.time);
    next.take(p.id)();
  }
  REQUIRE(times.size() == 3200);
  CHECK(times.front() == 5_s + 3000);
  CHECK(std::is_sorted(times.begin(), times.end()));
  CHECK(stale == 0);
}
