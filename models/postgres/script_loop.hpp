#pragma once
// The loop of validation's client scripts (pg-writer.sh, pg-reader.sh), which both the writer
// and the reader run.
#include <functional>

#include "sim/simulation.hpp"

namespace models::postgres {

/// pg-writer.sh's and pg-reader.sh's loop: an attempt on every period of a grid that starts with
/// the script. A period whose time comes while the previous attempt still waits is not skipped:
/// its attempt starts as soon as that one ends (the script, past its `next`, does not sleep, and
/// moves `next` on to the first boundary after now), and the grid goes on.
class ScriptLoop {
 public:
  /// `busy`: the client's own flag, true while an attempt waits for its outcome; `more`: whether
  /// the script goes on (its end, its count); `attempt`: starts one.
  ScriptLoop(sim::Timer tick, sim::Timer catch_up, sim::Time period, const bool& busy, std::function<bool()> more,
             std::function<void()> attempt);
  /// The script starts: its first attempt now (not one period later).
  void start();
  /// The current attempt has its outcome: a period's attempt that came meanwhile starts now.
  void attempt_ended();
  /// The client stopped: no attempt is owed.
  void reset() { overdue_ = false; }

 private:
  void tick();
  sim::Timer tick_, catch_up_;
  sim::Time period_;
  const bool& busy_;
  std::function<bool()> more_;
  std::function<void()> attempt_;
  bool overdue_ = false;  // a period's attempt came while the previous one was still busy
};

}  // namespace models::postgres
