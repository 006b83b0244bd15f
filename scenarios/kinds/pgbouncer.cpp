// The `pgbouncer:` section of a node: pgbouncer.ini's settings under their own names, as
// pgbouncer reads them ("15", "transaction"), and its [databases] entries; the operator's
// `reload` step (the [databases] lines edited, then RELOAD on the console).
#include "scenarios/kinds/pgbouncer.hpp"

#include "models/pgbouncer/events.hpp"
#include "models/pgbouncer/pgbouncer.hpp"
#include "scenarios/reader.hpp"
#include "scenarios/spec.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"

namespace scenarios {

using models::pgbouncer::DatabaseEntry;
using models::pgbouncer::PgbouncerConfig;

PgbouncerSection DaemonKind<PgbouncerSection>::read(const Tree& t, const std::string& path) {
  PgbouncerSection s;
  if (t.kind == Tree::Kind::Null) return s;
  std::vector<std::string> allowed = PgbouncerConfig::setting_names();
  allowed.push_back("databases");
  MapReader r(t, path, allowed);
  for (const auto& name : PgbouncerConfig::setting_names()) {
    const Tree* v = r.get(name);
    if (v == nullptr) continue;
    const std::string text = scalar_of(*v, r.sub(name));
    // pgbouncer's own complaint (cfparser.c): "invalid value "X" for parameter Y".
    if (!s.conf.set(name, text)) fail(*v, r.sub(name), "invalid value \"" + shown(text) + "\" for parameter " + name);
    s.settings.emplace_back(name, text);
  }
  if (const Tree* dbs = r.get("databases")) {
    if (!dbs->is_map()) fail(*dbs, r.sub("databases"), "expected a mapping: DATABASE: \"host=NODE port=5432 dbname=NAME\"");
    for (std::size_t i = 0; i < dbs->map.size(); ++i) {
      const auto& [name, v] = dbs->map[i];
      const std::string p = r.sub("databases") + "." + name;
      auto d = DatabaseEntry::parse(name, scalar_of(v, p));
      if (!d) fail(v, p, "expected a connect string of host=, port=, dbname=, user=, pool_size=");
      if (d->host.empty()) fail(v, p, "host= is required (a Unix socket is not modelled)");
      s.conf.databases.push_back(*d);
    }
  }
  if (s.conf.databases.empty()) fail(t, path, "expected 'databases' with at least one entry");
  return s;
}

/// The [databases] hosts written as names must be nodes.
std::vector<NodeRef> DaemonKind<PgbouncerSection>::node_refs(const PgbouncerSection& c) {
  std::vector<NodeRef> out;
  for (const auto& d : c.conf.databases)
    if (!sim::Ipv4::parse(d.host)) out.push_back(NodeRef{{"databases", d.name}, d.host});
  return out;
}

sim::Process& DaemonKind<PgbouncerSection>::build(sim::Node& node, const PgbouncerSection& c, BuildContext&) {
  return node.add_process<models::pgbouncer::Pgbouncer>(c.conf);
}

std::vector<FaultTarget> DaemonKind<PgbouncerSection>::fault_targets(const PgbouncerSection&) {
  return {FaultTarget{"pgbouncer", "pgbouncer", true, "", "", "pgbouncer"}};
}

std::vector<std::string> DaemonKind<PgbouncerSection>::floating_addresses(const PgbouncerSection&) { return {}; }

/// The writers' checks (commits.*, W.*) come with their workload kind; pgbouncer's own records
/// are in the trace for the report and validation.
void DaemonKind<PgbouncerSection>::add_checks(const ScenarioSpec&, sim::Invariants&, CheckSet&) {}

std::vector<std::string_view> DaemonKind<PgbouncerSection>::event_kinds() {
  namespace e = models::pgbouncer;
  return {e::kServerConnected, e::kServerLoginFailed, e::kServerClosed, e::kPoolerError, e::kReload};
}

/// `reload: {node: NODE, databases: {DB: "host=... port=..."}}`: the operator edits the
/// [databases] lines of pgbouncer.ini and runs RELOAD on the admin console (or sends SIGHUP).
std::vector<std::string> DaemonKind<PgbouncerSection>::operator_actions() { return {"reload"}; }

void DaemonKind<PgbouncerSection>::act(sim::Process& daemon, const std::string& action) { act_with(daemon, action, {}); }

namespace {
std::vector<DatabaseEntry> entries_of(const OperatorSettings& s) {
  std::vector<DatabaseEntry> out;
  for (const auto& [k, v] : s)
    if (k.rfind("databases.", 0) == 0)
      if (auto d = DatabaseEntry::parse(k.substr(10), v)) out.push_back(*d);
  return out;
}
}  // namespace

SettingsError DaemonKind<PgbouncerSection>::operator_settings_error(const std::string& action, const OperatorSettings& s) {
  if (action != "reload") return s.empty() ? SettingsError{} : SettingsError{s.front().first, action + " takes no settings"};
  for (const auto& [k, v] : s) {
    if (k.rfind("databases.", 0) != 0) return {k, "reload takes 'databases' (DB: \"host=... port=...\"), not '" + shown(k) + "'"};
    auto d = DatabaseEntry::parse(k.substr(10), v);
    if (!d || d->host.empty()) return {k, "expected a connect string with host= (\"" + shown(v) + "\")"};
  }
  return {};
}

/// A reload's new hosts written as names must be nodes.
std::vector<std::string> DaemonKind<PgbouncerSection>::operator_node_refs(const std::string&, const OperatorSettings& s) {
  std::vector<std::string> out;
  for (const auto& d : entries_of(s))
    if (!sim::Ipv4::parse(d.host)) out.push_back(d.host);
  return out;
}

void DaemonKind<PgbouncerSection>::act_with(sim::Process& daemon, const std::string& action, const OperatorSettings& s) {
  if (action == "reload") static_cast<models::pgbouncer::Pgbouncer&>(daemon).reload(entries_of(s));
}

}  // namespace scenarios
