// dnslookup.c's request cache and c-ares's retry schedule, over the engine's DNS.
#include "models/pgbouncer/dns_lookup.hpp"

#include "models/http/http.hpp"

namespace models::pgbouncer {

DnsContext::DnsContext(sim::Process& owner, sim::Time max_ttl, sim::Time nxdomain_ttl)
    : owner_(owner), max_ttl_(max_ttl), nxdomain_ttl_(nxdomain_ttl) {}

DnsContext::Lookup DnsContext::resolve(const std::string& name, Done done) {
  // A new name, or a kept outcome past its ttl: a new look-up (adns_resolve relaunches it). An
  // engine that answers ends it at once.
  auto it = requests_.find(name);
  if (it == requests_.end() || (it->second.done && owner_.sim().now() >= it->second.res_ttl)) launch(name);
  Request& req = requests_[name];
  if (req.done) return {req.addr, std::nullopt};
  const std::uint64_t token = next_token_++;
  req.waiting.emplace_back(token, std::move(done));
  return {std::nullopt, token};
}

void DnsContext::cancel(std::uint64_t token) {
  for (auto& [name, req] : requests_)
    for (auto w = req.waiting.begin(); w != req.waiting.end(); ++w)
      if (w->first == token) {
        req.waiting.erase(w);
        return;
      }
}

void DnsContext::clear() { requests_.clear(); }

void DnsContext::launch(const std::string& name) {
  Request& req = requests_[name];
  req.done = false;
  req.addr.reset();
  send(name, 0);
}

void DnsContext::send(const std::string& name, int tries) {
  const runtime::DnsAnswer answer = container_dns_query(owner_.sim(), name);
  if (answer.status != runtime::DnsStatus::Timeout) return finish(name, answer.addr);
  if (tries + 1 >= kAresTries) {
    // The last send's own timeout: ARES_ETIMEOUT, 5 + 10 + 20 + 40 s after the first.
    owner_.after(kAresTimeout << tries, [this, name] { finish(name, std::nullopt); });
    return;
  }
  owner_.after(kAresTimeout << tries, [this, name, tries] { send(name, tries + 1); });
}

// got_result_gai: the outcome kept for its ttl, then each token's callback in turn (deliver_info).
void DnsContext::finish(const std::string& name, std::optional<sim::Ipv4> addr) {
  auto it = requests_.find(name);
  if (it == requests_.end()) return;
  Request& req = it->second;
  req.done = true;
  req.addr = addr;
  req.res_ttl = owner_.sim().now() + (addr ? max_ttl_ : nxdomain_ttl_);
  // A callback may ask again (a new server connection for the same name): it gets this outcome.
  std::vector<std::pair<std::uint64_t, Done>> waiting = std::move(req.waiting);
  req.waiting.clear();
  for (auto& [token, done] : waiting) done(addr);
}

}  // namespace models::pgbouncer
