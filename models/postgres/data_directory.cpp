// Sizes of a data directory's relation files (see data_directory.hpp).
#include "models/postgres/data_directory.hpp"

#include <set>

namespace models::postgres {

std::uint64_t table_bytes(std::uint64_t rows) {
  const std::uint64_t heap = (rows + kRowsPerHeapPage - 1) / kRowsPerHeapPage;
  const std::uint64_t index = 1 + (rows + kKeysPerIndexPage - 1) / kKeysPerIndexPage;  // with its metapage
  return (heap + index) * kBlockBytes;
}

std::uint64_t changed_blocks(const std::vector<WalRecord>& records) {
  std::set<std::uint64_t> heap, index;
  std::uint64_t catalog = 0;  // the pruned pg_attribute page
  for (const auto& r : records) {
    if (r.kind == WalRecord::Kind::Prune) catalog = 1;
    if (r.kind != WalRecord::Kind::Commit) continue;
    heap.insert(r.xid / kRowsPerHeapPage);
    index.insert(r.xid / kKeysPerIndexPage);
  }
  return heap.size() + index.size() + catalog;
}

}  // namespace models::postgres
