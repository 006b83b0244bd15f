#include <algorithm>

#include "models/keepalived/keepalived.hpp"
#include "models/keepalived/events.hpp"
#include "sim/node.hpp"

namespace models::keepalived {

const char* to_string(VrrpState s) {
  switch (s) {
    case VrrpState::Init: return "INIT";
    case VrrpState::Backup: return "BACKUP";
    case VrrpState::Master: return "MASTER";
    case VrrpState::Fault: return "FAULT";
  }
  return "?";
}

namespace {
// global_defs vrrp_garp_master_repeat / vrrp_garp_master_delay, which hasim does not render:
// keepalived's defaults.
constexpr int kGlobalGarpRepeat = 5;
constexpr sim::Time kGlobalGarpDelay = 5 * sim::kSecond;
}  // namespace

sim::Time skew_time(int version, int priority, sim::Time advert_int) {
  if (version == 3) {
    // VRRP_TIMER_SKEW_CALC (include/vrrp.h): ((256 - p) * (master_adver_int / TIMER_CENTI_HZ) *
    // 625) / 16 microseconds: the interval in whole centiseconds (as the v3 advert carries it),
    // the skew itself truncated to the microsecond, not to the centisecond.
    const sim::Time centis = advert_int / (10 * sim::kMillisecond);
    return (static_cast<sim::Time>(256 - priority) * centis * 625 / 16) * sim::kMicrosecond;
  }
  return static_cast<sim::Time>(256 - priority) * sim::kSecond / 256;
}

sim::Time master_down_interval(int version, int priority, sim::Time advert_int) {
  return 3 * advert_int + skew_time(version, priority, advert_int);
}

int effective_priority(int base, int adjustment) {
  if (base >= 255) return 255;  // the address owner's priority is never adjusted
  const int p = base + adjustment;
  return p < 1 ? 1 : (p > 254 ? 254 : p);
}

VrrpInstance::VrrpInstance(VrrpChild& k, VrrpInstanceConfig config)
    : k_(k),
      config_(std::move(config)),
      master_adver_int_(config_.advert_int),
      down_timer_(k.make_timer()),
      advert_timer_(k.make_timer()),
      garp_timer_(k.make_timer()) {
  if (config_.state == "MASTER" && (config_.nopreempt || config_.preempt_delay > 0)) {
    // keepalived clears both, with a warning: a MASTER instance must be able to preempt.
    k.sim().log().warn("{}: ({}) nopreempt/preempt_delay ignored on a state MASTER instance", k.path(), config_.name);
    config_.nopreempt = false;
    config_.preempt_delay = 0;
  }
  if (config_.version == 3) config_.auth_type.clear();  // VRRPv3 has no authentication
}

int VrrpInstance::priority() const {
  int adjustment = 0;
  for (const auto& name : config_.track_script) {
    const VrrpScript* s = k_.script(name);
    if (s == nullptr) continue;
    const int w = s->config().weight;
    if (w > 0 && s->status() == VrrpScript::Status::Good) adjustment += w;
    if (w < 0 && s->status() == VrrpScript::Status::Failed) adjustment += w;
  }
  return effective_priority(config_.priority, adjustment);
}

bool VrrpInstance::faulted() const {
  for (const auto& name : config_.track_script) {
    const VrrpScript* s = k_.script(name);
    if (s != nullptr && s->config().weight == 0 && s->status() == VrrpScript::Status::Failed) return true;
  }
  return !k_.sim().network().link_up(k_.node().id(), segment_);
}

sim::Time VrrpInstance::master_down() const { return master_down_interval(config_.version, priority(), master_adver_int_); }

void VrrpInstance::set_state(VrrpState s) {
  state_ = s;
  last_announced_ = priority();
  k_.sim().record(events::kState, {{"node", k_.node().name()}, {"instance", config_.name}, {"state", std::string(to_string(s))},
                                 {"priority", static_cast<std::int64_t>(last_announced_)}}, true);
}

void VrrpInstance::start() {
  sim::Network& net = k_.sim().network();
  const sim::NodeId me = k_.node().id();
  const auto segs = net.segments_of(me);
  segment_ = segs.empty() ? 0 : segs.front();
  const std::string& ifname = config_.interface;
  if (ifname.rfind("eth", 0) == 0 && ifname.size() > 3 && ifname.find_first_not_of("0123456789", 3) == std::string::npos) {
    const std::size_t i = static_cast<std::size_t>(std::stoul(ifname.substr(3)));
    if (i < segs.size()) segment_ = segs[i];
  } else if (auto seg = net.find_segment(ifname)) {
    segment_ = *seg;
  }
  own_ip_ = net.address_of(me, segment_).value_or(sim::Ipv4{});
  vips_.clear();
  for (const auto& v : config_.virtual_ipaddress)
    if (auto ip = sim::Ipv4::parse(v.substr(0, v.find('/')))) vips_.emplace_back(*ip, segment_);
  // vrrp_complete_instance: at start-up (not on reload), on an interface that already existed,
  // keepalived removes its virtual addresses before anything else, so a VIP left behind by a
  // SIGKILLed keepalived does not outlive its restart. A MASTER adds them back on its own.
  remove_vips();
  peers_.clear();
  for (const auto& p : config_.unicast_peer)
    if (auto ip = sim::Ipv4::parse(p)) peers_.push_back(*ip);
  master_adver_int_ = config_.advert_int;
  preempt_until_ = -1;
  // vrrp_complete_instance: effective = total = base priority. The scripts have no result yet
  // (init_state INIT), so no weight counts until their first (vrrp_track.c
  // initialise_track_script_state): a positive weight is added on a first success, a negative
  // one taken on a first failure, each a change of effective priority like any later one.
  effective_ = priority();
  sands_ = sim::kNever;
  waiting_for_scripts_ = false;
  if (faulted()) {
    set_state(VrrpState::Fault);
  } else if (scripts_pending()) {
    // vrrp_init_state: an instance with a weight-0 script still in init goes to FAULT and logs
    // nothing (its state before was INIT too); the script's first success brings it up as
    // BACKUP (try_up_instance), with its master-down timer started then.
    waiting_for_scripts_ = true;
    state_ = VrrpState::Fault;
  } else if (config_.priority == 255) {
    enter_master();  // the address owner does not wait
  } else if (config_.state == "MASTER") {
    // A MASTER wish below 255 starts as BACKUP with the full master-down interval, as the real
    // runs measured (validation/results/2026-11-22-demo1.md: 3.6 s). vrrp_init_state's shorter
    // timer (advert_int + the minimal skew, "to ensure there is no other master") is taken only
    // when the instance's sync group, not the instance, is what says BACKUP: without a
    // vrrp_sync_group, new_state is the instance's own wish, MASTER, and that branch is skipped.
    enter_backup(master_down());
  } else {
    enter_backup(master_down());
  }
}

bool VrrpInstance::scripts_pending() const {
  for (const auto& name : config_.track_script) {
    const VrrpScript* s = k_.script(name);
    if (s != nullptr && s->config().weight == 0 && s->status() == VrrpScript::Status::Init) return true;
  }
  return false;
}

void VrrpInstance::arm_down(sim::Time after) {
  ms_down_timer_ = after;
  sands_ = k_.sim().now() + after;
  schedule_down();
}

void VrrpInstance::schedule_down() {
  const std::uint64_t g = ++down_gen_;
  down_timer_.arm_at(std::max(sands_, k_.sim().now()), [this, g] {
    if (g != down_gen_ || state_ != VrrpState::Backup || !k_.active()) return;
    enter_master();
  });
}

void VrrpInstance::arm_advert(sim::Time after) {
  const std::uint64_t g = ++advert_gen_;
  advert_timer_.arm_after(after, [this, g] {
    if (g != advert_gen_ || state_ != VrrpState::Master || !k_.active()) return;
    const int p = priority();
    if (p != last_announced_) {
      k_.sim().record(events::kPriority, {{"node", k_.node().name()}, {"instance", config_.name},
                                        {"priority", static_cast<std::int64_t>(p)}}, true);
      last_announced_ = p;
    }
    send_advert(p);
    arm_advert(config_.advert_int);
  });
}

void VrrpInstance::enter_backup(sim::Time down_after) {
  ++advert_gen_;
  ++garp_gen_;
  advert_timer_.cancel();
  garp_timer_.cancel();
  if (state_ != VrrpState::Backup) set_state(VrrpState::Backup);
  arm_down(down_after);
}

void VrrpInstance::enter_master() {
  ++down_gen_;
  down_timer_.cancel();
  preempt_until_ = -1;
  set_state(VrrpState::Master);
  send_advert(priority());
  // The advert goes first, the addresses once the daemon gets to its interfaces (a wake-up
  // later): so a preempted master may drop the VIP before or after this one adds it.
  const std::uint64_t g = ++garp_gen_;
  auto take_vips = [this, g] {
    if (g != garp_gen_ || state_ != VrrpState::Master || !k_.active()) return;
    add_vips();
    garp_burst(config_.garp_master_repeat);
  };
  if (const sim::Time d = k_.wakeup(); d > 0) k_.after(d, take_vips);
  else take_vips();
  garp_timer_.arm_after(config_.garp_master_delay, [this, g] {
    if (g == garp_gen_ && state_ == VrrpState::Master && k_.active()) garp_burst(config_.garp_master_repeat);
  });
  arm_advert(config_.advert_int);
}

void VrrpInstance::enter_fault() {
  ++down_gen_;
  ++advert_gen_;
  ++garp_gen_;
  down_timer_.cancel();
  advert_timer_.cancel();
  garp_timer_.cancel();
  if (state_ == VrrpState::Master) {
    send_advert(0);  // leaving MASTER: tell the backups not to wait the full interval
    remove_vips();
  }
  set_state(VrrpState::Fault);
}

void VrrpInstance::garp_burst(int repeat) {
  sim::Network& net = k_.sim().network();
  for (int i = 0; i < repeat; ++i)
    for (const auto& [ip, seg] : vips_) net.gratuitous_arp(k_.node().id(), ip);
}

void VrrpInstance::add_vips() {
  sim::Network& net = k_.sim().network();
  for (const auto& [ip, seg] : vips_)
    if (net.link_up(k_.node().id(), seg)) net.add_address(k_.node().id(), seg, ip);
}

void VrrpInstance::remove_vips() {
  for (const auto& [ip, seg] : vips_) k_.sim().network().remove_address(k_.node().id(), ip);
}

void VrrpInstance::send_advert(int priority) {
  Advert a;
  a.version = config_.version;
  a.vrid = config_.virtual_router_id;
  a.priority = priority;
  a.advert_int = config_.advert_int;
  a.auth_type = config_.auth_type;
  a.auth_pass = config_.auth_pass.substr(0, 8);  // the PASS field is 8 octets
  a.src = own_ip_;
  a.naddr = static_cast<int>(vips_.size());
  sim::Simulation& s = k_.sim();
  s.record(events::kAdvert, {{"node", k_.node().name()}, {"instance", config_.name},
                           {"priority", static_cast<std::int64_t>(priority)}});
  sim::Network& net = s.network();
  const sim::NodeId me = k_.node().id();
  // One advert shared by every copy on the wire (VrrpChild reads it by this handle).
  const auto shared = sim::SharedValue<Advert>::make(std::move(a));
  if (peers_.empty()) {
    net.multicast(me, segment_, sim::kVrrp, 0, shared);  // 224.0.0.18 stays on the bridge
    return;
  }
  for (const auto& ip : peers_)
    if (auto dst = net.resolve(me, ip)) net.send_datagram(me, *dst, sim::kVrrp, 0, shared);
}

void VrrpInstance::receive(const Advert& a) {
  sim::Simulation& s = k_.sim();
  auto drop = [&](const char* why) {
    s.record(events::kDrop, {{"node", k_.node().name()}, {"instance", config_.name}, {"from", a.src.str()},
                           {"reason", std::string(why)}});
    // vrrp_state_backup, ignore_advert: "reduce the down timer since we have ignored the
    // advert": ms_down_timer becomes what is left of it, so sands stays where it was (and a
    // later change of priority moves sands by the new interval less what was left).
    if (state_ == VrrpState::Backup) ms_down_timer_ = std::max<sim::Time>(0, sands_ - s.now());
  };
  if (a.version != config_.version) return drop("version mismatch");
  if (config_.version == 2) {
    if (a.auth_type != config_.auth_type) return drop("authentication type mismatch");
    if (config_.auth_type == "PASS" && a.auth_pass != config_.auth_pass.substr(0, 8)) return drop("authentication failure");
    if (a.advert_int != config_.advert_int) return drop("advertisement interval mismatch");
  }
  const int own = priority();
  if (state_ == VrrpState::Backup) {
    if (a.priority == 0) {  // the master is leaving: take over after the skew only
      arm_down(skew_time(config_.version, own, master_adver_int_));
      return;
    }
    if (config_.version == 3) master_adver_int_ = a.advert_int;
    const bool lower = a.priority < own;
    if (config_.preempt_delay > 0 && !config_.nopreempt) {
      if (!lower) preempt_until_ = -1;
      else if (preempt_until_ < 0) preempt_until_ = s.now() + config_.preempt_delay;
    }
    const bool delaying = preempt_until_ >= 0 && s.now() < preempt_until_;
    if (config_.nopreempt || !lower || delaying) {
      arm_down(master_down());
    } else {
      drop("lower priority advert discarded");  // the master-down timer keeps running: preemption
    }
  } else if (state_ == VrrpState::Master) {
    if (a.priority == 0) {
      send_advert(own);
      arm_advert(config_.advert_int);
    } else if (a.priority < own || (a.priority == own && a.src < own_ip_)) {
      s.record(events::kForceElection, {{"node", k_.node().name()}, {"instance", config_.name}, {"from", a.src.str()},
                                       {"their_priority", static_cast<std::int64_t>(a.priority)}});
      send_advert(own);
      arm_advert(config_.advert_int);
      // "we just refresh remote ARP cache" (vrrp_state_master_rx): a burst now and one more after
      // the delay, so clients that followed the other master come back.
      // Unset, the instance's value is global_defs' vrrp_garp_lower_prio_repeat/_delay, which
      // default to global_defs' vrrp_garp_master_repeat/_delay (5, 5 s: VRRP_GARP_REP,
      // VRRP_GARP_DELAY), not to this instance's own garp_master_* (vrrp.c, 2.2.7).
      const int repeat = config_.garp_lower_prio_repeat.value_or(kGlobalGarpRepeat);
      if (repeat > 0) {
        garp_burst(repeat);
        // Each lower advert adds a timer thread of its own (thread_add_timer, never cancelled):
        // one delayed burst per forced election, sent only while the VIPs are still set.
        const std::uint64_t g = garp_gen_;
        if (const sim::Time d = config_.garp_lower_prio_delay.value_or(kGlobalGarpDelay); d > 0)
          k_.after(d, [this, g, repeat] {
            if (g == garp_gen_ && state_ == VrrpState::Master && k_.active()) garp_burst(repeat);
          });
      }
    } else {
      if (config_.version == 3) master_adver_int_ = a.advert_int;
      remove_vips();
      enter_backup(master_down());
    }
  }
}

void VrrpInstance::set_effective_priority(int p) {
  effective_ = p;
  // "(VI_1) Changing effective priority from X to Y". A MASTER's change is recorded when its
  // next advert carries it (arm_advert).
  if (state_ != VrrpState::Master && p != last_announced_) {
    last_announced_ = p;
    k_.sim().record(events::kPriority, {{"node", k_.node().name()}, {"instance", config_.name},
                                      {"priority", static_cast<std::int64_t>(p)}}, true);
  }
  // vrrp_track.c vrrp_set_effective_priority: the new interval replaces ms_down_timer and a
  // BACKUP's sands moves by the difference. After an accepted advert that is only the skew's
  // change (a few ms); after an ignored lower one ms_down_timer held only what was left, so the
  // timer now ends a whole new master-down interval after that advert: a preempting backup whose
  // priority rises (its script's first success, say) waits up to ~1 advert interval longer.
  const sim::Time old = ms_down_timer_;
  ms_down_timer_ = master_down();
  if (state_ == VrrpState::Backup) {
    sands_ += ms_down_timer_ - old;
    schedule_down();
  }
}

void VrrpInstance::tracking_changed() {
  if (state_ == VrrpState::Init) return;
  if (const int p = priority(); p != effective_) set_effective_priority(p);
  const bool f = faulted();
  if (waiting_for_scripts_) {
    if (scripts_pending()) return;
    waiting_for_scripts_ = false;
    if (f) return;  // down_instance: already FAULT, and 2.2.7 logs no state change for it
    if (config_.priority == 255) enter_master();
    else enter_backup(master_down());  // vrrp_state_leave_fault: "Entering BACKUP STATE"
    return;
  }
  if (f && state_ != VrrpState::Fault) {
    enter_fault();
    return;
  }
  if (!f && state_ == VrrpState::Fault) {
    enter_backup(master_down());
    return;
  }
  // A MASTER announces a new priority on its next advert tick (arm_advert): nothing at once.
}

void VrrpInstance::shutdown() {
  if (state_ == VrrpState::Master) {
    send_advert(0);
    // The addresses go after the advert, once the daemon gets to its interfaces (a wake-up
    // later); scheduled on the simulation, not the process, as the daemon is exiting meanwhile
    // (this instance outlives its incarnations).
    if (const sim::Time d = k_.wakeup(); d > 0) k_.sim().after(d, [this] { remove_vips(); });
    else remove_vips();
  }
  ++down_gen_;
  ++advert_gen_;
  ++garp_gen_;
  if (state_ != VrrpState::Init) set_state(VrrpState::Init);
}

void VrrpInstance::reset() {
  waiting_for_scripts_ = false;
  ++down_gen_;
  ++advert_gen_;
  ++garp_gen_;
  state_ = VrrpState::Init;
}

}  // namespace models::keepalived
