#pragma once
// keepalived's VRRP side (acassen/keepalived: keepalived/vrrp/vrrp.c, vrrp_scheduler.c,
// vrrp_track.c), as /work/shared/docs/facts.md describes 2.2.x.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/keepalived/config.hpp"
#include "sim/network.hpp"
#include "sim/process.hpp"
#include "sim/shared_value.hpp"

namespace models::keepalived {

enum class VrrpState { Init, Backup, Master, Fault };
const char* to_string(VrrpState s);

/// Skew time: VRRPv3 (RFC 5798) `(256 - priority) * Master_Adver_Interval / 256`, as keepalived
/// 2.2.7's VRRP_TIMER_SKEW computes it: the interval in whole centiseconds, the product in whole
/// microseconds; VRRPv2 (RFC 3768) `(256 - priority) / 256` s.
sim::Time skew_time(int version, int priority, sim::Time advert_int);
/// Master_Down_Interval = 3 * advert_int + skew.
sim::Time master_down_interval(int version, int priority, sim::Time advert_int);
/// Base priority plus the track-script adjustments, clamped to 1..254; 255 (address owner) is
/// never adjusted.
int effective_priority(int base, int adjustment);

/// One VRRP advertisement as it travels between nodes (a sim::SharedValue<Advert> payload).
struct Advert {
  int version = 2;
  int vrid = 0;
  int priority = 0;
  sim::Time advert_int = 0;
  std::string auth_type;
  std::string auth_pass;  // already cut to 8 characters
  sim::Ipv4 src;
  int naddr = 0;
};

class VrrpChild;

/// The PID a pid file holds as fscanf("%d") reads it: leading blanks, then digits; nullopt when
/// no digit comes first. Shared by keepalived's own pid file check and `checks: {pidfile}`.
std::optional<std::uint64_t> pid_in(const std::string& text);

/// `vrrp_script`: runs `script` every `interval`; `rise` consecutive successes make it good,
/// `fall` consecutive failures make it failed (the counter scheme of vrrp_scheduler.c).
class VrrpScript {
 public:
  VrrpScript(VrrpChild& k, VrrpScriptConfig config);
  void start();
  void stop();
  const VrrpScriptConfig& config() const { return config_; }
  /// Not yet known (no result since start-up), good, or failed.
  enum class Status { Init, Good, Failed };
  Status status() const { return status_; }

 private:
  void run();
  bool command_succeeds() const;
  bool process_exists(const std::string& name) const;
  bool pidfile_names_live_process(const std::string& path) const;
  /// `checks: {http: URL}`: one GET, its result when the answer comes or at `timeout`.
  void http_check(std::uint64_t g, sim::Time timeout);
  void result(bool ok);
  VrrpChild& k_;
  VrrpScriptConfig config_;
  /// What a `script` command line asks, read once from the text (it runs every `interval`):
  /// `true`/`false` answer themselves, anything else asks whether `process` exists.
  struct Command {
    std::optional<bool> fixed;
    std::string process;
  };
  static Command read_command(const std::string& script);
  Command command_;
  Status status_ = Status::Init;
  int result_ = 0;  // 0 .. rise+fall-1; >= rise means good
  std::uint64_t gen_ = 0;  // invalidates runs scheduled by an earlier start
};

/// `vrrp_instance`: the INIT/BACKUP/MASTER/FAULT state machine driven by two timers, the
/// master-down timer (backup) and the advert timer (master).
class VrrpInstance {
 public:
  VrrpInstance(VrrpChild& k, VrrpInstanceConfig config);
  const VrrpInstanceConfig& config() const { return config_; }
  VrrpState state() const { return state_; }
  /// Base priority adjusted by the tracked scripts (see effective_priority()).
  int priority() const;
  /// Whether a weight-0 tracked script failed or the interface is gone.
  bool faulted() const;
  sim::Time master_down() const;

  void start();
  void receive(const Advert& a);
  /// SIGTERM: a MASTER sends a priority-0 advert and removes its VIPs.
  void shutdown();
  /// A tracked script changed status or the interface went up or down.
  void tracking_changed();
  /// In-memory state forgotten (the process died); the kernel keeps what was configured.
  void reset();

