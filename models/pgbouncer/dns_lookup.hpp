#pragma once
// PgBouncer's asynchronous name look-up (src/dnslookup.c) on the c-ares backend Debian's
// pgbouncer 1.18 is built with (c-ares 1.18.1), against the container engine's DNS.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/network.hpp"
#include "sim/process.hpp"

namespace models::pgbouncer {

/// c-ares's defaults, with the resolv.conf podman writes (one nameserver, no `options`):
/// ares_private.h DEFAULT_TIMEOUT and DEFAULT_TRIES. A query with no answer is sent again after
/// 5 s, then 10, 20 and 40 s (ares_process.c: the timeout doubles each round over the servers),
/// and fails with ARES_ETIMEOUT 75 s after its first send.
inline constexpr sim::Time kAresTimeout = 5 * sim::kSecond;
inline constexpr int kAresTries = 4;

/// dnslookup.c's DNSContext: one look-up (DNSRequest) per name, shared by every server
/// connection that asks for it while it runs (each holds a token); its outcome kept
/// `dns_max_ttl` (an address) or `dns_nxdomain_ttl` (none) from when it ended.
///
/// The look-up is ares_gethostbyname: an A and an AAAA query for the name, each sent again
/// while the engine's DNS answers nothing (a silence, a name being registered), every query on
/// the same schedule. A timeout ends the whole look-up (ares_getaddrinfo.c host_callback);
/// NXDOMAIN for every search name does too. An answered query is taken as instant (the
/// engine's DNS is on the container's own network).
///
///   DnsContext dns(process, 15_s, 15_s);
///   auto l = dns.resolve("pg1", [](std::optional<sim::Ipv4> a) { ... });  // or l.addr now
///   if (l.token) dns.cancel(*l.token);   // a server connection given up meanwhile
class DnsContext {
 public:
  using Done = std::function<void(std::optional<sim::Ipv4>)>;

  DnsContext(sim::Process& owner, sim::Time max_ttl, sim::Time nxdomain_ttl);

  /// What resolve() gives: the outcome now, or a token while the look-up runs.
  struct Lookup {
    std::optional<sim::Ipv4> addr;        // the outcome, when there is one now
    std::optional<std::uint64_t> token;   // otherwise: `done` comes when the look-up ends
  };
  /// adns_resolve: the outcome at once when the name's last look-up ended less than its ttl
  /// ago, or a new one is answered at its first send (`done` is then not called); otherwise a
  /// token, and `done` in an event of its own when the look-up under way (started now if none
  /// is) ends.
  Lookup resolve(const std::string& name, Done done);
  /// adns_cancel: that token's `done` is not called; the look-up goes on for the others and
  /// for the cache.
  void cancel(std::uint64_t token);
  /// Forgets everything (the process exits or starts again; its timers go with it).
  void clear();

 private:
  struct Request {
    bool done = false;
    std::optional<sim::Ipv4> addr;
    sim::Time res_ttl = 0;
    std::vector<std::pair<std::uint64_t, Done>> waiting;  // tokens, in arrival order
  };
  void launch(const std::string& name);
  void send(const std::string& name, int tries);
  void finish(const std::string& name, std::optional<sim::Ipv4> addr);

  sim::Process& owner_;
  sim::Time max_ttl_, nxdomain_ttl_;
  std::map<std::string, Request> requests_;
  std::uint64_t next_token_ = 1;
};

}  // namespace models::pgbouncer
