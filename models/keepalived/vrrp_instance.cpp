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

sim::Time skew_time(int version, int priority, sim::Time advert_int) {
  if (version == 3) {
    // keepalived keeps v3 intervals in centiseconds and truncates the skew to them.
    const sim::Time cs = 10 * sim::kMillisecond;
    return (static_cast<sim::Time>(256 - priority) * (advert_int / cs) / 256) * cs;
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
      garp_timer_(k.make_timer()),
      lower_prio_garp_timer_(k.make_timer()) {
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
  if (faulted()) {
    set_state(VrrpState::Fault);
  } else if (config_.priority == 255) {
    enter_master();  // the address owner does not wait
  } else if (config_.state == "MASTER") {
    // A MASTER wish below 255 starts as BACKUP. facts.md says its down timer is one advert
    // interval; keepalived 2.2.7 in the real runs (validation/results/2026-11-22-demo1.md) waited
    // the full master-down interval (3.6 s for priority 102), at start-up and when preempting
    // after a restart. The real run wins.
    enter_backup(master_down());
  } else {
    enter_backup(master_down());
  }
}

void VrrpInstance::arm_down(sim::Time after) {
  const std::uint64_t g = ++down_gen_;
  down_timer_.arm_after(after, [this, g] {
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
  lower_prio_garp_timer_.cancel();
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
  lower_prio_garp_timer_.cancel();
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
  if (peers_.empty()) {
    net.multicast(me, segment_, sim::kVrrp, 0, a);  // 224.0.0.18 stays on the bridge
    return;
  }
  for (const auto& ip : peers_)
    if (auto dst = net.resolve(me, ip)) net.send_datagram(me, *dst, sim::kVrrp, 0, a);
}

void VrrpInstance::receive(const Advert& a) {
  sim::Simulation& s = k_.sim();
  auto drop = [&](const char* why) {
    s.record(events::kDrop, {{"node", k_.node().name()}, {"instance", config_.name}, {"from", a.src.str()},
                           {"reason", std::string(why)}});
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
      const int repeat = config_.garp_lower_prio_repeat.value_or(config_.garp_master_repeat);
      if (repeat > 0) {
        garp_burst(repeat);
        const std::uint64_t g = garp_gen_;
        if (const sim::Time d = config_.garp_lower_prio_delay.value_or(config_.garp_master_delay); d > 0)
          lower_prio_garp_timer_.arm_after(d, [this, g, repeat] {
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

void VrrpInstance::tracking_changed() {
  if (state_ == VrrpState::Init) return;
  const bool f = faulted();
  if (f && state_ != VrrpState::Fault) {
    enter_fault();
    return;
  }
  if (!f && state_ == VrrpState::Fault) {
    enter_backup(master_down());
    return;
  }
  // A MASTER announces a new priority on its next advert tick; a BACKUP uses its new
  // master-down interval from the next accepted advert.
  if (state_ == VrrpState::Backup && priority() != last_announced_) {
    last_announced_ = priority();
    k_.sim().record(events::kPriority, {{"node", k_.node().name()}, {"instance", config_.name},
                                      {"priority", static_cast<std::int64_t>(last_announced_)}}, true);
  }
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
  ++down_gen_;
  ++advert_gen_;
  ++garp_gen_;
  state_ = VrrpState::Init;
}

}  // namespace models::keepalived
