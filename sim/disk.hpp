#pragma once
// A node's storage as its processes see it through the kernel: volumes mounted at paths (the
// container's writable layer at `/`, named volumes, tmpfs mounts), files with sizes and
// contents, a page cache whose unsynced writes a power loss takes (a killed process's do not),
// fsync with a device latency, and space accounting with ENOSPC. Model-agnostic: PostgreSQL's
// WAL and data directory, pg_autoctl's state file and keepalived's pid file all live here.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/pool_allocator.hpp"
#include "sim/random.hpp"
#include "sim/simulation.hpp"

namespace sim {

/// The errno a file operation ends with.
enum class FsError {
  Ok,
  NoSpace,      ///< ENOSPC: the volume is full (nothing of the write was applied)
  NotFound,     ///< ENOENT: no such file
  CrossDevice,  ///< EXDEV: rename between two volumes
};
const char* to_string(FsError e);

/// Trace record of a write refused for lack of space (fields node, volume, path, bytes,
/// free_bytes). Recorded once each time the volume fills up: again only after space was freed.
inline constexpr const char* kDiskFull = "disk_full";

/// What one write puts into a range of a file: bytes the model reads back (a pid file, a state
/// file), a typed record standing for `size_bytes` of data (a WAL record), or data accounted
/// only by its size (a zero-filled WAL segment, a base backup's files).
class Data {
 public:
  enum class Kind { Sized, Bytes, Record };
  Data() = default;
  static Data sized(std::uint64_t size_bytes);
  static Data bytes(std::string text);
  template <typename T>
  static Data record(std::uint64_t size_bytes, T value) {
    Data d;
    d.kind_ = Kind::Record;
    d.size_bytes_ = size_bytes;
    d.value_ = std::make_shared<const Held<T>>(std::move(value));
    return d;
  }
  Kind kind() const { return kind_; }
  std::uint64_t size_bytes() const { return size_bytes_; }
  /// The stored bytes (Kind::Bytes), else empty.
  const std::string& text() const;
  /// The record (Kind::Record) if it is a T, else nullptr.
  template <typename T>
  const T* record_as() const {
    if (kind_ != Kind::Record || value_ == nullptr || value_->type != &kTypeTag<T>) return nullptr;
    return &static_cast<const Held<T>*>(value_.get())->value;
  }
  /// `size` bytes from `from`. Bytes are cut; a record cut short is torn: what is left of it is
  /// accounted by size only (its value described the whole record).
  Data slice(std::uint64_t from, std::uint64_t size) const;

 private:
  // A value of some type with its type's tag: one allocation with its reference count (a
  // std::any in a shared_ptr was two: the any's own heap copy of any value over a pointer's size,
  // as a WAL record is), and no RTTI. Bytes are held the same way, as a std::string.
  template <typename T>
  static constexpr char kTypeTag = 0;
  struct Value {
    const void* type;
  };
  template <typename T>
  struct Held : Value {
    explicit Held(T v) : Value{&kTypeTag<T>}, value(std::move(v)) {}
    T value;
  };
  Kind kind_ = Kind::Sized;
  std::uint64_t size_bytes_ = 0;
  // Immutable once written and shared by every copy: the page cache's and the durable
  // contents' extents, and what a read returns, are the same record (a WAL flush copies each
  // synced extent to the durable side; copying the value each time was an allocation and a
  // copy per record per fsync, and twice the memory).
  std::shared_ptr<const Value> value_;
};

/// One stretch of a file's contents as read back.
struct Extent {
  std::uint64_t offset = 0;
  Data data;
};

enum class VolumeKind {
  /// The container's writable layer, mounted at `/`: survives docker stop/start/restart and a
  /// host crash (its synced part), lost when the container is re-created.
  Root,
  /// A named volume (or a bind mount): survives a re-create.
  Named,
  /// A tmpfs mount: memory only, gone when the container stops, never durable.
  Tmpfs,
};

/// The device and kernel settings behind a volume. Defaults: an unlimited disk of this
/// project's validation host (see disk.cpp for the measurement) and Linux's writeback defaults.
struct VolumeConfig {
  static constexpr std::uint64_t kUnlimited = UINT64_MAX;
  std::uint64_t capacity_bytes = kUnlimited;
  /// One write(2) into the page cache, for the timed write(); the immediate calls take none.
  Distribution write_latency = default_write_latency();
  /// One fsync(2)/fdatasync(2) of a file with a little dirty data (a WAL flush).
  Distribution fsync_latency = default_fsync_latency();
  /// One fsync(2) of a file with nothing dirty, data or entry (a data directory walk after
  /// everything was synced once): no data to write, so the syscall and whatever device flush
  /// the filesystem still issues, which a quiet host does in ~60 us and a busy one in a
  /// millisecond. Unset: fsync_latency, as a WAL flush.
  std::optional<Distribution> fsync_clean_latency;
  /// The device's sequential write rate: an fsync of `d` dirty bytes takes d / rate more.
  /// 0: not modelled (every fsync costs one draw of fsync_latency).
  std::uint64_t write_rate_bytes_per_s = 0;
  /// vm.dirty_expire_centisecs: data left unsynced this long is written back by the kernel's
  /// flusher and becomes durable. kNever: only fsync makes data durable.
  Time dirty_expire = 30 * kSecond;

