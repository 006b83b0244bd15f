#pragma once
// A daemon running on a node (haproxy, nginx, keepalived, ...), with the lifecycle a container
// runtime gives it: start (after a start-up delay), SIGTERM (graceful stop), SIGKILL, SIGSTOP/SIGCONT.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/random.hpp"
#include "sim/simulation.hpp"

namespace sim {

class Node;

enum class ProcessState { Stopped, Starting, Running, Stopping };
const char* to_string(ProcessState s);

class Process {
 public:
  /// `comm`: the name `pkill -x` matches (the executable's), when several processes share one
  /// (keepalived's parent and VRRP child are both "keepalived"); by default `name`.
  Process(Node& node, std::string name, std::string comm = {});
  virtual ~Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  Simulation& sim() const { return sim_; }
  Node& node() const { return node_; }
  const std::string& name() const { return name_; }
  const std::string& comm() const { return comm_; }
  /// "node/process": the stable name used for random streams, traces and fault targets.
  const std::string& path() const { return path_; }
  ProcessState state() const { return state_; }
  /// Running and accepting work (a frozen process still counts: it exists, it just does not run).
  bool running() const { return state_ == ProcessState::Running || state_ == ProcessState::Stopping; }
  bool frozen() const { return sim_.frozen(owner_id_); }
  std::uint32_t owner_id() const { return owner_id_; }
  Owner owner() const { return sim_.owner(owner_id_); }
  /// Incarnation counter: starts at 0 and grows on each exit, so "this run of the daemon".
  std::uint32_t incarnation() const { return owner().incarnation; }
  /// Its PID in the container (Node::next_pid() at exec), 0 once it has exited.
  std::uint32_t pid() const { return pid_; }

  void start();   // exec: Running after start_delay
  void stop();    // SIGTERM: on_sigterm(), exit after stop_delay
  void kill();    // SIGKILL: exit now
  void freeze();  // SIGSTOP / cgroup freeze: nothing of ours runs until thaw
  void thaw();
  void restart();  // stop, then start again once exited

  /// An event owned by this incarnation: dropped if the process exits first, deferred if frozen.
  EventId after(Time delay, Callback fn) { return sim_.after(delay, std::move(fn), Phase::Normal, owner()); }
  Timer make_timer() { return Timer(&sim_, owner_id_); }
  Rng rng(const std::string& suffix) const { return sim_.rng(path_ + "/" + suffix); }

  /// Time from exec to ready (binding its sockets); calibrated per daemon.
  Distribution start_delay = Distribution::lognormal(50 * kMillisecond, 0.3);
  /// The first start's instead, when set: the daemon starting with its stack (`compose up`).
  std::optional<Distribution> first_start_delay;
  /// Time from SIGTERM to exit.
  Distribution stop_delay = Distribution::constant(10 * kMillisecond);
  /// Started when its node starts (a container's entrypoint and its children).
  bool autostart = true;

  /// Makes `child` a child of this process, as fork() does (the child does not autostart: this
  /// process start()s it). With `pdeath_sigterm`, the child gets SIGTERM when this process exits
  /// by any cause (prctl(PR_SET_PDEATHSIG, SIGTERM)); either way this process hears of the
  /// child's exit (SIGCHLD) through on_child_exit().
  void adopt(Process& child, bool pdeath_sigterm);
  Process* parent() const { return parent_; }

 protected:
  virtual void on_start() = 0;  // now running: bind sockets, arm timers
  virtual void on_sigterm() {}  // last words of a graceful stop
  virtual void on_stopped() {}  // the end of a graceful stop, just before on_exit (not on SIGKILL)
  virtual void on_exit() {}     // gone (any cause): forget in-memory state
  /// A child adopted by this process exited (its SIGCHLD, reaped): called while this process
  /// runs, as its own event; `graceful`: the child ended its stop itself (not SIGKILL).
  virtual void on_child_exit(Process& /*child*/, bool /*graceful*/) {}
  /// Called from on_sigterm(): the exit does not come after stop_delay but when this process
  /// calls finish_stop() (a parent waiting for its children).
  void hold_exit() { exit_held_ = true; }
  /// Ends a held stop: a graceful exit now (nothing if not stopping).
  void finish_stop();

 private:
  void exit_now(bool graceful = false);
  Simulation& sim_;
  Node& node_;
  std::string name_;
  std::string comm_;
  std::string path_;
  std::uint32_t owner_id_;
  ProcessState state_ = ProcessState::Stopped;
  std::uint32_t pid_ = 0;
  bool restart_pending_ = false;
  bool started_once_ = false;
  bool exit_held_ = false;
  Process* parent_ = nullptr;
  bool pdeath_sigterm_ = false;
  std::vector<Process*> children_;
  Rng lifecycle_rng_;
};

}  // namespace sim
