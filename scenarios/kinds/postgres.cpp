// The `postgres:` section of a node: postgresql.conf's settings under their own names, as
// PostgreSQL reads them ("30s", "on", "'FIRST 1 (replica1)'"), and how its data directory was made.
#include "scenarios/kinds/postgres.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "models/postgres/events.hpp"
#include "models/postgres/pg_basebackup.hpp"
#include "models/postgres/pg_rewind.hpp"
#include "models/postgres/postgres.hpp"
#include "models/postgres/run_postgres.hpp"
#include "models/postgres/stat_probe.hpp"
#include "scenarios/checks/replication.hpp"
#include "scenarios/postgres_checks.hpp"
#include "scenarios/reader.hpp"
#include "scenarios/spec.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"
#include "sim/random.hpp"
#include "sim/simulation.hpp"

namespace scenarios {
namespace {

/// The settings the section accepts: the GUCs the model acts on.
const std::vector<std::string> kGucs = {
    "port", "max_connections", "max_wal_senders", "max_replication_slots", "cluster_name", "synchronous_commit",
    "synchronous_standby_names", "wal_writer_delay", "wal_sender_timeout", "wal_receiver_timeout",
    "wal_receiver_status_interval", "wal_retrieve_retry_interval", "primary_conninfo", "primary_slot_name",
    "wal_keep_size", "max_slot_wal_keep_size", "hot_standby", "checkpoint_timeout", "max_wal_size", "default_transaction_read_only",
    "recovery_min_apply_delay", "wal_log_hints"};

/// Every cluster of a scenario is one initdb's (its standbys are base backups of it), so they
/// share one system identifier.
constexpr std::uint64_t kSystemIdentifier = 7'300'000'000'000'000'001ull;

/// The real stack's set-up: every standby's container clones the server its primary_conninfo
/// names first with pg_basebackup, all at once, and each clone of a primary ends with a backup
/// end and a WAL switch there (Postgres::setup_clone_ends). Which clone ends first is the run's:
/// an order drawn from "postgres/set-up clones", the same in every node's build.
struct SetUpClones {
  std::map<std::string, std::string> upstream;  // standby -> the node it clones
  std::map<std::string, int> rank;              // a primary's clone -> its clones that ended before it
  std::map<std::string, int> clones;            // primary -> its clones
  /// How many later clones' ends a standby's copy holds: its own rank, or for a clone of a
  /// standby (a cascade), its upstream's (a standby's backup writes no WAL).
  int ended_before(const std::string& node) const {
    std::string n = node;
    for (std::size_t hops = 0; hops <= upstream.size(); ++hops) {
      if (auto r = rank.find(n); r != rank.end()) return r->second;
      auto u = upstream.find(n);
      if (u == upstream.end()) return 0;
      n = u->second;
    }
    return 0;  // a loop of standbys cloning each other: no primary
  }
  int later_ends_on(const std::string& primary) const {
    auto c = clones.find(primary);
    return c == clones.end() ? 0 : std::max(0, c->second - 1);
  }
};

SetUpClones set_up_clones(const ScenarioSpec& spec, const sim::Simulation& sim) {
  SetUpClones out;
  std::set<std::string> primaries;
  for (const auto& n : spec.nodes)
    for (const auto& comp : n.components)
      if (const auto* pg = std::get_if<PostgresSection>(&comp); pg != nullptr) {
        if (!pg->standby_signal) primaries.insert(n.name);
        else if (auto ci = models::postgres::PrimaryConnInfo::parse(pg->conf.primary_conninfo); ci && !ci->host.empty())
          out.upstream[n.name] = ci->host.front();
      }
  std::map<std::string, std::vector<std::string>> by_primary;  // in the scenario's node order
  for (const auto& n : spec.nodes)
    if (auto u = out.upstream.find(n.name); u != out.upstream.end() && primaries.count(u->second) != 0)
      by_primary[u->second].push_back(n.name);
  sim::Rng rng = sim.rng("postgres/set-up clones");
  for (auto& [primary, list] : by_primary) {
    for (std::size_t i = list.size(); i > 1; --i)  // Fisher-Yates: the order the clones end in
      std::swap(list[i - 1], list[static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(i) - 1))]);
    for (std::size_t i = 0; i < list.size(); ++i) out.rank[list[i]] = static_cast<int>(i);
    out.clones[primary] = static_cast<int>(list.size());
  }
  return out;
}

}  // namespace