 private:
  void enter_backup(sim::Time down_after);
  void enter_master();
  void enter_fault();
  /// Whether a weight-0 tracked script has no result yet (keepalived's num_script_init).
  bool scripts_pending() const;
  /// vrrp_set_effective_priority: the new priority's master-down interval, and a BACKUP's
  /// running timer moved by the difference.
  void set_effective_priority(int p);
  /// ms_down_timer = `after`, sands = now + after (vrrp_init_instance_sands), and the timer armed.
  void arm_down(sim::Time after);
  /// The timer armed at sands_ as it stands (sands already in the past: at once).
  void schedule_down();
  void arm_advert(sim::Time after);
  void send_advert(int priority);
  void garp_burst(int repeat);
  void add_vips();
  void remove_vips();
  void set_state(VrrpState s);

  VrrpChild& k_;
  VrrpInstanceConfig config_;
  VrrpState state_ = VrrpState::Init;
  sim::SegmentId segment_ = 0;
  sim::Ipv4 own_ip_;
  std::vector<std::pair<sim::Ipv4, sim::SegmentId>> vips_;
  std::vector<sim::Ipv4> peers_;
  sim::Time master_adver_int_;  // VRRPv3: learned from the master's adverts
  sim::Time preempt_until_ = -1;  // preempt_delay running: accept lower adverts until then
  // Generations: a timer event that fell due while the process was frozen runs on thaw even if
  // the timer was re-armed meanwhile, so each event checks it is still the current one.
  std::uint64_t down_gen_ = 0, advert_gen_ = 0, garp_gen_ = 0;
  sim::Timer down_timer_, advert_timer_, garp_timer_;
  int last_announced_ = -1;
  // keepalived's vrrp->effective_priority: what the instance last set, compared with what the
  // scripts now say (priority()) to see a change.
  int effective_ = -1;
  // keepalived's vrrp->ms_down_timer and vrrp->sands: the interval the BACKUP timer was last set
  // with (the remaining time after an ignored advert) and when it fires. A change of effective
  // priority moves sands by the change in the master-down interval, measured from ms_down_timer.
  sim::Time ms_down_timer_ = 0;
  sim::Time sands_ = sim::kNever;
  // Started with weight-0 scripts that have no result yet: FAULT without a word (vrrp_init_state
  // logs nothing), BACKUP once they all succeeded.
  bool waiting_for_scripts_ = false;
};

/// keepalived's VRRP child process (vrrp/vrrp_daemon.c start_vrrp_child): forked by the
/// parent, it runs the vrrp_scripts and vrrp_instances. Its pdeath signal is SIGTERM, so a
/// SIGKILLed parent makes it shut down cleanly (priority-0 advert, VIPs removed); killed alone, it
/// leaves its VIPs configured and the parent forks a new one, which removes them at start.
class VrrpChild final : public sim::Process {
 public:
  /// vrrp_pidfile: RUNSTATEDIR "/" VRRP_PID_FILE ".pid" (include/pidfile.h), written by the
  /// child itself at start and removed at the end of its clean shutdown.
  static constexpr const char* kPidFile = "/run/vrrp.pid";
  VrrpChild(sim::Node& node, KeepalivedConfig config);
  const KeepalivedConfig& config() const { return config_; }
  VrrpInstance* instance(const std::string& name) const;
  VrrpScript* script(const std::string& name) const;
  const std::vector<std::unique_ptr<VrrpInstance>>& instances() const { return instances_; }
  /// Running and not shutting down: only then are packets and netlink events handled.
  bool active() const { return active_; }
  /// Called by a VrrpScript when its status changes.
  void script_changed();
  /// Not a keepalived.conf directive but the machine's (runtime.wakeup_delay): how long the
  /// daemon takes to act on what wakes it, a packet in its socket or its own shutdown, on a host
  /// busy with other work. It decides how long a hand-over holds the VIP on both nodes.
  sim::Distribution wakeup_delay = sim::Distribution::constant(0);
  /// A draw of wakeup_delay.
  sim::Time wakeup() { return wakeup_delay.sample(wakeup_rng_); }

