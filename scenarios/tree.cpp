#include "scenarios/tree.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

namespace scenarios {

ScenarioError::ScenarioError(Source where, std::string key_path, std::string message)
    : std::runtime_error([&] {
        std::string s = where.file.empty() ? "<scenario>" : where.file;
        if (where.line > 0) s += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
        s += ": ";
        if (!key_path.empty()) s += key_path + ": ";
        return s + message;
      }()),
      where_(std::move(where)),
      key_path_(std::move(key_path)),
      message_(std::move(message)) {}

const Tree* Tree::find(const std::string& key) const {
  for (const auto& [k, v] : map)
    if (k == key) return &v;
  return nullptr;
}

Tree* Tree::find(const std::string& key) {
  for (auto& [k, v] : map)
    if (k == key) return &v;
  return nullptr;
}

const char* Tree::kind_name() const {
  switch (kind) {
    case Kind::Null: return "nothing";
    case Kind::Scalar: return "a scalar";
    case Kind::Map: return "a mapping";
    case Kind::Seq: return "a list";
  }
  return "?";
}

std::size_t invalid_utf8_at(const std::string& s) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = b[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;  // a continuation byte first, an overlong lead (c0, c1), or beyond U+10FFFF
    }
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((b[i + k] & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (b[i + k] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
      return i;  // overlong, out of range, or a UTF-16 surrogate
    i += len;
  }
  return std::string::npos;
}

std::string printable_text(const std::string& s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::string rest = s.substr(i);
    const std::size_t bad = invalid_utf8_at(rest);
    if (bad == std::string::npos) {
      out += rest;
      break;
    }
    out += rest.substr(0, bad);
    out += '?';
    i += bad + 1;
  }
  return out;
}

namespace {

Source source_of(const YAML::Mark& m, const std::string& file) {
  return Source{file, m.line + 1, m.column + 1};
}

/// YAML text must be Unicode, and YAML 1.2 allows only printable characters in it (tab, line
/// breaks and everything from space up, less DEL, the C1 controls but NEL, and U+FFFE/FFFF).
/// Checked before parsing so the error names the exact line and column (in characters).
void check_text(const std::string& text, const std::string& file) {
  const std::string label = printable_text(file);
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  int line = 1, column = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned c = b[i];
    if (c >= 0x80) {
      const std::size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      if (invalid_utf8_at(text.substr(i, len)) != std::string::npos) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", c);
        throw ScenarioError(Source{label, line, column}, "",
                            std::string("not UTF-8 text: byte ") + hex + " starts no valid UTF-8 character (save the file as UTF-8)");
      }
      unsigned cp = c >= 0xf0 ? c & 0x07 : c >= 0xe0 ? c & 0x0f : c & 0x1f;
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (b[i + k] & 0x3f);
      if ((cp >= 0x80 && cp <= 0x9f && cp != 0x85) || cp == 0xfffe || cp == 0xffff) {
        char u[16];
        std::snprintf(u, sizeof u, "U+%04X", cp);
        throw ScenarioError(Source{label, line, column}, "", std::string("control character ") + u + " is not allowed in YAML text");
      }
      i += len;
      ++column;
      continue;
    }
    if (c == '\n') {
      ++line;
      column = 1;
      ++i;
      continue;
    }
    if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
      char u[16];
      std::snprintf(u, sizeof u, "U+%04X", c);
      throw ScenarioError(Source{label, line, column}, "", std::string("control character ") + u + " is not allowed in YAML text");
    }
    ++i;
    ++column;
  }
}

struct Budget {
  std::size_t nodes = 0;
  std::size_t limit = Limits::kNodes;
};