PostgresSection DaemonKind<PostgresSection>::read(const Tree& t, const std::string& path) {
  PostgresSection s;
  if (t.kind == Tree::Kind::Null) return s;
  std::vector<std::string> allowed = kGucs;
  allowed.insert(allowed.end(), {"standby_signal", "slots", "start_delay", "stop_delay"});
  MapReader r(t, path, allowed);
  for (const auto& guc : kGucs) {
    const Tree* v = r.get(guc);
    if (v == nullptr) continue;
    const std::string text = scalar_of(*v, r.sub(guc));
    if (!s.conf.set(guc, text))
      fail(*v, r.sub(guc), "invalid value for parameter \"" + guc + "\": \"" + shown(text) + "\"");
    s.settings.emplace_back(guc, text);
  }
  // Durations as the server reads them, bounded like every scenario duration.
  for (const auto& [guc, value] : std::vector<std::pair<std::string, sim::Time>>{
           {"wal_sender_timeout", s.conf.wal_sender_timeout}, {"wal_receiver_timeout", s.conf.wal_receiver_timeout},
           {"wal_receiver_status_interval", s.conf.wal_receiver_status_interval},
           {"wal_retrieve_retry_interval", s.conf.wal_retrieve_retry_interval}, {"checkpoint_timeout", s.conf.checkpoint_timeout},
           {"wal_writer_delay", s.conf.wal_writer_delay}, {"recovery_min_apply_delay", s.conf.recovery_min_apply_delay}})
    if (value < 0 || value > kMaxDuration) fail(*r.get(guc), r.sub(guc), "must be from 0 to 365 days");
  if (r.has("checkpoint_timeout") && s.conf.checkpoint_timeout < 30 * sim::kSecond)
    fail(*r.get("checkpoint_timeout"), r.sub("checkpoint_timeout"), "must be at least 30s (PostgreSQL's minimum)");
  if (r.has("wal_writer_delay") && s.conf.wal_writer_delay < sim::kMillisecond)
    fail(*r.get("wal_writer_delay"), r.sub("wal_writer_delay"), "must be at least 1ms (PostgreSQL's minimum)");
  if (s.conf.max_connections < 1 || s.conf.max_connections > 262143)
    fail(*r.get("max_connections"), r.sub("max_connections"), "must be from 1 to 262143");
  s.standby_signal = r.boolean("standby_signal", false);
  s.slots = r.str_list("slots");
  if (!s.conf.primary_conninfo.empty() && !s.standby_signal)
    fail(*r.get("primary_conninfo"), r.sub("primary_conninfo"),
         "a server without standby_signal is a primary and never reads primary_conninfo (set standby_signal: true)");
  return s;
}

/// primary_conninfo's hosts written as names must be nodes.
std::vector<NodeRef> DaemonKind<PostgresSection>::node_refs(const PostgresSection& c) {
  std::vector<NodeRef> out;
  if (auto ci = models::postgres::PrimaryConnInfo::parse(c.conf.primary_conninfo))
    for (const auto& h : ci->host)
      if (!sim::Ipv4::parse(h)) out.push_back(NodeRef{{"primary_conninfo"}, h});
  return out;
}

