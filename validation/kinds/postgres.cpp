// The real PostgreSQL: Debian's postgresql-15, set up as the seed's stack is (Demo 2): the primary
// is made by initdb, each standby by `pg_basebackup -R -C -S SLOT` from the primary it names in
// primary_conninfo, and the data directory lives in the container (not a bind mount), so
// `docker stop`/`docker start` keep it and a re-created container starts afresh.
#include "validation/kinds/postgres.hpp"

#include "models/postgres/statement.hpp"
#include "validation/render_detail.hpp"

namespace validation {

using scenarios::PostgresSection;

namespace {

/// A postgresql.conf value: quoted as a string literal (PostgreSQL accepts quotes around every
/// value), unless the scenario wrote the quotes itself ("'FIRST 1 (replica1)'").
std::string conf_value(const std::string& v) {
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') return v;
  std::string o = "'";
  for (char c : v) o += c == '\'' ? std::string("''") : std::string(1, c);
  return o + "'";
}

/// A shell word for hasim-init.env, always single-quoted.
std::string env_value(const std::string& v) {
  std::string o = "'";
  for (char c : v) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

/// The run script: the data directory made on the first start only, then the server in the
/// foreground as the postgres user. Every wait is bounded; a standby that cannot clone its
/// primary within them exits (its container's log says why) rather than start empty.
const char* kRunPostgres = R"SH(set -u
PGBIN=/usr/lib/postgresql/15/bin
PGDATA=/var/lib/postgresql/data
CONF=/etc/postgresql/postgresql.conf
# The node's part (rendered from its postgres: section): HASIM_STANDBY, HASIM_PRIMARY_CONNINFO,
# HASIM_SLOT (primary_slot_name), HASIM_SLOTS (the slots the section lists on this server).
. /etc/postgresql/hasim-init.env
install -d -o postgres -g postgres -m 2775 /run/postgresql
as_pg() { runuser -u postgres -- "$@"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ "$HASIM_STANDBY" = 1 ]; then
    # The seed's setup-replica.sh: wait for the primary, then clone it with its slot
    # (pg_basebackup -R -C -S); a slot left by an earlier failed attempt is reused (-S only).
    create=(-C)
    ok=0
    for _ in $(seq 1 120); do
      rm -rf "$PGDATA"; install -d -o postgres -g postgres -m 700 "$PGDATA"
      if as_pg timeout 5 "$PGBIN/pg_isready" -q -t 3 -d "$HASIM_PRIMARY_CONNINFO dbname=postgres"; then
        out=$(as_pg timeout 120 "$PGBIN/pg_basebackup" -D "$PGDATA" -d "$HASIM_PRIMARY_CONNINFO" -R -X stream -c fast \
              ${HASIM_SLOT:+"${create[@]}" -S "$HASIM_SLOT"} 2>&1) && { ok=1; break; }
        echo "hasim: pg_basebackup: $out"
        case "$out" in *"already exists"*) create=() ;; esac
      fi
      sleep 0.5
    done
    [ "$ok" = 1 ] || { echo "hasim: no base backup of the primary within the limit"; exit 1; }
    echo "hasim: base backup of the primary taken (slot ${HASIM_SLOT:-none})"
  else
    install -d -o postgres -g postgres -m 700 "$PGDATA"
    as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust >/dev/null || exit 1
    # The seed's init: the application's database and table, the standbys' replication role. On
    # a private start (no TCP, its log in a file, not the container's), so the run's log shows
    # one start of the server only. The slots the section lists here are made by the standbys'
    # `pg_basebackup -C -S` (the seed's way); made here too, pg_basebackup -C would fail on them.
    # Without synchronous standbys: none exists yet, and a synchronous_standby_names from the
    # scenario would hang these commits.
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -t 60 -l /tmp/hasim-initdb.log \
      -o "-c config_file=$CONF -c listen_addresses='' -c synchronous_standby_names=''" start >/dev/null || exit 1
    {
      echo "CREATE ROLE replicator WITH REPLICATION LOGIN;"
      echo "CREATE DATABASE demodb;"
      echo "\\c demodb"
      echo "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text, created_at timestamptz DEFAULT now());"
    } | as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres >/dev/null || exit 1
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -t 60 -m fast stop >/dev/null || exit 1
    echo "hasim: initdb done (slots made by the standbys' base backups: ${HASIM_SLOTS:-none})"
  fi
fi
exec runuser -u postgres -- "$PGBIN/postgres" -D "$PGDATA" -c config_file="$CONF")SH";

/// The operator's pg_rewind and pg_basebackup, run with `docker exec NODE bash -c SCRIPT NAME
/// ARGS...` on a node whose server was stopped with `stop: NODE/postgres` (the container keeps
/// running: its PID 1 is hasim's entrypoint). Their output, and one HASIM_PGTOOL line with the
/// exit status and the run's start and end, go to PID 1's stdout, so the container's log
/// (parse_logs.py parse_postgres) has them beside the server's own lines.
const char* kToolReport = R"SH(
rc=$?
t1=$(date +%s%N)
tr '\r' '\n' </tmp/hasim-pgtool.out | sed 's/^/hasim: /' >/proc/1/fd/1
echo "HASIM_PGTOOL tool=$tool rc=$rc start_ns=$t0 end_ns=$t1 source=$1 slot=${2:-} ${emptied:+removed_files=$removed emptied_ns=$emptied}" >/proc/1/fd/1
exit $rc)SH";

