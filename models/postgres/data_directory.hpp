#pragma once
// What a copy of a data directory moves besides pg_wal/ (pg_basebackup's tar stream, pg_rewind's
// fetched blocks): the cluster initdb and the seed's init made, and the workload's table as it grows.
// Measured on Debian's postgresql-15 in the validation image (2026-12-03): initdb, CREATE DATABASE
// demodb and the seed's `users` table leave 31,000,974 bytes outside pg_wal/ (base/ 30,306,004,
// global/ 548,188); 10,000 rows of it fill 94 heap pages and a 30-page primary key.
#include <cstdint>
#include <vector>

#include "models/postgres/protocol.hpp"

namespace models::postgres {

inline constexpr std::uint64_t kClusterFilesBytes = 31'000'974;
inline constexpr std::uint64_t kRowsPerHeapPage = 106;
inline constexpr std::uint64_t kKeysPerIndexPage = 345;
/// The non-relation files pg_rewind copies whole besides pg_wal/ (pg_xact/, pg_multixact/, each
/// database's pg_filenode.map and PG_VERSION, postgresql.auto.conf): a few dozen kB in the
/// measured cluster (pg_xact/ 12,288 bytes).
inline constexpr std::uint64_t kRewindOtherFilesBytes = 48 * 1024;

/// Bytes of the workload's table (heap and primary key) holding `rows` rows.
std::uint64_t table_bytes(std::uint64_t rows);
/// The distinct relation blocks (heap and index pages, and the pruned catalog page) the records among `records`
/// changed: the workload's row `xid` goes to heap page xid / kRowsPerHeapPage and index page
/// xid / kKeysPerIndexPage (its serial ids rise with the xids).
std::uint64_t changed_blocks(const std::vector<WalRecord>& records);

}  // namespace models::postgres
