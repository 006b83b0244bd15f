#include "models/postgres/latch.hpp"

#include <utility>

namespace models::postgres {

void Latch::set(std::function<void()> fn) {
  // What a handler sets while its process is awake runs in this same wake-up (the loops check
  // their latch and socket again before they sleep).
  if (waking_) {
    pending_.push_back(std::move(fn));
    return;
  }
  // A wake-up that the process's exit cancelled leaves what it held undone: that process is gone.
  if (!timer_.armed()) pending_.clear();
  if (pending_.empty()) {
    const sim::Time d = immediate() ? 0 : wakeup_.sample(rng_);
    if (d <= 0) {
      fn();
      return;
    }
    timer_.arm_after(d, [this] { wake(); });
  }
  pending_.push_back(std::move(fn));
}

void Latch::wake() {
  const std::shared_ptr<bool> alive = alive_;
  waking_ = true;
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    auto fn = std::move(pending_[i]);
    fn();
    if (!*alive) return;
  }
  pending_.clear();
  waking_ = false;
}

}  // namespace models::postgres
