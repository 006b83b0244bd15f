#include "scenarios/workload_kinds.hpp"

#include <algorithm>

#include "models/postgres/client.hpp"
#include "models/postgres/pgbench.hpp"
#include "models/postgres/read_client.hpp"
#include "models/workloads/http_client.hpp"
#include "models/workloads/http_probe.hpp"
#include "scenarios/reader.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"
#include "sim/simulation.hpp"

namespace scenarios {
namespace {

// `kind: http_client` (the default): the seed's closed loop (curl, then sleep); `kind: http_probe`:
// the open loop (a curl started in the background every interval). Both are curl, with curl's
// options.
void read_http_client(const Tree& t, const std::string& p, const std::string& name, const NodeCheck& check_node,
                      WorkloadSpec& w) {
  MapReader wr(t, p, {"kind", "node", "url", "count", "interval", "timeout", "connect_timeout", "start", "duration",
                      "latency_metrics"});
  w.node = wr.required_str("node");
  check_node(w.node, *wr.get("node"), wr.sub("node"));
  w.http.name = name;
  w.http.url = wr.required_str("url");
  auto hp = models::HostPort::parse(w.http.url, 80);
  if (!hp || hp->host.empty()) fail(*wr.get("url"), wr.sub("url"), "expected http://HOST[:PORT]/PATH");
  if (!sim::Ipv4::parse(hp->host)) check_node(hp->host, *wr.get("url"), wr.sub("url"));
  w.http.count = wr.integer("count", 0, 0, 100000000);
  // An open loop at interval 0 would send without end at one instant.
  w.http.interval = wr.duration("interval", w.http.interval, w.kind == kHttpClient);
  // curl without --max-time has no overall limit; 0 here means the same.
  w.http.timeout = wr.duration("timeout", 0, true);
  if (w.http.timeout == 0) w.http.timeout = models::kNoTimeout;
  w.http.connect_timeout = wr.duration("connect_timeout", 300 * sim::kSecond);  // curl's default
  w.http.start = wr.duration("start", 0, true);
  w.http.duration = wr.duration("duration", 0, true);
  w.latency_metrics = wr.boolean("latency_metrics", false);
}

/// `docker exec` of workload `name`'s loop: runtime.command_delay.exec drawn from the workload's
/// own stream (0 for an ideal engine).
sim::Time exec_latency(sim::Simulation& s, const ScenarioSpec& spec, const std::string& name) {
  auto ex = spec.runtime.command_delay.find("exec");
  if (ex == spec.runtime.command_delay.end()) return 0;
  sim::Rng rng = s.rng("runtime/command/workloads/" + name);
  return std::max<sim::Time>(0, ex->second.sample(rng));
}

void build_http_client(sim::Simulation& s, const ScenarioSpec& spec, const std::string& name, const WorkloadSpec& w,
                       double load) {
  models::HttpClientConfig hc = w.http;
  hc.start += s.origin();  // from the run's time 0
  // `docker exec` of the loop: its first request goes out this much after `start` (on a busy
  // host, seconds; validation measures it in every real run).
  hc.start += exec_latency(s, spec, name);
  // The machine's cost of spawning curl: between iterations of the closed loop, between a tick
  // of the open loop and its request.
  if (spec.runtime.exec_delay) hc.loop_overhead = *spec.runtime.exec_delay;
  if (spec.runtime.wakeup_delay) hc.wakeup_delay = *spec.runtime.wakeup_delay;
  hc.loop_overhead_scale = load;
  if (w.kind == kHttpProbe) {
    auto& c = s.find_node(w.node)->add_process<models::HttpProbe>(hc);
    c.start_delay = sim::Distribution::constant(0);
    return;
  }
  auto& c = s.find_node(w.node)->add_process<models::HttpClient>(hc);
  c.start_delay = sim::Distribution::constant(0);
}

/// The harness execs a PostgreSQL stack's clients after its time 0 (validation/run_real.py): where
/// the stack is set up before it (an origin past the engine's 0), the client starts at time 0
/// and `docker exec`'s latency (runtime.command_delay.exec, as an HTTP loop's first request),
/// not when its container came up; its start_delay runs from there. (In the stored real runs the
/// writer's first attempt began 0.13-0.4 s after its `start` on a quiet host.)
void start_at_time_zero(sim::Simulation& s, const ScenarioSpec& spec, const std::string& name, sim::Process& p) {
  if (s.origin() == 0) return;
  p.autostart = false;
  s.at(s.origin() + exec_latency(s, spec, name), [&p] { p.start(); });
}

// `kind: pg_writer`: one INSERT transaction every `interval` on a session to `host`.
void read_pg_writer(const Tree& t, const std::string& p, const std::string&, const NodeCheck& check_node, WorkloadSpec& w) {
  MapReader wr(t, p, {"kind", "node", "host", "port", "interval", "wal_bytes", "start", "synchronous_commit", "attempt_timeout"});
  w.node = wr.required_str("node");
  check_node(w.node, *wr.get("node"), wr.sub("node"));
  w.pg.host = wr.required_str("host");
  if (!sim::Ipv4::parse(w.pg.host)) check_node(w.pg.host, *wr.get("host"), wr.sub("host"));
  w.pg.port = static_cast<std::uint16_t>(wr.integer("port", 5432, 1, 65535));
  w.pg.interval = wr.duration("interval", w.pg.interval);
  w.pg.wal_bytes = static_cast<std::uint64_t>(wr.integer("wal_bytes", static_cast<std::int64_t>(PgWriterSpec{}.wal_bytes), 1, 1 << 30));
  w.pg.start = wr.duration("start", 0, true);
  if (const Tree* sc = wr.get("synchronous_commit")) {
    w.pg.synchronous_commit = scalar_of(*sc, wr.sub("synchronous_commit"));
    if (!models::postgres::parse_synchronous_commit(w.pg.synchronous_commit))
      fail(*sc, wr.sub("synchronous_commit"),
           "unknown synchronous_commit level '" + shown(w.pg.synchronous_commit) + "' (off, local, remote_write, on or remote_apply)");
  }
  w.pg.attempt_timeout = wr.duration("attempt_timeout", w.pg.attempt_timeout, true);
}

void build_pg_writer(sim::Simulation& s, const ScenarioSpec& spec, const std::string& name, const WorkloadSpec& w, double) {
  auto& c = s.find_node(w.node)->add_process<models::postgres::WriteClient>("client:" + name, w.pg.host, w.pg.interval,
                                                                            w.pg.wal_bytes);
  c.port = w.pg.port;
  c.start_delay = sim::Distribution::constant(w.pg.start);
  c.synchronous_commit = models::postgres::parse_synchronous_commit(w.pg.synchronous_commit);
  c.attempt_timeout = w.pg.attempt_timeout;
  if (spec.runtime.getent) c.getent_time = *spec.runtime.getent;
  if (spec.runtime.psql_start) c.psql_start_time = *spec.runtime.psql_start;
  c.overhead = spec.runtime.writer_overhead;
  c.stop_at = s.origin() + spec.duration;   // the run's end
  c.run_for = spec.duration - w.pg.start;  // pg-writer.sh's RUN_FOR_S, from its own start
  start_at_time_zero(s, spec, name, c);
}

// `kind: pg_reader`: `SELECT max(id) FROM users` every `interval` on a session to `host`.
void read_pg_reader(const Tree& t, const std::string& p, const std::string&, const NodeCheck& check_node, WorkloadSpec& w) {
  MapReader wr(t, p, {"kind", "node", "host", "interval", "count", "start", "target_session_attrs"});
  w.node = wr.required_str("node");
  check_node(w.node, *wr.get("node"), wr.sub("node"));
  w.pg_reader.host = wr.required_str("host");
  // libpq's host list: each name a node (or an address), tried in order.
  for (std::size_t from = 0; from <= w.pg_reader.host.size();) {
    const auto comma = w.pg_reader.host.find(',', from);
    const std::string h = w.pg_reader.host.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    if (h.empty()) fail(*wr.get("host"), wr.sub("host"), "empty host in the list '" + w.pg_reader.host + "'");
    if (!sim::Ipv4::parse(h)) check_node(h, *wr.get("host"), wr.sub("host"));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  if (const Tree* a = wr.get("target_session_attrs")) {
    w.pg_reader.target_session_attrs = scalar_of(*a, wr.sub("target_session_attrs"));
    if (!models::postgres::parse_target_session_attrs(w.pg_reader.target_session_attrs))
      fail(*a, wr.sub("target_session_attrs"),
           "unknown target_session_attrs '" + shown(w.pg_reader.target_session_attrs) +
               "' (any, read-write, read-only, primary, standby or prefer-standby)");
  }
  // A reader at interval 0 would query without end at one instant.
  w.pg_reader.interval = wr.duration("interval", w.pg_reader.interval);
  w.pg_reader.count = static_cast<int>(wr.integer("count", 0, 0, 100000000));
  w.pg_reader.start = wr.duration("start", 0, true);
}

void build_pg_reader(sim::Simulation& s, const ScenarioSpec& spec, const std::string& name, const WorkloadSpec& w, double) {
  auto& c = s.find_node(w.node)->add_process<models::postgres::ReadClient>("client:" + name, w.pg_reader.host,
                                                                           w.pg_reader.interval);
  c.count = w.pg_reader.count;
  c.target_session_attrs = *models::postgres::parse_target_session_attrs(w.pg_reader.target_session_attrs);
  // Where its reads fall between the writer's commits is not the scenario's to say: the real
  // reader is a `docker exec` of its own, started some hundreds of milliseconds apart from the
  // writer's. A phase drawn within one interval (a stream of its own) keeps a run from reading
  // always just before, or just after, each commit.
  sim::Rng rng = s.rng("workloads/" + name + "/phase");
  const sim::Time phase = rng.uniform_int(0, w.pg_reader.interval - 1);
  c.start_delay = sim::Distribution::constant(w.pg_reader.start + phase);
  start_at_time_zero(s, spec, name, c);
}

// `kind: pgbench`: pgbench -c clients [-R rate] -T time against `host` from `start` on, its
// tables made by `pgbench -i -s scale` from the scenario's start.
void read_pgbench(const Tree& t, const std::string& p, const std::string&, const NodeCheck& check_node, WorkloadSpec& w) {
  MapReader wr(t, p, {"kind", "node", "host", "port", "clients", "rate", "scale", "time", "start", "protocol", "wakeup_delay"});
  w.node = wr.required_str("node");
  check_node(w.node, *wr.get("node"), wr.sub("node"));
  auto& g = w.pgbench;
  g.host = wr.required_str("host");
  if (!sim::Ipv4::parse(g.host)) check_node(g.host, *wr.get("host"), wr.sub("host"));
  g.port = static_cast<std::uint16_t>(wr.integer("port", 5432, 1, 65535));
  g.clients = static_cast<int>(wr.integer("clients", 1, 1, 1000));
  g.rate = wr.real("rate", 0, 0, 1e6);
  g.scale = static_cast<int>(wr.integer("scale", 1, 1, 10000));
  g.time = wr.duration("time", 0, true);
  g.start = wr.duration("start", 0, true);
  g.wakeup_delay = wr.distribution("wakeup_delay");
  // -M: the extended and prepared protocols send each statement in one round trip too, but
  // their parse and plan costs differ, which the model does not know: only simple is taken.
  if (const Tree* m = wr.get("protocol"); m != nullptr && scalar_of(*m, wr.sub("protocol")) != "simple")
    fail(*m, wr.sub("protocol"), "only protocol simple (-M simple, pgbench's default) is modelled");
}

void build_pgbench(sim::Simulation& s, const ScenarioSpec& spec, const std::string& name, const WorkloadSpec& w, double) {
  const auto& g = w.pgbench;
  models::postgres::PgbenchConfig c;
  c.host = g.host;
  c.port = g.port;
  c.clients = g.clients;
  c.rate = g.rate;
  c.scale = g.scale;
  c.time = g.time > 0 ? g.time : spec.duration - g.start;
  // validation's pgbench.sh starts with the stack (its set-up: pgbench -i, a CHECKPOINT, the wait
  // for the standbys) and its run `start` after it began.
  c.initialize = true;
  c.run_at = g.start;
  if (g.wakeup_delay) c.wakeup_delay = *g.wakeup_delay;
  else if (spec.runtime.wakeup_delay) c.wakeup_delay = *spec.runtime.wakeup_delay;
  start_at_time_zero(s, spec, name, s.find_node(w.node)->add_process<models::postgres::Pgbench>("client:" + name, c));
}

}  // namespace

const std::vector<WorkloadKind>& workload_kinds() {
  static const std::vector<WorkloadKind> kinds = {
      {kHttpClient, WorkloadChecks::Load, false, read_http_client, build_http_client},
      {kHttpProbe, WorkloadChecks::Load, false, read_http_client, build_http_client},
      {kPgWriter, WorkloadChecks::Postgres, true, read_pg_writer, build_pg_writer},
      {kPgReader, WorkloadChecks::Postgres, false, read_pg_reader, build_pg_reader},
      {kPgbench, WorkloadChecks::Postgres, false, read_pgbench, build_pgbench},
  };
  return kinds;
}

const WorkloadKind* find_workload_kind(std::string_view name) {
  for (const auto& k : workload_kinds())
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace scenarios