/// $1: the source node. pg_rewind as the postgres user (it refuses root), a superuser's libpq
/// connection (pg_read_binary_file and friends), -R for standby.signal and primary_conninfo,
/// --config-file for the single-user crash recovery it runs on a target not shut down cleanly
/// (this stack's postgresql.conf is not in PGDATA), -P for the copied size.
const char* kRewindScript = R"SH(tool=pg_rewind
t0=$(date +%s%N)
runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_rewind -D /var/lib/postgresql/data \
  --source-server="host=$1 port=5432 user=postgres dbname=postgres" --write-recovery-conf --progress \
  --config-file=/etc/postgresql/postgresql.conf >/tmp/hasim-pgtool.out 2>&1)SH";

/// $1: the source node, $2: the slot (-S, may be empty), $3: -C or empty. The data directory is
/// emptied first (pg_basebackup wants an empty one), never under a running server; the report
/// says how many entries that removed and when it was done (1.0-1.5 s passed between the
/// script's start and the source's checkpoint in the runs of 2026-12-08, which the model, whose
/// `rm -rf` costs nothing, does not have).
const char* kRecloneScript = R"SH(tool=pg_basebackup
t0=$(date +%s%N)
PGDATA=/var/lib/postgresql/data
if runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PGDATA" status >/dev/null 2>&1; then
  echo "pg_basebackup: error: the server is running: stop it before re-cloning its data directory" >/tmp/hasim-pgtool.out
  false
else
  removed=$(find "$PGDATA" -mindepth 1 | wc -l)
  find "$PGDATA" -mindepth 1 -delete
  emptied=$(date +%s%N)
  runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_basebackup -D "$PGDATA" -d "host=$1 port=5432 user=replicator" \
    -R -X stream -c fast -P -v ${2:+-S "$2"} ${3:-} >/tmp/hasim-pgtool.out 2>&1
fi)SH";

std::string setting(const scenarios::OperatorSettings& s, const std::string& key, const std::string& fallback = "") {
  for (const auto& [k, v] : s)
    if (k == key) return v;
  return fallback;
}

}  // namespace

namespace {
/// rewind: {node, source}; reclone: {node, source, slot, create_slot}.
std::vector<std::string> tool_command(const std::string& action, const scenarios::OperatorSettings& s) {
  const std::string source = setting(s, "source");
  if (action == "rewind") return {"bash", "-c", std::string(kRewindScript) + kToolReport, "hasim-rewind", source};
  if (action == "reclone") {
    const std::string slot = setting(s, "slot");
    const bool create = !slot.empty() && setting(s, "create_slot", "true") == "true";
    return {"bash", "-c", std::string(kRecloneScript) + kToolReport, "hasim-reclone", source, slot, create ? "-C" : ""};
  }
  return {};
}
}  // namespace

std::vector<std::string> RealDaemon<PostgresSection>::packages() { return {"postgresql-15"}; }
std::string RealDaemon<PostgresSection>::command() { return kRunPostgres; }
/// The official image's STOPSIGNAL: SIGINT, a fast shutdown.
std::string RealDaemon<PostgresSection>::stop_signal() { return "INT"; }
bool RealDaemon<PostgresSection>::stop_oldest_only() { return true; }  // the postmaster stops its children
// promote: the seed's promote-replica.sh, `docker exec NODE psql -c 'SELECT pg_promote()'`.
std::vector<std::string> RealDaemon<PostgresSection>::operator_command(const std::string& action) {
  if (action == "promote") return {"psql", "-U", "postgres", "-X", "-c", "SELECT pg_promote()"};
  return {};
}
// sql: the operator's `docker exec NODE psql -c STATEMENT -c ...`, stopping at the first error.
// Each statement as the model parsed it (models/postgres/statement.hpp), each in its own -c: psql
// sends one -c as one query string, which is one implicit transaction, and ALTER SYSTEM "cannot
// run inside a transaction block". The session sets log_statement = all (a superuser's setting,
// in the startup packet's options, so no statement of its own), so the server logs each
// statement's start: the step's engine latency ends there, not when psql returns after a
// CHECKPOINT's writes (parse_logs.py's pg_statement_started).
std::vector<std::string> RealDaemon<PostgresSection>::operator_command_with(const std::string& action,
                                                                           const scenarios::OperatorSettings& s) {
  if (action == "rewind" || action == "reclone") return tool_command(action, s);
  if (action != "sql" || s.empty()) return operator_command(action);
  std::vector<std::string> argv = {"psql", "-U", "postgres", "-X", "-v", "ON_ERROR_STOP=1", "-d", "options='-c log_statement=all'"};
  const auto parsed = models::postgres::parse_operator_sql(s.front().second);
  if (const auto* st = std::get_if<std::vector<models::postgres::OperatorStatement>>(&parsed))
    for (const auto& s : *st) argv.insert(argv.end(), {"-c", s.text});
  return argv;
}
bool RealDaemon<PostgresSection>::net_admin() { return false; }

