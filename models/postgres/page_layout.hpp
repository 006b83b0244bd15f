#pragma once
// The parts of an 8 kB page (bufpage.h, nbtree.h) that the WAL of a page's image or of a new
// page depends on, and pgbench's tables' rows per page: shared by the server's DML
// (postgres.cpp) and its bulk statements (bulk_load.cpp).
#include <cstdint>

namespace models::postgres {

/// PageHeaderData, and each ItemIdData (a line pointer).
inline constexpr std::uint64_t kPageHeaderBytes = 24;
inline constexpr std::uint64_t kItemIdBytes = 4;
/// A B-tree entry of an int4 key (IndexTupleData, 8, and the key, MAXALIGNed to 16), and a
/// B-tree page's special space (BTPageOpaqueData).
inline constexpr std::uint64_t kBtreeIndexTupleBytes = 16;
inline constexpr std::uint64_t kBtreeSpecialBytes = 16;
/// Rows per heap page of pgbench's tables (pgbench_accounts: 100,000 rows in 1,640 pages per
/// scale unit at fillfactor 100; tellers and branches have rows of the same width).
inline constexpr std::int64_t kHeapRowsPerPage = 61;

}  // namespace models::postgres
