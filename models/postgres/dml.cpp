// Telling a transaction block's statements apart (see dml.hpp): keywords at the start, the
// relation after UPDATE / FROM / INSERT INTO, the key after the last `WHERE col =`.
#include "models/postgres/dml.hpp"

#include <cctype>
#include <sstream>
#include <vector>

namespace models::postgres {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<std::int64_t> integer(const std::string& w) {
  std::size_t i = w[0] == '-' ? 1 : 0;
  if (i >= w.size()) return std::nullopt;
  for (std::size_t k = i; k < w.size(); ++k)
    if (!std::isdigit(static_cast<unsigned char>(w[k]))) return std::nullopt;
  try {
    return std::stoll(w);
  } catch (...) {
    return std::nullopt;
  }
}

/// The value after `WHERE col =` (words split on blanks and around '=').
std::optional<std::int64_t> where_key(const std::vector<std::string>& w) {
  for (std::size_t i = 0; i + 3 < w.size(); ++i)
    if (w[i] == "where" && w[i + 2] == "=") return integer(w[i + 3]);
  return std::nullopt;
}

}  // namespace

std::optional<DmlStatement> parse_dml(const std::string& sql) {
  // Several statements in one query (the writer's, every commit): not one of ours, and told
  // before any copy, so the writer's path costs one scan.
  std::size_t end = sql.size();
  while (end > 0 && (std::isspace(static_cast<unsigned char>(sql[end - 1])) || sql[end - 1] == ';')) --end;
  if (sql.find(';') < end) return std::nullopt;
  std::string text = lower(sql);
  while (!text.empty() && (std::isspace(static_cast<unsigned char>(text.back())) || text.back() == ';')) text.pop_back();
  if (text.find(';') != std::string::npos) return std::nullopt;  // several statements: not one of ours
  std::string spaced;
  for (char c : text) {
    if (c == '=' || c == '(' || c == ')' || c == ',') {
      spaced += ' ';
      spaced += c;
      spaced += ' ';
    } else {
      spaced += c;
    }
  }
  std::istringstream in(spaced);
  std::vector<std::string> w;
  for (std::string t; in >> t;) w.push_back(t);
  if (w.empty()) return std::nullopt;
  DmlStatement s;
  using K = DmlStatement::Kind;
  if ((w[0] == "begin" || w[0] == "start") && (w.size() == 1 || w[1] == "transaction" || w[1] == "work")) {
    s.kind = K::Begin;
    return s;
  }
  if ((w[0] == "end" || w[0] == "commit") && w.size() <= 2) {
    s.kind = K::Commit;
    return s;
  }
  if ((w[0] == "rollback" || w[0] == "abort") && w.size() <= 2) {
    s.kind = K::Rollback;
    return s;
  }
  if (w[0] == "update" && w.size() > 1) {
    auto key = where_key(w);
    if (!key) return std::nullopt;
    s.kind = K::Update;
    s.relation = w[1];
    s.key = *key;
    return s;
  }
  if (w[0] == "insert" && w.size() > 2 && w[1] == "into") {
    s.kind = K::Insert;
    s.relation = w[2];
    return s;
  }
  if (w[0] == "select") {
    for (std::size_t i = 1; i + 1 < w.size(); ++i)
      if (w[i] == "from") {
        auto key = where_key(w);
        if (!key) return std::nullopt;  // max(id), count(*): the older read path
        s.kind = K::Select;
        s.relation = w[i + 1];
        s.key = *key;
        return s;
      }
  }
  return std::nullopt;
}

}  // namespace models::postgres
