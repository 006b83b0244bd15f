#pragma once
// The scenario document as a plain tree that remembers where every value came from (file,
// line, column), so that errors can name them even after includes and --set overrides.
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace scenarios {

struct Source {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
};

/// Bad input, located. Printed as "file:line:col: key.path: message"; the CLI exits 2.
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(Source where, std::string key_path, std::string message);
  const Source& where() const { return where_; }
  const std::string& key_path() const { return key_path_; }
  const std::string& message() const { return message_; }

 private:
  Source where_;
  std::string key_path_;
  std::string message_;
};

struct Tree {
  enum class Kind { Null, Scalar, Map, Seq };
  Kind kind = Kind::Null;
  std::string scalar;
  bool quoted = false;  // a quoted scalar is always a string
  std::vector<std::pair<std::string, Tree>> map;  // document order
  std::vector<Source> key_sources;                // where each map key was written
  std::vector<Tree> seq;
  Source src;

  bool is_map() const { return kind == Kind::Map; }
  bool is_seq() const { return kind == Kind::Seq; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  const Tree* find(const std::string& key) const;
  Tree* find(const std::string& key);
  const char* kind_name() const;
};

/// What a scenario may be, so that hostile input meets a located error instead of exhausting
/// memory, the stack or time. Generous: the largest shipped scenario is far below each.
struct Limits {
  /// Bytes in one file (the scenario or an include). Only regular files are read.
  static constexpr std::size_t kFileBytes = 4u << 20;
  /// Values in one document once its aliases are expanded (an alias bomb stops here).
  static constexpr std::size_t kNodes = 200'000;
  /// The same for a validation record (run_real.py's results file, read by the same parser):
  /// one pgbench run at 400 tps logs 16,000 transactions of 12 values, so three runs are 600,000.
  static constexpr std::size_t kRecordNodes = 4'000'000;
  /// Levels of nesting (mappings and lists within each other).
  static constexpr int kNesting = 64;
  /// Includes within includes, and files read for one scenario.
  static constexpr int kIncludeDepth = 16;
  static constexpr int kFiles = 256;
};

/// Parses YAML text; syntax errors, text that is not UTF-8, alias bombs and nesting past the
/// limits become ScenarioErrors naming `file`.
/// `max_values`: Limits::kNodes for a scenario, Limits::kRecordNodes for a validation record.
Tree parse_yaml(const std::string& text, const std::string& file, std::size_t max_values = Limits::kNodes);
/// Reads and parses a file, then resolves its `include:` list (paths relative to the file):
/// included documents are merged first, the including file's own keys win. Only regular files
/// of at most Limits::kFileBytes are read; a cycle or a chain deeper than the limits is an
/// error at the include that closes it.
Tree load_tree(const std::string& path);
/// The `include:` of a document already in memory (the Python module's dict scenarios) resolved
/// as load_tree resolves a file's: the named files merged underneath it, within the same
/// limits, relative names relative to `dir` ("": the current directory).
Tree resolve_includes(Tree doc, const std::string& dir);
/// The byte offset of the first sequence in `s` that is not well-formed UTF-8 (overlong forms
/// and surrogates included), or std::string::npos.
std::size_t invalid_utf8_at(const std::string& s);
/// `s` with every byte that is not part of well-formed UTF-8 replaced by '?', for messages.
std::string printable_text(const std::string& s);
/// Deep merge: maps merge key by key, anything else in `over` replaces `base`. A key with no
/// value overrides nothing; a `*` key merges its value into every entry beside it, skipping the
/// entries that lack a mapping it names (an error located at the `*` if it matched none).
void merge_into(Tree& base, const Tree& over);
/// Applies `key.path=value` (the value parsed as YAML). `*` matches every key of a map or
/// every item of a sequence; a missing last key is added; a missing inner key is an error that
/// names the closest existing key. Returns how many places were set.
int apply_override(Tree& root, const std::string& assignment);
/// The same, with errors located at `origin` (e.g. "--grid a.b=1,2") instead of "--set ASSIGNMENT".
int apply_override(Tree& root, const std::string& assignment, const std::string& origin);

/// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(const std::string& a, const std::string& b);
std::string closest(const std::string& word, const std::vector<std::string>& choices);

}  // namespace scenarios