Tree convert(const YAML::Node& n, const std::string& file, Budget& budget, int depth) {
  Tree t;
  t.src = source_of(n.Mark(), file);
  // Aliases share nodes in yaml-cpp's graph; here each use is a copy, so a few lines of anchors
  // can stand for billions of values. Count as they are expanded, and stop at the limit.
  if (++budget.nodes > budget.limit)
    throw ScenarioError(t.src, "", "the document expands to more than " + std::to_string(budget.limit) +
                                       " values (aliases included): an alias bomb, or far more than a scenario needs");
  if (depth > Limits::kNesting)
    throw ScenarioError(t.src, "", "nested deeper than " + std::to_string(Limits::kNesting) +
                                       " levels of mappings and lists (an alias that contains itself does this too)");
  auto check_utf8 = [&](const std::string& s, const Source& at, const std::string& what) {
    const std::size_t bad = invalid_utf8_at(s);
    if (bad != std::string::npos)
      throw ScenarioError(at, "", what + " is not valid UTF-8 (byte " + std::to_string(bad + 1) +
                                      "; an escape such as \\ud800 encodes half a UTF-16 pair)");
  };
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      t.kind = Tree::Kind::Null;
      break;
    case YAML::NodeType::Scalar:
      t.kind = Tree::Kind::Scalar;
      t.scalar = n.Scalar();
      t.quoted = n.Tag() == "!";
      check_utf8(t.scalar, t.src, "the value");
      break;
    case YAML::NodeType::Sequence:
      t.kind = Tree::Kind::Seq;
      for (const auto& item : n) t.seq.push_back(convert(item, file, budget, depth + 1));
      break;
    case YAML::NodeType::Map:
      t.kind = Tree::Kind::Map;
      std::map<std::string, std::size_t> seen;  // key -> its index, without a quadratic search
      for (const auto& kv : n) {
        const Source ks = source_of(kv.first.Mark(), file);
        if (!kv.first.IsScalar())
          throw ScenarioError(ks, "", std::string("a key must be a name, found ") +
                                          (kv.first.IsSequence() ? "a list" : kv.first.IsMap() ? "a mapping" : "nothing"));
        const std::string key = kv.first.Scalar();
        check_utf8(key, ks, "the key");
        if (const auto [it, fresh] = seen.emplace(key, t.map.size()); !fresh)
          throw ScenarioError(ks, key, "duplicate key (first written at line " + std::to_string(t.key_sources[it->second].line) + ")");
        t.map.emplace_back(key, convert(kv.second, file, budget, depth + 1));
        t.key_sources.push_back(ks);
      }
      break;
  }
  return t;
}

}  // namespace

Tree parse_yaml(const std::string& text, const std::string& file, std::size_t max_values) {
  check_text(text, file);
  const std::string label = printable_text(file);
  try {
    YAML::Node doc = YAML::Load(text);
    Budget budget;
    budget.limit = max_values;
    return convert(doc, label, budget, 0);
  } catch (const YAML::DeepRecursion& e) {
    throw ScenarioError(Source{label, e.mark.line + 1, e.mark.column + 1}, "",
                        "nested deeper than " + std::to_string(Limits::kNesting) +
                            " levels of mappings and lists (the parser stopped at " + std::to_string(e.depth()) + ")");
  } catch (const YAML::Exception& e) {
    throw ScenarioError(Source{label, e.mark.line + 1, e.mark.column + 1}, "", "YAML syntax error: " + e.msg);
  }
}

namespace {

/// Merges `over` into `base`; returns how many values it set. `wild`: we got here through a `*`
/// key, so (as `--set nodes.*.x=...` does) a mapping the branch lacks is skipped rather than
/// created: `nodes: {"*": {haproxy: {...}}}` changes the nodes that run HAProxy and adds HAProxy
/// to none.
int merge_at(Tree& base, const Tree& over, const std::string& path, bool wild) {
  // A key written with no value (`faults:`) overrides nothing: an empty override is a no-op.
  if (over.kind == Tree::Kind::Null) return 0;
  if (!(base.is_map() && over.is_map())) {
    base = over;
    return 1;
  }
  int n = 0;
  for (std::size_t i = 0; i < over.map.size(); ++i) {
    const auto& [k, v] = over.map[i];
    const std::string here = path.empty() ? k : path + "." + k;
    if (k == "*") {
      int matched = 0;
      for (auto& [bk, bv] : base.map) matched += merge_at(bv, v, path.empty() ? bk : path + "." + bk, true);
      if (matched == 0 && v.kind != Tree::Kind::Null)
        throw ScenarioError(over.key_sources[i], here, "matched nothing (no entry here has the keys below it)");
      n += matched;
    } else if (Tree* existing = base.find(k)) {
      n += merge_at(*existing, v, here, wild);
    } else if (!(wild && v.is_map())) {
      base.map.emplace_back(k, v);
      base.key_sources.push_back(over.key_sources[i]);
      ++n;
    }
  }
  return n;
}

}  // namespace

void merge_into(Tree& base, const Tree& over) { merge_at(base, over, "", false); }

