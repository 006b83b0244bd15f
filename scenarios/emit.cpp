#include "scenarios/emit.hpp"

#include <cstdio>

namespace scenarios {
namespace {

/// Whether YAML reads `s`, written plain in block context, back as the same string scalar.
bool plain_safe(const std::string& s) {
  if (s.empty()) return false;
  if (s == "~" || s == "null" || s == "Null" || s == "NULL") return false;  // would read as null
  const std::string indicators = "-?:,[]{}#&*!|>'\"%@` ";
  if (indicators.find(s.front()) != std::string::npos) return false;
  if (s.back() == ' ' || s.back() == ':') return false;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

std::string quoted(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"') o += "\\\"";
    else if (c == '\\') o += "\\\\";
    else if (c == '\n') o += "\\n";
    else if (c == '\t') o += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      o += buf;
    } else {
      o += static_cast<char>(c);
    }
  }
  return o + "\"";
}

std::string scalar_text(const Tree& t) { return !t.quoted && plain_safe(t.scalar) ? t.scalar : quoted(t.scalar); }
std::string key_text(const std::string& k) { return plain_safe(k) ? k : quoted(k); }

void emit_node(const Tree& t, int indent, std::string& out);

/// A scalar as it may stand inside a flow collection ([a, b], {k: v}).
std::string flow_scalar(const Tree& t) {
  const bool safe = !t.quoted && plain_safe(t.scalar) && t.scalar.find_first_of(",[]{}#") == std::string::npos;
  return safe ? t.scalar : quoted(t.scalar);
}

/// A short list or mapping of scalars on one line: `[0, 265ms]`, `{at: 6s, freeze: lb1}`.
bool flow_text(const Tree& t, std::string& text) {
  if (t.is_seq()) {
    text = "[";
    for (std::size_t i = 0; i < t.seq.size(); ++i) {
      if (!t.seq[i].is_scalar()) return false;
      text += (i ? ", " : "") + flow_scalar(t.seq[i]);
    }
    text += "]";
  } else if (t.is_map()) {
    text = "{";
    for (std::size_t i = 0; i < t.map.size(); ++i) {
      std::string inner;
      const Tree& v = t.map[i].second;
      if (v.is_scalar()) inner = flow_scalar(v);
      else if (!v.is_seq() || !flow_text(v, inner)) return false;
      const std::string& k = t.map[i].first;
      const bool key_safe = plain_safe(k) && k.find_first_of(",[]{}#:") == std::string::npos;
      text += (i ? ", " : "") + (key_safe ? k : quoted(k)) + ": " + inner;
    }
    text += "}";
  } else {
    return false;
  }
  return text.size() <= 100;
}

/// What follows a key's ':' or a list item's '-': a scalar on the same line, or a block below.
void emit_after(const Tree& v, int indent, std::string& out) {
  if (v.kind == Tree::Kind::Null) {
    out += "\n";
  } else if (v.is_scalar()) {
    out += " " + scalar_text(v) + "\n";
  } else if (v.is_map() && v.map.empty()) {
    out += " {}\n";
  } else if (v.is_seq() && v.seq.empty()) {
    out += " []\n";
  } else if (std::string flow; flow_text(v, flow)) {
    out += " " + flow + "\n";
  } else {
    out += "\n";
    emit_node(v, indent + 2, out);
  }
}

void emit_node(const Tree& t, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (t.is_map()) {
    for (const auto& [k, v] : t.map) {
      out += pad + key_text(k) + ":";
      emit_after(v, indent, out);
    }
  } else if (t.is_seq()) {
    for (const auto& item : t.seq) {
      out += pad + "-";
      emit_after(item, indent, out);
    }
  }
}

}  // namespace

Tree scalar_tree(const std::string& text, bool quoted_text) {
  Tree t;
  t.kind = Tree::Kind::Scalar;
  t.scalar = text;
  t.quoted = quoted_text;
  return t;
}

std::string emit_yaml(const Tree& t, const std::string& header) {
  std::string out;
  std::size_t start = 0;
  while (!header.empty() && start <= header.size()) {
    const auto nl = header.find('\n', start);
    const std::string line = header.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    out += line.empty() ? "#\n" : "# " + line + "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  emit_node(t, 0, out);
  return out;
}

}  // namespace scenarios

namespace scenarios {

std::string exact_duration_text(sim::Time t) {
  if (t % sim::kSecond == 0) return std::to_string(t / sim::kSecond) + "s";
  if (t % sim::kMillisecond == 0) return std::to_string(t / sim::kMillisecond) + "ms";
  return std::to_string(t) + "ns";
}

}  // namespace scenarios
