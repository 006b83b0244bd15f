// Parsing of the settings' text forms: synchronous_standby_names (replication/syncrep_gram.y),
// primary_conninfo (libpq's conninfo), and the GUC units of guc.c (ms, s, min, h; MB, GB).
#include "models/postgres/config.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace models::postgres {

namespace {
std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string unquote(std::string s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
  return s;
}
std::optional<std::vector<std::string>> name_list(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(text);
  while (std::getline(in, cur, ',')) {
    cur = unquote(cur);
    if (cur.empty()) return std::nullopt;
    out.push_back(cur);
  }
  if (out.empty()) return std::nullopt;
  return out;
}
/// synchronous_standby_names' list (syncrep_scanner.l): each name an identifier
/// ([A-Za-z\200-\377_][A-Za-z\200-\377_0-9$]*), `*`, or a double-quoted name ("" for a quote).
/// Anything else is a syntax error: `postgres-replica1` unquoted fails "at or near "-"", and the
/// server refuses the whole setting (a real run of the seed's exercise 1 did, 2026-12-03).
std::optional<std::vector<std::string>> standby_name_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  auto ident_start = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80) != 0; };
  while (true) {
    skip();
    if (i >= text.size()) return std::nullopt;  // an empty name
    std::string name;
    if (text[i] == '"') {
      ++i;
      while (true) {
        if (i >= text.size()) return std::nullopt;  // unterminated quoted identifier
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            name += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        name += text[i++];
      }
      if (name.empty()) return std::nullopt;  // zero-length delimited identifier
    } else if (text[i] == '*') {
      name = "*";
      ++i;
    } else if (ident_start(text[i])) {
      while (i < text.size() && (ident_start(text[i]) || std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '$'))
        name += text[i++];
    } else {
      return std::nullopt;
    }
    out.push_back(name);
    skip();
    if (i >= text.size()) return out;
    if (text[i] != ',') return std::nullopt;  // e.g. "-" after postgres
    ++i;
  }
}
/// The number an integer GUC's value starts with and where its unit begins. As guc.c's
/// parse_int since PostgreSQL 12, it may have a fraction or an exponent ("0.2s", "1.5GB"): the
/// value is converted to the parameter's unit, then rounded (rint) to an integer. PostgreSQL 15
/// itself, 2026-12-05: wal_writer_delay=0.2s is 200, checkpoint_timeout=30.6s is 31, 0.5ms is 0.
bool parse_number(const std::string& t, double& v, std::size_t& end) {
  // parse_int's order: strtol with base 0 (so "0x10" is 16 and "010" is 8, as PostgreSQL reads
  // them), and strtod again when that stopped at a decimal point or an exponent, or overflowed.
  const char* s = t.c_str();
  char* stop = nullptr;
  errno = 0;
  v = static_cast<double>(std::strtol(s, &stop, 0));
  if (*stop == '.' || *stop == 'e' || *stop == 'E' || errno == ERANGE) {
    errno = 0;
    v = std::strtod(s, &stop);
  }
  end = static_cast<std::size_t>(stop - s);
  return end > 0 && errno != ERANGE && std::isfinite(v);
}
/// A time GUC: a bare number is in `unit`; suffixes us, ms, s, min, h, d.
bool parse_time(const std::string& text, sim::Time unit, sim::Time& out) {
  std::string t = lower(unquote(text));
  double v = 0;
  std::size_t i = 0;
  if (!parse_number(t, v, i)) return false;
  const std::string u = trim(t.substr(i));
  sim::Time mult = unit;
  if (u == "ms") mult = sim::kMillisecond;
  else if (u == "s") mult = sim::kSecond;
  else if (u == "min") mult = sim::kMinute;
  else if (u == "h") mult = 60 * sim::kMinute;
  else if (u == "d") mult = 24 * 60 * sim::kMinute;
  else if (u == "us") mult = sim::kMicrosecond;
  else if (!u.empty()) return false;
  const double in_units = std::rint(v * static_cast<double>(mult) / static_cast<double>(unit));
  if (std::fabs(in_units) > 9e18 / static_cast<double>(unit)) return false;
  out = static_cast<sim::Time>(in_units) * unit;
  return true;
}
/// A size GUC in MB (bare number), or with kB, MB, GB, TB (fractions as parse_time's).
bool parse_mb(const std::string& text, std::int64_t& out) {
  std::string t = unquote(text);
  double v = 0;
  std::size_t i = 0;
  if (!parse_number(t, v, i)) return false;
  const std::string u = trim(t.substr(i));
  double mb = 0;
  if (u.empty() || u == "MB") mb = v;
  else if (u == "GB") mb = v * 1024;
  else if (u == "TB") mb = v * 1024 * 1024;
  else if (u == "kB") mb = v / 1024;
  else return false;
  mb = std::rint(mb);
  if (std::fabs(mb) > 9e18) return false;
  out = static_cast<std::int64_t>(mb);
  return true;
}
bool parse_bool(const std::string& text, bool& out) {
  const std::string t = lower(unquote(text));
  if (t == "on" || t == "true" || t == "yes" || t == "1") out = true;
  else if (t == "off" || t == "false" || t == "no" || t == "0") out = false;
  else return false;
  return true;
}
}  // namespace

