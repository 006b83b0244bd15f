#include "tests/fuzz/mutator.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <utility>

namespace fuzz {

std::uint64_t Rng::next() {
  std::uint64_t z = (x_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

std::string alias_bomb(int levels) {
  std::string t = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int l = 1; l < levels; ++l) {
    t += "a" + std::to_string(l) + ": &a" + std::to_string(l) + " [";
    for (int i = 0; i < 10; ++i) t += (i ? ", *a" : "*a") + std::to_string(l - 1);
    t += "]\n";
  }
  return t;
}

/// Values a scenario's scalars are replaced with: edges of every type the loader reads.
const std::vector<std::string>& values() {
  static const std::vector<std::string> v = {
      "", "0", "-0", "1", "-1", "2", "07", "0x10", "1e3", "1e400", "nan", ".inf", "-.inf", "true", "false", "null",
      "~", "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
      "99999999999999999999999", "1ns", "1us", "999us", "1ms", "0s", "-1s", "0.5", "1.5s", "2.0000000001s", "365d",
      "366d", "100000d", "9223372036854775807ns", "9223372036854775808ns", "2147483647ms", "2147483648ms", "1e-9s",
      "1m", "1h", "5000ms", "10.0.0.1", "256.1.1.1", "10.0.0.0/33", "10.89.4.0/24", "nginx1", "haproxy", "haproxy1",
      "client", "*:80", ":0", "x:99999", "GET /", "GET", "status 700", "status 200", "libc,none", "last", "none",
      "MASTER", "FAULT", "killall -0 nothing", "pidof", "dynamic", "leastconn", "first", "shutdown-sessions",
      std::string(5000, 'A'), "caf\xc3\xa9", "\xff\xfe", "a\x01z", "\"\\ud800\"", "\"\\x00\"", "\"\\U0010FFFF\"",
      "'quoted'", "\"quoted\"", "!!binary aGVsbG8=", "!!int 3", "!!str 3", "&anchor v", "*undefined", "[1, 2]",
      "{a: b}", "[]", "{}", "{dist: lognormal, median: 1ms, sigma: 5}", "{dist: uniform, low: 2s, high: 1s}",
      "{dist: empirical, quantiles: [[0, 1ms], [1, 365d]]}", "{dist: normal, mean: 300d, sd: 300d}",
      "{dist: exponential, mean: 365d}", "{dist: constant, value: 366d}", "{dist: weird}"};
  return v;
}

struct Span {
  std::size_t begin, end;
};

/// Plain scalar values after "key: " (to the end of the line, a comma or a closing bracket).
std::vector<Span> value_spans(const std::string& t) {
  std::vector<Span> out;
  for (std::size_t at = t.find(": "); at != std::string::npos; at = t.find(": ", at + 1)) {
    std::size_t b = at + 2;
    while (b < t.size() && t[b] == ' ') ++b;
    if (b >= t.size() || std::string("[{&*|>!\"'#\n").find(t[b]) != std::string::npos) continue;
    std::size_t e = b;
    while (e < t.size() && std::string(",}]\n#").find(t[e]) == std::string::npos) ++e;
    while (e > b && t[e - 1] == ' ') --e;
    if (e > b) out.push_back({b, e});
  }
  return out;
}

/// Keys: the word before a ':' that ends a key (followed by a space or a line break).
std::vector<Span> key_spans(const std::string& t) {
  std::vector<Span> out;
  for (std::size_t at = t.find(':'); at != std::string::npos; at = t.find(':', at + 1)) {
    if (at + 1 < t.size() && t[at + 1] != ' ' && t[at + 1] != '\n') continue;
    std::size_t b = at;
    while (b > 0 && std::string(" {,\t\n-[").find(t[b - 1]) == std::string::npos) --b;
    if (b < at) out.push_back({b, at});
  }
  return out;
}

std::vector<Span> line_spans(const std::string& t) {
  std::vector<Span> out;
  std::size_t b = 0;
  while (b < t.size()) {
    std::size_t e = t.find('\n', b);
    e = e == std::string::npos ? t.size() : e + 1;
    out.push_back({b, e});
    b = e;
  }
  return out;
}

std::string nested(Rng& rng, std::size_t depth) {
  const bool maps = rng.chance(50);
  std::string open, close;
  for (std::size_t i = 0; i < depth; ++i) {
    open += maps ? "{k: " : "[";
    close += maps ? "}" : "]";
  }
  return open + "x" + close;
}

/// Sets (or replaces) the top-level include list.
std::string with_include(const std::string& t, const std::string& target, bool append) {
  const std::string quoted = "\"" + target + "\"";
  const auto at = t.rfind("\ninclude:", std::string::npos) != std::string::npos ? t.find("\ninclude:") + 1
                  : t.rfind("include:", 0) == 0                                   ? 0
                                                                                  : std::string::npos;
  if (at == std::string::npos) return "include: [" + quoted + "]\n" + t;
  const auto eol = t.find('\n', at);
  std::string line = t.substr(at, eol - at);
  if (append && line.find(']') != std::string::npos) line.insert(line.rfind(']'), ", " + quoted);
  else line = "include: [" + quoted + "]";
  return t.substr(0, at) + line + (eol == std::string::npos ? "" : t.substr(eol));
}

}  // namespace

Hostile make_hostile_files(const std::string& work_dir, const std::vector<std::string>& shipped_abs) {
  const fs::path w = fs::path(work_dir) / "hostile";
  fs::create_directories(w);
  Hostile h;
  write(w / "big.yaml", "name: big\nnotes: \"" + std::string((4u << 20) + 100, 'x') + "\"\n");
  write(w / "bomb.yaml", alias_bomb(9));
  write(w / "latin1.yaml", "notes: caf\xe9\n");
  write(w / "empty.yaml", "");
  write(w / "list.yaml", "- a\n- b\n");
  write(w / "fragment.yaml", "fault_jitter: 100ms\n");
  for (int i = 0; i < 20; ++i) write(w / ("chain" + std::to_string(i) + ".yaml"), "include: [chain" + std::to_string(i + 1) + ".yaml]\n");
  write(w / "chain20.yaml", "notes: end of the chain\n");
  const fs::path fifo = w / "fifo.yaml";
  if (!fs::exists(fifo)) ::mkfifo(fifo.c_str(), 0600);
  const fs::path loop = w / "loop.yaml";
  if (!fs::is_symlink(loop)) fs::create_symlink(loop, loop);
  h.include_targets = {"/dev/zero", "/dev/null", "/dev/urandom", "/", ".", "", "/proc/self/status", "/proc/self/mem",
                       (w / "big.yaml").string(), (w / "bomb.yaml").string(), (w / "latin1.yaml").string(),
                       (w / "empty.yaml").string(), (w / "list.yaml").string(), (w / "fragment.yaml").string(),
                       (w / "chain0.yaml").string(), (w / "chain5.yaml").string(), fifo.string(), loop.string(),
                       w.string(), std::string(5000, 'n') + ".yaml", std::string(300, 'd') + "/x.yaml",
                       "no_such_file.yaml", "../../../../../../etc/passwd", "calibration/podman.yaml"};
  for (const auto& s : shipped_abs) h.include_targets.push_back(s);
  return h;
}

Mutant mutate(const std::string& original, const std::string& self, const Hostile& hostile, std::uint64_t seed,
              std::uint64_t index) {
  Rng rng(seed * 0x9e3779b97f4a7c15ULL ^ (index + 1) * 0xd1b54a32d192ed03ULL);
  Mutant m;
  m.text = original;
  std::string& t = m.text;
  const int rounds = rng.chance(15) ? 2 : 1;
  for (int round = 0; round < rounds; ++round) {
    const std::size_t op = rng.below(100);
    std::string name;
    if (op < 30) {  // a value
      const auto spans = value_spans(t);
      if (spans.empty()) continue;
      const Span s = rng.pick(spans);
      const std::string v = rng.pick(values());
      name = "value";
      m.detail += "'" + t.substr(s.begin, std::min<std::size_t>(s.end - s.begin, 30)) + "' -> '" + v.substr(0, 30) + "'; ";
      t.replace(s.begin, s.end - s.begin, v);
    } else if (op < 40) {  // a key
      const auto spans = key_spans(t);
      if (spans.empty()) continue;
      const Span s = rng.pick(spans);
      std::string k = t.substr(s.begin, s.end - s.begin);
      const std::size_t how = rng.below(5);
      if (how == 0 && !k.empty()) k.erase(rng.below(k.size()), 1);
      else if (how == 1) k.insert(rng.below(k.size() + 1), 1, static_cast<char>('a' + rng.below(26)));
      else if (how == 2 && !k.empty()) k[rng.below(k.size())] = static_cast<char>('a' + rng.below(26));
      else if (how == 3) k = rng.pick(std::vector<std::string>{"include", "name", "nodes", "faults", "runtime", "<<", "? x", "~", "\"\"", "1"});
      else k += k;
      name = "key";
      m.detail += "key '" + t.substr(s.begin, s.end - s.begin) + "' -> '" + k + "'; ";
      t.replace(s.begin, s.end - s.begin, k);
    } else if (op < 48) {  // a type
      const auto spans = value_spans(t);
      if (spans.empty()) continue;
      const Span s = rng.pick(spans);
      const std::string v = rng.pick(std::vector<std::string>{"[a, b]", "{x: 1}", "~", "\"\"", "[]", "{}", "[[1]]", "{name: {}}"});
      name = "type";
      m.detail += "'" + t.substr(s.begin, std::min<std::size_t>(s.end - s.begin, 30)) + "' -> " + v + "; ";
      t.replace(s.begin, s.end - s.begin, v);
    } else if (op < 56) {  // a line
      const auto lines = line_spans(t);
      if (lines.empty()) continue;
      const Span l = rng.pick(lines);
      const std::string line = t.substr(l.begin, l.end - l.begin);
      const std::size_t how = rng.below(4);
      name = "line";
      if (how == 0) {
        t.erase(l.begin, l.end - l.begin);
        m.detail += "deleted a line; ";
      } else if (how == 1) {
        t.insert(l.begin, line);
        m.detail += "duplicated a line; ";
      } else if (how == 2) {
        const Span o = rng.pick(lines);
        if (o.begin == l.begin) continue;
        const std::string other = t.substr(o.begin, o.end - o.begin);
        std::string u = t;
        if (o.begin < l.begin) u = t.substr(0, o.begin) + line + t.substr(o.end, l.begin - o.end) + other + t.substr(l.end);
        else u = t.substr(0, l.begin) + other + t.substr(l.end, o.begin - l.end) + line + t.substr(o.end);
        t = u;
        m.detail += "swapped two lines; ";
      } else {
        t.insert(l.begin, rng.chance(50) ? "  " : "\t");
        m.detail += "indented a line; ";
      }
    } else if (op < 64) {  // raw bytes
      const std::string b = rng.pick(std::vector<std::string>{"\xff", "\xc3", std::string(1, '\0'), "\x01", "\t", "\x7f",
                                                               "\xed\xa0\x80", "\xef\xbf\xbe", "\xc2\x85", ":", "- ", "{", "[",
                                                               "&a ", "*a", "!!binary ", "%YAML 1.2\n", "---\n", "...\n",
                                                               "\r", "\"", "'", "\xef\xbb\xbf"});
      const std::size_t at = rng.below(t.size() + 1);
      name = "bytes";
      m.detail += "inserted " + std::to_string(b.size()) + " byte(s) at " + std::to_string(at) + "; ";
      t.insert(at, b);
    } else if (op < 67) {  // truncated
      const std::size_t at = rng.below(t.size() + 1);
      name = "truncate";
      m.detail += "cut at " + std::to_string(at) + "; ";
      t.resize(at);
    } else if (op < 73) {  // nesting
      const auto spans = value_spans(t);
      if (spans.empty()) continue;
      const Span s = rng.pick(spans);
      const std::size_t depth = rng.pick(std::vector<std::size_t>{3, 63, 64, 65, 200, 499, 501, 5000, 100000});
      name = "nest";
      m.detail += "nested a value " + std::to_string(depth) + " deep; ";
      t.replace(s.begin, s.end - s.begin, nested(rng, depth));
    } else if (op < 81) {  // aliases
      const std::size_t how = rng.below(4);
      name = "alias";
      if (how == 0) {
        const int levels = static_cast<int>(5 + rng.below(6));
        t = alias_bomb(levels) + t;
        m.detail += "an alias bomb of 10^" + std::to_string(levels) + " values; ";
      } else if (how == 1) {
        const auto spans = value_spans(t);
        if (spans.size() < 2) continue;
        Span a = rng.pick(spans), b = rng.pick(spans);
        if (a.begin == b.begin) continue;
        if (a.begin > b.begin) std::swap(a, b);
        t.replace(b.begin, b.end - b.begin, "*m");
        t.insert(a.begin, "&m ");
        m.detail += "anchored one value and aliased it elsewhere; ";
      } else if (how == 2) {
        const auto spans = value_spans(t);
        if (spans.empty()) continue;
        const Span s = rng.pick(spans);
        t.replace(s.begin, s.end - s.begin, "*nowhere");
        m.detail += "an undefined alias; ";
      } else {
        const auto spans = value_spans(t);
        if (spans.empty()) continue;
        const Span s = rng.pick(spans);
        t.replace(s.begin, s.end - s.begin, "&r [*r, {k: *r}]");
        m.detail += "an alias inside its own anchor; ";
      }
    } else if (op < 92) {  // includes
      std::string target = rng.chance(10) ? self : rng.pick(hostile.include_targets);
      name = "include";
      m.detail += "include '" + target.substr(0, 60) + "'; ";
      t = with_include(t, target, rng.chance(50));
    } else if (op < 93) {  // scale: many values within the limits
      const std::size_t n = rng.pick(std::vector<std::size_t>{1000, 50000, 150000});
      std::string list = "notes_list: [";
      for (std::size_t i = 0; i < n; ++i) list += i ? ",1" : "1";
      name = "scale";
      m.detail += "a list of " + std::to_string(n) + " values; ";
      t = list + "]\n" + t;
    } else {  // a whole block repeated: duplicate keys or many entries
      const auto lines = line_spans(t);
      if (lines.empty()) continue;
      const Span l = rng.pick(lines);
      const std::string line = t.substr(l.begin, l.end - l.begin);
      std::string many;
      const std::size_t n = rng.pick(std::vector<std::size_t>{10, 1000});
      for (std::size_t i = 0; i < n; ++i) many += line;
      name = "repeat";
      m.detail += "a line repeated " + std::to_string(n) + " times; ";
      t.insert(l.begin, many);
    }
    m.op += (m.op.empty() ? "" : "+") + name;
  }
  if (m.op.empty()) m.op = "none";
  return m;
}

}  // namespace fuzz
