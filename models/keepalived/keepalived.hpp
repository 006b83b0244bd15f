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

namespace models::keepalived {

enum class VrrpState { Init, Backup, Master, Fault };
const char* to_string(VrrpState s);

/// Skew time: VRRPv3 (RFC 5798) `(256 - priority) * Master_Adver_Interval / 256`, computed in
/// centiseconds as keepalived does (VRRP_TIMER_SKEW); VRRPv2 (RFC 3768) `(256 - priority) / 256` s.
sim::Time skew_time(int version, int priority, sim::Time advert_int);
/// Master_Down_Interval = 3 * advert_int + skew.
sim::Time master_down_interval(int version, int priority, sim::Time advert_int);
/// Base priority plus the track-script adjustments, clamped to 1..254; 255 (address owner) is
/// never adjusted.
int effective_priority(int base, int adjustment);

/// One VRRP advertisement as it travels between nodes.
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

class Keepalived;

/// The PID a pid file holds as fscanf("%d") reads it: leading blanks, then digits; nullopt when
/// no digit comes first. Shared by keepalived's own pid file check and `checks: {pidfile}`.
std::optional<std::uint64_t> pid_in(const std::string& text);

/// `vrrp_script`: runs `script` every `interval`; `rise` consecutive successes make it good,
/// `fall` consecutive failures make it failed (the counter scheme of vrrp_scheduler.c).
class VrrpScript {
 public:
  VrrpScript(Keepalived& k, VrrpScriptConfig config);
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
  void result(bool ok);
  Keepalived& k_;
  VrrpScriptConfig config_;
  Status status_ = Status::Init;
  int result_ = 0;  // 0 .. rise+fall-1; >= rise means good
  std::uint64_t gen_ = 0;  // invalidates runs scheduled by an earlier start
};

/// `vrrp_instance`: the INIT/BACKUP/MASTER/FAULT state machine driven by two timers, the
/// master-down timer (backup) and the advert timer (master).
class VrrpInstance {
 public:
  VrrpInstance(Keepalived& k, VrrpInstanceConfig config);
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
  void arm_down(sim::Time after);
  void arm_advert(sim::Time after);
  void send_advert(int priority);
  void garp_burst(int repeat);
  void add_vips();
  void remove_vips();
  void set_state(VrrpState s);

  Keepalived& k_;
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
  // The delayed burst after a lower-priority advert: its own thread in keepalived
  // (vrrp_lower_prio_gratuitous_arp_thread), beside the one after becoming master.
  sim::Timer lower_prio_garp_timer_;
  int last_announced_ = -1;
};

/// The keepalived daemon: its vrrp_scripts and vrrp_instances (`keepalived -f ... -D`).
class Keepalived final : public sim::Process {
 public:
  /// The main pid file: RUNSTATEDIR "/" PACKAGE ".pid" (configure.ac: RUNSTATEDIR=/run), no -p
  /// option in our command line. It lives on the node's disk, in the container's writable layer:
  /// our containers mount no tmpfs on /run (Docker does not, podman only in systemd mode), and
  /// the real runs found the file still there after `docker kill` + `docker start`. On a host
  /// whose /run is a tmpfs, declare a tmpfs volume at /run: a stop then takes the file with it.
  static constexpr const char* kPidFile = "/run/keepalived.pid";
  Keepalived(sim::Node& node, KeepalivedConfig config);
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
  /// keepalived 2.2.7's check before it starts (main.c keepalived_running, pidfile.c
  /// process_running): is the PID in its pid file alive?
  bool already_running();
  friend class VrrpInstance;
};

}  // namespace models::keepalived
