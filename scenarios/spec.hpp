#pragma once
// A scenario as plain structs: what the YAML loader produces and what the runner consumes.
// Tests and the Python module may build these directly, without YAML.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "models/runtime/config.hpp"
#include "models/workloads/http_client.hpp"
#include "scenarios/kinds/kinds.hpp"
#include "scenarios/tree.hpp"
#include "sim/disk.hpp"
#include "sim/random.hpp"
#include "sim/time.hpp"

namespace scenarios {

struct NetworkSpec {
  std::string name;
  std::string subnet = "172.20.0.0/16";
  sim::Distribution latency = sim::Distribution::constant(100 * sim::kMicrosecond);
};

/// One network a node is attached to, with a fixed address or one handed out by the bridge.
struct Attachment {
  std::string network;
  std::string address;  // empty: dynamic
};

/// A volume mounted into a node's container (compose `volumes:`; the root layer is `disk:`).
struct VolumeSpec {
  std::string name;
  std::string target;  // mount point
  sim::VolumeKind kind = sim::VolumeKind::Named;
  sim::VolumeConfig config;
};

struct ProcessTiming {
  std::optional<sim::Distribution> start_delay, stop_delay;
};

struct NodeSpec {
  std::string name;
  std::vector<Attachment> networks;
  bool dynamic_address = false;  // a new address on each start (no fixed ipv4_address)
  bool router = false;
  std::optional<sim::Distribution> start_delay;
  std::optional<sim::Time> stop_timeout;
  bool start = true;  // running when the scenario begins
  /// compose `depends_on`: started only once these nodes' containers are up.
  std::vector<std::string> depends_on;
  std::vector<ComponentSpec> components;
  std::vector<ProcessTiming> timings;  // parallel to components
  /// The container's writable layer (`disk:`) and its other mounts (`volumes:`).
  sim::VolumeConfig disk;
  std::vector<VolumeSpec> volumes;
};

/// `kind: pg_writer`: one INSERT transaction every `interval` on a session to `host`, each
/// acknowledgement and failure recorded (models/postgres/client.hpp WriteClient).
struct PgWriterSpec {
  std::string host;
  /// The server's port: PostgreSQL's 5432, or a pooler's (pgbouncer's listen_port, 6432).
  std::uint16_t port = 5432;
  sim::Time interval = 100 * sim::kMillisecond;
  /// The INSERT's WAL; the commit record adds 64. 144: the seed's row (users: name, email,
  /// created_at, its primary key's index entry) and its commit take 208 bytes of WAL, the
  /// commonest distance between consecutive commits' LSNs in real PostgreSQL 15 (640 of 686
  /// before the crash in run 0 of validation/results/2026-12-03/demo2-crash-failover). That is
  /// a row of a 72-byte heap tuple, 'load-10' to 'load-99999'; the server adds or takes the
  /// difference for a row of another width (its first nine rows: 8 bytes less).
  std::uint64_t wal_bytes = 144;
  sim::Time start = 0;
  /// `synchronous_commit:` the session's level (PGOPTIONS="-c synchronous_commit=..."); "": the
  /// server's. Kept as written, checked against PostgreSQL's levels by the loader.
  std::string synchronous_commit;
  /// `attempt_timeout:` how long one attempt waits for its answer before the session is given
  /// up (pg-writer.sh's bound, 5 s); 0: as long as the run lasts (psql's own behaviour: a commit
  /// waiting for a synchronous standby hangs without an error).
  sim::Time attempt_timeout = 5 * sim::kSecond;
};

/// `kind: pg_reader`: `SELECT max(id) FROM users` every `interval` on a session to `host`, each
/// answer (what the server's snapshot saw) and failure recorded (models/postgres/read_client.hpp).
struct PgReaderSpec {
  std::string host;
  /// The seed's read-scaling loop: `sleep 0.5` between reads.
  sim::Time interval = 500 * sim::kMillisecond;
  /// Reads made, then the reader stops (the seed's `for i in {1..20}`); 0: until the run ends.
  int count = 0;
  /// libpq's `target_session_attrs` for `host` (a comma-separated list of nodes, tried in order):
  /// any, read-write, read-only, primary, standby or prefer-standby.
  std::string target_session_attrs = "any";
  sim::Time start = 0;
};

/// `kind: pgbench`: pgbench's built-in TPC-B-like script on `clients` sessions to `host`
/// (models/postgres/pgbench.hpp), the keys named after its options.
struct PgbenchSpec {
  std::string host;
  std::uint16_t port = 5432;
  int clients = 1;     // -c
  double rate = 0;     // -R, transactions per second; 0: no limit
  int scale = 1;       // -s of `pgbench -i` (branches: one row per scale unit)
  sim::Time time = 0;  // -T; 0: from `start` to the run's end
  sim::Time start = 0;
  /// How late pgbench's thread returns from its timed wait under -R (PgbenchConfig::wakeup_delay),
  /// where it is not the host's runtime.wakeup_delay: pgbench's own, as its schedule lag measured
  /// it in real runs (hasim validate sets it from a record's pgbench log).
  std::optional<sim::Distribution> wakeup_delay;
};

struct WorkloadSpec {
  /// A kind of scenarios/workload_kinds.hpp's table (the loader refuses any other name), by
  /// default its first (tests/scenarios/workload_kinds_test.cpp); which of `http` and `pg` it
  /// fills, that kind's read function says.
  std::string kind = "http_client";
  std::string node;
  /// `latency_metrics: true` (HTTP loops): also W.latency_max_s, the longest a request took to
  /// get a good answer (off by default: records made before it lack the figure).
  bool latency_metrics = false;
  models::HttpClientConfig http;
  PgWriterSpec pg;
  PgReaderSpec pg_reader;
  PgbenchSpec pgbench;
};

/// One entry of the fault timeline. `action` names the real command it stands for.
struct FaultSpec {
  sim::Time at = 0;
  std::string action;  // stop kill freeze thaw start restart crash disconnect connect link_down link_up partition heal drop delay loss
  std::string target;  // "node" or "node/process" (empty for partition/heal)
  std::string network;  // disconnect/connect/link_down/link_up: one network (interface) only
  std::vector<std::vector<std::string>> groups;  // partition
  std::vector<std::string> from, to;  // drop
  std::uint32_t proto = 0xffffffffu;  // drop: protocol mask
  bool both_ways = false;
  sim::Distribution delay;  // delay
  double loss = 0.0;        // loss
  std::string workload, host;  // repoint: the application's new database server
  /// An operator step's settings besides its node (`sql: {node: pg1, statement: "..."}`,
  /// `reload: {node: pgbouncer, databases: {demodb: "host=pg2"}}`), flattened:
  /// ("statement", "..."), ("databases.demodb", "host=pg2"), in writing order.
  std::vector<std::pair<std::string, std::string>> settings;
  std::optional<sim::Time> for_;  // undo after this long
  /// This fault's own `jitter:`, in place of the scenario's `fault_jitter` (see there).
  std::optional<sim::Time> jitter;
  sim::Time jitter_or(sim::Time scenario_jitter) const { return jitter.value_or(scenario_jitter); }
  std::string source;  // "file:line" for messages
};

/// `converge:` a liveness check after `heal_at`: each named invariant must hold again (no
/// violation open) and each named condition (converge_conditions()) must hold `within` after
/// the heal; one that does not is a `converge` violation whose detail starts with its name.
struct ConvergeSpec {
  sim::Time within = 0;
  std::vector<std::string> holds;
  std::string source;  // "file:line" for messages
};

struct ScenarioSpec {
  std::string name;
  std::string description;
  std::string file;
  std::uint64_t seed = 1;
  int runs = 1;
  sim::Time duration = 60 * sim::kSecond;
  /// Where `duration` was written (the document itself when it was not): a run that outgrows
  /// its event budget is reported there.
  Source duration_source;
  /// Each fault happens at `at` plus a uniform offset in [0, fault_jitter), drawn per fault from
  /// its own stream: a person or script never hits the same phase of the check/advert cycle twice,
  /// and seeds should explore those phases as real runs do.
  sim::Time fault_jitter = 0;
  std::vector<NetworkSpec> networks;
  std::vector<NodeSpec> nodes;
  std::map<std::string, WorkloadSpec> workloads;  // name -> workload (name order)
  std::vector<FaultSpec> faults;
  std::vector<std::string> invariants;
  /// `heal_at:` every fault still in effect ends then (its undo, as `for` would do it; network
  /// rules heal), so the stack can be watched recovering.
  std::optional<sim::Time> heal_at;
  std::optional<ConvergeSpec> converge;
  /// `runtime:`: the container engine's DNS and command latencies (ideal engine by default).
  models::runtime::RuntimeConfig runtime;
};

/// The most runs of one scenario at once (`runs:`, `hasim run --runs`): each keeps its result
/// until the summary is printed.
constexpr int kMaxRuns = 10000;

/// Invariants the models know how to check.
const std::vector<std::string>& known_invariants();
/// States `converge:` may require besides invariants, checked once at heal_at + within:
/// `vip_held` (each VIP held by exactly one node), `backends_up` (every HAProxy runs and sees
/// every server UP), `one_primary` (exactly one PostgreSQL primary), `standbys_streaming` (every
/// running standby streams, from the one primary and on its timeline), `daemons_running` (every
/// daemon of every node started with the stack runs).
const std::vector<std::string>& converge_conditions();

/// The node a HAProxy server's address names: a node name as written, or the node that holds
/// that fixed IPv4 address; empty when no node does (an address outside the stack). Detection
/// metrics follow faults on this node, however the server was written.
std::string node_named_by(const ScenarioSpec& spec, const std::string& address);

}  // namespace scenarios
