// Reading SQL (see statement.hpp): one pass splits the text into tokens (words, quoted literals,
// single punctuation characters) and statements; each statement is classified from its first
// words. ALTER SYSTEM's grammar (gram.y AlterSystemStmt): ALTER SYSTEM SET name { = | TO } value,
// ALTER SYSTEM RESET name; SET's (VariableSetStmt): SET [LOCAL | SESSION] name { = | TO } value.
// Keywords are compared case-insensitively in place: a query is never copied to upper or lower
// case as a whole (the writer's and pgbench's statements pass here on every commit).
#include "models/postgres/statement.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "models/postgres/config.hpp"

namespace models::postgres {

namespace {

struct Token {
  std::string_view s;
  bool quoted = false;  // '...' or "..."
};

// ASCII character classes, as the C locale's isspace/isalnum/tolower (SQL keywords and the
// scanner's identifier characters are ASCII): inline tests, not a locale lookup per character.
bool space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool digit(char c) { return c >= '0' && c <= '9'; }
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || digit(c) || c == '_' || c == '$' || c == '.';
}

/// `t` is the keyword `kw` (lower case), in any case.
bool is(const Token& t, std::string_view kw) {
  if (t.quoted || t.s.size() != kw.size()) return false;
  for (std::size_t i = 0; i < kw.size(); ++i)
    if (ascii_lower(t.s[i]) != kw[i]) return false;
  return true;
}

std::string lower(std::string_view s) {
  std::string o(s);
  for (auto& c : o) c = ascii_lower(c);
  return o;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

/// 'it''s' -> it's (a literal's text; a double-quoted identifier likewise).
std::string unquote(std::string_view q) {
  std::string o;
  for (std::size_t i = 1; i + 1 < q.size(); ++i) {
    o += q[i];
    if (q[i] == q.front() && q[i + 1] == q.front()) ++i;
  }
  return o;
}

/// The value after `WHERE col =` (an optional minus, then digits), at the first such WHERE.
std::optional<std::int64_t> where_key(const std::vector<Token>& t) {
  for (std::size_t i = 0; i + 3 < t.size(); ++i) {
    if (!is(t[i], "where") || t[i + 2].s != "=") continue;
    std::size_t k = i + 3;
    const bool minus = t[k].s == "-" && k + 1 < t.size();
    if (minus) ++k;
    const std::string_view d = t[k].s;
    if (t[k].quoted || d.empty() || !std::all_of(d.begin(), d.end(), digit) ||
        d.size() > 18)
      return std::nullopt;
    std::int64_t v = 0;
    for (char c : d) v = v * 10 + (c - '0');
    return minus ? -v : v;
  }
  return std::nullopt;
}

/// unquote(q).size() without making the string (every INSERT's literals are measured).
std::size_t unquoted_length(std::string_view q) {
  std::size_t n = 0;
  for (std::size_t i = 1; i + 1 < q.size(); ++i) {
    ++n;
    if (q[i] == q.front() && q[i + 1] == q.front()) ++i;
  }
  return n;
}

/// The first call of `fn` among the tokens: its index, or 0.
std::size_t call_of(const std::vector<Token>& t, std::string_view fn) {
  for (std::size_t i = 1; i + 1 < t.size(); ++i)
    if (t[i + 1].s == "(" && is(t[i], fn)) return i;
  return 0;
}

/// SELECT fn() / fn(true) / fn('x'): nothing but the call.
bool bare_call(const std::vector<Token>& t, std::size_t at) {
  if (at != 1) return false;
  if (t.size() == 4) return t[3].s == ")";
  return t.size() == 5 && (is(t[3], "true") || t[3].quoted) && t[4].s == ")";
}

void classify(Statement& st, const std::vector<Token>& t, std::string_view text) {
  using K = Statement::Kind;
  st.text = std::string(trim(text));
  if (t.empty()) return;
  const std::size_t n = t.size();
  // The rest of the statement from token i on, as written.
  auto rest_from = [&](std::size_t i) { return std::string(trim(text.substr(static_cast<std::size_t>(t[i].s.data() - text.data())))); };
  if ((is(t[0], "begin") || is(t[0], "start")) && (n == 1 || is(t[1], "transaction") || is(t[1], "work"))) {
    st.kind = K::Begin;
  } else if ((is(t[0], "end") || is(t[0], "commit")) && n <= 2) {
    st.kind = K::Commit;
  } else if ((is(t[0], "rollback") || is(t[0], "abort")) && n <= 2) {
    st.kind = K::Rollback;
  } else if (is(t[0], "update") && n > 1) {
    if (auto key = where_key(t)) {
      st.kind = K::Update;
      st.name = lower(t[1].s);
      st.key = *key;
    }
  } else if (is(t[0], "insert") && n > 2 && is(t[1], "into")) {
    st.kind = K::Insert;
    st.name = lower(t[2].s);
    bool values = false;
    for (std::size_t i = 3; i < n; ++i) {
      if (is(t[i], "values")) values = true;
      else if (values && t[i].quoted && t[i].s.front() == '\'') st.literal_lengths.push_back(unquoted_length(t[i].s));
      else if (values && is(t[i], "returning")) break;
    }
  } else if (is(t[0], "set")) {
    std::size_t i = 1;
    if (i < n && (is(t[i], "local") || is(t[i], "session"))) st.local = is(t[i++], "local");
    if (i + 2 < n && (t[i + 1].s == "=" || is(t[i + 1], "to"))) {
      st.kind = K::Set;
      st.name = lower(t[i].s);
      st.value = rest_from(i + 2);
    }
  } else if (is(t[0], "alter") && n > 2 && is(t[1], "system") && (is(t[2], "set") || is(t[2], "reset"))) {
    const bool reset = is(t[2], "reset");
    if (n > 3 && !t[3].quoted && word_char(t[3].s.front())) st.name = lower(t[3].s);
    if (reset) {
      if (n == 4 && !st.name.empty()) st.kind = K::AlterSystemReset;
    } else if (n > 5 && !st.name.empty() && (t[4].s == "=" || is(t[4], "to"))) {
      st.kind = K::AlterSystemSet;
      st.value = rest_from(5);
    }
  } else if (is(t[0], "checkpoint") && n == 1) {
    st.kind = K::Checkpoint;
  } else if (is(t[0], "copy") && n > 3 && is(t[2], "from") && is(t[3], "stdin")) {
    st.kind = K::Copy;
    st.name = lower(t[1].s);
  } else if (is(t[0], "alter") && n > 5 && is(t[1], "table") && is(t[3], "add") && is(t[4], "primary") && is(t[5], "key")) {
    st.kind = K::AddPrimaryKey;
    st.name = lower(t[2].s);
  } else if (is(t[0], "vacuum") && n > 1) {
    st.kind = K::Vacuum;
    st.name = lower(t[n - 1].s);
  } else if (is(t[0], "select")) {
    // pgbench.sh's wait for the standbys: how many walsenders have not replayed the primary's WAL.
    if (call_of(t, "count") != 0)
      for (std::size_t i = 1; i + 1 < n; ++i)
        if (is(t[i], "from") && is(t[i + 1], "pg_stat_replication")) {
          st.kind = K::StandbysBehind;
          return;
        }
    // A row by its key (pgbench's SELECT abalance FROM pgbench_accounts WHERE aid = N).
    for (std::size_t i = 1; i + 1 < n; ++i)
      if (is(t[i], "from")) {
        if (auto key = where_key(t)) {
          st.kind = K::Select;
          st.name = lower(t[i + 1].s);
          st.key = *key;
          return;
        }
        break;
      }
    // The functions, in the order the server looks for them.
    static const std::pair<std::string_view, K> kCalls[] = {
        {"pg_is_in_recovery", K::IsInRecovery},     {"pg_last_wal_receive_lsn", K::LastWalReceiveLsn},
        {"pg_last_wal_replay_lsn", K::LastWalReplayLsn}, {"pg_promote", K::Promote},
        {"pg_reload_conf", K::ReloadConf},          {"pg_create_physical_replication_slot", K::CreateSlot},
        {"count", K::RowCount},                     {"max", K::RowCount},
        {"txid_current", K::TransactionInfo},       {"pg_current_wal_insert_lsn", K::TransactionInfo}};
    for (const auto& [fn, kind] : kCalls)
      if (const std::size_t at = call_of(t, fn); at != 0) {
        st.kind = kind;
        st.bare_call = bare_call(t, at);
        if (kind == K::CreateSlot && at + 2 < n && t[at + 2].quoted) st.name = unquote(t[at + 2].s);
        return;
      }
  }
}

}  // namespace

std::vector<Statement> parse_statements(std::string_view sql) {
  std::vector<Statement> out;
  // Reused from one query to the next (a thread's runs parse one at a time): its capacity stays.
  thread_local std::vector<Token> tokens;
  tokens.clear();
  std::size_t begin = 0;  // the current statement's first character
  auto end_statement = [&](std::size_t end) {
    if (!tokens.empty()) {
      Statement st;
      classify(st, tokens, sql.substr(begin, end - begin));
      out.push_back(std::move(st));
    }
    tokens.clear();
    begin = end + 1;
  };
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (space(c)) {
      ++i;
    } else if (c == ';') {
      end_statement(i);
      ++i;
    } else if (c == '\'' || c == '"') {
      // Up to the closing quote; a doubled quote is one character of the literal.
      std::size_t j = i + 1;
      while (j < sql.size()) {
        if (sql[j] == c) {
          if (j + 1 < sql.size() && sql[j + 1] == c) {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      const std::size_t end = std::min(j + 1, sql.size());
      tokens.push_back({sql.substr(i, end - i), true});
      i = end;
    } else if (word_char(c)) {
      std::size_t j = i;
      while (j < sql.size() && word_char(sql[j])) ++j;
      tokens.push_back({sql.substr(i, j - i), false});
      i = j;
    } else {
      tokens.push_back({sql.substr(i, 1), false});
      ++i;
    }
  }
  end_statement(sql.size());
  return out;
}

namespace {

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

/// Why an ALTER SYSTEM the parser did not take is malformed (its words, in order).
std::string alter_system_error(const std::string& text) {
  std::string rest = lower(text);
  auto after = [&](std::string_view kw) {
    const auto p = rest.find(kw);
    rest = p == std::string::npos ? "" : std::string(trim(std::string_view(rest).substr(p + kw.size())));
  };
  after("system");
  const bool reset = rest.rfind("reset", 0) == 0;
  if (!reset && rest.rfind("set", 0) != 0) return "'" + text + "': expected ALTER SYSTEM SET or RESET";
  after(reset ? "reset" : "set");
  std::size_t i = 0;
  while (i < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[i])) || rest[i] == '_')) ++i;
  if (i == 0) return "'" + text + "': expected a parameter name";
  const std::string name = rest.substr(0, i);
  const std::string tail(trim(std::string_view(rest).substr(i)));
  if (reset) return "'" + text + "': unexpected '" + tail + "' after the parameter name";
  if (tail.empty() || (tail[0] != '=' && tail.rfind("to", 0) != 0)) return "'" + text + "': expected '=' or TO after " + name;
  return "'" + text + "': expected a value";
}

}  // namespace