namespace {

/// One scenario load: the files being included right now (outermost first, by device and
/// inode, so two spellings of one file are one file) and how many files were read.
struct LoadState {
  struct Open {
    dev_t dev;
    ino_t ino;
    std::string name;
  };
  std::vector<Open> including;
  int files = 0;
};

/// Reads `path` as scenario text: a regular file of at most Limits::kFileBytes. Errors are
/// located at `at` (the include that names the file, or the file itself).
std::string read_text(const std::string& path, const Source& at, const std::string& key, struct stat& st) {
  // At an include (in a file or a dict), the message names the file; for the scenario itself
  // the location does.
  const bool named_here = at.line > 0 || !key.empty();
  std::string shown = printable_text(path);
  if (shown.size() > 200) shown = shown.substr(0, 200) + "...";
  auto fail = [&](const std::string& what) -> void { throw ScenarioError(at, key, named_here ? shown + ": " + what : what); };
  if (path.empty()) fail("an empty file name");
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) fail(named_here ? "no such file" : "cannot read the scenario file: no such file");
    if (err == ENAMETOOLONG)
      fail("file name too long (" + std::to_string(path.size()) + " characters; the system allows 255 per name)");
    if (err == EACCES) fail("permission denied");
    if (err == ENOTDIR) fail("a part of the path is not a directory");
    if (err == ELOOP) fail("too many symbolic links");
    fail(std::string("cannot open: ") + std::strerror(err));
  }
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0) fail(std::string("cannot read: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) fail("is a directory, not a scenario file");
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) fail("is a device, not a scenario file");
  if (!S_ISREG(st.st_mode)) fail("is not a regular file (a pipe or a socket?), not a scenario file");
  const std::string limit = std::to_string(Limits::kFileBytes >> 20) + " MiB";
  if (static_cast<std::uintmax_t>(st.st_size) > Limits::kFileBytes)
    fail("is " + std::to_string(st.st_size) + " bytes; a scenario file may have at most " + limit);
  // Read at most one byte past the limit: a file that grows, or reports no size (/proc), is
  // still bounded.
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      fail(std::string("cannot read: ") + std::strerror(errno));
    }
    if (got == 0) break;
    text.append(buf, static_cast<std::size_t>(got));
    if (text.size() > Limits::kFileBytes) fail("has more than " + limit + "; a scenario file may have at most " + limit);
  }
  return text;
}

Tree with_includes(Tree own, const std::string& dir, LoadState& state);

Tree load_file(const std::string& path, const Source& at, const std::string& key, LoadState& state) {
  if (++state.files > Limits::kFiles)
    throw ScenarioError(at, key, "more than " + std::to_string(Limits::kFiles) + " files read for one scenario");
  struct stat st {};
  const std::string text = read_text(path, at, key, st);
  for (const auto& o : state.including)
    if (o.dev == st.st_dev && o.ino == st.st_ino)
      throw ScenarioError(at, key, "include cycle: " + printable_text(path) + " is already being included");
  if (static_cast<int>(state.including.size()) >= Limits::kIncludeDepth)
    throw ScenarioError(at, key, "includes nested deeper than " + std::to_string(Limits::kIncludeDepth) + " files");
  Tree own = parse_yaml(text, path);
  const std::string label = printable_text(path);
  if (own.kind == Tree::Kind::Null) throw ScenarioError(Source{label, 1, 1}, "", "the scenario file is empty");
  if (!own.is_map()) throw ScenarioError(own.src, "", "a scenario must be a mapping of keys (name, nodes, faults, ...)");
  if (own.find("include") == nullptr) return own;
  // Relative names are relative to the including file's directory (string work only: no
  // filesystem call here can throw on a hostile name).
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  state.including.push_back(LoadState::Open{st.st_dev, st.st_ino, path});
  struct Pop {
    LoadState& s;
    ~Pop() { s.including.pop_back(); }
  } pop{state};
  return with_includes(std::move(own), dir, state);
}

