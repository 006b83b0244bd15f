// Reading pgbouncer.ini's values as PgBouncer 1.18 does: integers, times in (possibly
// fractional) seconds (libusual cfparser's CF_TIME_USEC), `pool_mode` by name, and the
// `[databases]` connect strings of loader.c parse_database (key=value words, values optionally
// single-quoted).
#include "models/pgbouncer/config.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>

namespace models::pgbouncer {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

bool parse_int(const std::string& text, int lo, int hi, int& out) {
  const std::string t = trim(text);
  if (t.empty()) return false;
  char* end = nullptr;
  const long long v = std::strtoll(t.c_str(), &end, 10);
  if (*end != '\0' || v < lo || v > hi) return false;
  out = static_cast<int>(v);
  return true;
}

/// CF_TIME_USEC: a number of seconds, a fraction allowed; no unit suffix.
bool parse_seconds(const std::string& text, sim::Time& out) {
  const std::string t = trim(text);
  if (t.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (*end != '\0' || !std::isfinite(v) || v < 0 || v > 365.0 * 24 * 3600) return false;
  out = static_cast<sim::Time>(std::llround(v * 1e6)) * sim::kMicrosecond;
  return true;
}

using Setter = std::function<bool(PgbouncerConfig&, const std::string&)>;

const std::vector<std::pair<std::string, Setter>>& setters() {
  static const std::vector<std::pair<std::string, Setter>> table = [] {
    std::vector<std::pair<std::string, Setter>> t;
    auto integer = [&t](const char* name, int PgbouncerConfig::*field, int lo, int hi) {
      t.emplace_back(name, [field, lo, hi](PgbouncerConfig& c, const std::string& v) { return parse_int(v, lo, hi, c.*field); });
    };
    auto seconds = [&t](const char* name, sim::Time PgbouncerConfig::*field) {
      t.emplace_back(name, [field](PgbouncerConfig& c, const std::string& v) { return parse_seconds(v, c.*field); });
    };
    auto text = [&t](const char* name, std::string PgbouncerConfig::*field) {
      t.emplace_back(name, [field](PgbouncerConfig& c, const std::string& v) {
        c.*field = trim(v);
        return true;
      });
    };
    t.emplace_back("listen_port", [](PgbouncerConfig& c, const std::string& v) {
      int p = 0;
      if (!parse_int(v, 1, 65535, p)) return false;
      c.listen_port = static_cast<std::uint16_t>(p);
      return true;
    });
    t.emplace_back("pool_mode", [](PgbouncerConfig& c, const std::string& v) {
      auto m = parse_pool_mode(v);
      if (m) c.pool_mode = *m;
      return m.has_value();
    });
    integer("max_client_conn", &PgbouncerConfig::max_client_conn, 1, 1000000);
    integer("default_pool_size", &PgbouncerConfig::default_pool_size, 0, 100000);
    integer("reserve_pool_size", &PgbouncerConfig::reserve_pool_size, 0, 100000);
    seconds("reserve_pool_timeout", &PgbouncerConfig::reserve_pool_timeout);
    text("server_reset_query", &PgbouncerConfig::server_reset_query);
    text("server_check_query", &PgbouncerConfig::server_check_query);
    seconds("server_check_delay", &PgbouncerConfig::server_check_delay);
    seconds("server_lifetime", &PgbouncerConfig::server_lifetime);
    seconds("server_idle_timeout", &PgbouncerConfig::server_idle_timeout);
    seconds("server_connect_timeout", &PgbouncerConfig::server_connect_timeout);
    seconds("server_login_retry", &PgbouncerConfig::server_login_retry);
    seconds("client_login_timeout", &PgbouncerConfig::client_login_timeout);
    seconds("query_wait_timeout", &PgbouncerConfig::query_wait_timeout);
    seconds("dns_max_ttl", &PgbouncerConfig::dns_max_ttl);
    seconds("dns_nxdomain_ttl", &PgbouncerConfig::dns_nxdomain_ttl);
    return t;
  }();
  return table;
}

}  // namespace

const char* to_string(PoolMode m) {
  switch (m) {
    case PoolMode::Session: return "session";
    case PoolMode::Transaction: return "transaction";
    case PoolMode::Statement: return "statement";
  }
  return "session";
}

std::optional<PoolMode> parse_pool_mode(const std::string& text) {
  const std::string t = trim(text);
  if (t == "session") return PoolMode::Session;
  if (t == "transaction") return PoolMode::Transaction;
  if (t == "statement") return PoolMode::Statement;
  return std::nullopt;
}

std::optional<DatabaseEntry> DatabaseEntry::parse(const std::string& name, const std::string& connstr) {
  DatabaseEntry d;
  d.name = name;
  std::size_t i = 0;
  const std::string& s = connstr;
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size()) break;
    const std::size_t eq = s.find('=', i);
    if (eq == std::string::npos) return std::nullopt;
    const std::string key = trim(s.substr(i, eq - i));
    i = eq + 1;
    std::string value;
    if (i < s.size() && s[i] == '\'') {
      const std::size_t close = s.find('\'', i + 1);
      if (close == std::string::npos) return std::nullopt;
      value = s.substr(i + 1, close - i - 1);
      i = close + 1;
    } else {
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) value += s[i++];
    }
    if (key == "host") d.host = value;
    else if (key == "dbname") d.dbname = value;
    else if (key == "user") d.user = value;
    else if (key == "password") continue;  // accepted, unused: the stacks here trust
    else if (key == "port") {
      int p = 0;
      if (!parse_int(value, 1, 65535, p)) return std::nullopt;
      d.port = static_cast<std::uint16_t>(p);
    } else if (key == "pool_size") {
      if (!parse_int(value, 0, 100000, d.pool_size)) return std::nullopt;
    } else {
      return std::nullopt;  // loader.c: "unrecognized connection parameter"
    }
  }
  return d;
}

std::string DatabaseEntry::connstr() const {
  std::string s;
  auto add = [&s](const std::string& k, const std::string& v) { s += (s.empty() ? "" : " ") + k + "=" + v; };
  if (!host.empty()) add("host", host);
  add("port", std::to_string(port));
  if (!dbname.empty()) add("dbname", dbname);
  if (!user.empty()) add("user", user);
  if (pool_size >= 0) add("pool_size", std::to_string(pool_size));
  return s;
}

bool PgbouncerConfig::set(const std::string& name, const std::string& value) {
  for (const auto& [n, f] : setters())
    if (n == name) return f(*this, value);
  return false;
}

const std::vector<std::string>& PgbouncerConfig::setting_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [n, f] : setters()) out.push_back(n);
    return out;
  }();
  return names;
}

const DatabaseEntry* PgbouncerConfig::database(const std::string& name) const {
  for (const auto& d : databases)
    if (d.name == name) return &d;
  return nullptr;
}

}  // namespace models::pgbouncer