std::optional<SyncStandbyNames> SyncStandbyNames::parse(const std::string& raw) {
  SyncStandbyNames s;
  const std::string text = trim(raw);
  if (text.empty()) return s;
  const std::string l = lower(text);
  const auto open = text.find('(');
  if (open != std::string::npos) {
    const auto close = text.rfind(')');
    if (close == std::string::npos || close < open) return std::nullopt;
    std::istringstream head(text.substr(0, open));
    std::string word, num;
    head >> word;
    if (lower(word) == "first" || lower(word) == "any") {
      s.method = lower(word) == "any" ? Method::Quorum : Method::Priority;
      if (!(head >> num)) return std::nullopt;
    } else {
      num = word;  // "2 (a, b)": the pre-9.6 syntax, FIRST
    }
    if (num.find_first_not_of("0123456789") != std::string::npos || num.empty()) return std::nullopt;
    s.num_sync = std::stoi(num);
    if (trim(text.substr(close + 1)) != "") return std::nullopt;
    auto names = standby_name_list(text.substr(open + 1, close - open - 1));
    if (!names) return std::nullopt;
    s.names = *names;
    if (s.num_sync <= 0) return std::nullopt;  // "number of synchronous standbys must be greater than zero"
    return s;
  }
  auto names = standby_name_list(text);
  if (!names) return std::nullopt;
  s.num_sync = 1;
  s.names = *names;
  return s;
}

std::optional<PrimaryConnInfo> PrimaryConnInfo::parse(const std::string& text) {
  PrimaryConnInfo c;
  std::istringstream in(text);
  std::string kv;
  while (in >> kv) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) return std::nullopt;
    const std::string k = kv.substr(0, eq), v = unquote(kv.substr(eq + 1));
    try {
      if (k == "host" || k == "hostaddr") {
        auto hosts = name_list(v);
        if (!hosts) return std::nullopt;
        c.host = *hosts;
      } else if (k == "port") {
        c.port = static_cast<std::uint16_t>(std::stoi(v));
      } else if (k == "user") {
        c.user = v;
      } else if (k == "application_name") {
        c.application_name = v;
      } else if (k == "connect_timeout") {
        const int s = std::stoi(v);
        c.connect_timeout = s <= 0 ? 0 : std::max(2, s) * sim::kSecond;  // libpq: less than 2 s means 2
      } else if (k == "keepalives") {
        c.keepalives = std::stoi(v) != 0;
      } else if (k == "keepalives_idle") {
        c.keepalives_idle = std::stoll(v) * sim::kSecond;
      } else if (k == "keepalives_interval") {
        c.keepalives_interval = std::stoll(v) * sim::kSecond;
      } else if (k == "keepalives_count") {
        c.keepalives_count = std::stoi(v);
      } else if (k == "tcp_user_timeout") {
        c.tcp_user_timeout = std::stoll(v) * sim::kMillisecond;
      }  // password, sslmode, dbname...: nothing to model
    } catch (...) {
      return std::nullopt;
    }
  }
  return c;
}