sim::Process& DaemonKind<PostgresSection>::build(sim::Node& node, const PostgresSection& c, BuildContext& ctx) {
  // The real stack's set-up clones each standby with pg_basebackup, whose end switches the
  // primary to a new WAL segment: where the scenario has a standby, every server's WAL (the
  // clones' copies too) ends at a segment boundary, and the first record after the set-up opens
  // a new segment (on the real stacks of 2026-12-05 its COMMIT took 11-32 ms, later ones 0.3-1.1).
  bool switched = false;
  for (const auto& n : ctx.spec.nodes)
    for (const auto& comp : n.components)
      if (const auto* pg = std::get_if<PostgresSection>(&comp); pg != nullptr && pg->standby_signal) switched = true;
  const SetUpClones clones = set_up_clones(ctx.spec, node.sim());
  if (c.standby_signal) {
    models::postgres::Postgres::init_standby(node.disk(), kSystemIdentifier, c.conf.wal_segment_size_bytes, switched,
                                             clones.ended_before(node.name()));
    // `pg_basebackup -R -S SLOT` wrote the standby's connection into postgresql.auto.conf (the
    // real stack's run-postgres.sh makes each standby so): the same as postgresql.conf says here,
    // but a pg_rewind from this server copies the file, slot name included.
    std::string conf = "primary_conninfo = '" + c.conf.primary_conninfo + "'\n";
    if (!c.conf.primary_slot_name.empty()) conf += "primary_slot_name = '" + c.conf.primary_slot_name + "'\n";
    const std::string path = models::postgres::auto_conf_path(models::postgres::kPgData);
    node.disk().write_file(path, conf);
    node.disk().fsync(path, node.disk().kernel(), [](sim::FsError) {});
  } else {
    models::postgres::Postgres::initdb(node.disk(), kSystemIdentifier, c.conf.wal_segment_size_bytes, switched);
  }
  for (const auto& slot : c.slots) models::postgres::Postgres::create_slot(node.disk(), slot);
  auto& server = node.add_process<models::postgres::Postgres>(c.conf);
  if (!c.standby_signal) server.setup_clone_ends = clones.later_ends_on(node.name());
  if (ctx.spec.runtime.latch_wakeup) server.latch_wakeup = *ctx.spec.runtime.latch_wakeup;
  if (ctx.spec.runtime.walreceiver_write) server.walreceiver_write = *ctx.spec.runtime.walreceiver_write;
  if (ctx.spec.runtime.walreceiver_start) server.walreceiver_start = *ctx.spec.runtime.walreceiver_start;
  if (ctx.spec.runtime.backend_warmup) server.backend_warmup = *ctx.spec.runtime.backend_warmup;
  if (ctx.spec.runtime.statement_time) server.statement_time = *ctx.spec.runtime.statement_time;
  server.statement_time_by_command = ctx.spec.runtime.statement_time_by_command;
  server.statement_time_by_relation = ctx.spec.runtime.statement_time_by_relation;
  server.commit_flush = ctx.spec.runtime.commit_flush;
  if (ctx.spec.runtime.bulk_row) server.bulk_row = *ctx.spec.runtime.bulk_row;
  // A standby's container starts its server through the real stack's entrypoint, which on the
  // first start waits for the upstream it clones (models/postgres/run_postgres.hpp).
  if (const auto ci = models::postgres::PrimaryConnInfo::parse(c.conf.primary_conninfo); c.standby_signal && ci && !ci->host.empty()) {
    server.autostart = false;
    node.add_process<models::postgres::RunPostgres>(server, ci->host.front(), ci->port);
  }
  // The seed's replication monitor (pg_stat_replication every second), as the real stack runs it.
  models::postgres::start_stat_probe(server);
  return server;
}

/// Every process of the server is "postgres" to pkill (postmaster and backends alike).
std::vector<FaultTarget> DaemonKind<PostgresSection>::fault_targets(const PostgresSection&) {
  return {FaultTarget{"postgres", "postgres", true, "", "", "postgres"}};
}

std::vector<std::string> DaemonKind<PostgresSection>::floating_addresses(const PostgresSection&) { return {}; }

/// single_writable_primary, no_acked_commit_lost, the commits' metrics, one_primary and
/// standbys_streaming (scenarios/postgres_checks.hpp), and each standby's lag as the
/// replication monitor saw it (scenarios/checks/replication.hpp); a writer workload asks for
/// the PostgreSQL checks too.
void DaemonKind<PostgresSection>::add_checks(const ScenarioSpec& spec, sim::Invariants& invariants, CheckSet& checks) {
  for (const auto& n : spec.nodes)
    for (const auto& c : n.components)
      if (std::holds_alternative<PostgresSection>(c)) {
        checks.once<PostgresChecks>("postgres", invariants);
        checks.once<ReplicationChecks>("replication");
        return;
      }
}

std::vector<std::string_view> DaemonKind<PostgresSection>::event_kinds() {
  namespace e = models::postgres;
  return {e::kStarted, e::kRecoveryStarted, e::kRecoveryDone, e::kPromoted, e::kTimelineFollowed, e::kTimelineForkBehind,
          e::kWalReceiverConnected, e::kWalReceiverDisconnected, e::kWalSenderStarted, e::kWalSenderEnded,
          e::kSyncStandbyChanged, e::kCommitWaitingForSync, e::kSyncWaitCanceled, e::kCommitDone, e::kWalDiskFull,
          e::kPanic, e::kCheckpoint, e::kShutdownRequested, e::kShutdownDone, e::kReload, e::kConnectionRejected,
          e::kStartFailed, e::kStatReplication, e::kRewind, e::kBaseBackup, e::kSlotInvalidated};
}