  static Distribution default_write_latency();
  static Distribution default_fsync_latency();
};

class Disk;

/// Many new files written at once and then, as a rule, left alone: a database cluster's catalogs
/// as initdb lays them down (about 1,300 of them on each node), which a short run never opens but
/// a walk over the data directory (pg_basebackup's, pg_rewind's fsync_pgdata) visits one by one.
/// Immutable, so one description serves every volume and run that writes it. A volume keeps a
/// written set as this description, with the time it was written and whether the kernel's
/// flusher has made it durable, and makes it files and inodes of its own only when something
/// names one of its files, lists or walks one of its directories, syncs one of them or loses
/// power before the flusher ran: what any caller observes is what writing each file would have
/// left, at a cost per set, not per file, for the runs that never look.
struct FileSet {
  /// Full paths (sorted by std::string's order, distinct) and each file's contents.
  std::vector<std::pair<std::string, Data>> files;
  /// The directories directly holding them (sorted, distinct).
  std::vector<std::string> dirs;
  /// The sum of the files' sizes.
  std::uint64_t bytes = 0;

  /// The set of `files` (any order; a path given twice keeps its last contents).
  static std::shared_ptr<const FileSet> make(std::vector<std::pair<std::string, Data>> files);
  /// Whether `path` is one of its files.
  bool holds(std::string_view path) const;
  /// Whether `dir` (no trailing slash) directly holds one of its files.
  bool holds_directly_in(std::string_view dir) const;
  /// Whether some of its files are under `dir` (no trailing slash) at any depth.
  bool holds_under(std::string_view dir) const;
};

namespace detail {
/// A file's contents: non-overlapping extents by offset, and a logical size (bytes in no extent
/// are a hole: they read as zeros and take no space).
struct FileContent {
  // Pooled: every WAL record written cuts the zero-filled segment's extent (two nodes made, one
  // dropped) and every fsync copies the synced extents to the durable side, so a busy primary
  // made and freed several tree nodes per commit.
  std::map<std::uint64_t, Data, std::less<std::uint64_t>, PoolAllocator<std::pair<const std::uint64_t, Data>>> extents;
  std::uint64_t size_bytes = 0;
  std::uint64_t allocated_bytes = 0;  // sum of the extents' sizes
};
}  // namespace detail

/// One mounted filesystem: files by absolute path (directories are implicit), each an inode
/// whose current contents (what reads see: the page cache) and durable contents (what a power
/// loss leaves) are kept apart. Contents are extents (see Data), so a 16 MiB WAL segment costs
/// one extent plus one per record written into it, not 16 MiB.
///
/// Durability, modelled simply: fsync(path) makes the file's contents and its directory entry
/// durable when it completes (as ext4 does for a new file), including writes made while it ran;
/// fsync_directory(dir) makes the entries directly in `dir` durable (creations, unlinks,
/// renames), not their contents; the kernel's flusher makes anything durable once it has been
/// dirty for `dirty_expire` (one deadline per inode or entry, counted from when it first became
/// dirty, as the kernel's dirtied_when; no 5 s flusher period, no dirty_ratio throttling).
/// Space: allocated bytes (extents; holes are free) of the files that exist now; a write needing
/// more than is free fails whole with ENOSPC; unlink and truncate free at once (no open file
/// descriptors keep an unlinked file's space). Each volume is its own filesystem: a root layer
/// and named volumes sharing one host filesystem do not share capacity here.
class Volume {
 public:
  Volume(Disk& disk, std::string name, std::string mount_point, VolumeKind kind);
  Volume(const Volume&) = delete;
  Volume& operator=(const Volume&) = delete;