const char* to_string(SynchronousCommit s) {
  switch (s) {
    case SynchronousCommit::Off: return "off";
    case SynchronousCommit::Local: return "local";
    case SynchronousCommit::RemoteWrite: return "remote_write";
    case SynchronousCommit::On: return "on";
    case SynchronousCommit::RemoteApply: return "remote_apply";
  }
  return "?";
}

std::optional<SynchronousCommit> parse_synchronous_commit(const std::string& text) {
  const std::string t = lower(unquote(text));
  if (t == "off" || t == "false" || t == "no" || t == "0") return SynchronousCommit::Off;
  if (t == "local") return SynchronousCommit::Local;
  if (t == "remote_write") return SynchronousCommit::RemoteWrite;
  if (t == "on" || t == "true" || t == "yes" || t == "1") return SynchronousCommit::On;
  if (t == "remote_apply") return SynchronousCommit::RemoteApply;
  return std::nullopt;
}

bool PostgresConfig::set(const std::string& name, const std::string& value) {
  const std::string n = lower(trim(name));
  try {
    if (n == "port") port = static_cast<std::uint16_t>(std::stoi(unquote(value)));
    else if (n == "max_connections") max_connections = std::stoi(unquote(value));
    else if (n == "max_wal_senders") max_wal_senders = std::stoi(unquote(value));
    else if (n == "max_replication_slots") max_replication_slots = std::stoi(unquote(value));
    else if (n == "cluster_name") cluster_name = unquote(value);
    else if (n == "synchronous_commit") {
      auto s = parse_synchronous_commit(value);
      if (!s) return false;
      synchronous_commit = *s;
    } else if (n == "synchronous_standby_names") {
      // A string GUC: only single quotes delimit it; double quotes belong to the names inside.
      std::string v = trim(value);
      if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') v = v.substr(1, v.size() - 2);
      if (!SyncStandbyNames::parse(v)) return false;
      synchronous_standby_names = v;
    } else if (n == "wal_writer_delay") return parse_time(value, sim::kMillisecond, wal_writer_delay);
    else if (n == "wal_sender_timeout") return parse_time(value, sim::kMillisecond, wal_sender_timeout);
    else if (n == "wal_receiver_timeout") return parse_time(value, sim::kMillisecond, wal_receiver_timeout);
    else if (n == "wal_receiver_status_interval") return parse_time(value, sim::kSecond, wal_receiver_status_interval);
    else if (n == "wal_retrieve_retry_interval") return parse_time(value, sim::kMillisecond, wal_retrieve_retry_interval);
    else if (n == "primary_conninfo") {
      if (!PrimaryConnInfo::parse(unquote(value))) return false;
      primary_conninfo = unquote(value);
    } else if (n == "primary_slot_name") primary_slot_name = unquote(value);
    else if (n == "max_slot_wal_keep_size") return parse_mb(value, max_slot_wal_keep_size_mb);
    else if (n == "wal_keep_size") return parse_mb(value, wal_keep_size_mb);
    else if (n == "hot_standby") return parse_bool(value, hot_standby);
    else if (n == "hot_standby_feedback") return parse_bool(value, hot_standby_feedback);
    else if (n == "wal_log_hints") return parse_bool(value, wal_log_hints);
    else if (n == "checkpoint_timeout") return parse_time(value, sim::kSecond, checkpoint_timeout);
    else if (n == "max_wal_size") return parse_mb(value, max_wal_size_mb);
    else if (n == "default_transaction_read_only") return parse_bool(value, default_transaction_read_only);
    else if (n == "recovery_min_apply_delay") return parse_time(value, sim::kMillisecond, recovery_min_apply_delay);
    else return false;
  } catch (...) {
    return false;
  }
  return true;
}

}  // namespace models::postgres
