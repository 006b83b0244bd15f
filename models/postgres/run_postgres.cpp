// A standby container's entrypoint: the set-up's wait for its upstream (see run_postgres.hpp).
#include "models/postgres/run_postgres.hpp"

#include "models/postgres/postgres.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace models::postgres {

RunPostgres::RunPostgres(sim::Node& node, Postgres& server, std::string upstream_host, std::uint16_t port)
    : FrontendProgram(node, "run-postgres.sh"), server_(server), upstream_host_(std::move(upstream_host)), port_(port) {
  autostart = true;  // the container's entrypoint
  start_delay = sim::Distribution::constant(0);  // it is PID 1: the container's start-up is the node's
}

void RunPostgres::on_start() {
  // `[ ! -s "$PGDATA/PG_VERSION" ]`: only the container's first start finds no data directory.
  if (node().starts() > 1) return exec_postgres();
  pg_isready();
}

void RunPostgres::pg_isready() {
  ++attempts_;
  connect_to(upstream_host_, port_, "replicator", false);
}

void RunPostgres::on_ready() {
  // PQping's PQPING_OK: the upstream accepts connections. pg_basebackup's clone is the data
  // directory already built; postgres runs in its place.
  if (conn_ != 0 && sim().tcp().open(conn_, *this)) sim().tcp().close(conn_, *this);
  conn_ = 0;
  exec_postgres();
}

void RunPostgres::finish(bool ok, const std::string& /*message*/) {
  if (ok) return;
  // Not answering, or answering 57P03 (starting up): sleep 0.5, then pg_isready again.
  if (conn_ != 0 && sim().tcp().open(conn_, *this)) sim().tcp().close(conn_, *this);
  conn_ = 0;
  after(kRetrySleep, [this] { pg_isready(); });
}

void RunPostgres::exec_postgres() {
  // `exec postgres`: the server takes the entrypoint's place.
  server_.start();
  kill();
}

}  // namespace models::postgres
