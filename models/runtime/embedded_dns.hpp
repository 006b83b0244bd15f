#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/runtime/config.hpp"
#include "sim/lookup_map.hpp"
#include "sim/network.hpp"
#include "sim/random.hpp"
#include "sim/simulation.hpp"

namespace models::runtime {

/// glibc's resolver as a container's getaddrinfo runs it (no `options` in the resolv.conf podman
/// writes): a query with no answer is sent again after RES_TIMEOUT, and the look-up fails after
/// RES_DFLRETRY tries, blocking its caller 10 s in all.
inline constexpr sim::Time kResolverTimeout = 5 * sim::kSecond;
inline constexpr int kResolverTries = 2;

struct DnsAnswer {
  DnsStatus status = DnsStatus::NxDomain;
  std::optional<sim::Ipv4> addr;  // with Address
};

/// The container engine's embedded DNS server (podman 4.3's aardvark-dns 1.4 at each network's
/// gateway, Docker's 127.0.0.11): a running container's name resolves to its current address;
/// a name it holds no record for gets `stopped_name` (aardvark forwards it upstream); around a
/// container's start and stop the name gets no answer for `register_delay` / `deregister_delay`.
///
/// One per Simulation, found with `EmbeddedDns::of(sim)`; without one, `container_dns` answers
/// as an ideal engine does (instant registration, NXDOMAIN).
///
///   models::runtime::EmbeddedDns dns(sim, config.dns);
///   dns.container_started("nginx1");   // the runner calls this when it issues `docker start`
///   auto a = dns.query("nginx1");      // Timeout until the drawn register delay has passed
class EmbeddedDns {
 public:
  EmbeddedDns(sim::Simulation& sim, DnsConfig config);
  ~EmbeddedDns();
  EmbeddedDns(const EmbeddedDns&) = delete;
  EmbeddedDns& operator=(const EmbeddedDns&) = delete;

  /// The server attached to `sim`, or nullptr.
  static EmbeddedDns* of(const sim::Simulation& sim);

  /// An A query for `name` now (an IPv4 literal answers itself).
  DnsAnswer query(const std::string& name) const;
  /// The engine was told to start (or restart) container `node` now.
  void container_started(const std::string& node);
  /// The engine was told to stop (or kill) container `node` now.
  void container_stopped(const std::string& node);
  /// Until when the server answers nothing at all (config().silence), of the silences begun by
  /// now; 0 if none.
  sim::Time silent_until() const;

  const DnsConfig& config() const { return config_; }

 private:
  sim::Simulation& sim_;
  DnsConfig config_;
  // Per container: until when its name gets no answer. Asked on every resolution (each HAProxy
  // server's, every `hold valid`): a flat hash table, looked up only, never iterated.
  sim::FlatLookupMap<std::string, sim::Time> silent_until_;
  sim::Rng register_rng_, deregister_rng_;
  // Spells in which no name gets an answer (config_.silence), [from, until): a stop's begins its
  // drawn onset after the command. Drawn from a stream of their own, and none at all without a
  // silence configured, so a scenario without one keeps its trace. A handful at most (one per
  // command within a silence's length); ended ones go at the next command.
  std::vector<std::pair<sim::Time, sim::Time>> silences_;
  sim::Rng silence_rng_;
  void maybe_fall_silent(double probability, const std::optional<sim::Distribution>& onset);
};

}  // namespace models::runtime