  const std::string& name() const { return name_; }
  const std::string& mount_point() const { return mount_point_; }
  VolumeKind kind() const { return kind_; }
  VolumeConfig config;

  std::uint64_t used_bytes() const { return used_bytes_; }
  std::uint64_t free_bytes() const;
  /// Whether anything written is not yet durable.
  bool dirty() const;

  // The calls below take absolute paths inside this volume; Disk routes a path to its volume.
  /// pwrite(2) into the page cache, creating the file if needed; returns at once.
  FsError write(const std::string& path, std::uint64_t offset, Data data);
  /// write(2) at the end of the file (O_APPEND), creating it if needed.
  FsError append(const std::string& path, Data data);
  /// open(O_CREAT|O_TRUNC) and write: the file then holds `text`. On ENOSPC the file is left
  /// created and empty, as a real truncate-then-write leaves it.
  FsError write_file(const std::string& path, std::string text);
  /// Every file of `set` created (or truncated) and written with its contents, as write_file
  /// does for each, all at once; kept as the set's description until something looks (see
  /// FileSet). On ENOSPC the files are written one by one and those that do not fit are left
  /// empty, as write_file leaves them.
  FsError write_files(std::shared_ptr<const FileSet> set);
  /// truncate(2): shorter frees space; longer leaves a hole.
  FsError truncate(const std::string& path, std::uint64_t size_bytes);
  /// unlink(2).
  FsError remove(const std::string& path);
  /// rename(2) within this volume, replacing `to` if it exists.
  FsError rename(const std::string& from, const std::string& to);

  bool exists(const std::string& path) const;
  std::optional<std::uint64_t> size(const std::string& path) const;
  /// The whole file as bytes (holes read as zeros), or nullopt if absent or if some of it is
  /// accounted by size only (not stored).
  std::optional<std::string> read_file(const std::string& path) const;
  /// The extents overlapping [from, to), clipped to it (empty if the file is absent).
  std::vector<Extent> extents(const std::string& path, std::uint64_t from = 0, std::uint64_t to = UINT64_MAX) const;
  /// Files directly in `dir` (full paths, in name order).
  std::vector<std::string> list(const std::string& dir) const;
  /// Files under `dir` at any depth (full paths, in name order): what a recursive walk such as
  /// PostgreSQL's fsync_pgdata visits (directories are implicit, so only their files).
  std::vector<std::string> list_tree(const std::string& dir) const;

  /// Timed calls: the caller's process blocks for a draw of the latency; `done` runs as an event
  /// of `caller` (dropped if that incarnation exits first, deferred while it is frozen).
  using Done = std::function<void(FsError)>;
  /// The write applies when it completes (an ENOSPC is decided then).
  void write(const std::string& path, std::uint64_t offset, Data data, Owner caller, Done done);
  void append(const std::string& path, Data data, Owner caller, Done done);
  /// After `fsync_latency` (plus dirty bytes / write rate) the file is durable, or after
  /// `latency` (plus the same) where the caller gives it (a flush whose time was measured as its
  /// caller met it: PostgreSQL's committing backend, runtime.commit_flush). The kernel finishes the flush even
  /// if the caller is killed meanwhile; a power loss first cancels it.
  void fsync(const std::string& path, Owner caller, Done done, std::optional<Time> latency = std::nullopt);
  void fsync_directory(const std::string& dir, Owner caller, Done done);

 private:
  friend class Disk;
  // The durable contents (what a power loss leaves) are not kept as a second copy: outside the
  // dirty ranges they are the current contents, and inside them they are `undo`, saved from the
  // current contents just before the first unsynced change to each byte. A WAL segment written
  // record by record and fsynced after each commit thus keeps one extent per record, not two, and
  // an fsync copies nothing (it was a tree node per record per node, and most of a busy primary's
  // memory).
  struct Inode {
    detail::FileContent current;
    detail::FileContent undo;                       // durable contents of the dirty ranges
    std::uint64_t durable_size = 0;                 // the durable length
    std::map<std::uint64_t, std::uint64_t> dirty;  // ranges [first, second) changed since synced
    Time dirty_since = kNever;                      // kNever: clean
    bool linked = true;                             // some current entry names it
    int durable_names = 0;                          // entries of durable_entries_ naming it
  };

