#include "sim/disk.hpp"

#include <algorithm>
#include <stdexcept>

namespace sim {

const char* to_string(FsError e) {
  switch (e) {
    case FsError::Ok: return "ok";
    case FsError::NoSpace: return "ENOSPC";
    case FsError::NotFound: return "ENOENT";
    case FsError::CrossDevice: return "EXDEV";
  }
  return "?";
}

Data Data::sized(std::uint64_t size_bytes) {
  Data d;
  d.size_bytes_ = size_bytes;
  return d;
}

Data Data::bytes(std::string text) {
  Data d;
  d.kind_ = Kind::Bytes;
  d.size_bytes_ = text.size();
  d.value_ = std::make_shared<const Held<std::string>>(std::move(text));
  return d;
}

const std::string& Data::text() const {
  static const std::string kNone;
  if (kind_ != Kind::Bytes) return kNone;
  return static_cast<const Held<std::string>*>(value_.get())->value;
}

Data Data::slice(std::uint64_t from, std::uint64_t size) const {
  if (from == 0 && size == size_bytes_) return *this;
  if (kind_ == Kind::Bytes) return bytes(text().substr(from, size));
  return sized(size);  // a sized stretch, or a torn record
}

// Latencies measured on this project's validation host (the 2-core VM that runs the real
// stacks; ext4 on a virtio disk), 2026-12-02: a C loop of 1500 × (write 8 KiB at the end of a
// file, fdatasync) in three rounds of 500, while other builds kept the load average at 35-39.
// Quantiles 0 / 0.1 / 0.5 / 0.9 / 0.99 / 1 as measured; a calibration profile replaces them
// for another host or a quieter machine. Values in nanoseconds.
Distribution VolumeConfig::default_write_latency() {
  return Distribution::empirical({{0.0, 6500},
                                  {0.1, 12400},
                                  {0.5, 40000},
                                  {0.9, 85600},
                                  {0.99, 157400},
                                  {1.0, 2467100}});
}

Distribution VolumeConfig::default_fsync_latency() {
  return Distribution::empirical({{0.0, 325400},
                                  {0.1, 691400},
                                  {0.5, 5201600},
                                  {0.9, 14370000},
                                  {0.99, 30483000},
                                  {1.0, 87562600}});
}

namespace {

constexpr std::uint64_t kEnd = UINT64_MAX;  // "at the end of the file" / "to the end"

using detail::FileContent;

/// Cuts the extent straddling `pos`, if any, in two at `pos`.
void split_at(FileContent& c, std::uint64_t pos) {
  auto it = c.extents.upper_bound(pos);
  if (it == c.extents.begin()) return;
  --it;
  const std::uint64_t off = it->first;
  const std::uint64_t len = it->second.size_bytes();
  if (pos <= off || pos - off >= len) return;
  Data right = it->second.slice(pos - off, len - (pos - off));
  it->second = it->second.slice(0, pos - off);
  c.extents.emplace(pos, std::move(right));
}

/// Removes every extent in [a, b) (cutting those that straddle its ends); the bytes freed.
std::uint64_t erase_range(FileContent& c, std::uint64_t a, std::uint64_t b) {
  if (a >= b) return 0;
  // The WAL's case, once per record: [a, b) is the head of a zero-filled stretch that starts at a
  // (the segment's unwritten rest, cut there by the record before). What the general path below
  // leaves, [b, end) still sized, is made by moving that extent's node to b: no node made or freed.
  if (b != kEnd) {
    if (auto it = c.extents.find(a); it != c.extents.end() && it->second.kind() == Data::Kind::Sized && it->second.size_bytes() > b - a) {
      const std::uint64_t rest = it->second.size_bytes() - (b - a);
      const auto next = std::next(it);  // the node keeps its place among the others
      auto node = c.extents.extract(it);
      node.key() = b;
      node.mapped() = Data::sized(rest);
      c.extents.insert(next, std::move(node));
      c.allocated_bytes -= b - a;
      return b - a;
    }
  }
  split_at(c, a);
  if (b != kEnd) split_at(c, b);
  std::uint64_t freed = 0;
  for (auto it = c.extents.lower_bound(a); it != c.extents.end() && it->first < b;) {
    freed += it->second.size_bytes();
    it = c.extents.erase(it);
  }
  c.allocated_bytes -= freed;
  return freed;
}

/// Allocated bytes in [a, b).
std::uint64_t allocated_in(const FileContent& c, std::uint64_t a, std::uint64_t b) {
  if (a >= b) return 0;
  auto it = c.extents.upper_bound(a);
  if (it != c.extents.begin()) --it;
  std::uint64_t n = 0;
  for (; it != c.extents.end() && it->first < b; ++it) {
    const std::uint64_t lo = std::max(a, it->first);
    const std::uint64_t hi = std::min(b, it->first + it->second.size_bytes());
    if (hi > lo) n += hi - lo;
  }
  return n;
}

/// Puts `d` at `off` (the range must be free: erase_range first).
void place(FileContent& c, std::uint64_t off, Data d) {
  const std::uint64_t len = d.size_bytes();
  if (len == 0) return;
  c.allocated_bytes += len;
  c.size_bytes = std::max(c.size_bytes, off + len);
  c.extents.emplace(off, std::move(d));
}

/// Adds [a, b) to a set of disjoint ranges, merging what touches it.
void add_range(std::map<std::uint64_t, std::uint64_t>& ranges, std::uint64_t a, std::uint64_t b) {
  if (a >= b) return;
  auto it = ranges.upper_bound(a);
  // Appends, nearly every write: [a, b) continues the range before it and reaches no other, so
  // that range grows in place (erasing and re-inserting it was an allocation per WAL record).
  if (it != ranges.begin() && std::prev(it)->second >= a && (it == ranges.end() || it->first > b)) {
    auto before = std::prev(it);
    before->second = std::max(before->second, b);
    return;
  }
  if (it != ranges.begin() && std::prev(it)->second >= a) --it;
  while (it != ranges.end() && it->first <= b) {
    a = std::min(a, it->first);
    b = std::max(b, it->second);
    it = ranges.erase(it);
  }
  ranges.emplace(a, b);
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

// ---- FileSet -----------------------------------------------------------------------------

std::shared_ptr<const FileSet> FileSet::make(std::vector<std::pair<std::string, Data>> files) {
  auto set = std::make_shared<FileSet>();
  // Sorted by path, the last of a path's duplicates kept (a stable sort keeps them in order).
  std::stable_sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& f : files) {
    if (!set->files.empty() && set->files.back().first == f.first) set->files.back() = std::move(f);
    else set->files.push_back(std::move(f));
  }
  for (const auto& [path, data] : set->files) {
    set->bytes += data.size_bytes();
    set->dirs.push_back(parent_of(path));
  }
  std::sort(set->dirs.begin(), set->dirs.end());
  set->dirs.erase(std::unique(set->dirs.begin(), set->dirs.end()), set->dirs.end());
  return set;
}

bool FileSet::holds_directly_in(std::string_view dir) const {
  return std::binary_search(dirs.begin(), dirs.end(), dir, [](std::string_view a, std::string_view b) { return a < b; });
}

bool FileSet::holds(std::string_view path) const {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return false;
  // Most paths a volume is asked about (WAL segments, pg_control) are in no directory of the set.
  if (!holds_directly_in(slash == 0 ? std::string_view("/") : path.substr(0, slash))) return false;
  auto it = std::lower_bound(files.begin(), files.end(), path, [](const auto& f, std::string_view p) { return std::string_view(f.first) < p; });
  return it != files.end() && it->first == path;
}

bool FileSet::holds_under(std::string_view dir) const {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  for (const auto& d : dirs)
    if (d.size() >= dir.size() && d.compare(0, dir.size(), dir) == 0 && (d.size() == dir.size() || dir == "/" || d[dir.size()] == '/')) return true;
  return false;
}

// ---- Volume ------------------------------------------------------------------------------

Volume::Volume(Disk& disk, std::string name, std::string mount_point, VolumeKind kind)
    : disk_(disk),
      name_(std::move(name)),
      mount_point_(std::move(mount_point)),
      kind_(kind),
      write_rng_(disk.sim().rng("disk/" + disk.node() + "/" + name_ + "/write")),
      fsync_rng_(disk.sim().rng("disk/" + disk.node() + "/" + name_ + "/fsync")) {}

std::uint64_t Volume::free_bytes() const {
  if (config.capacity_bytes == VolumeConfig::kUnlimited) return VolumeConfig::kUnlimited;
  return config.capacity_bytes > used_bytes_ ? config.capacity_bytes - used_bytes_ : 0;
}

std::optional<std::uint64_t> Volume::ino_of(const std::string& path) const {
  if (found_valid_ && path == found_path_) return found_ino_;
  auto it = entries_.find(path);
  if (it == entries_.end()) return std::nullopt;
  found_path_ = path;
  found_ino_ = it->second;
  found_valid_ = true;
  return it->second;
}

const Volume::Inode* Volume::find(const std::string& path) const {
  const auto ino = ino_of(path);
  return ino ? &inodes_.at(*ino) : nullptr;
}

std::uint64_t Volume::open_create(const std::string& path) {
  if (const auto ino = ino_of(path)) return *ino;
  const std::uint64_t ino = next_ino_++;
  entries_.emplace(path, ino);
  entries_changed();
  mark_entry_dirty(path);
  inodes_[ino];
  return ino;
}

bool Volume::reserve(const std::string& path, std::uint64_t more_bytes) {
  if (more_bytes == 0) return true;
  if (more_bytes > free_bytes()) {
    if (!full_reported_) {
      full_reported_ = true;
      disk_.sim().record(kDiskFull, {{"node", disk_.node()}, {"volume", name_}, {"path", path},
                                     {"bytes", static_cast<std::int64_t>(more_bytes)},
                                     {"free_bytes", static_cast<std::int64_t>(free_bytes())}},
                         true);
    }
    return false;
  }
  used_bytes_ += more_bytes;
  return true;
}

void Volume::release(std::uint64_t bytes) {
  if (bytes == 0) return;
  used_bytes_ -= bytes;
  full_reported_ = false;  // the next refusal is a new "disk full"
}

FsError Volume::apply_write(const std::string& path, std::uint64_t offset, Data data) {
  materialise_named(path);
  // open(O_CREAT) succeeds even when the write then finds no space.
  const std::uint64_t ino = open_create(path);
  Inode& n = inodes_.at(ino);
  const std::uint64_t off = offset == kEnd ? n.current.size_bytes : offset;
  const std::uint64_t len = data.size_bytes();
  if (len == 0) return FsError::Ok;
  const std::uint64_t already = allocated_in(n.current, off, off + len);
  if (!reserve(path, len - already)) return FsError::NoSpace;
  std::uint64_t from = off, to = off + len;
  save_undo(n, from, to);
  erase_range(n.current, off, off + len);
  place(n.current, off, std::move(data));
  mark_dirty(ino, from, to);
  return FsError::Ok;
}

FsError Volume::write(const std::string& path, std::uint64_t offset, Data data) {
  return apply_write(path, offset, std::move(data));
}

FsError Volume::append(const std::string& path, Data data) { return apply_write(path, kEnd, std::move(data)); }

FsError Volume::write_file(const std::string& path, std::string text) { return write_whole(path, Data::bytes(std::move(text))); }

FsError Volume::write_whole(const std::string& path, Data data) {
  materialise_named(path);
  open_create(path);
  truncate(path, 0);
  return apply_write(path, 0, std::move(data));
}

FsError Volume::write_files(std::shared_ptr<const FileSet> set) {
  if (set->files.empty()) return FsError::Ok;
  // A set sharing a directory with an earlier one that is still a description: that one becomes
  // files first, so that the check below sees its names.
  for (const auto& d : set->dirs) materialise_in(d, false);
  // Written one by one when they would not all fit (which files get ENOSPC, and disk_full, are
  // then as they always were) or when one of them exists already (it is truncated and rewritten,
  // and its inode keeps its history).
  // Likewise when one of its paths has an entry change not yet durable (a file removed and
  // written again, as pg_basebackup does): the new entry takes that change's deadline.
  bool one_by_one = set->bytes > free_bytes();
  for (const auto& d : set->dirs) {
    const std::string prefix = d == "/" ? d : d + "/";
    for (auto it = entries_.lower_bound(prefix); !one_by_one && it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
      one_by_one = set->holds(it->first);
    for (auto it = dirty_entries_.lower_bound(prefix); !one_by_one && it != dirty_entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
      one_by_one = set->holds(it->first);
  }
  if (one_by_one) {
    FsError result = FsError::Ok;
    for (const auto& [path, data] : set->files)
      if (FsError r = write_whole(path, data); r != FsError::Ok && result == FsError::Ok) result = r;
    return result;
  }
  used_bytes_ += set->bytes;
  lazy_.push_back(LazySet{std::move(set), disk_.sim().now(), false});
  not_lazy_.clear();
  if (kind_ != VolumeKind::Tmpfs) arm_flusher();  // as each new entry's mark_entry_dirty would
  return FsError::Ok;
}

void Volume::materialise_named(const std::string& path) const {
  if (lazy_.empty() || path == not_lazy_) return;
  for (std::size_t i = 0; i < lazy_.size(); ++i)
    if (lazy_[i].set->holds(path)) return const_cast<Volume*>(this)->materialise(i);
  not_lazy_ = path;
}

void Volume::materialise_in(const std::string& dir, bool recursive) const {
  for (std::size_t i = 0; i < lazy_.size();) {
    std::string_view d = dir;
    while (d.size() > 1 && d.back() == '/') d.remove_suffix(1);
    if (recursive ? lazy_[i].set->holds_under(d) : lazy_[i].set->holds_directly_in(d)) const_cast<Volume*>(this)->materialise(i);
    else ++i;
  }
}

void Volume::materialise(std::size_t i) {
  const LazySet l = std::move(lazy_[i]);
  lazy_.erase(lazy_.begin() + static_cast<std::ptrdiff_t>(i));
  // What writing each file at `written_at` would have left by now: a new inode and entry, both
  // dirty since then, or both written back if the flusher's deadline has passed. (Nothing else
  // can have happened to them: whatever names, lists or syncs one of them brings us here first.)
  // Their bytes are in used_bytes_ already.
  const bool track = kind_ != VolumeKind::Tmpfs;
  for (const auto& [path, data] : l.set->files) {
    const std::uint64_t ino = next_ino_++;
    entries_.emplace(path, ino);
    entries_changed();
    Inode& n = inodes_[ino];
    place(n.current, 0, data);
    if (!track) continue;
    if (l.durable) {
      n.durable_size = n.current.size_bytes;
      durable_entries_.emplace(path, ino);
      n.durable_names = 1;
      continue;
    }
    dirty_entries_.emplace(path, l.written_at);
    if (data.size_bytes() == 0) continue;  // an empty write dirties no data
    add_range(n.dirty, 0, data.size_bytes());
    n.dirty_since = l.written_at;
    dirty_inodes_.insert(ino);
  }
}

FsError Volume::truncate(const std::string& path, std::uint64_t size_bytes) {
  materialise_named(path);
  auto it = entries_.find(path);
  if (it == entries_.end()) return FsError::NotFound;
  Inode& n = inodes_.at(it->second);
  const std::uint64_t old = n.current.size_bytes;
  if (size_bytes == old) return FsError::Ok;
  std::uint64_t from = std::min(old, size_bytes), to = std::max(old, size_bytes);
  if (size_bytes < old) {
    save_undo(n, from, to);
    release(erase_range(n.current, size_bytes, kEnd));
  }
  n.current.size_bytes = size_bytes;
  mark_dirty(it->second, from, to);
  return FsError::Ok;
}

void Volume::unlink_current(std::uint64_t ino) {
  Inode& n = inodes_.at(ino);
  release(n.current.allocated_bytes);
  // Nothing reaches this inode's current contents any more; a power loss brings back only its
  // durable contents (under its durable name), so its unsynced changes can go now.
  n.linked = false;
  if (n.durable_names > 0) restore_durable(n);
  else n.current = {};
  n.undo = {};
  n.dirty.clear();
  n.dirty_since = kNever;
  dirty_inodes_.erase(ino);
}

void Volume::collect(std::uint64_t ino) {
  // An inode has at most one current name (no hard links; a rename moves it), which `linked`
  // says it has, and at most one durable name (sync_entry drops the others as it adds one),
  // which durable_names counts: no walk over every name (pg_basebackup's `rm -rf` of a data
  // directory's ~1,300 files walked both maps once per file, 70% of a re-clone run).
  auto it = inodes_.find(ino);
  if (it == inodes_.end() || it->second.linked || it->second.durable_names > 0) return;
  inodes_.erase(it);
  dirty_inodes_.erase(ino);
}

FsError Volume::remove(const std::string& path) {
  materialise_named(path);
  auto it = entries_.find(path);
  if (it == entries_.end()) return FsError::NotFound;
  const std::uint64_t ino = it->second;
  entries_.erase(it);
  entries_changed();
  unlink_current(ino);
  mark_entry_dirty(path);
  collect(ino);
  return FsError::Ok;
}

FsError Volume::rename(const std::string& from, const std::string& to) {
  materialise_named(from);
  materialise_named(to);
  auto it = entries_.find(from);
  if (it == entries_.end()) return FsError::NotFound;
  if (from == to) return FsError::Ok;
  const std::uint64_t ino = it->second;
  entries_.erase(it);
  entries_changed();
  std::optional<std::uint64_t> replaced;
  if (auto t = entries_.find(to); t != entries_.end()) {
    replaced = t->second;
    entries_.erase(t);
    unlink_current(*replaced);
  }
  entries_.emplace(to, ino);
  entries_changed();
  mark_entry_dirty(from);
  mark_entry_dirty(to);
  if (replaced) collect(*replaced);
  return FsError::Ok;
}

bool Volume::exists(const std::string& path) const {
  materialise_named(path);
  return ino_of(path).has_value();
}

std::optional<std::uint64_t> Volume::size(const std::string& path) const {
  materialise_named(path);
  const Inode* n = find(path);
  if (n == nullptr) return std::nullopt;
  return n->current.size_bytes;
}

std::optional<std::string> Volume::read_file(const std::string& path) const {
  materialise_named(path);
  const Inode* n = find(path);
  if (n == nullptr) return std::nullopt;
  std::string out(n->current.size_bytes, '\0');
  for (const auto& [off, d] : n->current.extents) {
    if (d.kind() != Data::Kind::Bytes) return std::nullopt;
    out.replace(off, d.size_bytes(), d.text());
  }
  return out;
}

std::vector<Extent> Volume::extents(const std::string& path, std::uint64_t from, std::uint64_t to) const {
  materialise_named(path);
  std::vector<Extent> out;
  const Inode* n = find(path);
  if (n == nullptr || from >= to) return out;
  auto it = n->current.extents.upper_bound(from);
  if (it != n->current.extents.begin()) --it;
  for (; it != n->current.extents.end() && it->first < to; ++it) {
    const std::uint64_t off = it->first;
    const std::uint64_t end = off + it->second.size_bytes();
    const std::uint64_t lo = std::max(from, off);
    const std::uint64_t hi = std::min(to, end);
    if (hi > lo) out.push_back(Extent{lo, it->second.slice(lo - off, hi - lo)});
  }
  return out;
}

std::vector<std::string> Volume::list(const std::string& dir) const {
  materialise_in(dir, false);
  const std::string prefix = dir.empty() || dir.back() != '/' ? dir + "/" : dir;
  std::vector<std::string> out;
  for (auto it = entries_.lower_bound(prefix); it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    if (it->first.find('/', prefix.size()) == std::string::npos) out.push_back(it->first);
  return out;
}

std::vector<std::string> Volume::list_tree(const std::string& dir) const {
  materialise_in(dir, true);
  const std::string prefix = dir.empty() || dir.back() != '/' ? dir + "/" : dir;
  std::vector<std::string> out;
  for (auto it = entries_.lower_bound(prefix); it != entries_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    out.push_back(it->first);
  return out;
}

// ---- durability --------------------------------------------------------------------------

bool Volume::dirty() const {
  if (!dirty_inodes_.empty() || !dirty_entries_.empty()) return true;
  if (kind_ == VolumeKind::Tmpfs) return false;
  for (const auto& l : lazy_)
    if (!l.durable) return true;
  return false;
}

void Volume::mark_dirty(std::uint64_t ino, std::uint64_t from, std::uint64_t to) {
  if (kind_ == VolumeKind::Tmpfs) return;  // never durable: nothing to track
  Inode& n = inodes_.at(ino);
  add_range(n.dirty, from, to);
  if (n.dirty_since == kNever) {
    n.dirty_since = disk_.sim().now();
    dirty_inodes_.insert(ino);
    arm_flusher();
  }
}

void Volume::mark_entry_dirty(const std::string& path) {
  if (kind_ == VolumeKind::Tmpfs) return;
  if (dirty_entries_.emplace(path, disk_.sim().now()).second) arm_flusher();
}

void Volume::save_undo(Inode& n, std::uint64_t& from, std::uint64_t& to) const {
  if (kind_ == VolumeKind::Tmpfs || from >= to) return;  // never durable: nothing to keep
  auto& cur = n.current.extents;
  // A record the change cuts at either end: the whole of it is the durable contents to keep.
  if (auto it = cur.upper_bound(from); it != cur.begin()) {
    --it;
    if (it->first < from && it->first + it->second.size_bytes() > from && it->second.kind() == Data::Kind::Record) from = it->first;
  }
  if (to != kEnd) {
    if (auto it = cur.lower_bound(to); it != cur.begin()) {
      --it;
      const std::uint64_t end = it->first + it->second.size_bytes();
      if (end > to && it->second.kind() == Data::Kind::Record) to = end;
    }
  }
  // The parts of [from, to) no unsynced change reached yet still hold their durable contents.
  auto d = n.dirty.upper_bound(from);
  if (d != n.dirty.begin() && std::prev(d)->second > from) --d;
  std::uint64_t pos = from;
  while (pos < to) {
    if (d != n.dirty.end() && d->first <= pos) {
      pos = std::max(pos, d->second);
      ++d;
      continue;
    }
    const std::uint64_t gap_end = d != n.dirty.end() ? std::min(to, d->first) : to;
    auto it = cur.upper_bound(pos);
    if (it != cur.begin()) --it;
    for (; it != cur.end() && it->first < gap_end; ++it) {
      const std::uint64_t off = it->first;
      const std::uint64_t lo = std::max(pos, off);
      const std::uint64_t hi = std::min(gap_end, off + it->second.size_bytes());
      if (hi <= lo) continue;
      Data part = it->second.slice(lo - off, hi - lo);
      // A zero-filled stretch continuing the one saved before (a WAL segment's unwritten rest,
      // saved a record at a time after each flush) makes that one longer: no node per record.
      if (part.kind() == Data::Kind::Sized && !n.undo.extents.empty()) {
        auto last = std::prev(n.undo.extents.end());
        if (last->second.kind() == Data::Kind::Sized && last->first + last->second.size_bytes() == lo) {
          last->second = Data::sized(last->second.size_bytes() + part.size_bytes());
          n.undo.allocated_bytes += part.size_bytes();
          continue;
        }
      }
      place(n.undo, lo, std::move(part));
    }
    pos = gap_end;
  }
}

void Volume::restore_durable(Inode& n) {
  for (const auto& [a, b] : n.dirty) {
    erase_range(n.current, a, b);
    for (auto it = n.undo.extents.lower_bound(a); it != n.undo.extents.end() && it->first < b; ++it) place(n.current, it->first, it->second);
  }
  erase_range(n.current, n.durable_size, kEnd);
  n.current.size_bytes = n.durable_size;
  n.undo = {};
  n.dirty.clear();
  n.dirty_since = kNever;
}

void Volume::sync_inode(std::uint64_t ino) {
  auto it = inodes_.find(ino);
  if (it == inodes_.end() || !it->second.linked) return;  // an unlinked file has nothing left to flush
  Inode& n = it->second;
  // The current contents are the durable ones now: nothing to copy, the undo goes.
  n.undo = {};
  n.durable_size = n.current.size_bytes;
  n.dirty.clear();
  n.dirty_since = kNever;
  dirty_inodes_.erase(ino);
}

void Volume::sync_entry(const std::string& path) {
  dirty_entries_.erase(path);
  std::optional<std::uint64_t> was;
  if (auto d = durable_entries_.find(path); d != durable_entries_.end()) {
    was = d->second;
    if (auto n = inodes_.find(d->second); n != inodes_.end()) --n->second.durable_names;
    durable_entries_.erase(d);
  }
  if (auto it = entries_.find(path); it != entries_.end()) {
    const std::uint64_t ino = it->second;
    Inode& n = inodes_.at(ino);
    // A renamed file's old durable name goes with the new one: rename is one journal transaction.
    // The walk over every durable name only when the inode has another one (a data directory
    // holds ~1,300 files, and each WAL flush syncs an entry).
    if (n.durable_names > 0)
      for (auto d = durable_entries_.begin(); d != durable_entries_.end();)
        d = d->second == ino ? durable_entries_.erase(d) : std::next(d);
    durable_entries_.emplace(path, ino);
    n.durable_names = 1;
    // The same inode under the same name again: still named, nothing to collect.
    if (was && *was == ino) return;
  }
  if (was) collect(*was);
}

std::uint64_t Volume::dirty_bytes(std::uint64_t ino) const {
  const Inode& n = inodes_.at(ino);
  std::uint64_t total = 0;
  for (const auto& [a, b] : n.dirty)
    if (a < n.current.size_bytes) total += std::min(b, n.current.size_bytes) - a;
  return total;
}

void Volume::arm_flusher() {
  if (flush_at_ != kNever || config.dirty_expire == kNever || !dirty()) return;
  Time oldest = kNever;
  for (std::uint64_t ino : dirty_inodes_) oldest = std::min(oldest, inodes_.at(ino).dirty_since);
  for (const auto& [p, since] : dirty_entries_) oldest = std::min(oldest, since);
  for (const auto& l : lazy_)
    if (!l.durable && kind_ != VolumeKind::Tmpfs) oldest = std::min(oldest, l.written_at);
  if (oldest > kNever - config.dirty_expire) return;
  flush_at_ = oldest + config.dirty_expire;
  const std::uint64_t gen = ++flush_gen_;
  disk_.sim().at(flush_at_, [this, gen] {
    if (gen == flush_gen_) flush_expired();
  }, Phase::Normal, disk_.kernel());
}

void Volume::flush_expired() {
  flush_at_ = kNever;
  const Time now = disk_.sim().now();
  std::vector<std::uint64_t> inodes;
  for (std::uint64_t ino : dirty_inodes_)
    if (inodes_.at(ino).dirty_since <= now - config.dirty_expire) inodes.push_back(ino);
  for (std::uint64_t ino : inodes) sync_inode(ino);
  std::vector<std::string> paths;
  for (const auto& [p, since] : dirty_entries_)
    if (since <= now - config.dirty_expire) paths.push_back(p);
  for (const auto& p : paths) sync_entry(p);
  // A lazy set's inodes and entries, all dirty since it was written, written back together.
  for (auto& l : lazy_)
    if (!l.durable && l.written_at <= now - config.dirty_expire) l.durable = true;
  arm_flusher();
}

void Volume::schedule_done(Time delay, Owner caller, Done done, FsError result) {
  if (!done) return;
  disk_.sim().after(delay, [done = std::move(done), result] { done(result); }, Phase::Normal, caller);
}

void Volume::write(const std::string& path, std::uint64_t offset, Data data, Owner caller, Done done) {
  const Time latency = config.write_latency.sample(write_rng_);
  disk_.sim().after(latency, [this, path, offset, data = std::move(data), done = std::move(done)]() mutable {
    const FsError r = apply_write(path, offset, std::move(data));
    if (done) done(r);
  }, Phase::Normal, caller);
}

void Volume::append(const std::string& path, Data data, Owner caller, Done done) {
  write(path, kEnd, std::move(data), caller, std::move(done));
}

void Volume::fsync(const std::string& path, Owner caller, Done done, std::optional<Time> given) {
  materialise_named(path);
  const auto found = ino_of(path);
  if (!found) {
    schedule_done(0, caller, std::move(done), FsError::NotFound);
    return;
  }
  if (kind_ == VolumeKind::Tmpfs) {  // no device behind it: returns at once
    schedule_done(0, caller, std::move(done), FsError::Ok);
    return;
  }
  const std::uint64_t ino = *found;
  const bool clean = config.fsync_clean_latency && dirty_bytes(ino) == 0 && inodes_.at(ino).dirty_since == kNever &&
                     dirty_entries_.count(path) == 0;
  Time latency = given ? *given : clean ? config.fsync_clean_latency->sample(fsync_rng_) : config.fsync_latency.sample(fsync_rng_);
  // A given latency (a committing backend's flush as measured) stands for a flush of the few
  // hundred bytes a commit writes; what more is dirty (a WAL segment XLogFileInit filled with
  // zeros) takes its time at the device's rate all the same.
  if (config.write_rate_bytes_per_s > 0) {
    const auto ns = static_cast<unsigned __int128>(dirty_bytes(ino)) * kSecond / config.write_rate_bytes_per_s;
    latency += static_cast<Time>(std::min<unsigned __int128>(ns, kNever / 2));
  }
  // The kernel's side first (same instant, scheduled earlier, so it runs first): the flush
  // completes whether or not the caller is still alive to hear about it.
  disk_.sim().after(latency, [this, ino, path] {
    sync_inode(ino);
    if (ino_of(path) == ino) sync_entry(path);
  }, Phase::Normal, disk_.kernel());
  schedule_done(latency, caller, std::move(done), FsError::Ok);
}

void Volume::fsync_directory(const std::string& dir, Owner caller, Done done) {
  if (kind_ == VolumeKind::Tmpfs) {
    schedule_done(0, caller, std::move(done), FsError::Ok);
    return;
  }
  std::string d = dir;
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  // Its entries become durable here, not with the flusher (a written-back set has nothing left).
  for (std::size_t i = 0; i < lazy_.size();) {
    if (!lazy_[i].durable && lazy_[i].set->holds_directly_in(d)) materialise(i);
    else ++i;
  }
  // A directory whose entries are all durable has nothing to write, as a clean file.
  const bool clean = config.fsync_clean_latency &&
                     std::none_of(dirty_entries_.begin(), dirty_entries_.end(), [&](const auto& e) { return parent_of(e.first) == d; });
  const Time latency = clean ? config.fsync_clean_latency->sample(fsync_rng_) : config.fsync_latency.sample(fsync_rng_);
  disk_.sim().after(latency, [this, dir = std::move(d)] {
    std::vector<std::string> paths;
    for (const auto& [p, since] : dirty_entries_)
      if (parent_of(p) == dir) paths.push_back(p);
    for (const auto& p : paths) sync_entry(p);
  }, Phase::Normal, disk_.kernel());
  schedule_done(latency, caller, std::move(done), FsError::Ok);
}

void Volume::lose_unsynced() {
  if (kind_ == VolumeKind::Tmpfs) {
    wipe();
    return;
  }
  // A set not yet written back: neither its entries nor its contents were durable, so it is gone
  // (what fsync_directory could have made durable of it was made files first). One written back
  // stays as it is.
  std::erase_if(lazy_, [](const LazySet& l) { return !l.durable; });
  entries_ = durable_entries_;
  entries_changed();
  std::set<std::uint64_t> referenced;
  for (const auto& [p, ino] : durable_entries_) referenced.insert(ino);
  for (auto it = inodes_.begin(); it != inodes_.end();) {
    if (referenced.count(it->first) == 0) {
      it = inodes_.erase(it);
      continue;
    }
    // An unlinked inode was restored when it lost its name (unlink_current).
    if (it->second.linked) restore_durable(it->second);
    it->second.linked = true;
    it->second.dirty_since = kNever;
    ++it;
  }
  dirty_inodes_.clear();
  dirty_entries_.clear();
  used_bytes_ = 0;
  for (const auto& [p, ino] : entries_) used_bytes_ += inodes_.at(ino).current.allocated_bytes;
  for (const auto& l : lazy_) used_bytes_ += l.set->bytes;
  full_reported_ = false;
  flush_at_ = kNever;
  ++flush_gen_;
}

void Volume::wipe() {
  lazy_.clear();
  entries_.clear();
  entries_changed();
  durable_entries_.clear();
  inodes_.clear();
  dirty_inodes_.clear();
  dirty_entries_.clear();
  used_bytes_ = 0;
  full_reported_ = false;
  flush_at_ = kNever;
  ++flush_gen_;
}

// ---- Disk --------------------------------------------------------------------------------

Disk::Disk(Simulation& sim, std::string node) : sim_(sim), node_(std::move(node)), kernel_owner_(sim.new_owner()) {
  volumes_.push_back(std::make_unique<Volume>(*this, "root", "/", VolumeKind::Root));
}

Volume& Disk::add_volume(std::string name, std::string mount_point, VolumeKind kind) {
  if (mount_point.size() < 2 || mount_point.front() != '/' || mount_point.back() == '/')
    throw std::invalid_argument("volume " + name + ": mount point '" + mount_point + "' is not an absolute path below /");
  if (kind == VolumeKind::Root) throw std::invalid_argument("volume " + name + ": a node has one root volume");
  for (const auto& v : volumes_)
    if (v->name() == name || v->mount_point() == mount_point)
      throw std::invalid_argument("volume " + name + " at " + mount_point + ": name or mount point already used on " + node_);
  volumes_.push_back(std::make_unique<Volume>(*this, std::move(name), std::move(mount_point), kind));
  return *volumes_.back();
}

Volume* Disk::volume(std::string_view name) const {
  for (const auto& v : volumes_)
    if (v->name() == name) return v.get();
  return nullptr;
}

Volume& Disk::volume_for(const std::string& path) const {
  Volume* best = volumes_.front().get();
  for (const auto& v : volumes_) {
    const std::string& m = v->mount_point();
    if (m.size() <= best->mount_point().size() || path.compare(0, m.size(), m) != 0) continue;
    if (path.size() == m.size() || path[m.size()] == '/') best = v.get();
  }
  return *best;
}

FsError Disk::write_files(std::shared_ptr<const FileSet> set) {
  if (set->files.empty()) return FsError::Ok;
  Volume& v = volume_for(set->dirs.front());
  bool one_volume = true;
  for (const auto& d : set->dirs) one_volume = one_volume && &volume_for(d) == &v;
  if (one_volume) return v.write_files(std::move(set));
  FsError result = FsError::Ok;
  for (const auto& [path, data] : set->files)
    if (FsError r = volume_for(path).write_whole(path, data); r != FsError::Ok && result == FsError::Ok) result = r;
  return result;
}

FsError Disk::rename(const std::string& from, const std::string& to) {
  Volume& v = volume_for(from);
  if (&volume_for(to) != &v) return FsError::CrossDevice;
  return v.rename(from, to);
}

void Disk::container_stopped() {
  for (const auto& v : volumes_)
    if (v->kind() == VolumeKind::Tmpfs) v->wipe();
}

void Disk::power_loss() {
  sim_.retire(kernel_owner_);  // flushes in flight never complete
  for (const auto& v : volumes_) v->lose_unsynced();
}

void Disk::recreate() {
  for (const auto& v : volumes_)
    if (v->kind() != VolumeKind::Named) v->wipe();
}

}  // namespace sim
