// keepalived's parent process (core/main.c, lib/scheduler.c, keepalived 2.2.7): pid files, the
// VRRP child's fork and respawn, and the stop that waits for the child.
#include "models/keepalived/keepalived.hpp"
#include "models/keepalived/events.hpp"

#include <optional>
#include <string>

#include "sim/disk.hpp"
#include "sim/node.hpp"

namespace models::keepalived {

Keepalived::Keepalived(sim::Node& node, KeepalivedConfig config)
    : sim::Process(node, "keepalived", "keepalived"),
      child_wait_timer_(make_timer()),
      respawn_timer_(make_timer()) {
  vrrp_ = &node.add_process<VrrpChild>(std::move(config));
  adopt(*vrrp_, /*pdeath_sigterm=*/true);  // start_vrrp_child: prctl(PR_SET_PDEATHSIG, SIGTERM)
  // The parent has nothing of its own to finish: it exits as soon as its child is reaped.
  stop_delay = sim::Distribution::constant(0);
}

sim::Time Keepalived::restart_delay(int early_deaths) {
  static constexpr int kSeconds[] = {0, 1, 2, 4, 8, 16, 32};
  if (early_deaths < 0) return 0;
  if (early_deaths >= static_cast<int>(std::size(kSeconds))) return 60 * sim::kSecond;
  return kSeconds[early_deaths] * sim::kSecond;
}

bool Keepalived::pid_file_names_live_process(const char* path) {
  sim::Disk& disk = node().disk();
  const std::optional<std::string> text = disk.read_file(path);
  if (!text) return false;  // no pid file
  // Nothing readable: "Error reading pid file", the file is removed, and 2.2.7 says it cannot
  // tell, so it counts as running.
  const std::optional<std::uint64_t> read = pid_in(*text);
  if (!read) {
    disk.remove(path);
    return true;
  }
  const std::uint64_t pid = *read;
  if (pid == 0) return true;
  // kill(pid, 0): our own PID counts. A container started again hands its daemons the PIDs they
  // had before in the same order, so the file a SIGKILLed keepalived left names this very
  // process, which exits: "daemon is already running" (the real runs of kill-haproxy1-container).
  if (node().pid_alive(static_cast<std::uint32_t>(pid))) return true;
  disk.remove(path);  // "Remove a zombie pid file"
  return false;
}

bool Keepalived::already_running() {
  // keepalived_running: the main pid file, then the VRRP child's (the only child we run). A
  // child still shutting down after its parent was SIGKILLed holds the second for about a second.
  const bool main = pid_file_names_live_process(kPidFile);
  return main || pid_file_names_live_process(VrrpChild::kPidFile);
}

void Keepalived::on_start() {
  if (already_running()) {
    sim().record(events::kDaemonRefused, {{"node", node().name()}, {"process", name()},
                                    {"reason", "daemon is already running (stale pid file)"}}, true);
    kill();
    return;
  }
  // pidfile_write: open(O_CREAT|O_TRUNC), fprintf, fclose: into the page cache, never fsynced
  // (its result is not checked either: on a full disk the file is left empty).
  node().disk().write_file(kPidFile, std::to_string(pid()) + "\n");
  early_deaths_ = 0;
  // The first fork: its start-up is part of the daemon's own, calibrated from exec to the
  // instances' BACKUP (init) (runtime.compose_up.daemons.keepalived).
  vrrp_->start_delay = sim::Distribution::constant(0);
  fork_child();
}

void Keepalived::fork_child() {
  child_forked_at_ = sim().now();
  vrrp_->start();
}

void Keepalived::on_child_exit(sim::Process& child, bool /*graceful*/) {
  if (&child != vrrp_) return;
  if (state() == sim::ProcessState::Stopping) {
    // sigend: the child we signalled is reaped; stop_keepalived, then exit.
    child_wait_timer_.cancel();
    finish_stop();
    return;
  }
  // vrrp_respawn_thread: any exit but a fatal one (config, permissions: not modelled) forks a
  // new child, after calc_restart_delay's back-off.
  sim::Time delay = 0;
  if (sim().now() - child_forked_at_ >= kRespawnResetAfter) {
    early_deaths_ = 0;
  } else {
    delay = restart_delay(early_deaths_);
    ++early_deaths_;
  }
  ++respawns_;
  sim().record(events::kRespawn, {{"node", node().name()}, {"process", child.name()},
                                {"delay_ms", static_cast<std::int64_t>(delay / sim::kMillisecond)}}, true);
  respawn_timer_.arm_after(delay, [this] {
    if (state() != sim::ProcessState::Running) return;
    // A forked child's own start-up (config read, sockets, interfaces cleaned), measured from
    // "Starting VRRP child process" to "(VI_1) Entering BACKUP STATE (init)" in real logs.
    vrrp_->start_delay = respawn_start_delay;
    fork_child();
  });
}

void Keepalived::on_sigterm() {
  respawn_timer_.cancel();
  if (vrrp_->state() == sim::ProcessState::Stopped) return;  // nothing to wait for
  // sigend: SIGTERM to the child, then wait for it; after child_wait_time, SIGKILL ("failed to
  // die - forcing termination").
  vrrp_->stop();
  hold_exit();
  child_wait_timer_.arm_after(kChildWaitTime, [this] { vrrp_->kill(); });
}

void Keepalived::on_stopped() {
  // stop_keepalived: pidfile_rm of the child's and the main pid file, the last step of a clean exit.
  node().disk().remove(VrrpChild::kPidFile);
  node().disk().remove(kPidFile);
}

void Keepalived::on_exit() {
  child_wait_timer_.cancel();
  respawn_timer_.cancel();
}

}  // namespace models::keepalived
