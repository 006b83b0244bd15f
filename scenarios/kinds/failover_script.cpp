// The `failover_script:` section of a node: the variables of the seed's exercise-4 script.
#include "scenarios/kinds/failover_script.hpp"

#include "models/failover_script/events.hpp"
#include "models/failover_script/failover_script.hpp"
#include "scenarios/checks/failover_script.hpp"
#include "scenarios/reader.hpp"
#include "scenarios/spec.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"

namespace scenarios {

using models::failover_script::FailoverScriptConfig;
using models::failover_script::LagBy;
using models::failover_script::StandbyEntry;

FailoverScriptSection DaemonKind<FailoverScriptSection>::read(const Tree& t, const std::string& path) {
  FailoverScriptSection s;
  MapReader r(t, path, {"primary", "standbys", "check_interval", "connect_timeout", "failures", "lag_by", "conninfo", "repoint"});
  FailoverScriptConfig& c = s.conf;
  c.primary = r.required_str("primary");
  const Tree* sb = r.get("standbys");
  if (sb == nullptr || !sb->is_map() || sb->map.empty())
    fail(sb ? *sb : t, sb ? r.sub("standbys") : path, "expected 'standbys' as a mapping of at least one STANDBY: SLOT (\"\" for none)");
  for (const auto& [host, v] : sb->map) {
    const std::string p = r.sub("standbys") + "." + host;
    const std::string slot = v.kind == Tree::Kind::Null ? "" : scalar_of(v, p);
    // A slot name as PostgreSQL takes it (slot.c ReplicationSlotValidateName): [a-z0-9_].
    for (char ch : slot)
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
        fail(v, p, "replication slot name \"" + shown(slot) + "\" contains invalid character (lower case letters, numbers and underscores only)");
    if (host == c.primary) fail(v, p, "the primary (" + shown(host) + ") cannot be one of its own standbys");
    c.standbys.push_back(StandbyEntry{host, slot});
  }
  c.check_interval = r.duration("check_interval", c.check_interval);
  c.connect_timeout = r.duration("connect_timeout", c.connect_timeout, true);
  if (const Tree* v = r.get("connect_timeout")) {
    // libpq reads whole seconds, and a 1 as 2 ("The minimum allowed timeout is 2 seconds").
    if (c.connect_timeout % sim::kSecond != 0) fail(*v, r.sub("connect_timeout"), "libpq's connect_timeout is whole seconds");
    if (c.connect_timeout == sim::kSecond) fail(*v, r.sub("connect_timeout"), "libpq reads 1 as 2 (its minimum): write 2s");
  }
  c.failures = static_cast<int>(r.integer("failures", c.failures, 1, 1000));
  const std::string lag = r.str("lag_by", "receive");
  if (lag == "receive") c.lag_by = LagBy::ReceiveLsn;
  else if (lag == "replay") c.lag_by = LagBy::ReplayLsn;
  else fail(*r.get("lag_by"), r.sub("lag_by"), "expected receive (pg_last_wal_receive_lsn) or replay (pg_last_wal_replay_lsn), not '" + shown(lag) + "'");
  c.conninfo = r.str("conninfo", c.conninfo);
  if (c.conninfo.find("host=") != std::string::npos || c.conninfo.find('\'') != std::string::npos)
    fail(*r.get("conninfo"), r.sub("conninfo"), "the script adds host= (the new primary) itself, and a quote would end its ALTER SYSTEM string");
  c.repoint = r.str_list("repoint");
  return s;
}

/// The primary and every standby written as names must be nodes.
std::vector<NodeRef> DaemonKind<FailoverScriptSection>::node_refs(const FailoverScriptSection& c) {
  std::vector<NodeRef> out;
  if (!sim::Ipv4::parse(c.conf.primary)) out.push_back(NodeRef{{"primary"}, c.conf.primary});
  for (const auto& s : c.conf.standbys)
    if (!sim::Ipv4::parse(s.host)) out.push_back(NodeRef{{"standbys", s.host}, s.host});
  return out;
}

sim::Process& DaemonKind<FailoverScriptSection>::build(sim::Node& node, const FailoverScriptSection& c, BuildContext& ctx) {
  auto& script = node.add_process<models::failover_script::FailoverScript>(c.conf);
  // Each psql is a command the host forks, as each curl of a load loop is.
  script.psql_start = ctx.spec.runtime.exec_delay;
  return script;
}

/// The script is one bash process (its psql children come and go).
std::vector<FaultTarget> DaemonKind<FailoverScriptSection>::fault_targets(const FailoverScriptSection&) {
  return {FaultTarget{"failover_script", "failover_script", true, "", "", "failover_script"}};
}

std::vector<std::string> DaemonKind<FailoverScriptSection>::floating_addresses(const FailoverScriptSection&) { return {}; }

/// The script's own figures (scenarios/checks/failover_script.hpp): detection, promotion and
/// repointing times from the fault on the primary it watches.
void DaemonKind<FailoverScriptSection>::add_checks(const ScenarioSpec& spec, sim::Invariants&, CheckSet& checks) {
  for (const auto& n : spec.nodes)
    for (const auto& c : n.components)
      if (const auto* s = std::get_if<FailoverScriptSection>(&c)) {
        checks.once<FailoverScriptChecks>("failover_script", s->conf.primary);
        return;
      }
}

std::vector<std::string_view> DaemonKind<FailoverScriptSection>::event_kinds() {
  namespace e = models::failover_script;
  return {e::kCheckFailed, e::kDetected, e::kCandidate, e::kPromoted, e::kRepointed, e::kAppRepointed, e::kGaveUp};
}

/// No operator steps: the script is what replaces them.
std::vector<std::string> DaemonKind<FailoverScriptSection>::operator_actions() { return {}; }
void DaemonKind<FailoverScriptSection>::act(sim::Process&, const std::string&) {}

}  // namespace scenarios
