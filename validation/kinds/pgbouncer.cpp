// The real PgBouncer: Debian bookworm's pgbouncer 1.18 in its own container, its pgbouncer.ini
// rendered from the `pgbouncer:` section. Authentication: `auth_type = trust` against a userlist
// naming the stack's one user (postgres, empty password), as the PostgreSQL servers here trust
// their networks (validation/kinds/postgres.cpp); the seed's PGPASSWORD=postgres is then unused.
// The [databases] section is a file of its own, joined to the rest at start into a writable
// copy, so the operator's `reload` step can rewrite it and RELOAD.
#include "validation/kinds/pgbouncer.hpp"

#include "validation/render_detail.hpp"

namespace validation {

using scenarios::PgbouncerSection;

namespace {

/// Where the running configuration lives (writable, made at each start from the mounted files).
constexpr const char* kRunDir = "/run/hasim-pgbouncer";

const char* kRunPgbouncer = R"SH(set -u
# The rendered files (read-only mounts) joined into the running pgbouncer.ini; the listen port
# kept for the operator's RELOAD (psql to the admin console).
D=/run/hasim-pgbouncer
install -d -o postgres -g postgres -m 755 "$D"
cp /etc/pgbouncer/hasim/databases.ini "$D/databases.ini"
cat /etc/pgbouncer/hasim/pgbouncer.ini "$D/databases.ini" > "$D/pgbouncer.ini"
cp /etc/pgbouncer/hasim/userlist.txt "$D/userlist.txt"
sed -n 's/^listen_port = //p' /etc/pgbouncer/hasim/pgbouncer.ini > "$D/port"
chown postgres:postgres "$D"/*
exec runuser -u postgres -- /usr/sbin/pgbouncer "$D/pgbouncer.ini")SH";

/// A shell word, single-quoted.
std::string sh_word(const std::string& v) {
  std::string o = "'";
  for (char c : v) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

}  // namespace

/// pgbouncer, and psql for the operator's RELOAD on the admin console.
std::vector<std::string> RealDaemon<PgbouncerSection>::packages() { return {"pgbouncer", "postgresql-client-15"}; }
std::string RealDaemon<PgbouncerSection>::command() { return kRunPgbouncer; }
/// SIGTERM: pgbouncer's immediate shutdown (SIGINT would be its safe shutdown), what `docker
/// stop` sends to an image without a STOPSIGNAL of its own.
std::string RealDaemon<PgbouncerSection>::stop_signal() { return "TERM"; }
bool RealDaemon<PgbouncerSection>::stop_oldest_only() { return false; }
std::vector<std::string> RealDaemon<PgbouncerSection>::operator_command(const std::string& action) {
  return operator_command_with(action, {});
}

std::vector<std::string> RealDaemon<PgbouncerSection>::operator_command_with(const std::string& action,
                                                                            const scenarios::OperatorSettings& s) {
  if (action != "reload") return {};
  const std::string d = kRunDir;
  std::string sh = "set -e; f=" + d + "/databases.ini";
  for (const auto& [k, v] : s) {
    if (k.rfind("databases.", 0) != 0) continue;
    const std::string db = k.substr(10);
    // The entry's line replaced (or added): everything else of [databases] stays.
    sh += "; grep -v " + sh_word("^" + db + " = ") + " \"$f\" > \"$f.new\" || true";
    sh += "; echo " + sh_word(db + " = " + v) + " >> \"$f.new\"; mv \"$f.new\" \"$f\"";
  }
  sh += "; cat /etc/pgbouncer/hasim/pgbouncer.ini \"$f\" > " + d + "/pgbouncer.ini.new; mv " + d + "/pgbouncer.ini.new " + d +
        "/pgbouncer.ini";
  sh += "; psql -X -q -h 127.0.0.1 -p \"$(cat " + d + "/port)\" -U postgres -d pgbouncer -c RELOAD";
  return {"sh", "-c", sh};
}

bool RealDaemon<PgbouncerSection>::net_admin() { return false; }

std::vector<NodeFile> RealDaemon<PgbouncerSection>::files(const RenderContext& ctx, const PgbouncerSection& c) {
  std::string ini = "; Rendered by hasim from " + ctx.where + ". PgBouncer 1.18 (Debian bookworm).\n";
  ini += "[pgbouncer]\n";
  ini += "; What every hasim pgbouncer needs: all addresses, its log on stderr (the container's log,\n";
  ini += "; with milliseconds), trust against the userlist, postgres as the console's admin.\n";
  ini += "listen_addr = *\n";
  ini += "listen_port = " + std::to_string(c.conf.listen_port) + "\n";
  ini += "unix_socket_dir = " + std::string(kRunDir) + "\n";
  ini += "auth_type = trust\n";
  ini += "auth_file = " + std::string(kRunDir) + "/userlist.txt\n";
  ini += "admin_users = postgres\n";
  ini += "log_connections = 1\nlog_disconnections = 1\nlog_pooler_errors = 1\n";
  ini += "; The scenario's settings (a later line wins over an earlier one):\n";
  for (const auto& [name, text] : c.settings)
    if (name != "listen_port") ini += name + " = " + text + "\n";
  std::string dbs = "[databases]\n";
  for (const auto& d : c.conf.databases) dbs += d.name + " = " + d.connstr() + "\n";
  return {{"pgbouncer.ini", ini}, {"databases.ini", dbs}, {"userlist.txt", "\"postgres\" \"\"\n"}};
}

std::vector<std::pair<std::string, std::string>> RealDaemon<PgbouncerSection>::mounts() {
  return {{"pgbouncer.ini", "/etc/pgbouncer/hasim/pgbouncer.ini"},
          {"databases.ini", "/etc/pgbouncer/hasim/databases.ini"},
          {"userlist.txt", "/etc/pgbouncer/hasim/userlist.txt"}};
}

/// main.c: "process up: PgBouncer 1.18.0, libevent ..." once it listens.
std::string RealDaemon<PgbouncerSection>::ready_log() { return "process up: PgBouncer"; }

std::string RealDaemon<PgbouncerSection>::plan_entry(const RenderContext&, const PgbouncerSection&) { return ""; }

}  // namespace validation
