#pragma once
// Trace record kinds of the failover script, one constant each. Each stands for one line the
// real script prints ("HASIM_SCRIPT STEP key=value ..."), so a real run's log gives the same
// events (validation/kinds.py parse_failover_script).
namespace models::failover_script {

/// A check of the primary failed (`psql -h PRIMARY -c 'SELECT 1'`): node, host, failures (the
/// consecutive count so far), message (psql's error).
inline constexpr const char* kCheckFailed = "script_check_failed";
/// FAILURES consecutive checks failed: the script starts its failover. node, host.
inline constexpr const char* kDetected = "script_detected";
/// A standby's answer to the lag query: node, host, lsn (bytes; -1 when it answered NULL or
/// failed), message (psql's error, empty when it answered).
inline constexpr const char* kCandidate = "script_candidate";
/// `SELECT pg_promote()` on the chosen standby returned: node, host, lsn (its position when
/// chosen), ok (pg_promote's true), message.
inline constexpr const char* kPromoted = "script_promoted";
/// A standby's primary_conninfo set to the new primary and reloaded: node, host (the standby),
/// primary, ok, message.
inline constexpr const char* kRepointed = "script_repointed";
/// The application's server rewritten (its pg_writer's host file): node, workload, primary.
inline constexpr const char* kAppRepointed = "script_app_repointed";
/// The script gave up (no standby answered): node, message.
inline constexpr const char* kGaveUp = "script_gave_up";

namespace field {
inline constexpr const char* kHost = "host";
inline constexpr const char* kLsn = "lsn";
inline constexpr const char* kPrimary = "primary";
}  // namespace field

}  // namespace models::failover_script
