#include "models/runtime/embedded_dns.hpp"

#include <algorithm>
#include <mutex>

#include "sim/node.hpp"

namespace models::runtime {

const char* to_string(DnsStatus s) {
  switch (s) {
    case DnsStatus::Address: return "address";
    case DnsStatus::NxDomain: return "nxdomain";
    case DnsStatus::Timeout: return "timeout";
  }
  return "?";
}

const std::vector<std::string>& command_names() {
  // exec: `docker exec` starting a workload's loop, from its `start` to its first request.
  // recreate: compose up --force-recreate, from the command to the new container's PID 1 (the
  // real runs measure it on a container a kill left down; on a running one the model's stop
  // then comes that late too).
  static const std::vector<std::string> names = {"connect", "disconnect", "exec", "kill",    "pause",
                                                 "recreate", "restart",   "start", "stop", "unpause"};
  return names;
}

namespace {
// Simulation -> its DNS server. Models reach the engine's DNS through the Simulation they run
// in (sim/ stays model-agnostic, so it cannot hold the pointer); sweeps run simulations on
// several threads, hence the lock. Lookups only, never iterated.
std::mutex registry_mutex;
std::map<const sim::Simulation*, EmbeddedDns*>& registry() {
  static std::map<const sim::Simulation*, EmbeddedDns*> r;
  return r;
}
}  // namespace

EmbeddedDns::EmbeddedDns(sim::Simulation& sim, DnsConfig config)
    : sim_(sim),
      config_(std::move(config)),
      register_rng_(sim.rng("runtime/dns/register")),
      deregister_rng_(sim.rng("runtime/dns/deregister")),
      silence_rng_(sim.rng("runtime/dns/silence")) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  registry()[&sim_] = this;
}

EmbeddedDns::~EmbeddedDns() {
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto it = registry().find(&sim_);
  if (it != registry().end() && it->second == this) registry().erase(it);
}

EmbeddedDns* EmbeddedDns::of(const sim::Simulation& sim) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto it = registry().find(&sim);
  return it == registry().end() ? nullptr : it->second;
}

DnsAnswer EmbeddedDns::query(const std::string& name) const {
  if (auto ip = sim::Ipv4::parse(name)) return DnsAnswer{DnsStatus::Address, ip};
  if (sim_.now() < silent_until()) return DnsAnswer{DnsStatus::Timeout, std::nullopt};
  const sim::Time* silent = silent_until_.find(name);
  if (silent != nullptr && sim_.now() < *silent) return DnsAnswer{DnsStatus::Timeout, std::nullopt};
  sim::Node* n = sim_.find_node(name);
  if (n == nullptr || !n->up()) return DnsAnswer{config_.stopped_name, std::nullopt};
  auto ip = sim_.network().address_of(n->id());
  if (!ip) return DnsAnswer{config_.stopped_name, std::nullopt};  // attached to no network
  return DnsAnswer{DnsStatus::Address, ip};
}

sim::Time EmbeddedDns::silent_until() const {
  sim::Time until = 0;
  for (const auto& [from, to] : silences_)
    if (from <= sim_.now()) until = std::max(until, to);
  return until;
}

void EmbeddedDns::maybe_fall_silent(double probability, const std::optional<sim::Distribution>& onset) {
  if (probability <= 0) return;
  if (silence_rng_.uniform01() >= probability) return;
  const sim::Time now = sim_.now();
  const sim::Time until = now + config_.silence.duration.sample(silence_rng_);
  // Drawn only when configured, so a profile without an onset keeps its draws (and traces).
  const sim::Time from = onset ? now + onset->sample(silence_rng_) : now;
  std::erase_if(silences_, [now](const auto& s) { return s.second <= now; });
  if (from < until) silences_.emplace_back(from, until);
}

void EmbeddedDns::container_started(const std::string& node) {
  // Demo 1's records saw a start's silence begin with the command (a name answering NXDOMAIN
  // just before the spell).
  maybe_fall_silent(config_.silence.after_start, std::nullopt);
  const sim::Time d = config_.register_delay.sample(register_rng_);
  if (d > 0) silent_until_[node] = sim_.now() + d;
  else silent_until_.erase(node);
}

void EmbeddedDns::container_stopped(const std::string& node) {
  maybe_fall_silent(config_.silence.after_stop, config_.silence.onset);
  const sim::Time d = config_.deregister_delay.sample(deregister_rng_);
  if (d > 0) silent_until_[node] = sim_.now() + d;
  else silent_until_.erase(node);
}

}  // namespace models::runtime
