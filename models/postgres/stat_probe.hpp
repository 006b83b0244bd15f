#pragma once
// The replication monitor the seed runs beside its demos: psql on the server's own socket
// reading pg_stat_replication every second.
#include <string>

#include "models/postgres/postgres.hpp"
#include "sim/time.hpp"

namespace models::postgres {

/// `watch -n1 'psql -c "SELECT ... FROM pg_stat_replication"'` inside the server's container
/// (the seed's Demo 3; the real stack runs it as psql's `\watch 1`): every `period`, from a
/// phase drawn on the stream `NODE/postgres/stat_probe`, one kStatReplication record per row
/// the server shows, while it runs and takes connections. It reads the server's state as psql
/// over the local socket would, without the network.
void start_stat_probe(Postgres& server, sim::Time period = sim::kSecond);

}  // namespace models::postgres