std::variant<std::vector<OperatorStatement>, std::string> parse_operator_sql(const std::string& sql) {
  using K = Statement::Kind;
  auto out = parse_statements(sql);
  if (out.empty()) return std::string("no statement");
  for (const auto& st : out) {
    const std::string& text = st.text;
    switch (st.kind) {
      case K::AlterSystemSet:
      case K::AlterSystemReset: {
        if (std::find(kReloadable.begin(), kReloadable.end(), st.name) == kReloadable.end())
          return "'" + text + "': \"" + st.name + "\" is not a parameter the model changes at a reload (it knows: " + known() + ")";
        PostgresConfig probe;
        if (st.kind == K::AlterSystemSet && !probe.set(st.name, st.value))
          return "'" + text + "': invalid value for parameter \"" + st.name + "\": " + st.value;
        break;
      }
      case K::ReloadConf:
      case K::Promote:
        if (!st.bare_call) return "'" + text + "': expected nothing but the function's call";
        break;
      case K::Checkpoint: break;
      case K::CreateSlot:
        // SELECT pg_create_physical_replication_slot('name'): a slot for a standby about to stream
        // from this server (a new primary has none of the old primary's slots).
        if (!st.bare_call || st.name.empty()) return "'" + text + "': expected pg_create_physical_replication_slot('NAME')";
        break;
      default: {
        const std::string l = lower(text);
        if (l.rfind("alter", 0) == 0 && l.find("system") != std::string::npos) return alter_system_error(text);
        return "'" + text + "': the model runs only ALTER SYSTEM SET/RESET, SELECT pg_reload_conf(), SELECT pg_promote(), "
               "SELECT pg_create_physical_replication_slot('NAME') and CHECKPOINT";
      }
    }
  }
  return out;
}

}  // namespace models::postgres