  /// A file set written and not yet made files (see FileSet).
  struct LazySet {
    std::shared_ptr<const FileSet> set;
    Time written_at = 0;   // when its files and their entries became dirty
    bool durable = false;  // the flusher has written them back (never on a tmpfs)
  };
  /// Makes files of every lazy set that holds `path`, directly holds files in `dir`, or holds
  /// files under `dir` at any depth: before anything can observe them. Const because the files
  /// were there all along as far as any caller can tell.
  void materialise_named(const std::string& path) const;
  void materialise_in(const std::string& dir, bool recursive) const;
  void materialise(std::size_t i);
  /// write_file with any contents: open(O_CREAT|O_TRUNC), then the write.
  FsError write_whole(const std::string& path, Data data);

  const Inode* find(const std::string& path) const;
  /// The inode `path` names now, if any. The last name found is remembered (a WAL segment is
  /// asked for once per record: a tree walk comparing its long path ~11 times each time).
  std::optional<std::uint64_t> ino_of(const std::string& path) const;
  /// entries_ changed: the remembered name may be gone or name another inode.
  void entries_changed() { found_valid_ = false; }
  /// The inode `path` names, made (empty) if there is none.
  std::uint64_t open_create(const std::string& path);
  /// Applies a write of `data` at `offset` (UINT64_MAX: at the end) after the space check.
  FsError apply_write(const std::string& path, std::uint64_t offset, Data data);
  /// Takes `more_bytes` of free space, or records disk_full (once until space is freed).
  bool reserve(const std::string& path, std::uint64_t more_bytes);
  void release(std::uint64_t bytes);
  /// The inode lost its current name: its space is free, its unsynced changes moot.
  void unlink_current(std::uint64_t ino);
  /// Forgets an inode no entry, current or durable, names any more.
  void collect(std::uint64_t ino);
  void mark_dirty(std::uint64_t ino, std::uint64_t from, std::uint64_t to);
  /// Before [from, to) of the inode's current contents changes: saves the durable contents of the
  /// part not already dirty into its undo, and widens the range to the whole of any record it
  /// cuts (a record torn in the page cache is still whole on the device); mark_dirty the widened
  /// range after the change.
  void save_undo(Inode& n, std::uint64_t& from, std::uint64_t& to) const;
  /// Makes the inode's current contents its durable ones (a power loss; an unlinked file's last
  /// state, which only its durable name can still bring back).
  static void restore_durable(Inode& n);
  void mark_entry_dirty(const std::string& path);
  void sync_inode(std::uint64_t ino);
  void sync_entry(const std::string& path);
  void arm_flusher();
  void flush_expired();
  std::uint64_t dirty_bytes(std::uint64_t ino) const;
  void schedule_done(Time delay, Owner caller, Done done, FsError result);
  /// The container's lifecycle (called through Disk by Node).
  void lose_unsynced();  // power loss
  void wipe();           // everything gone (a new writable layer; a tmpfs unmounted)

  Disk& disk_;
  std::string name_;
  std::string mount_point_;
  VolumeKind kind_;
  Rng write_rng_, fsync_rng_;
  std::map<std::string, std::uint64_t> entries_;          // path -> inode, as now
  std::map<std::string, std::uint64_t> durable_entries_;  // path -> inode, as after a power loss
  std::map<std::uint64_t, Inode> inodes_;
  std::set<std::uint64_t> dirty_inodes_;
  std::map<std::string, Time> dirty_entries_;  // path -> when its entry first changed unsynced
  std::uint64_t next_ino_ = 1;
  std::uint64_t used_bytes_ = 0;
  bool full_reported_ = false;  // disk_full recorded, no space freed since
  std::vector<LazySet> lazy_;   // file sets written, not yet made files (their bytes in used_bytes_)
  // A path no lazy set held when last asked: none holds it until another set is written (a set
  // made files never comes back), so a segment's every record skips the sets' searches.
  mutable std::string not_lazy_;
  mutable std::string found_path_;  // ino_of's last answer
  mutable std::uint64_t found_ino_ = 0;
  mutable bool found_valid_ = false;
  Time flush_at_ = kNever;
  std::uint64_t flush_gen_ = 0;
};

/// A node's storage: its volumes by mount point, and what the container's lifecycle does to
/// them. Paths are absolute container paths (no `..`); each resolves to the volume mounted at
/// its longest matching prefix, `/` being the container's writable layer.
class Disk {
 public:
  Disk(Simulation& sim, std::string node);
  Disk(const Disk&) = delete;
  Disk& operator=(const Disk&) = delete;

