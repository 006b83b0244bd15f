#include "tools/bench/engine.hpp"

#include <ctime>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include "sim/simulation.hpp"

namespace bench {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

namespace {

constexpr sim::Time kPeriod = 2 * sim::kSecond;
constexpr sim::Time kJitter = sim::kMillisecond;

/// What anyone would write first: a heap of (time, seq, callback), ties in insertion order.
class PlainLoop {
 public:
  void after(sim::Time delay, std::function<void()> fn) { queue_.push(Event{now_ + delay, seq_++, std::move(fn)}); }
  void run(std::uint64_t events) {
    for (std::uint64_t n = 0; n < events && !queue_.empty(); ++n) {
      // top() is const; its callback is moved out just before pop() discards the element.
      Event e = std::move(const_cast<Event&>(queue_.top()));
      queue_.pop();
      now_ = e.time;
      e.fn();
    }
  }

 private:
  struct Event {
    sim::Time time;
    std::uint64_t seq;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const { return a.time > b.time || (a.time == b.time && a.seq > b.seq); }
  };
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  sim::Time now_ = 0;
  std::uint64_t seq_ = 0;
};

std::vector<sim::Rng> streams(int timers) {
  std::vector<sim::Rng> out;
  for (int i = 0; i < timers; ++i) out.emplace_back(7, "bench/timer/" + std::to_string(i));
  return out;
}

struct PlainTimers {
  PlainLoop loop;
  std::vector<sim::Rng> rngs;
  std::uint64_t fired = 0;
  explicit PlainTimers(int timers) : rngs(streams(timers)) {
    for (int i = 0; i < timers; ++i) arm(i);
  }
  void arm(int i) {
    loop.after(kPeriod + rngs[i].uniform_int(0, kJitter), [this, i] {
      ++fired;
      arm(i);
    });
  }
};

struct EngineTimers {
  sim::Simulation sim{7};
  std::vector<sim::Rng> rngs;
  std::uint64_t fired = 0;
  explicit EngineTimers(int timers) : rngs(streams(timers)) {
    for (int i = 0; i < timers; ++i) arm(i);
  }
  void arm(int i) {
    sim.after(kPeriod + rngs[i].uniform_int(0, kJitter), [this, i] {
      ++fired;
      arm(i);
    });
  }
  void run(std::uint64_t events) {
    while (sim.events_processed() < events) sim.step();
  }
};

}  // namespace

EngineFigures compare_engine(int timers, std::uint64_t events, int rounds) {
  EngineFigures f;
  f.events = events;
  for (int r = 0; r < rounds; ++r) {
    {
      PlainTimers p(timers);
      const double t0 = cpu_seconds();
      p.loop.run(events);
      const double t = cpu_seconds() - t0;
      if (r == 0 || t < f.plain_cpu_s) f.plain_cpu_s = t;
      if (r == 0) f.plain_first_s = t;
    }
    {
      EngineTimers e(timers);
      const double t0 = cpu_seconds();
      e.run(events);
      const double t = cpu_seconds() - t0;
      if (r == 0 || t < f.engine_cpu_s) f.engine_cpu_s = t;
      if (r == 0) f.engine_first_s = t;
    }
  }
  return f;
}

}  // namespace bench
