#pragma once
// A PostgreSQL process's latch (storage/ipc/latch.c) as the host schedules it: a process asleep
// in WaitLatchOrSocket runs some time after its latch is set or its socket becomes readable, not
// at that instant.
#include <functional>
#include <memory>
#include <vector>

#include "sim/random.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

/// One process's wake-ups. `set(fn)` runs `fn` when the process next runs: at once when the
/// host wakes processes without delay (`wakeup` constant 0, the default), else after a draw of
/// `wakeup`, together with everything set before that wake-up, in the order set (a latch set
/// twice wakes its process once; WalReceiverMain and WalSndLoop then handle all that is
/// pending). hasim validate measures `wakeup` in the real runs (validation/standby_flush.hpp).
class Latch {
 public:
  Latch(sim::Timer timer, const sim::Distribution& wakeup, sim::Rng& rng) : timer_(std::move(timer)), wakeup_(wakeup), rng_(rng) {}
  Latch(const Latch&) = delete;
  Latch& operator=(const Latch&) = delete;
  /// Its owner goes away (a walsender's connection ends): nothing pending runs.
  ~Latch() {
    timer_.cancel();
    *alive_ = false;
  }
  /// Whether `set` would run its function at once (callers skip copying a message then).
  bool immediate() const {
    return wakeup_.kind == sim::Distribution::Kind::Constant && wakeup_.a <= 0 && pending_.empty() && !waking_;
  }
  void set(std::function<void()> fn);

 private:
  void wake();
  sim::Timer timer_;
  const sim::Distribution& wakeup_;
  sim::Rng& rng_;
  std::vector<std::function<void()>> pending_;
  bool waking_ = false;
  /// False once the latch is gone: a handler may end its own process (a walsender's
  /// Terminate) in the middle of a wake-up.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace models::postgres
