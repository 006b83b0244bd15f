#pragma once
// glibc's getaddrinfo against the container engine's DNS, for the callers that block in it
// (libpq's connect, the walreceiver's).
#include <string>

#include "models/http/http.hpp"
#include "models/runtime/embedded_dns.hpp"
#include "sim/simulation.hpp"

namespace models {

/// A blocking getaddrinfo of `name`, try `tries` (from 0) on: the engine's answer at once; while
/// it answers nothing (a silence), the query again after runtime::kResolverTimeout, and after
/// runtime::kResolverTries of them a Timeout answer (10 s in all). The caller sees nothing else
/// meanwhile. `wait(delay, then)` arms the caller's own timer for each try, so the caller's own
/// generation check drops a look-up it no longer wants; `done(answer)` gets the outcome.
template <class Wait, class Done>
void getaddrinfo(sim::Simulation& sim, const std::string& name, const Wait& wait, const Done& done, int tries = 0) {
  const runtime::DnsAnswer answer = container_dns_query(sim, name);
  if (answer.status != runtime::DnsStatus::Timeout) {
    done(answer);
    return;
  }
  wait(runtime::kResolverTimeout, [&sim, name, wait, done, tries] {
    if (tries + 1 < runtime::kResolverTries)
      getaddrinfo(sim, name, wait, done, tries + 1);
    else
      done(runtime::DnsAnswer{runtime::DnsStatus::Timeout, std::nullopt});
  });
}

/// libpq's message for a name getaddrinfo gave no address for (glibc's gai_strerror after a
/// Timeout: EAI_AGAIN).
inline std::string no_address_message(const std::string& name, const runtime::DnsAnswer& answer) {
  return "could not translate host name \"" + name + "\" to address" +
         (answer.status == runtime::DnsStatus::Timeout ? ": Temporary failure in name resolution" : "");
}

}  // namespace models