/// `own` with the files its `include:` names merged underneath it, names relative to `dir`
/// ("" or ending in '/').
Tree with_includes(Tree own, const std::string& dir, LoadState& state) {
  Tree* inc = own.find("include");
  if (inc == nullptr) return own;
  std::vector<const Tree*> items;
  if (inc->is_scalar()) items.push_back(inc);
  else if (inc->is_seq())
    for (const auto& i : inc->seq) items.push_back(&i);
  else throw ScenarioError(inc->src, "include", "expected a file name or a list of file names");
  Tree merged;
  merged.kind = Tree::Kind::Map;
  merged.src = own.src;
  for (std::size_t k = 0; k < items.size(); ++k) {
    const Tree* i = items[k];
    const std::string ip = inc->is_seq() ? "include." + std::to_string(k) : "include";
    if (!i->is_scalar()) throw ScenarioError(i->src, ip, "expected a file name");
    const std::string sub = !i->scalar.empty() && i->scalar[0] == '/' ? i->scalar : dir + i->scalar;
    merge_into(merged, load_file(sub, i->src, ip, state));
  }
  // The including file's keys win; `include` itself is consumed here.
  Tree rest = own;
  for (std::size_t i = 0; i < rest.map.size(); ++i)
    if (rest.map[i].first == "include") {
      rest.map.erase(rest.map.begin() + static_cast<std::ptrdiff_t>(i));
      rest.key_sources.erase(rest.key_sources.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  merge_into(merged, rest);
  return merged;
}

}  // namespace

Tree load_tree(const std::string& path) {
  LoadState state;
  return load_file(path, Source{printable_text(path), 0, 0}, "", state);
}

Tree resolve_includes(Tree doc, const std::string& dir) {
  if (!doc.is_map()) return doc;
  LoadState state;
  return with_includes(std::move(doc), dir.empty() || dir.back() == '/' ? dir : dir + "/", state);
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest(const std::string& word, const std::vector<std::string>& choices) {
  std::string best;
  std::size_t best_d = SIZE_MAX;
  for (const auto& c : choices) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == '.') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

// `wild`: we got here through a `*`, so a branch that lacks the rest of the path is skipped
// (e.g. nodes.*.nginx.files skips nodes without nginx) rather than an error.
int set_at(Tree& node, const std::vector<std::string>& parts, std::size_t i, const Tree& value,
           const std::string& done_path, const std::string& origin, bool wild) {
  const Source here{origin, 0, 0};
  if (i == parts.size()) {
    node = value;
    return 1;
  }
  const std::string& key = parts[i];
  const std::string path = done_path.empty() ? key : done_path + "." + key;
  const bool last = i + 1 == parts.size();
  if (node.is_seq()) {
    int n = 0;
    if (key == "*") {
      for (auto& item : node.seq) n += set_at(item, parts, i + 1, value, path, origin, true);
      return n;
    }
    if (key.empty() || key.find_first_not_of("0123456789") != std::string::npos)
      throw ScenarioError(here, done_path, "is a list: use an item number (0, 1, ...) or *, not '" + key + "'");
    // Compared as text first: an index of any length is an error, never an exception.
    const std::size_t idx = key.size() > 9 ? SIZE_MAX : static_cast<std::size_t>(std::stoul(key));
    if (idx >= node.seq.size())
      throw ScenarioError(here, done_path, "has " + std::to_string(node.seq.size()) + " items; there is no item " + key);
    return set_at(node.seq[idx], parts, i + 1, value, path, origin, wild);
  }
  if (!node.is_map()) {
    if (wild) return 0;
    if (node.kind == Tree::Kind::Null && !done_path.empty()) {
      node.kind = Tree::Kind::Map;
    } else {
      throw ScenarioError(here, done_path, std::string("is ") + node.kind_name() + ", so it has no key '" + key + "'");
    }
  }
  if (key == "*") {
    int n = 0;
    for (auto& [k, v] : node.map) n += set_at(v, parts, i + 1, value, done_path.empty() ? k : done_path + "." + k, origin, true);
    return n;
  }
  if (Tree* child = node.find(key)) return set_at(*child, parts, i + 1, value, path, origin, wild);
  if (wild && !last) return 0;
  if (last) {
    node.map.emplace_back(key, value);
    node.key_sources.push_back(here);
    return 1;
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : node.map) keys.push_back(k);
  std::string hint = keys.empty() ? "" : " (did you mean '" + closest(key, keys) + "'?)";
  throw ScenarioError(here, path, "no such key" + hint);
}

}  // namespace

int apply_override(Tree& root, const std::string& assignment) {
  return apply_override(root, assignment, "--set " + assignment);
}

int apply_override(Tree& root, const std::string& assignment, const std::string& origin_text) {
  const std::string origin = printable_text(origin_text);
  const Source at{origin, 0, 0};
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw ScenarioError(at, "", "expected key.path=value");
  const std::string path = assignment.substr(0, eq);
  if (invalid_utf8_at(path) != std::string::npos) throw ScenarioError(at, "", "the key path is not valid UTF-8");
  Tree value;
  try {
    value = parse_yaml(assignment.substr(eq + 1), origin);
  } catch (const ScenarioError& e) {
    // The value is one line of its own: its line and column say nothing more than the origin.
    throw ScenarioError(at, path, e.message());
  }
  // Every part of the value comes from the command line, not from the scenario file.
  struct Relabel {
    const Source& at;
    void operator()(Tree& t) const {
      t.src = at;
      for (auto& k : t.key_sources) k = at;
      for (auto& [k, v] : t.map) (*this)(v);
      for (auto& v : t.seq) (*this)(v);
    }
  };
  Relabel{at}(value);
  // Keep a bare `--set a.b=` meaning an empty string rather than null.
  if (value.kind == Tree::Kind::Null) {
    value.kind = Tree::Kind::Scalar;
    value.scalar = "";
  }
  const int n = set_at(root, split_path(path), 0, value, "", origin, false);
  if (n == 0) throw ScenarioError(at, path, "matched nothing");
  return n;
}

}  // namespace scenarios
