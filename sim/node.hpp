#pragma once
// A host or container: a network presence plus the processes it runs, with the lifecycle a
// container runtime offers (docker start/stop/kill/pause/unpause/restart) and a host crash.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/disk.hpp"
#include "sim/process.hpp"
#include "sim/random.hpp"
#include "sim/simulation.hpp"

namespace sim {

class Node {
 public:
  Node(Simulation& sim, std::uint32_t id, std::string name);
  Simulation& sim() const { return sim_; }
  std::uint32_t id() const { return id_; }
  const std::string& name() const { return name_; }
  /// The container exists and its network namespace is up.
  bool up() const { return up_; }
  /// Up, but stopping or tearing down: a `docker start` now would do nothing.
  bool going_down() const { return up_ && (stopping_ || tearing_down_); }
  /// net.ipv4.ip_forward: whether the kernel routes a packet for an address it does not have
  /// (a VIP it just gave up) on to that address, ARPing for it, with an ICMP host unreachable back
  /// when nobody answers. 1 in the containers of our validation engine (podman 4.3, netavark;
  /// read in a container, 2026-12-02) as on the host.
  bool ip_forward = true;
  /// Owner of packet deliveries to this node: retired when the node goes down, so packets in
  /// flight to a dead incarnation are lost.
  Owner owner() const { return sim_.owner(owner_id_); }
  std::uint32_t owner_id() const { return owner_id_; }

  template <typename P, typename... Args>
  P& add_process(Args&&... args) {
    auto p = std::make_unique<P>(*this, std::forward<Args>(args)...);
    P& ref = *p;
    processes_.push_back(std::move(p));
    return ref;
  }
  Process* process(std::string_view name) const;
  /// Every process whose comm is `comm`, as `pkill -x comm` finds them (in start order).
  std::vector<Process*> processes_with_comm(std::string_view comm) const;
  const std::vector<std::unique_ptr<Process>>& processes() const { return processes_; }

  /// docker start: the node comes up after `start_delay`, then its autostart processes exec.
  /// `engine_delay_done`: the caller already waited for the engine's measured start, which ends
  /// when the container's entrypoint runs (runtime.command_delay.start): it comes up at once.
  void start(bool engine_delay_done = false);
  /// docker stop: SIGTERM to every process; SIGKILL to those left after `stop_timeout`;
  /// the node goes down when all have exited.
  void stop();
  /// docker kill: SIGKILL to every process (their sockets close with RST), node down.
  void kill();
  /// docker pause / unpause: the cgroup freezer; the kernel (and so TCP handshakes) still runs.
  void pause();
  void unpause();
  /// Power loss: the node vanishes first, so peers get no RST; processes die with it.
  void crash();
  /// docker restart: stop, then start.
  void restart();
  /// docker rm + create + start (compose up --force-recreate): stop, a new writable layer (the
  /// root volume starts empty), start; named volumes keep their files.
  void recreate();
  /// Called by a process when it exits, so a pending docker stop can complete.
  void process_exited();

  /// docker start to a running namespace; lognormal because container start-up varies run to
  /// run (calibration profiles replace it with measured figures).
  Distribution start_delay = Distribution::lognormal(300 * kMillisecond, 0.25);
  /// The first start's instead, when set: the container started with its stack (`compose up`).
  std::optional<Distribution> first_start_delay;
  Time stop_timeout = 10 * kSecond;
  /// From a stopped or killed container's last process exiting to its network namespace being
  /// removed (the engine's clean-up: conmon, netavark). Meanwhile its address still answers, with
  /// RST: a health check that lands there is refused at once instead of timing out.
  Distribution teardown_delay = Distribution::constant(0);
  /// The same after `docker kill`, when set (the engine's clean-up path differs from a stop's).
  std::optional<Distribution> kill_teardown_delay;
  /// Whether this node gets a new address each time it starts (container runtimes without a
  /// fixed `ipv4_address` may hand out a different one).
  bool dynamic_address = false;
  std::uint32_t starts() const { return starts_; }

  /// The node's volumes and files (see sim/disk.hpp).
  Disk& disk() { return disk_; }
  const Disk& disk() const { return disk_; }
  /// The PID an exec gets: each container start is a new PID namespace whose PID 1 is the
  /// entrypoint, and daemons get the following numbers in the order they are executed, so a
  /// restarted container hands its daemons the same PIDs again.
  std::uint32_t next_pid() { return next_pid_++; }
  /// kill(pid, 0) inside the container: PID 1 while it is up, or a process not yet exited.
  bool pid_alive(std::uint32_t pid) const;

 private:
  void go_down();
  /// The processes are gone: down after `teardown_delay`.
  void tear_down();
  void come_up();
  /// The old container is removed and a new one created from the image.
  void replace_container();
  Simulation& sim_;
  std::uint32_t id_;
  std::string name_;
  std::uint32_t owner_id_;  // node-level events: deliveries, start-up, stop deadline
  std::uint32_t lifecycle_owner_;  // docker-level timers that survive the node going down
  bool up_ = false;
  bool stopping_ = false;
  bool tearing_down_ = false;  // processes gone, namespace not yet
  bool killed_ = false;        // this teardown follows docker kill
  bool paused_ = false;
  bool restart_pending_ = false;
  bool recreate_pending_ = false;
  std::uint32_t starts_ = 0;
  std::uint32_t next_pid_ = 2;
  bool start_requested_ = false;
  std::vector<std::unique_ptr<Process>> processes_;
  Rng rng_;
  Rng teardown_rng_;
  Disk disk_;
};

}  // namespace sim
