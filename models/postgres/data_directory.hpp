#pragma once
// What a copy of a data directory moves besides pg_wal/ (pg_basebackup's tar stream, pg_rewind's
// fetched blocks): the cluster initdb and the seed's init made, and the workload's table as it grows.
// Measured on Debian's postgresql-15 in the validation image (2026-12-03): initdb, CREATE DATABASE
// demodb and the seed's `users` table leave 31,000,974 bytes outside pg_wal/ (base/ 30,306,004,
// global/ 548,188); 10,000 rows of it fill 94 heap pages and a 30-page primary key.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/postgres/protocol.hpp"
#include "sim/disk.hpp"

namespace models::postgres {

inline constexpr std::uint64_t kClusterFilesBytes = 31'000'974;
inline constexpr std::uint64_t kRowsPerHeapPage = 106;
inline constexpr std::uint64_t kKeysPerIndexPage = 345;
/// The non-relation files pg_rewind copies whole besides pg_wal/ (pg_xact/, pg_multixact/, each
/// database's pg_filenode.map and PG_VERSION, postgresql.auto.conf): a few dozen kB in the
/// measured cluster (pg_xact/ 12,288 bytes).
inline constexpr std::uint64_t kRewindOtherFilesBytes = 48 * 1024;

/// The files of that cluster outside pg_wal/, as counted in the same image (2026-12-04: initdb,
/// CREATE DATABASE demodb, the seed's table, a clean stop): 1,272 regular files in 27
/// directories: base/ 1,199 (template1, template0, postgres, demodb), global/ 61 (pg_control
/// among them), pg_xact/ 1, pg_multixact/ 2, pg_logical/ 1, pg_stat/ 1 (removed when the server
/// starts), and PG_VERSION, postmaster.opts, postgresql.conf, pg_hba.conf, pg_ident.conf and
/// postgresql.auto.conf at the top. The model reads none of the relation files; they are on the
/// disk because the tools walk the directory (fsync_pgdata) and their count is what that walk
/// costs.
inline constexpr std::uint64_t kBaseRelationFiles = 1199;
inline constexpr std::uint64_t kGlobalRelationFiles = 60;  // besides global/pg_control

/// initdb's files (and a copy's, written by pg_basebackup), relation files named as PostgreSQL
/// names them (base/DBOID/RELFILENODE, global/RELFILENODE) with their sizes summing to
/// `relation_bytes`, and the small non-relation files. Not global/pg_control, not pg_wal/.
/// Written as one sim::FileSet: a run that never walks the directory never pays per file.
void write_cluster_files(sim::Disk& disk, const std::string& pgdata, std::uint64_t relation_bytes);

/// fsync_pgdata (src/common/file_utils.c), which pg_basebackup runs before "base backup
/// completed" and pg_rewind's sync_target_dir before "Done!": walkdir fsyncs every file of the
/// data directory (pg_wal/ included) one after the other, then each directory after its
/// contents. One at a time, so it lasts the sum of the fsyncs, each a flush of the device's
/// cache on ext4 even for a file already clean; `done` once the last one returned.
void fsync_pgdata(sim::Disk& disk, const std::string& pgdata, sim::Owner caller, std::function<void()> done);

/// Bytes of the workload's table (heap and primary key) holding `rows` rows.
std::uint64_t table_bytes(std::uint64_t rows);
/// The distinct relation blocks (heap and index pages, and the pruned catalog page) the records among `records`
/// changed: the workload's row `xid` goes to heap page xid / kRowsPerHeapPage and index page
/// xid / kKeysPerIndexPage (its serial ids rise with the xids).
std::uint64_t changed_blocks(const std::vector<WalRecord>& records);

}  // namespace models::postgres