std::vector<NodeFile> RealDaemon<PostgresSection>::files(const RenderContext& ctx, const PostgresSection& c) {
  std::string conf = "# Rendered by hasim from " + ctx.where + ".\n";
  conf += "# What every node of the stack needs (the seed's servers run with these):\n";
  conf += "listen_addresses = '*'\n";
  conf += "hba_file = '/etc/postgresql/pg_hba.conf'\n";
  conf += "wal_level = replica\n";
  conf += "hot_standby = on\n";
  conf += "# Logs on stderr (the container's log) with millisecond times; the runtime stamps each line too.\n";
  conf += "logging_collector = off\n";
  conf += "log_destination = 'stderr'\n";
  conf += "log_line_prefix = '%m [%p] '\n";
  conf += "log_checkpoints = on\n";
  conf += "# The scenario's settings (a later line wins over an earlier one):\n";
  for (const auto& [guc, text] : c.settings) conf += guc + " = " + conf_value(text) + "\n";

  std::string hba = "# Rendered by hasim from " + ctx.where + ": trust inside the stack's networks.\n";
  hba += "local   all          all                   trust\n";
  hba += "local   replication  all                   trust\n";
  hba += "host    all          all    127.0.0.1/32   trust\n";
  for (const auto& a : ctx.node.networks)
    for (const auto& net : ctx.spec.networks)
      if (net.name == a.network) {
        hba += "host    all          all    " + net.subnet + "   trust\n";
        hba += "host    replication  all    " + net.subnet + "   trust\n";
      }

  std::string slots;
  for (const auto& s : c.slots) slots += (slots.empty() ? "" : " ") + s;
  std::string env = "# Rendered by hasim from " + ctx.where + ": how run-postgres.sh makes the data directory.\n";
  env += "HASIM_STANDBY=" + std::string(c.standby_signal ? "1" : "0") + "\n";
  env += "HASIM_PRIMARY_CONNINFO=" + env_value(c.conf.primary_conninfo) + "\n";
  env += "HASIM_SLOT=" + env_value(c.conf.primary_slot_name) + "\n";
  env += "HASIM_SLOTS=" + env_value(slots) + "\n";
  return {{"postgresql.conf", conf}, {"pg_hba.conf", hba}, {"hasim-init.env", env}};
}

std::vector<std::pair<std::string, std::string>> RealDaemon<PostgresSection>::mounts() {
  return {{"postgresql.conf", "/etc/postgresql/postgresql.conf"},
          {"pg_hba.conf", "/etc/postgresql/pg_hba.conf"},
          {"hasim-init.env", "/etc/postgresql/hasim-init.env"}};
}

/// "database system is ready to accept connections" (a primary) or "... read-only connections"
/// (a hot standby): postmaster.c's messages once the server takes connections.
std::string RealDaemon<PostgresSection>::ready_log() { return "database system is ready to accept"; }

/// run_real.py waits for the stack's one-time set-up (initdb, each standby's base backup and its
/// walreceiver streaming) before the run's time 0: the simulator's servers start on data
/// directories made before its run. A standby's `upstream` is the first host of its
/// primary_conninfo, the server it clones and streams from at set-up (libpq tries the list in
/// order and every server is up then): the primary, or another standby in a cascade, whose
/// pg_stat_replication must list it.
std::string RealDaemon<PostgresSection>::plan_entry(const RenderContext& ctx, const PostgresSection& c) {
  std::string e = "{\"service\": " + detail::json_str(ctx.node.name) + ", \"standby\": " + (c.standby_signal ? "true" : "false");
  if (c.standby_signal) {
    const auto ci = models::postgres::PrimaryConnInfo::parse(c.conf.primary_conninfo);
    if (ci && !ci->host.empty()) e += ", \"upstream\": " + detail::json_str(ci->host.front());
  }
  return e + "}";
}

}  // namespace validation
