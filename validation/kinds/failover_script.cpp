// The real failover script: bash and Debian's psql 15 in the client container, the script
// rendered once (the same text for every scenario) and its variables from the node's
// `failover_script:` section in a file of their own. It prints one line per step
// ("HASIM_SCRIPT t_us=EPOCH_US STEP key=value ... message=TEXT"), which validation/kinds.py
// turns into the simulator's script_* events.
#include "validation/kinds/failover_script.hpp"

#include "validation/render_detail.hpp"

namespace validation {

using scenarios::FailoverScriptSection;

namespace {

/// The script as a user writes it for the seed's exercise 4, step by step as the model
/// (models/failover_script/failover_script.hpp) runs it. Each psql is a new session with the
/// configured connect_timeout; nothing else bounds it (a user's script does not either).
const char* kScript = R"SH(#!/bin/bash
# Demo 2, exercise 4: detect the primary's failure, promote the standby with the least lag,
# repoint the application and the other standbys. Variables: /etc/hasim-failover/failover_script.conf.
set -u
. /etc/hasim-failover/failover_script.conf
export PGUSER=postgres PGDATABASE=postgres PGAPPNAME=failover_script PGCONNECT_TIMEOUT="$CONNECT_TIMEOUT"
say() { echo "HASIM_SCRIPT t_us=${EPOCHREALTIME/./} $*"; }
# q HOST -c SQL [-c SQL]...: OUT is psql's output (its error, on one line), the status psql's.
q() {
  local h="$1"; shift
  OUT=$(psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$h" "$@" 2>&1); local rc=$?
  OUT="${OUT//$'\n'/ }"
  return $rc
}
# Waits are `read -t` on a FIFO nobody writes: no sleep process per check.
f=$(mktemp -u); mkfifo "$f"; exec 3<>"$f"; rm -f "$f"
pause() { read -t "$1" -u 3 _ || true; }
if [ "$LAG_BY" = replay ]; then LSN_SQL="SELECT pg_last_wal_replay_lsn() - '0/0'"; else LSN_SQL="SELECT pg_last_wal_receive_lsn() - '0/0'"; fi

failover() {
  # 2. The standby furthest ahead (the first of equals, in STANDBYS' order).
  local best="" best_lsn=-1 best_i=-1 i=0 entry h slot lsn
  for entry in "${STANDBYS[@]}"; do
    h="${entry%%:*}"; lsn=-1
    if q "$h" -c "$LSN_SQL"; then
      [ -n "$OUT" ] && lsn="${OUT%%.*}"
      say "candidate host=$h lsn=$lsn message="
    else
      say "candidate host=$h lsn=-1 message=$OUT"
    fi
    if [ "$lsn" -ge 0 ] && [ "$lsn" -gt "$best_lsn" ]; then best="$h"; best_lsn="$lsn"; best_i=$i; fi
    i=$((i + 1))
  done
  if [ -z "$best" ]; then say "gave_up message=no standby answered"; return 1; fi
  # pg_promote() waits (up to 60 s) until the standby has left recovery.
  if q "$best" -c 'SELECT pg_promote()' && [ "$OUT" = t ]; then
    say "promoted host=$best lsn=$best_lsn ok=1 message="
  else
    say "promoted host=$best lsn=$best_lsn ok=0 message=${OUT:-pg_promote returned false}"
  fi
  # 4. The application, waiting for a server: its writer reads this file before each attempt.
  local w
  for w in $REPOINT; do
    echo "$best" > "/tmp/hasim-pg-host-$w"
    say "app_repointed workload=$w primary=$best"
  done
  # 3. The other standbys: their slot on the new primary (slots are not copied), then
  # primary_conninfo, which a reload applies (the walreceiver restarts on the new host).
  local rest=() ok
  i=0
  for entry in "${STANDBYS[@]}"; do
    if [ "$i" != "$best_i" ]; then
      h="${entry%%:*}"; slot="${entry#*:}"
      [ -n "$slot" ] && q "$best" -c "SELECT pg_create_physical_replication_slot('$slot')"
      if q "$h" -c "ALTER SYSTEM SET primary_conninfo = 'host=$best $CONNINFO application_name=$h'" -c 'SELECT pg_reload_conf()'; then ok=1; OUT=""; else ok=0; fi
      say "repointed host=$h primary=$best ok=$ok message=$OUT"
      rest+=("$entry")
    fi
    i=$((i + 1))
  done
  # From now on: the new primary, watched with the standbys left.
  PRIMARY="$best"; STANDBYS=("${rest[@]}")
  return 0
}

# 1. Detect. Failures count once the primary has answered (a stack still starting is none).
seen=0; failed=0
say "started primary=$PRIMARY"
while :; do
  if q "$PRIMARY" -c 'SELECT 1'; then
    seen=1; failed=0
  elif [ "$seen" = 1 ]; then
    failed=$((failed + 1))
    say "check_failed host=$PRIMARY failures=$failed message=$OUT"
    if [ "$failed" -ge "$FAILURES" ]; then
      say "detected host=$PRIMARY"
      failed=0; seen=0
      failover || while :; do pause 3600; done
    fi
  fi
  pause "$CHECK_INTERVAL"
done
)SH";

/// A shell word, single-quoted.
std::string sh_word(const std::string& v) {
  std::string o = "'";
  for (char c : v) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

}  // namespace

std::string RealDaemon<FailoverScriptSection>::script() { return kScript; }

/// psql (and bash, in every image).
std::vector<std::string> RealDaemon<FailoverScriptSection>::packages() { return {"postgresql-client-15"}; }
/// Installed under its own name, so its process is `failover_script` to pkill -x as in the
/// simulator (the kernel names a script's process after the file it runs).
std::string RealDaemon<FailoverScriptSection>::command() {
  return "install -m 755 /etc/hasim-failover/failover_script.sh /usr/local/bin/failover_script\nexec /usr/local/bin/failover_script";
}
/// bash ends on SIGTERM (its children, a psql at most, are left to finish or die with the container).
std::string RealDaemon<FailoverScriptSection>::stop_signal() { return "TERM"; }
bool RealDaemon<FailoverScriptSection>::stop_oldest_only() { return false; }
std::vector<std::string> RealDaemon<FailoverScriptSection>::operator_command(const std::string&) { return {}; }
bool RealDaemon<FailoverScriptSection>::net_admin() { return false; }

std::vector<NodeFile> RealDaemon<FailoverScriptSection>::files(const RenderContext& ctx, const FailoverScriptSection& s) {
  const auto& c = s.conf;
  std::string conf = "# Rendered by hasim from " + ctx.where + ": the failover script's variables.\n";
  conf += "PRIMARY=" + sh_word(c.primary) + "\n";
  conf += "STANDBYS=(";
  for (std::size_t i = 0; i < c.standbys.size(); ++i) conf += (i ? " " : "") + sh_word(c.standbys[i].host + ":" + c.standbys[i].slot);
  conf += ")\n";
  conf += "CHECK_INTERVAL=" + detail::seconds(c.check_interval) + "\n";
  conf += "CONNECT_TIMEOUT=" + std::to_string(c.connect_timeout / sim::kSecond) + "\n";
  conf += "FAILURES=" + std::to_string(c.failures) + "\n";
  conf += "LAG_BY=" + std::string(models::failover_script::to_string(c.lag_by)) + "\n";
  conf += "CONNINFO=" + sh_word(c.conninfo) + "\n";
  std::string repoint;
  for (const auto& w : c.repoint) repoint += (repoint.empty() ? "" : " ") + w;
  conf += "REPOINT=" + sh_word(repoint) + "\n";
  return {{"failover_script.conf", conf}, {"failover_script.sh", kScript}};
}

std::vector<std::pair<std::string, std::string>> RealDaemon<FailoverScriptSection>::mounts() {
  return {{"failover_script.conf", "/etc/hasim-failover/failover_script.conf"}, {"failover_script.sh", "/etc/hasim-failover/failover_script.sh"}};
}

std::string RealDaemon<FailoverScriptSection>::ready_log() { return "HASIM_SCRIPT"; }

std::string RealDaemon<FailoverScriptSection>::plan_entry(const RenderContext&, const FailoverScriptSection&) { return ""; }

}  // namespace validation
