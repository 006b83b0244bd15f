#include "models/keepalived/keepalived.hpp"
#include "models/keepalived/events.hpp"

#include <optional>
#include <string>

#include "sim/disk.hpp"
#include "sim/node.hpp"

namespace models::keepalived {

VrrpChild::VrrpChild(sim::Node& node, KeepalivedConfig config)
    : sim::Process(node, "keepalived_vrrp", "keepalived"),
      config_(std::move(config)),
      // The daemon's stream (NODE/keepalived/wakeup), as before the child was its own process:
      // the wake-ups are the daemon's, and a scenario keeps its draws.
      wakeup_rng_(node.sim().rng(node.name() + "/keepalived/wakeup")) {
  // keepalived 2.2.7 takes about a second from SIGTERM ("Stopping") to exit ("Stopped
  // Keepalived"): 1.009 / 1.019 / 1.058 s (min / median / max) in 15 real stops, 2026-12-01. It is
  // the child's: vrrp_terminate_phase1 sends the priority-0 adverts and removes the VIPs at once,
  // then vrrp_shutdown_timer_thread waits TIMER_HZ (1 s) before the child exits; the parent
  // reaps it and exits within milliseconds. A `docker restart` (or a stop's return) waits for it.
  stop_delay = sim::Distribution::empirical({{0.0, 1009 * sim::kMillisecond}, {0.5, 1019 * sim::kMillisecond},
                                             {1.0, 1058 * sim::kMillisecond}});
  for (const auto& s : config_.scripts) scripts_.push_back(std::make_unique<VrrpScript>(*this, s));
  for (const auto& i : config_.instances) instances_.push_back(std::make_unique<VrrpInstance>(*this, i));
  // keepalived hears about its interfaces over netlink: a removed interface puts the instances
  // on it in FAULT, its return lets them start again as BACKUP.
  sim().network().observe_links([this](sim::NodeId n, sim::SegmentId, bool) {
    if (n != this->node().id() || !active_) return;
    after(0, [this] {
      if (!active_) return;
      for (auto& inst : instances_) inst->tracking_changed();
    });
  });
}

VrrpInstance* VrrpChild::instance(const std::string& name) const {
  for (const auto& i : instances_)
    if (i->config().name == name) return i.get();
  return nullptr;
}

VrrpScript* VrrpChild::script(const std::string& name) const {
  for (const auto& s : scripts_)
    if (s->config().name == name) return s.get();
  return nullptr;
}

std::optional<std::uint64_t> pid_in(const std::string& text) {
  std::size_t i = text.find_first_not_of(" \t\n");
  if (i == std::string::npos) return std::nullopt;
  std::uint64_t pid = 0;
  bool digits = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && pid < 0xffffffffu; ++i) {
    pid = pid * 10 + static_cast<std::uint64_t>(text[i] - '0');
    digits = true;
  }
  if (!digits) return std::nullopt;
  return pid;
}

void VrrpChild::on_start() {
  // start_vrrp_child writes its own pid file (pidfile_write, as the parent's: never fsynced).
  node().disk().write_file(kPidFile, std::to_string(pid()) + "\n");
  active_ = true;
  // The VRRP socket (IP protocol 112): the kernel buffers adverts, a frozen daemon reads them
  // when it thaws, each one a wake-up late.
  sim().network().bind(node().id(), sim::kVrrp, 0, owner(), [this](const sim::Datagram& d) {
    const auto* a = std::any_cast<sim::SharedValue<Advert>>(&d.payload);
    if (a == nullptr || !active_) return;
    after(wakeup(), [this, advert = *a] { deliver(*advert); });
  });
  for (auto& s : scripts_) s->start();
  for (auto& i : instances_) i->start();
}

void VrrpChild::on_sigterm() {
  for (auto& i : instances_) i->shutdown();
  for (auto& s : scripts_) s->stop();
  active_ = false;
}

void VrrpChild::on_stopped() {
  node().disk().remove(kPidFile);  // vrrp_terminate_phase2: the child's own pid file goes last
}

void VrrpChild::on_exit() {
  // SIGKILL or the end of a stop: timers die with the incarnation; the VIPs stay configured.
  active_ = false;
  for (auto& s : scripts_) s->stop();
  for (auto& i : instances_) i->reset();
}

void VrrpChild::script_changed() {
  for (auto& i : instances_) i->tracking_changed();
}

void VrrpChild::deliver(const Advert& a) {
  if (!active_) return;
  // Demultiplexed by VRID: an advert for another virtual router is not ours.
  bool mine = false;
  for (auto& i : instances_)
    if (i->config().virtual_router_id == a.vrid) {
      mine = true;
      i->receive(a);
    }
  if (!mine)
    sim().record(events::kDrop, {{"node", node().name()}, {"instance", std::string()}, {"from", a.src.str()},
                               {"reason", std::string("unknown virtual_router_id ") + std::to_string(a.vrid)}});
}

}  // namespace models::keepalived
