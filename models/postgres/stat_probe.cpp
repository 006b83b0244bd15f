#include "models/postgres/stat_probe.hpp"

#include <algorithm>

#include "models/postgres/events.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

namespace {

/// A microsecond figure as the view shows it (an interval), -1 for NULL.
std::int64_t us(sim::Time t) { return t < 0 ? -1 : t / sim::kMicrosecond; }

/// A standby's reported position as the view shows it: NULL (-1) before its first reply
/// (pg_stat_get_wal_senders nulls an invalid write, flush or replay position).
std::int64_t lsn(Lsn l) { return l == 0 ? -1 : static_cast<std::int64_t>(l); }

void sample(Postgres& pg, sim::Time period) {
  sim::Simulation& sim = pg.sim();
  const ServerState st = pg.server_state();
  // psql connects only to a server that takes connections (a starting one refuses it).
  if (pg.running() && (st == ServerState::Running || st == ServerState::HotStandby)) {
    const std::int64_t wal = pg.in_recovery() ? -1 : static_cast<std::int64_t>(pg.insert_lsn());
    for (const WalSender* ws : pg.walsenders()) {
      sim.record(kStatReplication, {{"node", pg.node().name()},
                                    {"application_name", ws->application_name()},
                                    {"state", std::string(to_string(ws->state()))},
                                    {"wal_lsn", wal},
                                    {"sent_lsn", static_cast<std::int64_t>(ws->sent_lsn())},
                                    {"write_lsn", lsn(ws->write_lsn())},
                                    {"flush_lsn", lsn(ws->flush_lsn())},
                                    {"replay_lsn", lsn(ws->replay_lsn())},
                                    {"write_lag_us", us(ws->write_lag())},
                                    {"flush_lag_us", us(ws->flush_lag())},
                                    {"replay_lag_us", us(ws->replay_lag())}});
    }
  }
  Postgres* p = &pg;
  sim.after(period, [p, period] { sample(*p, period); }, sim::Phase::Observe);
}

}  // namespace

void start_stat_probe(Postgres& server, sim::Time period) {
  sim::Rng rng = server.sim().rng(server.node().name() + "/postgres/stat_probe");
  const sim::Time phase = rng.uniform_int(0, period - 1);
  Postgres* p = &server;
  // The harness starts its monitor at time 0, after a stack's set-up (which may run before it).
  sim::Simulation& sim = server.sim();
  sim.at(std::max(sim.now(), sim.origin()) + phase, [p, period] { sample(*p, period); }, sim::Phase::Observe);
}

}  // namespace models::postgres