/// `promote: NODE`: `pg_ctl promote` (the promote signal file and SIGUSR1 to the postmaster),
/// which is what `SELECT pg_promote()` does too, less psql's own connection. A server not in
/// recovery ignores it (pg_ctl: "server is not in standby mode"); the model records nothing then.
std::vector<std::string> DaemonKind<PostgresSection>::operator_actions() { return {"promote", "sql", "rewind", "reclone"}; }
void DaemonKind<PostgresSection>::act(sim::Process& daemon, const std::string& action) {
  if (action == "promote") static_cast<models::postgres::Postgres&>(daemon).promote();
}


namespace {
bool is_tool(const std::string& action) { return action == "rewind" || action == "reclone"; }
std::string setting(const OperatorSettings& s, const std::string& key, const std::string& fallback = "") {
  for (const auto& [k, v] : s)
    if (k == key) return v;
  return fallback;
}
/// The node's program of that name, added the first time it runs (an exec of the binary).
template <class P>
P& program(sim::Node& node, const std::string& name) {
  if (sim::Process* p = node.process(name)) return static_cast<P&>(*p);
  return node.add_process<P>();
}
}  // namespace

bool DaemonKind<PostgresSection>::acts_on_stopped(const std::string& action) { return is_tool(action); }

/// `sql: {node: NODE, statement: "ALTER SYSTEM SET ...; SELECT pg_reload_conf()"}`: the operator's
/// `docker exec NODE psql -c ... -c ...` (each statement on its own, as psql runs each -c).
/// Statements the model cannot carry out are refused when the scenario loads (statement.hpp).
/// `rewind: {node, source}`, `reclone: {node, source, slot, create_slot}`: the source is needed.
SettingsError DaemonKind<PostgresSection>::operator_settings_error(const std::string& action, const OperatorSettings& s) {
  if (is_tool(action)) {
    const std::vector<std::string> keys = action == "rewind" ? std::vector<std::string>{"source"}
                                                             : std::vector<std::string>{"source", "slot", "create_slot"};
    for (const auto& [k, v] : s)
      if (std::find(keys.begin(), keys.end(), k) == keys.end())
        return {k, action + " takes " + (action == "rewind" ? "'source'" : "'source', 'slot' and 'create_slot'") + ", not '" + shown(k) + "'"};
    if (setting(s, "source").empty())
      return {"", action + " needs 'source' (the node to copy from: --source-server for pg_rewind, -d for pg_basebackup)"};
    const std::string create = setting(s, "create_slot", "true");
    if (create != "true" && create != "false") return {"create_slot", "create_slot: expected true or false, found '" + shown(create) + "'"};
    if (create == "false" && setting(s, "slot").empty()) return {"create_slot", "create_slot: false needs a 'slot' (pg_basebackup -S without -C)"};
    return {};
  }
  if (action != "sql") return s.empty() ? SettingsError{} : SettingsError{s.front().first, action + " takes no settings, only a node"};
  if (s.size() != 1 || s.front().first != "statement")
    return {s.empty() || s.front().first == "statement" ? "" : s.front().first, "expected {node: NODE, statement: ...}"};
  const auto parsed = models::postgres::parse_operator_sql(s.front().second);
  if (const auto* why = std::get_if<std::string>(&parsed)) return {"statement", *why};
  return {};
}

/// The source written as a name must be a node.
std::vector<std::string> DaemonKind<PostgresSection>::operator_node_refs(const std::string& action, const OperatorSettings& s) {
  if (!is_tool(action)) return {};
  const std::string source = setting(s, "source");
  if (source.empty() || sim::Ipv4::parse(source)) return {};
  return {source};
}

void DaemonKind<PostgresSection>::act_with(sim::Process& daemon, const std::string& action, const OperatorSettings& s) {
  namespace pg = models::postgres;
  if (action == "rewind") {
    pg::PgRewindOptions o;
    o.source_host = setting(s, "source");
    program<pg::PgRewind>(daemon.node(), "pg_rewind").run(o);
  } else if (action == "reclone") {
    pg::PgBasebackupOptions o;
    o.source_host = setting(s, "source");
    o.slot = setting(s, "slot");
    o.create_slot = !o.slot.empty() && setting(s, "create_slot", "true") == "true";
    program<pg::PgBasebackup>(daemon.node(), "pg_basebackup").run(o);
  } else if (action == "sql" && !s.empty()) {
    const auto parsed = pg::parse_operator_sql(s.front().second);
    if (const auto* st = std::get_if<std::vector<pg::OperatorStatement>>(&parsed))
      static_cast<pg::Postgres&>(daemon).operator_sql(*st);
  } else {
    act(daemon, action);
  }
}

}  // namespace scenarios