 protected:
  void on_start() override;
  void on_sigterm() override;
  void on_stopped() override;
  void on_exit() override;

 private:
  void deliver(const Advert& a);
  KeepalivedConfig config_;
  std::vector<std::unique_ptr<VrrpScript>> scripts_;
  std::vector<std::unique_ptr<VrrpInstance>> instances_;
  bool active_ = false;
  sim::Rng wakeup_rng_;
  friend class VrrpInstance;
};

/// The keepalived daemon as started (`keepalived -n -l -D -f ...`, core/main.c): the parent
/// process, which checks the pid files, writes its own, forks the VRRP child and respawns it
/// when it dies (with keepalived's back-off), and on SIGTERM stops the child and waits for it.
/// Both processes are "keepalived" to `pkill -x`; fault targets name them `keepalived` (both, as
/// pkill -x signals them), `keepalived_parent` and `keepalived_vrrp` (one, by its pid file).
class Keepalived final : public sim::Process {
 public:
  /// The main pid file: RUNSTATEDIR "/" PACKAGE ".pid" (configure.ac: RUNSTATEDIR=/run), no -p
  /// option in our command line. It lives on the node's disk, in the container's writable layer:
  /// our containers mount no tmpfs on /run (Docker does not, podman only in systemd mode), and
  /// the real runs found the file still there after `docker kill` + `docker start`. On a host
  /// whose /run is a tmpfs, declare a tmpfs volume at /run: a stop then takes the file with it.
  static constexpr const char* kPidFile = "/run/keepalived.pid";
  /// core/main.c CHILD_WAIT_SECS: how long a stopping parent waits for its child before SIGKILL.
  static constexpr sim::Time kChildWaitTime = 5 * sim::kSecond;
  /// Adds the parent and its VRRP child to `node`.
  Keepalived(sim::Node& node, KeepalivedConfig config);
  VrrpChild& vrrp() const { return *vrrp_; }
  const KeepalivedConfig& config() const { return vrrp_->config(); }
  VrrpInstance* instance(const std::string& name) const { return vrrp_->instance(name); }
  VrrpScript* script(const std::string& name) const { return vrrp_->script(name); }
  /// Times the child was forked again after dying (not counting the first fork).
  int respawns() const { return respawns_; }
  /// lib/scheduler.c calc_restart_delay: a child that ran at least this long is respawned at
  /// once and the back-off starts over; otherwise the n-th early death waits the n-th delay of
  /// 0, 1, 2, 4, 8, 16, 32 s, then 60 s for every later one (never giving up).
  static sim::Time restart_delay(int early_deaths);
  static constexpr sim::Time kRespawnResetAfter = 60 * sim::kSecond;
  /// A respawned child's start-up, fork to its instances' BACKUP (init): 0 / 9 / 50 / 66 / 134 ms
  /// (min / p25 / median / p75 / max) between the two log lines of 9 starts in 3 real runs of
  /// demo1-part2 on 2026-12-02 (podman's log stamps: ~10 ms of noise each).
  sim::Distribution respawn_start_delay = sim::Distribution::empirical(
      {{0.0, 0}, {0.25, 9 * sim::kMillisecond}, {0.5, 50 * sim::kMillisecond}, {0.75, 66 * sim::kMillisecond},
       {1.0, 134 * sim::kMillisecond}});

 protected:
  void on_start() override;
  void on_sigterm() override;
  void on_stopped() override;
  void on_exit() override;
  void on_child_exit(sim::Process& child, bool graceful) override;

 private:
  /// keepalived 2.2.7's check before it starts (main.c keepalived_running, pidfile.c
  /// process_running): is the PID in the main or the VRRP pid file alive?
  bool already_running();
  bool pid_file_names_live_process(const char* path);
  void fork_child();
  VrrpChild* vrrp_ = nullptr;
  sim::Time child_forked_at_ = 0;
  int early_deaths_ = 0;
  int respawns_ = 0;
  sim::Timer child_wait_timer_;
  sim::Timer respawn_timer_;
};

}  // namespace models::keepalived
