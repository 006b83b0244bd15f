#include "scenarios/postgres_ready.hpp"

#include <algorithm>

#include "models/postgres/postgres.hpp"
#include "scenarios/kinds/postgres.hpp"
#include "sim/node.hpp"

namespace scenarios {
namespace {

using models::postgres::Postgres;
using models::postgres::ServerState;

/// The server on `node`, if it runs and takes psql's connection (a starting one refuses it).
const Postgres* answering(sim::Simulation& sim, const std::string& node) {
  const sim::Node* n = sim.find_node(node);
  if (n == nullptr || !n->up()) return nullptr;
  const auto* pg = dynamic_cast<const Postgres*>(n->process("postgres"));
  if (pg == nullptr || !pg->running()) return nullptr;
  const ServerState st = pg->server_state();
  return st == ServerState::Running || st == ServerState::HotStandby ? pg : nullptr;
}

/// The node's PostgreSQL section if it has one and starts with the stack.
const PostgresSection* started_postgres(const NodeSpec& n, const ComponentSpec& c) {
  const auto* pg = std::get_if<PostgresSection>(&c);
  return pg != nullptr && n.start ? pg : nullptr;
}

}  // namespace

PostgresReadyWait::PostgresReadyWait(sim::Simulation& sim, const ScenarioSpec& spec)
    : sim_(sim), rng_(sim.rng("harness/postgres ready")) {
  if (auto e = spec.runtime.command_delay.find("exec"); e != spec.runtime.command_delay.end()) exec_ = &e->second;
  // run_real's expected_downstreams: every primary (even one no standby names), then each
  // standby another streams from, in the order the first such standby comes.
  auto count_for = [this](const std::string& server) -> int& {
    for (auto& [s, n] : upstreams_)
      if (s == server) return n;
    return upstreams_.emplace_back(server, 0).second;
  };
  std::vector<std::string> servers;
  for (const auto& n : spec.nodes)
    for (const auto& c : n.components)
      if (const auto* pg = started_postgres(n, c)) {
        servers.push_back(n.name);
        if (!pg->standby_signal) count_for(n.name);
      }
  for (const auto& n : spec.nodes)
    for (const auto& c : n.components)
      if (const auto* pg = started_postgres(n, c); pg != nullptr && pg->standby_signal) {
        standbys_.push_back(n.name);
        auto ci = models::postgres::PrimaryConnInfo::parse(pg->conf.primary_conninfo);
        if (ci && !ci->host.empty() && std::find(servers.begin(), servers.end(), ci->host.front()) != servers.end())
          ++count_for(ci->host.front());
      }
}

bool PostgresReadyWait::needed(const ScenarioSpec& spec) {
  for (const auto& n : spec.nodes)
    for (const auto& c : n.components)
      if (const auto* pg = started_postgres(n, c); pg != nullptr && pg->standby_signal) return true;
  return false;
}

void PostgresReadyWait::start() { ask(0, true); }

bool PostgresReadyWait::answer(std::size_t i) const {
  if (i < standbys_.size()) {
    const Postgres* pg = answering(sim_, standbys_[i]);
    return pg != nullptr && pg->walreceiver() != nullptr && pg->walreceiver()->streaming();
  }
  const auto& [server, n] = upstreams_[i - standbys_.size()];
  const Postgres* pg = answering(sim_, server);
  if (pg == nullptr) return false;
  int streaming = 0;
  for (const auto* ws : pg->walsenders()) streaming += ws->state() == models::postgres::WalSndState::Streaming ? 1 : 0;
  return streaming >= n;
}

void PostgresReadyWait::ask(std::size_t i, bool ok) {
  const sim::Time cost = exec_ != nullptr ? std::max<sim::Time>(0, exec_->sample(rng_)) : 0;
  sim_.after(cost, [this, i, ok] {
    const bool all = answer(i) && ok;
    const std::size_t asks = standbys_.size() + upstreams_.size();
    // The standbys' `all(...)` stops at the first that is not streaming; each upstream is asked
    // whatever the one before it said.
    if (i + 1 < asks && (all || i >= standbys_.size())) return ask(i + 1, all);
    if (all) {
      ready_at_ = sim_.now();
      return;
    }
    sim_.after(sim::kSecond, [this] { ask(0, true); }, sim::Phase::Observe);
  }, sim::Phase::Observe);
}

}  // namespace scenarios