  Simulation& sim() const { return sim_; }
  const std::string& node() const { return node_; }
  /// The container's writable layer, mounted at `/`.
  Volume& root() { return *volumes_.front(); }
  /// Mounts a named volume or a tmpfs at `mount_point` (an absolute path other than `/`).
  Volume& add_volume(std::string name, std::string mount_point, VolumeKind kind);
  Volume* volume(std::string_view name) const;
  /// The volume holding `path`.
  Volume& volume_for(const std::string& path) const;
  const std::vector<std::unique_ptr<Volume>>& volumes() const { return volumes_; }

  // Files by path, each forwarded to volume_for(path); see Volume for what they do.
  FsError write(const std::string& path, std::uint64_t offset, Data data) { return volume_for(path).write(path, offset, std::move(data)); }
  FsError append(const std::string& path, Data data) { return volume_for(path).append(path, std::move(data)); }
  FsError write_file(const std::string& path, std::string text) { return volume_for(path).write_file(path, std::move(text)); }
  /// See Volume::write_files; a set spread over several volumes is written file by file.
  FsError write_files(std::shared_ptr<const FileSet> set);
  FsError truncate(const std::string& path, std::uint64_t size_bytes) { return volume_for(path).truncate(path, size_bytes); }
  FsError remove(const std::string& path) { return volume_for(path).remove(path); }
  FsError rename(const std::string& from, const std::string& to);
  bool exists(const std::string& path) const { return volume_for(path).exists(path); }
  std::optional<std::uint64_t> size(const std::string& path) const { return volume_for(path).size(path); }
  std::optional<std::string> read_file(const std::string& path) const { return volume_for(path).read_file(path); }
  std::vector<Extent> extents(const std::string& path, std::uint64_t from = 0, std::uint64_t to = UINT64_MAX) const {
    return volume_for(path).extents(path, from, to);
  }
  /// The records of type T in `path`, with their offsets (torn or other extents skipped).
  template <typename T>
  std::vector<std::pair<std::uint64_t, T>> records(const std::string& path) const {
    std::vector<std::pair<std::uint64_t, T>> out;
    for (const auto& e : extents(path))
      if (const T* v = e.data.template record_as<T>()) out.emplace_back(e.offset, *v);
    return out;
  }
  std::vector<std::string> list(const std::string& dir) const { return volume_for(dir).list(dir); }
  std::vector<std::string> list_tree(const std::string& dir) const { return volume_for(dir).list_tree(dir); }
  void write(const std::string& path, std::uint64_t offset, Data data, Owner caller, Volume::Done done) {
    volume_for(path).write(path, offset, std::move(data), caller, std::move(done));
  }
  void append(const std::string& path, Data data, Owner caller, Volume::Done done) {
    volume_for(path).append(path, std::move(data), caller, std::move(done));
  }
  void fsync(const std::string& path, Owner caller, Volume::Done done, std::optional<Time> latency = std::nullopt) {
    volume_for(path).fsync(path, caller, std::move(done), latency);
  }
  void fsync_directory(const std::string& dir, Owner caller, Volume::Done done) {
    volume_for(dir).fsync_directory(dir, caller, std::move(done));
  }

  // What the container's lifecycle does to its storage (Node calls these).
  /// The container stopped (stop, kill, crash): its tmpfs mounts go. The page cache stays.
  void container_stopped();
  /// The host lost power: every volume keeps only what was durable; flushes in flight are lost.
  void power_loss();
  /// docker rm + create: a new, empty writable layer; named volumes stay.
  void recreate();
  /// Owner of the kernel's flushes: retired by a power loss.
  Owner kernel() const { return sim_.owner(kernel_owner_); }

 private:
  Simulation& sim_;
  std::string node_;
  std::uint32_t kernel_owner_;
  std::vector<std::unique_ptr<Volume>> volumes_;  // root first, then in mount order
};

}  // namespace sim
