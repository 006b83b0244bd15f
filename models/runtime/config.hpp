#pragma once
// The container engine itself as plain structs: what its embedded DNS answers and how long its
// commands take to act. Defaults are an ideal engine (instant commands, NXDOMAIN for a stopped
// container's name), which is what hasim modelled before this section existed; calibration
// profiles (scenarios/calibration/podman.yaml) set measured values.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/random.hpp"
#include "sim/time.hpp"

namespace models::runtime {

/// What a DNS query gets back.
enum class DnsStatus { Address, NxDomain, Timeout };
const char* to_string(DnsStatus s);

/// podman's aardvark-dns (or Docker's embedded server at 127.0.0.11).
struct DnsConfig {
  /// A name the server holds no record for (a stopped container's, or one that never existed):
  /// aardvark-dns 1.4 forwards it to the host's resolvers, so the answer is theirs: NXDOMAIN when
  /// they answer, no answer at all (`timeout`) when they are unreachable or silent.
  DnsStatus stopped_name = DnsStatus::NxDomain;
  /// A (re)started container's name gets no answer until this long after the start command:
  /// netavark registers the new address and reloads aardvark, which stops answering meanwhile.
  sim::Distribution register_delay = sim::Distribution::constant(0);
  /// After a stop command, the stopped container's name gets no answer for this long (the same
  /// reload) before `stopped_name` applies.
  sim::Distribution deregister_delay = sim::Distribution::constant(0);
  /// Spells in which the server answers no query at all, for any name, on every network: seen in
  /// the stored Demo 2 records (podman 4.3, aardvark-dns 1.4, three stacks at once) after 15 of
  /// 123 container stops and 2 of 42 starts, for 5-38 s. A command brings one with probability
  /// `after_stop` (stop, kill, restart's stop) or `after_start`; it ends `duration` after the
  /// command (the real spells were measured from it). A start's begins with the command, a
  /// stop's `onset` after it: in the stored runs, 56% began before the stopped server's
  /// standbys' first reconnection (0.1-0.4 s after the command), the rest after it (0.2-1.0 s);
  /// the evidence is in scenarios/demo2/stack.yaml. A silence in effect is only lengthened by a
  /// later one. Absent: none.
  struct Silence {
    double after_stop = 0;
    double after_start = 0;
    sim::Distribution duration = sim::Distribution::constant(0);
    /// From a stop's command to its silence's beginning. Absent: at once.
    std::optional<sim::Distribution> onset;
  } silence;
};

/// The engine's command names, as podman spells them; `command_delay` is keyed by these.
const std::vector<std::string>& command_names();

/// The stack's own start (`docker compose up`): compose starts independent services on parallel
/// threads, so containers come up in no fixed order over a few hundred milliseconds, and each
/// daemon then needs its exec and initialisation inside its container.
struct ComposeUp {
  /// From `compose up` to each container's PID 1 running (the node's first start).
  std::optional<sim::Distribution> container;
  /// From PID 1 running to each daemon running, by daemon (haproxy, nginx, keepalived).
  std::map<std::string, sim::Distribution> daemons;
};

/// The host's disk under every container's writable layer and named volumes (one device for the
/// whole stack, as on the validation VM): what a node's own `disk:` or volume does not set.
/// Absent: sim::VolumeConfig's defaults.
struct HostDisk {
  /// One fdatasync of a little dirty data (a WAL flush), as the containers see it that day: the
  /// same device is fast or slow with whatever else the host writes.
  std::optional<sim::Distribution> fsync;
  /// One write(2) into the page cache.
  std::optional<sim::Distribution> write;
  /// The device's sequential write rate, bytes per second: an fsync of much dirty data (a WAL
  /// segment XLogFileInit filled with zeros, 16 MiB) takes that much longer. `hasim validate`
  /// measures it in its PostgreSQL runs (run_real.py's disk probe: 16 MiB of zeros, then fsync).
  std::optional<std::uint64_t> write_rate;
  /// An fsync of a file with nothing to write (its data and its entry durable). `hasim validate`
  /// measures it in its PostgreSQL runs: each set-up standby's data directory sync after its base
  /// backup, per file.
  std::optional<sim::Distribution> fsync_clean;
};

/// What the nodes are: containers under an engine (compose), or machines (VMs, bare metal) whose
/// daemons systemd or an operator starts and stops.
enum class RuntimeKind { Containers, Host };

/// The hosts' kernel settings that models read, named after their sysctls (net.ipv4.*). Absent: the
/// validation host's kernel (Linux 6.5 and later). Rendered as each container's `sysctls:` (they
/// are per network namespace), so a real run uses the same.
struct KernelConfig {
  /// SYN retransmissions with exponential back-off before connect() gives up (Linux: 6).
  std::optional<int> tcp_syn_retries;
  /// SYN retransmissions 1 s apart before the back-off starts (Linux 6.5+: 4; older kernels have
  /// no such setting, which is 0: SYNs at 0, 1, 3, 7, 15, 31, 63 s).
  std::optional<int> tcp_syn_linear_timeouts;
  bool empty() const { return !tcp_syn_retries && !tcp_syn_linear_timeouts; }
};

struct RuntimeConfig {
  /// `host`: every node is a machine whose daemons are already running at time 0 (no compose
  /// start, no container start-up), a node `start` brings its link up and its daemons at once
  /// (the daemons' own start-ups still apply), and faults are signals to processes and `ip link`
  /// commands, whose latencies are `command_delay` (exec: a signal, `ip link set`). A node's
  /// own `start_delay` still wins. Default: containers.
  RuntimeKind kind = RuntimeKind::Containers;
  ComposeUp compose_up;
  DnsConfig dns;
  /// From a container's PID 1 running to each daemon ready at a later start (`docker start`,
  /// `restart`), by daemon kind; the first start is `compose_up.daemons`. Absent: the process's own.
  std::map<std::string, sim::Distribution> daemon_start;
  /// From a command being issued (`podman stop ...`) to its effect inside the container (the
  /// SIGTERM, the freeze, the interface gone). Absent: instant.
  std::map<std::string, sim::Distribution> command_delay;
  /// From a stopped or killed container's last process exiting to its network namespace and
  /// addresses being removed (conmon noticing, netavark tearing down). Absent: at once.
  std::optional<sim::Distribution> teardown_delay;
  /// The same after `docker kill`, when it differs (validation/measure_teardown.py measures both).
  std::optional<sim::Distribution> kill_teardown_delay;
  /// A shell loop's cost per iteration inside a container: fork and exec of a short program
  /// (the load-test loop's curl and sleep). Absent: none.
  std::optional<sim::Distribution> exec_delay;
  /// How much the machine's speed varies from one run to the next (other work on the host, other
  /// stacks running at the same time): each run draws one factor exp(sigma * N(0,1)) that scales
  /// every exec_delay of that run. The log-sd of the per-run median loop costs; 0: every run alike.
  double exec_load_sigma = 0;
  /// From a daemon being woken (a packet in its socket, a timer, its shutdown) to it acting: the
  /// host's scheduling latency under load. Applied to keepalived (adverts, VIP changes: it sets
  /// how long a hand-over holds the VIP on two nodes), to HAProxy's check timers and to pgbench's
  /// throttled start (the lag it reports). Absent: at once.
  std::optional<sim::Distribution> wakeup_delay;
  /// From a PostgreSQL process's latch being set or its socket becoming readable to it running
  /// (WaitLatchOrSocket on a busy host): the walsender, walreceiver and startup process wake each
  /// other per commit, so it adds to every replication lag. `hasim validate` measures it in the
  /// real runs (half of each pg_stat_replication row's replay_lag - flush_lag). Absent: at once.
  std::optional<sim::Distribution> latch_wakeup;
  /// A standby's walreceiver's work on a batch of WAL once it runs, up to its write reply
  /// (XLogWalRcvWrite's pwrite and the CPU it waits for on a busy host). `hasim validate` measures
  /// it in the real runs: what each pg_stat_replication row's write_lag leaves once two wake-ups
  /// and the scenario's network both ways are taken out. Absent: none.
  std::optional<sim::Distribution> walreceiver_write;
  /// From a standby's startup process asking for streaming to its new walreceiver's connection
  /// attempt: the postmaster's fork, the process's set-up and libpq's look-up. Each real
  /// walreceiver that retried a stopped primary logged its failure this long after the retry was
  /// due (validation/README.md). Absent: at once.
  std::optional<sim::Distribution> walreceiver_start;
  /// A PostgreSQL client's session opening, as validation's session probe measures it in the
  /// writer's container after each real run: `getent` (pg-writer.sh's name look-up, a process of
  /// its own), `psql_start` (psql's fork, exec and dynamic loading, before it connects: 100-200 ms
  /// on the loaded 2-core host of 2026-12-04, where the connection itself added nothing
  /// measurable), and `backend_warmup` (a new backend's first transaction's extra cost over a
  /// later one on the same session: its empty caches). Absent: at once.
  std::optional<sim::Distribution> getent, psql_start, backend_warmup;
  /// A PostgreSQL backend's statement, parse to completion, and a committing backend's wait for
  /// its WAL flush, as `hasim validate` measures them in each real run (the writer's statements
  /// logged by log_min_duration_statement: BEGIN, INSERT and SELECT give `statement_time`; each
  /// COMMIT less their mean gives `commit_flush`). On a loaded host a COMMIT takes
  /// longer than the device's flush (its fdatasync's wake-up, the CPU it waits for: 0.38 -> 3.5
  /// ms beside two CPU hogs on 2026-12-04, where a bare fdatasync did not slow). Absent: the
  /// server's own statement_time (200 us), and a commit's flush takes the disk's fsync.
  std::optional<sim::Distribution> statement_time, commit_flush;
  /// A statement's time by its command (BEGIN, INSERT, SELECT, COMMIT: the first word, upper
  /// case), each as the real runs timed it; a command not named takes statement_time. `hasim
  /// validate` sets it with COMMIT at 0 and commit_flush as each whole COMMIT, so a simulated
  /// commit's four statements cost what the four real ones did, each its own.
  std::map<std::string, sim::Distribution> statement_time_by_command;
  /// A statement's time by the relation it names and its command (`{pgbench_accounts: {UPDATE:
  /// D, SELECT: D}, ...}`), before statement_time_by_command: pgbench's statements as its own
  /// sessions logged them (validation's pgbench.sh, since 2026-12-05).
  std::map<std::string, std::map<std::string, sim::Distribution>, std::less<>> statement_time_by_relation;
  /// pg-writer.sh's own time per commit beyond its statements' server time and the simulated
  /// network (psql and its loop, woken by the host): `hasim validate` takes each real run's
  /// commits' latency less their statements' durations (a warm session's), less the simulator's
  /// own round trips. Absent: none.
  std::optional<sim::Distribution> writer_overhead;
  /// A bulk statement's CPU time per row (pgbench -i's COPY of pgbench_accounts: 1.0 us on the
  /// quiet host, 2026-12-05), drawn once per statement; an index build and a VACUUM take measured
  /// fractions of it (models/postgres/bulk_load.cpp). Absent: the server's own (1 us).
  std::optional<sim::Distribution> bulk_row;
  KernelConfig kernel;
  HostDisk disk;
};

}  // namespace models::runtime
