#include "models/keepalived/keepalived.hpp"

#include <optional>
#include <string>

#include "sim/disk.hpp"
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

bool Keepalived::already_running() {
  sim::Disk& disk = node().disk();
  const std::optional<std::string> text = disk.read_file(kPidFile);
  if (!text) return false;  // no pid file
  // Nothing readable: "Error reading pid file", the file is removed, and 2.2.7 says it cannot
  // tell, so it counts as running.
  const std::optional<std::uint64_t> read = pid_in(*text);
  if (!read) {
    disk.remove(kPidFile);
    return true;
  }
  const std::uint64_t pid = *read;
  if (pid == 0) return true;
  // kill(pid, 0): our own PID counts. A container started again hands its daemons the PIDs they
  // had before in the same order, so the file a SIGKILLed keepalived left names this very
  // process, which exits: "daemon is already running" (the real runs of kill-haproxy1-container).
  if (node().pid_alive(static_cast<std::uint32_t>(pid))) return true;
  disk.remove(kPidFile);  // "Remove a zombie pid file"
  return false;
}

void Keepalived::on_start() {
  if (already_running()) {
    sim().record("daemon_refused", {{"node", node().name()}, {"process", name()},
                                    {"reason", "daemon is already running (stale pid file)"}}, true);
    kill();
    return;
  }
  // pidfile_write: open(O_CREAT|O_TRUNC), fprintf, fclose: into the page cache, never fsynced
  // (its result is not checked either: on a full disk the file is left empty).
  node().disk().write_file(kPidFile, std::to_string(pid()) + "\n");
  active_ = true;
  // The VRRP socket (IP protocol 112): the kernel buffers adverts, a frozen daemon reads them
  // when it thaws, each one a wake-up late.
  sim().network().bind(node().id(), sim::kVrrp, 0, owner(), [this](const sim::Datagram& d) {
    const auto* a = std::any_cast<Advert>(&d.payload);
    if (a == nullptr || !active_) return;
    after(wakeup(), [this, advert = *a] { deliver(advert); });
  });
  for (auto& s : scripts_) s->start();
  for (auto& i : instances_) i->start();
}

void Keepalived::on_sigterm() {
  for (auto& i : instances_) i->shutdown();
  for (auto& s : scripts_) s->stop();
  active_ = false;
}

void Keepalived::on_stopped() {
  node().disk().remove(kPidFile);  // stop_keepalived: pidfile_rm, the last step of a clean exit
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
