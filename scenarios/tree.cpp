#include "scenarios/tree.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

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

namespace {

Source source_of(const YAML::Mark& m, const std::string& file) {
  return Source{file, m.line + 1, m.column + 1};
}

Tree convert(const YAML::Node& n, const std::string& file) {
  Tree t;
  t.src = source_of(n.Mark(), file);
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      t.kind = Tree::Kind::Null;
      break;
    case YAML::NodeType::Scalar:
      t.kind = Tree::Kind::Scalar;
      t.scalar = n.Scalar();
      t.quoted = n.Tag() == "!";
      break;
    case YAML::NodeType::Sequence:
      t.kind = Tree::Kind::Seq;
      for (const auto& item : n) t.seq.push_back(convert(item, file));
      break;
    case YAML::NodeType::Map:
      t.kind = Tree::Kind::Map;
      for (const auto& kv : n) {
        const std::string key = kv.first.as<std::string>();
        const Source ks = source_of(kv.first.Mark(), file);
        for (std::size_t i = 0; i < t.map.size(); ++i)
          if (t.map[i].first == key)
            throw ScenarioError(ks, key, "duplicate key (first written at line " + std::to_string(t.key_sources[i].line) + ")");
        t.map.emplace_back(key, convert(kv.second, file));
        t.key_sources.push_back(ks);
      }
      break;
  }
  return t;
}

}  // namespace

Tree parse_yaml(const std::string& text, const std::string& file) {
  try {
    YAML::Node doc = YAML::Load(text);
    return convert(doc, file);
  } catch (const YAML::Exception& e) {
    throw ScenarioError(Source{file, e.mark.line + 1, e.mark.column + 1}, "", "YAML syntax error: " + e.msg);
  }
}

void merge_into(Tree& base, const Tree& over) {
  if (base.is_map() && over.is_map()) {
    for (std::size_t i = 0; i < over.map.size(); ++i) {
      const auto& [k, v] = over.map[i];
      if (Tree* existing = base.find(k)) {
        merge_into(*existing, v);
      } else {
        base.map.emplace_back(k, v);
        base.key_sources.push_back(over.key_sources[i]);
      }
    }
    return;
  }
  base = over;
}

namespace {
// The files being included right now (canonical paths), outermost first: an include cycle is
// an error naming the include, not an endless recursion.
thread_local std::vector<std::string> including;
}  // namespace

Tree load_tree(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ScenarioError(Source{path, 0, 0}, "", "cannot read the scenario file");
  std::stringstream ss;
  ss << in.rdbuf();
  Tree own = parse_yaml(ss.str(), path);
  if (own.kind == Tree::Kind::Null) throw ScenarioError(Source{path, 1, 1}, "", "the scenario file is empty");
  if (!own.is_map()) throw ScenarioError(own.src, "", "a scenario must be a mapping of keys (name, nodes, faults, ...)");
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
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (const Tree* i : items) {
    if (!i->is_scalar()) throw ScenarioError(i->src, "include", "expected a file name");
    const std::string sub = (dir / i->scalar).string();
    if (!std::filesystem::exists(sub)) throw ScenarioError(i->src, "include", "no such file: " + sub);
    const std::string self = std::filesystem::weakly_canonical(path).string();
    const std::string target = std::filesystem::weakly_canonical(sub).string();
    if (target == self || std::find(including.begin(), including.end(), target) != including.end())
      throw ScenarioError(i->src, "include", "include cycle: " + sub + " is already being included");
    including.push_back(self);
    struct Pop {
      ~Pop() { including.pop_back(); }
    } pop;
    merge_into(merged, load_tree(sub));
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
           const std::string& done_path, const std::string& full, bool wild) {
  const Source here{"--set " + full, 0, 0};
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
      for (auto& item : node.seq) n += set_at(item, parts, i + 1, value, path, full, true);
      return n;
    }
    if (key.empty() || key.find_first_not_of("0123456789") != std::string::npos)
      throw ScenarioError(here, done_path, "is a list: use an item number (0, 1, ...) or *, not '" + key + "'");
    const std::size_t idx = std::stoul(key);
    if (idx >= node.seq.size())
      throw ScenarioError(here, done_path, "has " + std::to_string(node.seq.size()) + " items; there is no item " + key);
    return set_at(node.seq[idx], parts, i + 1, value, path, full, wild);
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
    for (auto& [k, v] : node.map) n += set_at(v, parts, i + 1, value, done_path.empty() ? k : done_path + "." + k, full, true);
    return n;
  }
  if (Tree* child = node.find(key)) return set_at(*child, parts, i + 1, value, path, full, wild);
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
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ScenarioError(Source{"--set " + assignment, 0, 0}, "", "expected key.path=value");
  const std::string path = assignment.substr(0, eq);
  Tree value = parse_yaml(assignment.substr(eq + 1), "--set " + assignment);
  value.src = Source{"--set " + assignment, 0, 0};
  // Keep a bare `--set a.b=` meaning an empty string rather than null.
  if (value.kind == Tree::Kind::Null) {
    value.kind = Tree::Kind::Scalar;
    value.scalar = "";
  }
  const int n = set_at(root, split_path(path), 0, value, "", assignment, false);
  if (n == 0) throw ScenarioError(Source{"--set " + assignment, 0, 0}, path, "matched nothing");
  return n;
}

}  // namespace scenarios
