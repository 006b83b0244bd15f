#include "models/keepalived/keepalived.hpp"

#include "sim/node.hpp"

namespace models::keepalived {

Keepalived::Keepalived(sim::Node& node, KeepalivedConfig config)
    : sim::Process(node, "keepalived"), config_(std::move(config)), wakeup_rng_(rng("wakeup")) {
  // keepalived 2.2.7 takes about a second from SIGTERM ("Stopping") to exit ("Stopped
  // Keepalived"): 1.009 / 1.019 / 1.058 s (min / median / max) in 15 real stops, 2026-12-01. A
  // `docker restart` (or a stop's return) waits for it; its priority-0 advert does not.
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

VrrpInstance* Keepalived::instance(const std::string& name) const {
  for (const auto& i : instances_)
    if (i->config().name == name) return i.get();
  return nullptr;
}

VrrpScript* Keepalived::script(const std::string& name) const {
  for (const auto& s : scripts_)
    if (s->config().name == name) return s.get();
  return nullptr;
}

void Keepalived::on_start() {
  if (pidfile_ && node().starts() != pidfile_container_start_) {
    sim().record("daemon_refused", {{"node", node().name()}, {"process", name()},
                                    {"reason", "daemon is already running (stale pid file)"}}, true);
    kill();
    return;
  }
  pidfile_ = true;
  pidfile_container_start_ = node().starts();
  active_ = true;
  for (auto& s : scripts_) s->start();
  for (auto& i : instances_) i->start();
}

void Keepalived::on_sigterm() {
  pidfile_ = false;  // a graceful exit removes it
  for (auto& i : instances_) i->shutdown();
  for (auto& s : scripts_) s->stop();
  active_ = false;
}

void Keepalived::on_exit() {
  // SIGKILL or the end of a stop: timers die with the incarnation; the VIPs stay configured.
  active_ = false;
  for (auto& s : scripts_) s->stop();
  for (auto& i : instances_) i->reset();
}

void Keepalived::script_changed() {
  for (auto& i : instances_) i->tracking_changed();
}

void Keepalived::deliver(const Advert& a) {
  if (!active_) return;
  // Demultiplexed by VRID: an advert for another virtual router is not ours.
  bool mine = false;
  for (auto& i : instances_)
    if (i->config().virtual_router_id == a.vrid) {
      mine = true;
      i->receive(a);
    }
  if (!mine)
    sim().record("vrrp_drop", {{"node", node().name()}, {"instance", std::string()}, {"from", a.src.str()},
                               {"reason", std::string("unknown virtual_router_id ") + std::to_string(a.vrid)}});
}

}  // namespace models::keepalived
