// The operator's statements (see statement.hpp). ALTER SYSTEM's grammar (gram.y AlterSystemStmt):
// ALTER SYSTEM SET name { = | TO } value, ALTER SYSTEM RESET name.
#include "models/postgres/statement.hpp"

#include <algorithm>
#include <cctype>

#include "models/postgres/config.hpp"

namespace models::postgres {

namespace {

std::string trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Statements split at semicolons outside '...' and "..." (SQL doubles a quote to escape it).
std::vector<std::string> split(const std::string& sql) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == ';') {
      if (!trim(cur).empty()) out.push_back(trim(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!trim(cur).empty()) out.push_back(trim(cur));
  return out;
}

/// `keyword` followed by a space (or the end) at the start of `s`, case-insensitively: the rest.
bool eat(std::string& s, const std::string& keyword) {
  if (lower(s.substr(0, keyword.size())) != keyword) return false;
  if (s.size() > keyword.size() && !std::isspace(static_cast<unsigned char>(s[keyword.size()]))) return false;
  s = trim(s.substr(keyword.size()));
  return true;
}

/// A function call `SELECT name()` (any spacing and case, optional empty argument list).
bool is_select_of(const std::string& stmt, const std::string& fn) {
  std::string compact;
  for (char c : lower(stmt))
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  return compact == "select" + fn + "()" || compact == "select" + fn + "(true)";
}

/// The parameters the model applies at a reload (context sighup or user in guc_tables.c); the
/// postmaster-context ones (port, max_connections, ...) would need a restart the step does not do.
const std::vector<std::string> kReloadable = {
    "synchronous_commit", "synchronous_standby_names", "wal_writer_delay", "wal_sender_timeout", "wal_receiver_timeout",
    "wal_receiver_status_interval", "wal_retrieve_retry_interval", "primary_conninfo", "primary_slot_name",
    "max_slot_wal_keep_size", "wal_keep_size", "hot_standby_feedback", "checkpoint_timeout", "max_wal_size",
    "default_transaction_read_only", "recovery_min_apply_delay"};

std::string known() {
  std::string o;
  for (const auto& n : kReloadable) o += (o.empty() ? "" : ", ") + n;
  return o;
}

}  // namespace

std::variant<std::vector<OperatorStatement>, std::string> parse_operator_sql(const std::string& sql) {
  std::vector<OperatorStatement> out;
  const auto parts = split(sql);
  if (parts.empty()) return std::string("no statement");
  for (const auto& text : parts) {
    OperatorStatement st;
    st.text = text;
    std::string rest = text;
    if (eat(rest, "alter") && eat(rest, "system")) {
      const bool reset = eat(rest, "reset");
      if (!reset && !eat(rest, "set")) return "'" + text + "': expected ALTER SYSTEM SET or RESET";
      std::string name;
      std::size_t i = 0;
      while (i < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[i])) || rest[i] == '_')) name += rest[i++];
      name = lower(name);
      rest = trim(rest.substr(i));
      if (name.empty()) return "'" + text + "': expected a parameter name";
      if (std::find(kReloadable.begin(), kReloadable.end(), name) == kReloadable.end())
        return "'" + text + "': \"" + name + "\" is not a parameter the model changes at a reload (it knows: " + known() + ")";
      if (reset) {
        if (!rest.empty()) return "'" + text + "': unexpected '" + rest + "' after the parameter name";
        st.kind = OperatorStatement::Kind::AlterSystemReset;
        st.name = name;
        out.push_back(st);
        continue;
      }
      if (rest.rfind("=", 0) == 0) rest = trim(rest.substr(1));
      else if (!eat(rest, "to")) return "'" + text + "': expected '=' or TO after " + name;
      if (rest.empty()) return "'" + text + "': expected a value";
      PostgresConfig probe;
      if (!probe.set(name, rest)) return "'" + text + "': invalid value for parameter \"" + name + "\": " + rest;
      st.kind = OperatorStatement::Kind::AlterSystemSet;
      st.name = name;
      st.value = rest;
    } else if (is_select_of(text, "pg_reload_conf")) {
      st.kind = OperatorStatement::Kind::ReloadConf;
    } else if (is_select_of(text, "pg_promote")) {
      st.kind = OperatorStatement::Kind::Promote;
    } else if (lower(text) == "checkpoint") {
      st.kind = OperatorStatement::Kind::Checkpoint;
    } else if (std::string r = rest; eat(r, "select") && lower(r).rfind("pg_create_physical_replication_slot", 0) == 0) {
      r = r.substr(std::string("pg_create_physical_replication_slot").size());
      // SELECT pg_create_physical_replication_slot('name'): a slot for a standby about to stream
      // from this server (a new primary has none of the old primary's slots).
      const auto a = r.find('\''), b = r.find('\'', a == std::string::npos ? 0 : a + 1);
      if (a == std::string::npos || b == std::string::npos || b == a + 1 || trim(r.substr(0, a)) != "(" ||
          trim(r.substr(b + 1)) != ")")
        return "'" + text + "': expected pg_create_physical_replication_slot('NAME')";
      st.kind = OperatorStatement::Kind::CreateSlot;
      st.name = r.substr(a + 1, b - a - 1);
    } else {
      return "'" + text + "': the model runs only ALTER SYSTEM SET/RESET, SELECT pg_reload_conf(), SELECT pg_promote(), "
             "SELECT pg_create_physical_replication_slot('NAME') and CHECKPOINT";
    }
    out.push_back(st);
  }
  return out;
}

}  // namespace models::postgres
