#pragma once
// The real stack's entrypoint of a standby's container (validation/kinds/postgres.cpp,
// run-postgres.sh): on the container's first start it waits for the server its primary_conninfo
// names to accept connections, clones it, then execs postgres; a later start execs postgres at once.
#include <cstdint>
#include <string>

#include "models/postgres/frontend.hpp"

namespace models::postgres {

class Postgres;

/// run-postgres.sh for a standby: `pg_isready -q -t 3 -d "$HASIM_PRIMARY_CONNINFO"` then `sleep
/// 0.5`, until the upstream answers (a connection and its start-up, ReadyForQuery; a server still
/// starting answers 57P03 and counts as not ready), then `pg_basebackup -R -C -S` and `exec
/// postgres`. The clone and its catch-up happen before scenario time in the real runs (their time
/// 0 is when every standby streams: run_real.py, wait_postgres_ready), so the data directory the
/// scenario builds stands for the clone's result and only the wait is modelled: it decides when
/// the standby's server first starts, after its upstream is up, as in the real set-up, instead of
/// before it (a walreceiver that finds no primary waits wal_retrieve_retry_interval, 5 s).
class RunPostgres final : public FrontendProgram {
 public:
  /// run-postgres.sh's `sleep 0.5` between two pg_isready.
  static constexpr sim::Time kRetrySleep = 500 * sim::kMillisecond;
  RunPostgres(sim::Node& node, Postgres& server, std::string upstream_host, std::uint16_t port);
  /// pg_isready calls so far (the first start's).
  int attempts() const { return attempts_; }

 protected:
  void on_start() override;
  void on_ready() override;
  void on_reply(const std::any&) override {}
  void finish(bool ok, const std::string& message) override;

 private:
  void pg_isready();
  void exec_postgres();

  Postgres& server_;
  std::string upstream_host_;
  std::uint16_t port_;
  int attempts_ = 0;
};

}  // namespace models::postgres
