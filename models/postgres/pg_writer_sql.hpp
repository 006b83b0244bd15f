#pragma once
// pg-writer.sh's transaction, statement by statement: the simulated writer (client.cpp) sends
// these and validation's script (validation/render.cpp) prints them to psql, from this one place,
// so the two cannot drift apart.
#include <string>

namespace models::postgres::pg_writer {

inline constexpr const char* kBegin = "BEGIN;";
/// The row's id, as the writer logs it (`id=N`).
inline std::string insert(const std::string& row) {
  return "INSERT INTO users (name, email) VALUES ('" + row + "', '" + row + "@hasim.invalid') RETURNING 'id=' || id;";
}
/// The xid the commit will carry, the insert LSN and the server: what the acknowledgement records.
inline constexpr const char* kTransactionInfo =
    "SELECT 'xid=' || txid_current() || ' lsn=' || pg_current_wal_insert_lsn() || ' walfile=' || "
    "pg_walfile_name(pg_current_wal_insert_lsn()) || ' server=' || host(inet_server_addr());";
inline constexpr const char* kCommit = "COMMIT;";

/// The script's NAME for a writer process: scenarios name the process "client:NAME".
inline std::string workload_name(const std::string& process_name) {
  return process_name.rfind("client:", 0) == 0 ? process_name.substr(7) : process_name;
}

}  // namespace models::postgres::pg_writer
