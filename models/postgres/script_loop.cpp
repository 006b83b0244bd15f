#include "models/postgres/script_loop.hpp"

#include <utility>

namespace models::postgres {

ScriptLoop::ScriptLoop(sim::Timer tick, sim::Timer catch_up, sim::Time period, const bool& busy, std::function<bool()> more,
                       std::function<void()> attempt)
    : tick_(tick), catch_up_(catch_up), period_(period), busy_(busy), more_(std::move(more)), attempt_(std::move(attempt)) {}

void ScriptLoop::start() {
  overdue_ = false;
  tick_.arm_after(0, [this] { tick(); });
}

void ScriptLoop::tick() {
  if (!more_()) return;
  tick_.arm_after(period_, [this] { tick(); });
  // The previous attempt still waits (a sync commit, a dead server, a name with no answer):
  // this period's starts when it ends.
  if (busy_) {
    overdue_ = true;
    return;
  }
  overdue_ = false;
  attempt_();
}

void ScriptLoop::attempt_ended() {
  if (!overdue_) return;
  overdue_ = false;
  // Not from within the ended attempt's own callbacks: they may still be running in the session
  // it leaves.
  catch_up_.arm_after(0, [this] {
    if (!busy_ && more_()) attempt_();
  });
}

}  // namespace models::postgres
