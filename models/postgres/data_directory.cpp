// Sizes of a data directory's relation files (see data_directory.hpp).
#include "models/postgres/data_directory.hpp"

#include <memory>
#include <set>
#include <utility>

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

namespace {
std::shared_ptr<const sim::FileSet> cluster_files(const std::string& pgdata, std::uint64_t relation_bytes) {
  // PostgreSQL 15's database OIDs: template1 1, template0 4, postgres 5, then demodb the first
  // user OID. Relfilenodes from 1000 on, spread over the four as initdb's catalogs are.
  static const char* const kDatabases[] = {"1", "4", "5", "16384"};
  std::vector<std::pair<std::string, sim::Data>> files;
  const std::uint64_t relations = kBaseRelationFiles + kGlobalRelationFiles;
  const std::uint64_t each = relation_bytes / relations;
  std::uint64_t left = relation_bytes - each * relations;  // the remainder, on the first file
  for (std::uint64_t i = 0; i < relations; ++i) {
    const std::string dir = i < kBaseRelationFiles ? std::string("/base/") + kDatabases[i % 4] : std::string("/global");
    files.emplace_back(pgdata + dir + "/" + std::to_string(1000 + i), sim::Data::sized(each + left));
    left = 0;
  }
  for (const char* f : {"/pg_xact/0000", "/pg_multixact/offsets/0000", "/pg_multixact/members/0000"})
    files.emplace_back(pgdata + f, sim::Data::sized(kBlockBytes));
  files.emplace_back(pgdata + "/pg_logical/replorigin_checkpoint", sim::Data::bytes(std::string(8, '\0')));
  files.emplace_back(pgdata + "/PG_VERSION", sim::Data::bytes("15\n"));
  for (const char* f : {"/postmaster.opts", "/postgresql.conf", "/pg_hba.conf", "/pg_ident.conf"})
    files.emplace_back(pgdata + f, sim::Data::bytes(""));
  return sim::FileSet::make(std::move(files));
}
}  // namespace

void write_cluster_files(sim::Disk& disk, const std::string& pgdata, std::uint64_t relation_bytes) {
  // Every node's initdb writes the same set: described once per thread (a run is one thread, and
  // a description shared by runs on one thread holds nothing a run changes), the last one kept.
  thread_local std::string last_pgdata;
  thread_local std::uint64_t last_bytes = 0;
  thread_local std::shared_ptr<const sim::FileSet> last;
  if (!last || last_pgdata != pgdata || last_bytes != relation_bytes) {
    last = cluster_files(pgdata, relation_bytes);
    last_pgdata = pgdata;
    last_bytes = relation_bytes;
  }
  disk.write_files(last);
}

namespace {
struct Walk {
  sim::Disk* disk;
  sim::Owner caller;
  std::vector<std::pair<std::string, bool>> order;  // (path, is a directory)
  std::function<void()> done;
};
void walk_from(const std::shared_ptr<Walk>& w, std::size_t i) {
  if (i == w->order.size()) {
    if (w->done) w->done();
    return;
  }
  const auto& [path, is_dir] = w->order[i];
  auto next = [w, i](sim::FsError) { walk_from(w, i + 1); };
  if (is_dir) w->disk->fsync_directory(path, w->caller, next);
  else w->disk->fsync(path, w->caller, next);
}
}  // namespace

void fsync_pgdata(sim::Disk& disk, const std::string& pgdata, sim::Owner caller, std::function<void()> done) {
  auto w = std::make_shared<Walk>(Walk{&disk, caller, {}, std::move(done)});
  std::set<std::string> dirs{pgdata};
  for (const auto& path : disk.list_tree(pgdata)) {
    w->order.emplace_back(path, false);
    for (auto cut = path.rfind('/'); cut != std::string::npos && cut > pgdata.size(); cut = path.rfind('/', cut - 1))
      dirs.insert(path.substr(0, cut));
  }
  // A directory after everything under it: in reverse name order a directory comes after the
  // paths it prefixes.
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) w->order.emplace_back(*it, true);
  walk_from(w, 0);
}

}  // namespace models::postgres
