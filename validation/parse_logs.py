"""Parsers for the real stack's logs: the simulator's events, under its names.

Events (dicts, times in seconds from the run's t0, like `hasim run --json`):
  server_down / server_up      {t_s, node, backend, server, reason, line}   HAProxy log-health-checks
  http_non_2xx                 {t_s, node, backend, server, status}   HAProxy `option httplog`, status not 2xx
  vrrp_state                   {t_s, node, instance, state}   keepalived "(VI_1) Entering X STATE"
  vrrp_force_election          {t_s, node, instance, from, their_priority}   keepalived "(VI_1) Received
                               advert from A with lower priority N, ours M, forcing new election"
  request                      {t_s (its end), node, workload, seq, sent_s, status, latency_ms, served_by}
                               (probe.sh's also lb, server, remote_ip)
  vip_added / vip_removed      {t_s, node, vip}               vip-watch.sh
  pg_*                         PostgreSQL's log and pg-writer.sh (models/postgres/events.hpp)
  fault / fault_end            {t_s, action, target, ...}     from run_real.py's own record

No metric is computed here: `hasim validate` computes every one from these events with the
simulator's own checks (scenarios/checks/), so real and simulated values come from one place.
The kinds and field names are the simulator's (scenarios/events.hpp, `hasim.event_kinds()`);
tests/python/test_event_kinds.py checks every event emitted here against that declaration.

Standard library only (Debian /usr/bin/python3).
"""
from __future__ import annotations

import math
import re
import statistics
from typing import Iterable, Iterator

# The simulator's event kinds (scenarios/events.hpp and models/*/events.hpp).
SERVER_DOWN, SERVER_UP = "server_down", "server_up"
HTTP_NON_2XX = "http_non_2xx"
VRRP_STATE = "vrrp_state"
VRRP_FORCE_ELECTION = "vrrp_force_election"
REQUEST = "request"
VIP_ADDED, VIP_REMOVED = "vip_added", "vip_removed"
FAULT, FAULT_END = "fault", "fault_end"
PG_STARTED, PG_RECOVERY_STARTED, PG_RECOVERY_DONE = "pg_started", "pg_recovery_started", "pg_recovery_done"
PG_PROMOTED, PG_TIMELINE_FOLLOWED, PG_CHECKPOINT, PG_PANIC = "pg_promoted", "pg_timeline_followed", "pg_checkpoint", "pg_panic"
PG_PROMOTE_REQUESTED, PG_STATEMENT_STARTED = "pg_promote_requested", "pg_statement_started"
PG_REWIND, PG_BASEBACKUP = "pg_rewind", "pg_basebackup"
PG_WALRECEIVER_CONNECTED, PG_WALRECEIVER_DISCONNECTED = "pg_walreceiver_connected", "pg_walreceiver_disconnected"
PG_SHUTDOWN_REQUESTED, PG_SHUTDOWN_DONE = "pg_shutdown_requested", "pg_shutdown_done"
PG_COMMIT_ACKED, PG_COMMIT_FAILED = "pg_commit_acked", "pg_commit_failed"
PG_READ_DONE, PG_READ_FAILED = "pg_read_done", "pg_read_failed"
PG_STAT_REPLICATION = "pg_stat_replication"
PGBENCH_TXN, PGBENCH_CLIENT_ABORTED = "pgbench_txn", "pgbench_client_aborted"
PG_SYNC_STATE_CHANGED, PG_RELOAD = "pg_sync_state_changed", "pg_reload"
PG_SLOT_INVALIDATED = "pg_slot_invalidated"
PG_DATA_DIRECTORY_SYNCED = "pg_data_directory_synced"

# `podman logs --timestamps`: "2026-11-22T00:50:01.123456789+00:00 message" (also "Z").
_TS = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?\s(.*)$")

# HAProxy state changes. With `option log-health-checks` and `log stdout` each appears on stdout
# (raw) and again on stderr as "[WARNING]  (8) : Server ..."; the state machine below keeps one.
#   Server B/S is DOWN[, reason: ...]. / Server B/S is UP[, reason: ...].
#   Server B/S is going DOWN for maintenance (...). / Server B/S was DOWN and now enters maintenance (DNS timeout status).
#   Server B/S ('name') is UP/READY (resolves again).   <- leaves DNS maintenance; the UP comes with the next check
#   Health check for server B/S succeeded|failed, reason: ..., status: 3/3 UP.   <- the state after each check
_HAPROXY_STATE = re.compile(
    r"(?:Server|Backup Server) (?P<backend>[^/\s]+)/(?P<server>\S+) "
    r"(?P<what>is DOWN|is going DOWN for maintenance|is UP|was DOWN and now enters maintenance)"
    r"(?P<rest>.*)$")
_HAPROXY_CHECK = re.compile(
    r"Health check for (?:backup )?server (?P<backend>[^/\s]+)/(?P<server>\S+) (?P<result>succeeded|failed)"
    r"(?P<rest>.*), status: \d+/\d+ (?P<state>UP|DOWN)\.?\s*$")
_HAPROXY_PREFIX = re.compile(r"^\[[A-Z]+\]\s+\(\d+\)\s*:\s*")  # stderr copies: "[WARNING]  (8) : "
_HAPROXY_REASON = re.compile(r"reason: ([^,.]+(?:\.[0-9]+)?[^,.]*)")
_KEEPALIVED = re.compile(r"\((?P<instance>[^)]+)\) Entering (?P<state>MASTER|BACKUP|FAULT|INIT|STOP) STATE")
# vrrp.c vrrp_state_master_rx (2.2.7): a MASTER hearing a lower priority (or an equal one from a
# lower address); ", forcing new election" unless lower_prio_no_advert.
_KEEPALIVED_LOWER = re.compile(r"\((?P<instance>[^)]+)\) Received advert from (?P<src>\S+) with lower priority "
                               r"(?P<theirs>\d+), ours \d+")
_REQ = re.compile(r"HASIM_REQ (?P<kv>.*)$")
# `option httplog`, one line per request when it ends (its stamp: the answer's end):
#   CLIENT:PORT [ACCEPT_DATE] FRONTEND BACKEND/SERVER TR/Tw/Tc/Tr/Ta STATUS BYTES ...
# SERVER is <NOSRV> when none was chosen; STATUS -1 when none was sent.
_HTTPLOG = re.compile(r"\] \S+ (?P<backend>[^/\s]+)/(?P<server>\S+) [-\d]+/[-\d]+/[-\d]+/[-\d]+/[-+\d]+ (?P<status>-?\d+) ")


# The workload kinds a rendered plan may hold (scenarios/workload_kinds.cpp declares them; a
# pytest checks this list against hasim.workload_kinds()). The plan names the kind of every entry
# but the closed loop's (plan.json stays as the stored records have it).
WORKLOAD_KINDS = ("http_client", "http_probe", "pg_writer", "pg_reader", "pgbench")


def workload_kind(entry: dict) -> str:
    """The kind of a plan's workload entry; an unknown one is an error, never read as another."""
    kind = entry.get("kind", "http_client")
    if kind not in WORKLOAD_KINDS:
        raise ValueError(f"workload {entry.get('name')!r}: kind {kind!r} has no reader in validation/parse_logs.py "
                         f"(known: {', '.join(WORKLOAD_KINDS)})")
    return kind


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 (proleptic Gregorian), without time zones or floats."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_timestamp_line(line: str):
    """Splits a `podman logs --timestamps` line into (epoch_ns, message); (None, line) if unstamped."""
    m = _TS.match(line.rstrip("\n"))
    if not m:
        return None, line.rstrip("\n")
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    frac = (m.group(7) or "").ljust(9, "0")
    ns = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1_000_000_000) + int(frac or 0)
    tz = m.group(8)
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        ns -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60) * 1_000_000_000
    return ns, m.group(9)


def parse_haproxy(lines: Iterable[str], node: str, t0_ns: int) -> list[dict]:
    """server_down/server_up events from one HAProxy container's timestamped log, and an
    http_non_2xx for each `option httplog` line whose status is not 2xx (as the simulator's
    HAProxy records each such answer; 2xx answers make no event on either side)."""
    events = []
    state: dict[tuple[str, str], str] = {}  # (backend, server) -> "UP" | "DOWN"; servers start UP
    for line in lines:
        ns, msg = parse_timestamp_line(line)
        if ns is None:
            continue
        h = _HTTPLOG.search(msg)
        if h:
            status = int(h.group("status"))
            if not 200 <= status < 300:
                server = h.group("server")
                events.append({"kind": HTTP_NON_2XX, "t_s": (ns - t0_ns) / 1e9, "t_ns": ns, "node": node,
                               "backend": h.group("backend"), "server": "" if server == "<NOSRV>" else server,
                               "status": status})
            continue
        m = _HAPROXY_STATE.search(msg)
        if m:
            what = m.group("what")
            new = "DOWN" if ("DOWN" in what or "maintenance" in what) else "UP"
        else:
            m = _HAPROXY_CHECK.search(msg)
            if not m:
                continue
            new = m.group("state")  # a server leaving DNS maintenance logs no "is UP" line, only this
            what = "check"
        key = (m.group("backend"), m.group("server"))
        if state.get(key, "UP") == new:
            continue  # no change: the stderr copy, a repeat, or a check result within the same state
        state[key] = new
        r = _HAPROXY_REASON.search(m.group("rest"))
        events.append({
            "kind": SERVER_DOWN if new == "DOWN" else SERVER_UP,
            "t_s": (ns - t0_ns) / 1e9,
            "t_ns": ns,
            "node": node,
            "backend": key[0],
            "server": key[1],
            "reason": (r.group(1).strip() if r else ("maintenance" if "maintenance" in what else "")),
            "line": _HAPROXY_PREFIX.sub("", msg.strip()),
        })
    return events


def parse_keepalived(lines: Iterable[str], node: str, t0_ns: int) -> list[dict]:
    """vrrp_state and vrrp_force_election events from one keepalived container's timestamped log."""
    events = []
    for line in lines:
        ns, msg = parse_timestamp_line(line)
        if ns is None:
            continue
        m = _KEEPALIVED.search(msg)
        if m:
            events.append({"kind": VRRP_STATE, "t_s": (ns - t0_ns) / 1e9, "t_ns": ns, "node": node,
                           "instance": m.group("instance"), "state": m.group("state")})
            continue
        m = _KEEPALIVED_LOWER.search(msg)
        if m:
            events.append({"kind": VRRP_FORCE_ELECTION, "t_s": (ns - t0_ns) / 1e9, "t_ns": ns, "node": node,
                           "instance": m.group("instance"), "from": m.group("src"),
                           "their_priority": int(m.group("theirs"))})
    return events


def parse_client(lines: Iterable[str], node: str, workload: str, t0_ns: int) -> list[dict]:
    """request events from load.sh's and probe.sh's HASIM_REQ lines (stamped by the client
    itself), as the simulator records them: at the request's end (t_s), with its send time
    (sent_s). probe.sh's lines also say which load balancer and server answered (lb, server:
    HAProxy's X-Hasim-* headers; "-" or absent is none) and the address curl connected to."""
    events = []
    for line in lines:
        m = _REQ.search(line)
        if not m:
            continue
        kv = dict(p.split("=", 1) for p in m.group("kv").split() if "=" in p)
        try:
            start = int(kv["start_ns"])
            end = int(kv["end_ns"])
            status = int(kv.get("status", "0") or 0)
        except (KeyError, ValueError):
            continue
        body = kv.get("body", "-")
        events.append({"kind": REQUEST, "t_s": (end - t0_ns) / 1e9, "t_ns": end, "node": node,
                       "workload": workload, "seq": int(kv.get("seq", "0")), "sent_s": (start - t0_ns) / 1e9,
                       "status": status,
                       "latency_ms": (end - start) / 1e6, "served_by": "" if body == "-" else body,
                       "curl_exit": int(kv.get("curl_exit", "0") or 0),
                       "curl_s": float(kv["time_total"]) if kv.get("time_total") else None,
                       "dns_ms": float(kv.get("time_namelookup", "0") or 0) * 1e3})
        if "lb" in kv:  # probe.sh
            events[-1].update({key: "" if kv.get(key, "") == "-" else kv.get(key, "") for key in ("lb", "server", "remote_ip")})
            # Sent when curl started (its end less its own time_total), not at the subshell's
            # stamp before `$(curl ...)` forked it: on a loaded host that fork took seconds (a
            # request stamped at 18.98 s connected 4.09 s after curl started and ended at 30.97 s,
            # 2026-12-03), and the simulator's request leaves after the fork (its loop cost).
            if events[-1]["curl_s"] is not None:
                sent = max(start, end - round(events[-1]["curl_s"] * 1e9))
                events[-1].update({"sent_s": (sent - t0_ns) / 1e9, "latency_ms": (end - sent) / 1e6})
            if kv.get("sched_ns", "").isdigit():
                events[-1]["sched_s"] = (int(kv["sched_ns"]) - t0_ns) / 1e9
    return events


def spawn_lags(requests: list[dict]) -> list[float]:
    """The open-loop probe's cost of starting each request (seconds): the loop forks one request
    after the other, so each one's cost runs from its tick, or from the previous request's start
    if that came later (the loop was behind), to curl's start. The quantity the closed loop's
    loop_costs measure per iteration; the simulator's runtime.exec_delay is drawn per request and
    queued the same way (models/workloads/http_probe.cpp)."""
    rs = sorted((r for r in requests if "sched_s" in r), key=lambda r: r["seq"])
    out, prev = [], None
    for r in rs:
        ready = r["sched_s"] if prev is None else max(r["sched_s"], prev)
        out.append(max(0.0, r["sent_s"] - ready))
        prev = r["sent_s"]
    return out


def open_loop_requests(requests: list[dict], duration_s: float) -> list[dict]:
    """An open-loop probe's requests as the simulator has them: those that ended within the run.
    Requests still in flight at its end (up to --max-time past it) are recorded by probe.sh,
    which waits for them, but the simulator stops at `duration` and never sees them end.
    `hasim validate` (real_metrics) drops such requests from every record on its own; what this
    still does is keep them out of spawn_lags, the loop cost measured from the same requests."""
    return [r for r in requests if r["t_s"] <= duration_s]


_CHECK_TIMING = re.compile(
    r"Health check for (?:backup )?server (?P<backend>[^/\s]+)/(?P<server>\S+) (?P<result>succeeded|failed), "
    r"reason: (?P<reason>[^,]+),.*check duration: (?P<ms>\d+)ms")


def check_wakeups(lines: Iterable[str], servers: dict[str, dict]) -> list[float]:
    """The host's wake-up delay (seconds) as HAProxy's own check timers show it, one sample per
    timer: the machine's scheduling latency that day (runtime.wakeup_delay), measured in the run
    itself as the loop cost is, because a busy host stretches every timer.

    servers: "backend/server" -> {"timeout_s": the check's connect deadline, "inter_s": its
    interval} (plan.json, from the same rule as the model's). Two kinds of sample, from the
    logged check results (`option log-health-checks`; the stderr copies are skipped):
    - a Layer4 timeout logged with duration D: its deadline fired D - timeout late. HAProxy
      truncates D to whole milliseconds, so the sample is that plus 0.5 ms;
    - two consecutive failed checks of one server, the second a timeout: the second started
      (gap between their log stamps) - inter - D late, less the same 0.5 ms.
    Negative samples (the log stamps' own jitter) count as 0."""
    out: list[float] = []
    last: dict[str, tuple[int, bool]] = {}  # server -> (stamp of its last logged check, failed)
    for line in lines:
        ns, msg = parse_timestamp_line(line)
        if ns is None or _HAPROXY_PREFIX.match(msg):
            continue
        m = _CHECK_TIMING.search(msg)
        if not m:
            continue
        key = f"{m.group('backend')}/{m.group('server')}"
        failed = m.group("result") == "failed"
        cfg = servers.get(key)
        prev = last.get(key)
        last[key] = (ns, failed)
        if cfg is None or not failed or m.group("reason").strip() != "Layer4 timeout":
            continue
        d_s = int(m.group("ms")) / 1e3
        out.append(max(0.0, d_s - float(cfg["timeout_s"]) + 0.0005))
        if prev is not None and prev[1]:
            late = (ns - prev[0]) / 1e9 - float(cfg["inter_s"]) - d_s - 0.0005
            # A gap longer than a second past the interval is not a late timer but a check that
            # was not logged in between (a state HAProxy logs no change for): no sample.
            if late < 1.0:
                out.append(max(0.0, late))
    return out


_TICK = re.compile(r"HASIM_TICK late_us=(?P<us>-?\d+)")


def tick_wakeups(lines: Iterable[str]) -> list[float]:
    """The in-stack timer loop's samples (run_real.TickProbe): how late each 100 ms wait woke up,
    in seconds (never negative)."""
    return [max(0, int(m.group("us"))) / 1e6 for m in map(_TICK.search, lines) if m]


def empirical_summary(per_run: list[list[float]], least: int = 5) -> dict | None:
    """The samples of a set of runs (host wake-ups, or one command's latencies) as an empirical
    distribution for the simulator (runtime.wakeup_delay, runtime.command_delay.X): the pooled
    samples' deciles, min and max included, in seconds; None with fewer than `least` samples."""
    pooled = sorted(x for run in per_run for x in run)
    if len(pooled) < least:
        return None
    def at(q: float) -> float:
        # Linear interpolation between order statistics, as the simulator's empirical draws.
        pos = q * (len(pooled) - 1)
        i = int(pos)
        j = min(i + 1, len(pooled) - 1)
        return pooled[i] + (pooled[j] - pooled[i]) * (pos - i)
    qs = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
    return {"n": len(pooled), "runs": sum(1 for r in per_run if r), "quantiles_s": [[q, round(at(q), 6)] for q in qs],
            "median_s": round(at(0.5), 6), "max_s": round(pooled[-1], 6)}


_ENTRY = re.compile(r"HASIM_ENTRY (?P<what>start|signalled) t_us=(?P<us>\d+)")
# Which entrypoint stamp is a whole-node fault's effect: PID 1 running (start), the daemons
# signalled (stop). A recreate (docker-compose up --force-recreate): its new container's PID 1
# running, which is when the simulator's recreate acts on a container already down (after a
# kill). Each fault action declares its stamp (scenarios/fault_actions.hpp, `entry_stamp` in
# hasim.fault_actions()); run_real.py runs without the module, so this is the declaration's copy,
# and tests/python/test_fault_actions.py fails when the two differ.
COMMAND_EFFECT = {"stop": "signalled", "start": "start", "recreate": "start"}


def command_delays(faults: list[dict], logs: dict[str, list[str]], t0_ns: int) -> dict[str, list[float]]:
    """The container engine's latency per command (seconds), measured in the run itself: from
    run_real.py issuing `docker start`/`docker stop` (the fault record's t_s) to the effect the
    node's entrypoint stamped with its own clock (HASIM_ENTRY start / signalled) in its log,
    the first such stamp within 60 s after the command. The simulator's runtime.command_delay."""
    stamps: dict[str, list[tuple[str, int]]] = {}
    for svc, lines in logs.items():
        for line in lines:
            m = _ENTRY.search(line)
            if m:
                stamps.setdefault(svc, []).append((m.group("what"), int(m.group("us")) * 1000))
    out: dict[str, list[float]] = {}
    for f in faults:
        action, target = f.get("action"), str(f.get("target", ""))
        if f.get("kind") != FAULT or action not in COMMAND_EFFECT or "/" in target:
            continue
        issued = t0_ns + int(round(float(f["t_s"]) * 1e9))
        hits = sorted(ns for what, ns in stamps.get(target, []) if what == COMMAND_EFFECT[action]
                      and issued <= ns <= issued + 60_000_000_000)
        if hits:
            out.setdefault(action, []).append((hits[0] - issued) / 1e9)
    return out


# The steps whose one `docker exec` lasts as long as the tool it runs (validation/exec_delays.hpp).
TOOL_ACTIONS = ("reclone", "rewind")
# The steps whose command returns after their effect, each with the server's line that stamps
# the effect's start, where its exec latency ends instead. `SELECT pg_promote()` returns when the
# promotion is over (its default wait => true, polled each 100 ms): its span holds the promotion,
# and 5 s more when the startup process first sits out the rest of wal_retrieve_retry_interval;
# it ends at "received promote request". A `sql` step returns when its last statement is done, a
# CHECKPOINT's writes or a slot's creation included (0.2-5.4 s in the records of 2026-12-03 to
# -06); its session logs each statement's start (log_statement = all,
# validation/kinds/postgres.cpp), and it ends at the first.
STAMPED_ACTIONS = {"promote": PG_PROMOTE_REQUESTED, "sql": PG_STATEMENT_STARTED}


def operator_exec_delays(faults: list[dict], events: Iterable[dict] = ()) -> list[float]:
    """How long each fault run with `docker exec` took (seconds): an operator's step (rewriting
    the writer's target, a statement), a signal to one process, `ip link set`. From run_real.py
    issuing it (t_s) to the command's return (done_s). Its effect happened inside that span, so
    this is an upper bound on when it took effect; the simulator's runtime.command_delay.exec,
    which delays each of them (engine commands, `docker stop` and the like, have their own). A
    promote counts from its issue to the target's first pg_promote_requested (events) within
    60 s, a `sql` step to its first pg_statement_started (STAMPED_ACTIONS), none without one. A
    fault of several commands (crash: the exec that sets the links down, then `docker kill`) is
    not counted: its span is not the exec's. Nor is a re-clone's or a
    rewind's: its one exec runs pg_basebackup or pg_rewind to its end, the tool's seconds
    (pg_basebackup.duration_ms), not the engine's."""
    stamps: dict[tuple[str, str], list[float]] = {}  # (kind, node) -> times
    for e in events:
        if e.get("kind") in STAMPED_ACTIONS.values():
            stamps.setdefault((str(e["kind"]), str(e.get("node", ""))), []).append(float(e["t_s"]))
    out = []
    for f in faults:
        shell = f.get("shell") or []
        if (f.get("kind") != FAULT or len(shell) != 1 or f.get("action") in TOOL_ACTIONS
                or not str(shell[0]).startswith(("docker exec", "ip netns exec"))):
            continue
        t = float(f["t_s"])
        if (stamp := STAMPED_ACTIONS.get(str(f.get("action", "")))) is not None:
            hits = sorted(x for x in stamps.get((stamp, str(f.get("target", ""))), []) if t <= x <= t + 60)
            if hits:
                out.append(hits[0] - t)
        elif f.get("done_s") is not None:
            out.append(float(f["done_s"]) - t)
    return out


# Lines by which a daemon says its start-up does work the simulator models itself, so the start
# is not a sample of the daemon's own start-up: PostgreSQL's StartupXLOG after an unclean end (a
# crash, kill -9, an immediate stop, a base backup or a rewind) fsyncs the whole data directory
# (SyncDataDirectory) and replays WAL, which models/postgres does step by step; its "shut down"
# and "shut down in recovery" starts do neither.
MODELLED_STARTUP_LOGS = {"postgres": ("database system was interrupted", "database system shutdown was interrupted")}


def daemon_startups(lines: Iterable[str], daemons: list[str], ready_logs: dict[str, str],
                    first_is_compose: bool = True) -> dict[str, dict[str, list[float]]]:
    """Each daemon's start-up latency in one container's log (seconds): from each start of the
    container (its entrypoint's own HASIM_ENTRY start stamp) to the daemon's first ready line
    after it (ready_logs: kind -> a fixed text of that line, from plan.json), within 60 s.
    {"first": {kind: [...]}, "later": {kind: [...]}}: the container's first start is the stack's
    own (`compose up`, every container at once) unless the node starts stopped
    (first_is_compose False); later ones are `docker start`/`restart`. A daemon restarted alone
    (a process fault's undo) is not a container start and is not counted, nor is a start that
    logs one of MODELLED_STARTUP_LOGS before it is ready (the simulator adds that work itself)."""
    out: dict[str, dict[str, list[float]]] = {"first": {}, "later": {}}
    start_ns = None
    pending: set[str] = set()
    starts = 0
    for line in lines:
        m = _ENTRY.search(line)
        if m and m.group("what") == "start":
            start_ns = int(m.group("us")) * 1000
            pending = set(daemons)
            starts += 1
            continue
        if not pending:
            continue
        for kind in sorted(pending):
            if any(t in line for t in MODELLED_STARTUP_LOGS.get(kind, ())):
                pending.discard(kind)
                continue
            text = ready_logs.get(kind)
            if not text or text not in line:
                continue
            ns, _ = parse_timestamp_line(line)
            pending.discard(kind)
            if ns is None or not 0 <= ns - start_ns <= 60_000_000_000:
                continue
            when = "first" if starts == 1 and first_is_compose else "later"
            out[when].setdefault(kind, []).append((ns - start_ns) / 1e9)
    return out


def workload_start_delays(requests: list[dict], start_s: float) -> list[float]:
    """How late a workload's loop sent its first request (seconds): from its scheduled `start`
    (scenario time) to that request's send stamp. run_real.py starts the loop with `podman exec`
    when it is due; on a busy host the exec and bash take seconds, which the simulator must
    know (runtime.command_delay.exec) or it sends requests the real loop never had time for."""
    if not requests:
        return []
    first = min(float(e["sent_s"]) for e in requests)
    return [max(0.0, first - start_s)]


def loop_costs(requests: list[dict], interval_s: float) -> list[float]:
    """The load loop's own cost per iteration (seconds): start-to-start of consecutive requests
    minus the loop's `sleep` and minus the request itself as curl timed it (`time_total`): bash
    forking curl, head, tr and sleep, and curl starting. The simulator's runtime.exec_delay is
    this quantity (it simulates the request). On a busy host spawning a process can take seconds
    (2-4 s with a CPU hog beside three stacks), so every iteration counts, whatever its request
    did. Lines without curl's own time (older logs) count only after quick good requests (< 100
    ms stamped by bash), where the request is a negligible part."""
    rs = sorted(requests, key=lambda e: e["sent_s"])
    out = []
    for a, b in zip(rs, rs[1:]):
        gap = b["sent_s"] - a["sent_s"] - interval_s
        if a.get("curl_s") is not None:
            out.append(max(0.0, gap - a["curl_s"]))
        elif a["latency_ms"] < 100 and 200 <= a["status"] < 400:
            out.append(gap)
    return out


def loop_cost_summary(per_run: list[list[float]]) -> dict | None:
    """The loop cost of a set of runs as the simulator's parameters, each run counting once: a
    fast run makes more iterations, so pooling iterations let it outweigh the slow ones (on a
    loaded host, 96 iterations of 0.5 s beside 14 and 10 of 5-7 s gave a pooled median of 0.6 s
    where two runs of three cost 5 s or more). `median_s`: the median of the runs' medians (the
    simulator's median run); `sigma`: the spread within a run (lognormal: mean = median *
    exp(sigma^2/2)), averaged over runs; `mean_s` follows from both; `between_sigma`: the log-sd
    of the runs' means (runtime.exec_load_sigma, one factor per simulated run)."""
    runs = [sorted(c) for c in per_run if len(c) >= 10]
    if not runs:
        return None
    medians = [statistics.median(c) for c in runs]
    means = [statistics.fmean(c) for c in runs]
    med = statistics.median(medians)
    if med <= 0:
        return None
    within = [math.sqrt(2 * math.log(mn / md)) if md > 0 and mn > md else 0.05 for md, mn in zip(medians, means)]
    sigma = min(max(statistics.fmean(within), 0.05), 1.5)
    positive = [m for m in means if m > 0]
    between = statistics.stdev(math.log(m) for m in positive) if len(positive) > 1 else 0.0
    return {"n": sum(len(c) for c in runs), "runs": len(runs), "median_s": med, "mean_s": med * math.exp(sigma ** 2 / 2),
            "sigma": sigma, "between_sigma": min(between, 1.0), "run_means_s": [round(m, 6) for m in means]}


def vip_watch_lines(service_log: list[str], end_lines: list[str]) -> list[str]:
    """One service's vip-watch.sh output in time order: the HASIM_VIP lines its entrypoint's
    watcher wrote to the container's log (podman timestamps stripped) and, from run_real's end
    watcher, HASIM_VIP_EOF (the namespace gone). Runs recorded before the watcher moved into the
    entrypoint have their HASIM_VIP lines in the second list."""
    def t_ns(line: str) -> int:
        m = re.search(r"t_ns=(\d+)", line)
        return int(m.group(1)) if m else 0
    own = [msg for msg in (parse_timestamp_line(l)[1] for l in service_log) if msg.startswith("HASIM_VIP")]
    ends = [l for l in end_lines if l.startswith("HASIM_VIP")]
    return sorted(own + ends, key=t_ns)  # stable: equal stamps keep their order


def parse_vip_watch(per_service: dict, t0_ns: int) -> list[dict]:
    """vip_added / vip_removed events {t_s, node, vip} from vip-watch.sh output, one entry per service:
    service -> (vips, lines). HASIM_VIP_EOF (the container's processes gone) drops every VIP the
    service held."""
    events = []
    for svc, (vips, lines) in per_service.items():
        held = {v: False for v in vips}
        for line in lines:
            if line.startswith("HASIM_VIP_EOF"):
                ns = int(line.split("t_ns=")[1])
                for v in vips:
                    if held[v]:
                        held[v] = False
                        events.append({"kind": VIP_REMOVED, "t_s": (ns - t0_ns) / 1e9, "t_ns": ns, "node": svc, "vip": v})
                continue
            if not line.startswith("HASIM_VIP "):
                continue
            kv = dict(p.split("=", 1) for p in line.split()[1:] if "=" in p)
            v, h, ns = kv.get("ip"), kv.get("held") == "1", int(kv.get("t_ns", "0"))
            if v in held and held[v] != h:
                held[v] = h
                events.append({"kind": VIP_ADDED if h else VIP_REMOVED, "t_s": (ns - t0_ns) / 1e9, "t_ns": ns, "node": svc,
                               "vip": v})
    return sorted(events, key=lambda e: e["t_ns"])


def summarize(values: list[float]) -> dict[str, float]:
    """min / median / p95 / max / mean, nearest-rank percentiles."""
    v = sorted(values)
    if not v:
        return {}
    def rank(p):
        return v[min(len(v) - 1, max(0, int(-(-p * len(v) // 1)) - 1))]
    mid = len(v) // 2
    median = v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2
    return {"n": len(v), "min": v[0], "median": median, "p95": rank(0.95), "max": v[-1], "mean": sum(v) / len(v)}


# --- PostgreSQL 15 -------------------------------------------------------------------------------
# The server logs to stderr (the container's log) with log_line_prefix '%m [%p] ' (milliseconds);
# the runtime's nanosecond stamp in front of each line is the one used, as for every kind.
#   2026-12-02 18:40:01.123 UTC [57] LOG:  database system is ready to accept connections
_PG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \S+ \[(?P<pid>\d+)\] (?P<level>[A-Z0-9]+):\s+(?P<msg>.*)$")
_PG_LSN = r"([0-9A-F]+/[0-9A-F]+)"


def pg_lsn(text: str) -> int:
    """PostgreSQL's "X/Y" (two hex halves) as a byte position, as the simulator records `lsn`."""
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) + int(lo, 16)


def parse_postgres(lines: Iterable[str], node: str, t0_ns: int) -> list[dict]:
    """The simulator's pg_* events (models/postgres/events.hpp) from one PostgreSQL 15 container's
    timestamped log. PostgreSQL names no timeline when a server starts; each event takes the node's
    latest one from its own log: 1 after initdb or a base backup, the one "selected" at a
    promotion, the one streamed from ("started streaming WAL ... on timeline N", "new target
    timeline is N"). pg_promoted's switch_lsn is one past "redo done at X" (X: where the last
    replayed record starts), so a commit whose record starts at or before X counts as replayed."""
    events: list[dict] = []
    tli = 1
    redo_done = None
    promoted = False     # since this start: the "ready to accept connections" after a promotion is not a start
    shutdown_mode = ""
    streaming = False
    terminated_pid = 0   # the walsender the checkpointer SIGTERMed for the slot it invalidates next
    interrupted_ns = None  # "database system was interrupted" of this start: its sync walk begins

    def ev(kind: str, ns: int, **fields) -> None:
        events.append({"kind": kind, "t_s": (ns - t0_ns) / 1e9, "t_ns": ns, "node": node, **fields})
    tool_lines: list[str] = []  # the operator's pg_rewind / pg_basebackup output (validation/kinds/postgres.cpp)
    for line in lines:
        ns, rest = parse_timestamp_line(line)
        if ns is None:
            continue
        if rest.startswith("hasim: pg_rewind") or rest.startswith("hasim: pg_basebackup") or rest.startswith("hasim:  "):
            tool_lines.append(rest[len("hasim: "):])
            continue
        if rest.startswith("HASIM_PGTOOL "):
            events.append(_pg_tool_event(rest, tool_lines, node, t0_ns))
            tool_lines = []
            continue
        if rest.startswith("hasim: ") and re.match(r"hasim: \s*\d+/\d+ kB", rest):
            tool_lines.append(rest[len("hasim: "):])
            continue
        m = _PG_LINE.match(rest)
        if not m:
            continue
        level, msg = m.group("level"), m.group("msg")
        if msg.startswith("starting PostgreSQL"):
            promoted, streaming, redo_done, interrupted_ns = False, False, None, None
        elif msg.startswith("database system was interrupted") or msg.startswith("database system shutdown was interrupted"):
            # StartupXLOG after an unclean end (a crash, a base backup, a rewind): it fsyncs every
            # file of the data directory (SyncDataDirectory) before its next line, "entering
            # standby mode" or, for crash recovery, "database system was not properly shut down".
            interrupted_ns = ns
        elif interrupted_ns is not None and (msg == "entering standby mode"
                                             or msg.startswith("database system was not properly shut down")):
            ev(PG_DATA_DIRECTORY_SYNCED, ns, duration_ms=round((ns - interrupted_ns) / 1e6, 3))
            interrupted_ns = None
        elif msg == "database system is ready to accept connections":
            if not promoted:
                ev(PG_STARTED, ns, role="primary", timeline=tli)
        elif msg == "database system is ready to accept read-only connections":
            ev(PG_STARTED, ns, role="standby", timeline=tli)
        elif (x := re.match(r"redo starts at " + _PG_LSN, msg)):
            ev(PG_RECOVERY_STARTED, ns, redo_lsn=pg_lsn(x.group(1)))
        elif (x := re.match(r"redo done at " + _PG_LSN, msg)):
            redo_done = pg_lsn(x.group(1))
            ev(PG_RECOVERY_DONE, ns, end_lsn=redo_done)
        elif (x := re.match(r"selected new timeline ID: (\d+)", msg)):
            tli = int(x.group(1))
            promoted = True
            ev(PG_PROMOTED, ns, timeline=tli, switch_lsn=(redo_done + 1) if redo_done is not None else 0)
        elif msg == "received promote request":
            ev(PG_PROMOTE_REQUESTED, ns)
        elif msg.startswith("statement: "):
            # log_statement's line, at the statement's start: only the operator's sql steps set it
            # (a writer's log_min_duration_statement line begins "duration: ").
            ev(PG_STATEMENT_STARTED, ns, statement=msg[len("statement: "):])
        elif (x := re.match(r"received (smart|fast|immediate) shutdown request", msg)):
            shutdown_mode = x.group(1)
            ev(PG_SHUTDOWN_REQUESTED, ns, mode=shutdown_mode)
        elif msg == "database system is shut down":
            ev(PG_SHUTDOWN_DONE, ns, mode=shutdown_mode)
        elif (x := re.match(r"(?:started streaming WAL from primary at|restarted WAL streaming at) " + _PG_LSN
                            + r" on timeline (\d+)", msg)):
            # "restarted WAL streaming": the same connection going on to the next timeline after
            # "replication terminated by primary server" (End of WAL reached on timeline N).
            tli = int(x.group(2))
            streaming = True
            ev(PG_WALRECEIVER_CONNECTED, ns, primary="", timeline=tli, start_lsn=pg_lsn(x.group(1)))
        elif (x := re.match(r'standby "(.*)" is now a (synchronous standby with priority|candidate for quorum)', msg)):
            # SyncRepReleaseWaiters' announcement, at the first reply it processes as a synchronous
            # standby (the simulator records the state when pg_stat_replication would show it).
            ev(PG_SYNC_STATE_CHANGED, ns, application_name=x.group(1),
               sync_state="sync" if x.group(2).startswith("synchronous") else "quorum")
        elif (x := re.match(r'parameter "synchronous_standby_names" changed to "(.*)"$', msg)):
            ev(PG_RELOAD, ns, synchronous_standby_names=x.group(1))
        elif (x := re.match(r"new target timeline is (\d+)", msg)):
            tli = int(x.group(1))
            ev(PG_TIMELINE_FOLLOWED, ns, timeline=tli)
        elif streaming and (msg.startswith("replication terminated by primary server")
                            or msg.startswith("could not receive data from WAL stream")
                            or msg.startswith("terminating walreceiver")):
            streaming = False
            ev(PG_WALRECEIVER_DISCONNECTED, ns, reason=msg)
        elif msg.startswith("checkpoint complete:") or msg.startswith("restartpoint complete:"):
            x = re.search(r"redo lsn=" + _PG_LSN, msg)
            # "sync files=N, longest=X s, average=Y s": the relation files the checkpoint fsynced,
            # each with its new data (a journal commit), unlike the WAL's fdatasync.
            s = re.search(r"sync files=(\d+), longest=[0-9.]+ s, average=([0-9.]+) s", msg)
            sync = {"sync_files": int(s.group(1)), "sync_average_ms": round(float(s.group(2)) * 1e3, 3)} if s else {}
            ev(PG_CHECKPOINT, ns, redo_lsn=pg_lsn(x.group(1)) if x else 0, **sync)
        elif (x := re.match(r"terminating process (\d+) to release replication slot", msg)):
            terminated_pid = int(x.group(1))
        elif (x := re.match(r'invalidating slot "(.*)" because its restart_lsn ' + _PG_LSN + " exceeds max_slot_wal_keep_size", msg)):
            # PostgreSQL 15's InvalidatePossiblyObsoleteSlot (16 says "invalidating obsolete
            # replication slot" and moves the LSN to a DETAIL line).
            ev(PG_SLOT_INVALIDATED, ns, slot=x.group(1), restart_lsn=pg_lsn(x.group(2)), terminated_pid=terminated_pid)
            terminated_pid = 0
        elif level == "PANIC":
            ev(PG_PANIC, ns, message=msg)
    return events


_PG_DURATION = re.compile(r"duration: (?P<ms>[0-9.]+) ms  statement: (?P<stmt>\S+)")
# pg-writer.sh's INSERT names its row WORKLOAD-SEQ (SEQ: its HASIM_PG line's seq).
_PG_WRITER_ROW = re.compile(r"VALUES \('(?P<workload>[^']*)-(?P<seq>\d+)'")


def _logged_statements(lines: Iterable[str]) -> Iterator[tuple[str, str, float, str]]:
    """Each statement PostgreSQL logged with its duration: (backend pid, its first word in upper
    case without the semicolon, seconds, the log message)."""
    for line in lines:
        ns, rest = parse_timestamp_line(line)
        if ns is None:
            continue
        m = _PG_LINE.match(rest)
        if not m or m.group("level") != "LOG":
            continue
        x = _PG_DURATION.match(m.group("msg"))
        if x:
            yield m.group("pid"), x.group("stmt").rstrip(";").upper(), float(x.group("ms")) / 1e3, m.group("msg")


def writer_server_times(lines: Iterable[str]) -> dict[tuple[str, int], float]:
    """The server's own time of each of the writer's transactions on a session that had one
    before (its BEGIN, INSERT, SELECT and COMMIT as their backend timed them, summed, in
    seconds), keyed by (workload, seq) as its INSERT names its row. A session's first
    transaction is left out: its latency carries the session's opening too (getent, psql's
    start, the new backend's caches), which the simulator draws on its own. Whatever a commit's
    latency at the writer adds to this is the writer's side: the network, psql and its loop."""
    out: dict[tuple[str, int], float] = {}
    open_tx: dict[str, list] = {}  # backend pid -> [statements' seconds, (workload, seq) or None]
    used: set[str] = set()  # backends that committed a transaction before
    for pid, stmt, sec, msg in _logged_statements(lines):
        if stmt == "BEGIN":
            open_tx[pid] = [[sec], None]
            continue
        tx = open_tx.get(pid)
        if tx is None:
            continue
        tx[0].append(sec)
        if stmt == "INSERT" and (row := _PG_WRITER_ROW.search(msg)):
            tx[1] = (row.group("workload"), int(row.group("seq")))
        if stmt == "COMMIT":
            del open_tx[pid]
            if len(tx[0]) == 4 and tx[1] is not None and pid in used:
                out[tx[1]] = sum(tx[0])
            used.add(pid)
    return out


def writer_overheads(events: list[dict], server: dict[tuple[str, int], float]) -> list[float]:
    """Each acknowledged commit's latency at the writer less its server time (writer_server_times):
    the round trips, psql's own work and the writer's loop, in seconds, in commit order."""
    out = []
    for e in events:
        if e.get("kind") != "pg_commit_acked" or "latency_us" not in e:
            continue
        key = (e.get("workload", ""), int(e.get("seq", -1)))
        if key in server:
            out.append(max(0.0, e["latency_us"] / 1e6 - server[key]))
    return out


# pgbench's built-in TPC-B-like script names its tables: a backend that logs a statement on one of
# them is one of pgbench's clients (pgbench.sh runs `pgbench -T` with log_transaction_sample_rate).
_PGBENCH_RELATION = re.compile(r"^(?:UPDATE|INSERT\s+INTO|SELECT\s.*?\bFROM)\s+(?P<rel>pgbench_[a-z]+)\b", re.I)


def statement_durations(lines: Iterable[str]) -> dict[str, list[float]]:
    """The server-side duration of each statement PostgreSQL logged with log_min_duration_statement
    (pg-writer.sh's session sets it to 0: the writer's BEGIN, INSERT, SELECT and COMMIT, as its
    backend timed them, parse to completion), in seconds by the statement's first word (BEGIN,
    INSERT, SELECT, COMMIT). A COMMIT's includes its WAL flush as the committing backend met it:
    on this host beside two CPU hogs 3.5 ms against 0.38 ms quiet, where the other three got
    faster (docs/validation.md, 2026-12-04 night).

    pgbench's statements (pgbench.sh logs one transaction's in twenty) are kept apart, so the writer's stay the
    writer's: each on a pgbench table by its command and table ("UPDATE pgbench_accounts",
    "SELECT pgbench_accounts", "INSERT pgbench_history", ...), and its sessions' BEGIN and END as
    "pgbench BEGIN" and "pgbench END" (a backend is pgbench's from its first statement on a
    pgbench table; the BEGIN before it is held until then)."""
    out: dict[str, list[float]] = {}
    pgbench_pids: set[str] = set()
    held: dict[str, list[float]] = {}  # a BEGIN not yet known to be the writer's or pgbench's, by pid
    for pid, stmt, sec, msg in _logged_statements(lines):
        text = msg.split("statement: ", 1)[1] if "statement: " in msg else ""
        rel = _PGBENCH_RELATION.match(text)
        if rel:
            pgbench_pids.add(pid)
            if pid in held:
                out.setdefault("pgbench BEGIN", []).extend(held.pop(pid))
            out.setdefault(f"{stmt} {rel.group('rel').lower()}", []).append(sec)
            continue
        if pid in pgbench_pids:
            out.setdefault(f"pgbench {stmt}", []).append(sec)
            continue
        if stmt == "BEGIN":
            for x in held.pop(pid, []):  # a BEGIN that nothing followed: the writer's as before
                out.setdefault("BEGIN", []).append(x)
            held[pid] = [sec]
            continue
        if pid in held:
            out.setdefault("BEGIN", []).extend(held.pop(pid))
        out.setdefault(stmt, []).append(sec)
    for xs in held.values():
        out.setdefault("BEGIN", []).extend(xs)
    return out


def _pg_tool_event(line: str, output: list[str], node: str, t0_ns: int) -> dict:
    """pg_rewind's or pg_basebackup's run as the simulator records it (models/postgres/events.hpp
    kRewind, kBaseBackup): its outcome, its last message, where the timelines diverged and the last
    common checkpoint (pg_rewind), the bytes its progress report counted (-P), and its duration."""
    kv = dict(p.split("=", 1) for p in line.split()[1:] if "=" in p)
    tool = kv.get("tool", "")
    start_ns, end_ns = int(kv.get("start_ns", "0") or 0), int(kv.get("end_ns", "0") or 0)
    rc = int(kv.get("rc", "1") or 1)
    message, diverged, checkpoint, copied_kb, no_rewind = "", -1, -1, 0, False
    for out in output:
        text = re.sub(r"^(pg_rewind|pg_basebackup): ", "", out)
        if text.startswith("error: "):
            message = text[len("error: "):]
        elif text in ("Done!", "no rewind required", "base backup completed"):
            message = text
            no_rewind = no_rewind or text == "no rewind required"
        if (x := re.match(r"servers diverged at WAL location " + _PG_LSN, text)):
            diverged = pg_lsn(x.group(1))
        if (x := re.match(r"rewinding from last common checkpoint at " + _PG_LSN, text)):
            checkpoint = pg_lsn(x.group(1))
        if (x := re.match(r"\s*(\d+)/(\d+) kB \(100%\)", text)):
            copied_kb = int(x.group(2))
    outcome = "failed" if rc != 0 else ("no_rewind_required" if no_rewind else "done")
    fields = {"source": kv.get("source", ""), "outcome": outcome, "message": message, "copied_bytes": copied_kb * 1024,
              "duration_ms": (end_ns - start_ns) // 1_000_000}
    if tool == "pg_rewind":
        fields.update(diverged_lsn=diverged, checkpoint_lsn=checkpoint)
    else:
        fields.update(slot=kv.get("slot", ""))
        if kv.get("emptied_ns"):
            # The re-clone script's `find -delete` of the old data directory, before pg_basebackup
            # starts: how many entries, and how long from the script's start.
            fields.update(removed_files=int(kv.get("removed_files", "0") or 0),
                          emptied_ms=(int(kv["emptied_ns"]) - start_ns) // 1_000_000)
    return {"kind": PG_REWIND if tool == "pg_rewind" else PG_BASEBACKUP, "t_s": (end_ns - t0_ns) / 1e9, "t_ns": end_ns,
            "node": node, **fields}


# pg-writer.sh, one line per attempt (validation/render.cpp kPgWriter):
#   HASIM_PG seq=N sent_ns=EPOCH_NS end_ns=EPOCH_NS host=HOST ok=1 server=IP id=N xid=N lsn=X/Y walfile=24HEX
#   HASIM_PG seq=N sent_ns=EPOCH_NS end_ns=EPOCH_NS host=HOST ok=0 exit=N error=PSQL'S MESSAGE...
# models/postgres/events.hpp kNoAnswer: the start of a hung attempt's message.
NO_ANSWER = "no answer"
_PG_REQ = re.compile(r"HASIM_PG (?P<kv>.*?)(?: error=(?P<error>.*))?$")
_SQLSTATE = re.compile(r"(?:ERROR|FATAL|PANIC):\s+([0-9A-Z]{5}):")


def parse_pg_client(lines: Iterable[str], node: str, workload: str, t0_ns: int, addresses: dict[str, str]) -> list[dict]:
    """pg_commit_acked / pg_commit_failed events (the simulator's WriteClient's) from pg-writer.sh's
    lines, stamped at the acknowledgement (or the failure) as the client saw it. `addresses` maps
    a server address (inet_server_addr()) to its node. An acknowledged commit's timeline is the
    one of the WAL file its LSN falls in (pg_walfile_name: the server's insertion timeline); its
    lsn is pg_current_wal_insert_lsn() after the INSERT, in the same transaction: where the commit
    record goes (the writer is the only one; a background record written in between would put
    the commit after it, so this is the commit record's start or slightly before it)."""
    events = []
    for line in lines:
        m = _PG_REQ.search(line)
        if not m:
            continue
        kv = dict(p.split("=", 1) for p in m.group("kv").split() if "=" in p)
        try:
            sent, end = int(kv["sent_ns"]), int(kv["end_ns"])
        except (KeyError, ValueError):
            continue
        base = {"t_s": (end - t0_ns) / 1e9, "t_ns": end, "client": "client:" + workload, "workload": workload,
                "seq": int(kv.get("seq", "0") or 0), "sent_s": (sent - t0_ns) / 1e9}
        if kv.get("ok") == "1" and kv.get("lsn") and kv.get("walfile"):
            server = kv.get("server", "")
            events.append({"kind": PG_COMMIT_ACKED, **base, "node": addresses.get(server, server),
                           "timeline": int(kv["walfile"][:8], 16), "xid": int(kv.get("xid", "0") or 0),
                           "lsn": pg_lsn(kv["lsn"]), "id": int(kv.get("id", "0") or 0),
                           "latency_us": (end - sent) // 1000})
        else:
            err = (m.group("error") or "").strip()
            s = _SQLSTATE.search(err)
            psql_exit = int(kv.get("exit", "0") or 0)
            if psql_exit == 124 and not err:
                # No answer and no error within the script's bound (or by the end of its run): a
                # hung commit, as the simulator's WriteClient words it (models/postgres/events.hpp
                # kNoAnswer), with no SQLSTATE.
                events.append({"kind": PG_COMMIT_FAILED, **base, "node": kv.get("host", ""), "sqlstate": "",
                               "message": NO_ANSWER + " (psql killed after the bound)", "psql_exit": psql_exit,
                               "latency_us": (end - sent) // 1000})
                continue
            # psql's own connection failures carry no SQLSTATE: 08006, connection_failure.
            events.append({"kind": PG_COMMIT_FAILED, **base, "node": kv.get("host", ""),
                           "sqlstate": s.group(1) if s else "08006", "message": err,
                           "psql_exit": psql_exit, "latency_us": (end - sent) // 1000})
    return events


# pgbench.sh (validation/render.cpp kPgbenchScript): pgbench's --log lines, prefixed
#   HASIM_PGB_TX client_id transaction_no time_us script_no time_epoch time_us [schedule_lag_us]
# (time_epoch.time_us: when the transaction ended; its time counts from its scheduled start under
# -R, as the simulator's latency_us does), and its stderr, each line stamped on arrival:
#   HASIM_PGB_ERR t_ns=EPOCH_NS pgbench: error: client 3 aborted in command 4 (SQL) of script 0; ...
_PGB_ABORT = re.compile(r"HASIM_PGB_ERR t_ns=(?P<t>\d+) .*client (?P<c>\d+) aborted in command (?P<cmd>\d+)")
_PGB_CLIENT_ERR = re.compile(r"HASIM_PGB_ERR t_ns=\d+ .*client (?P<c>\d+) script \d+ aborted in command \d+ query \d+: (?P<msg>.*)")
_PGB_NO_START = re.compile(r"HASIM_PGB_ERR t_ns=(?P<t>\d+) .*(could not create connection for client|connection to server .* failed)")


def _pgbench_sqlstate(message: str) -> str:
    """pgbench prints the server's message without its SQLSTATE: the ones the model makes, by
    their text (errcodes.txt); anything else, a lost connection among them, is 08006."""
    if "read-only transaction" in message:
        return "25006"
    if "terminating connection due to administrator command" in message:
        return "57P01"
    return "08006"


def parse_pgbench(lines: Iterable[str], node: str, workload: str, t0_ns: int, host: str, clients: int) -> list[dict]:
    """pgbench_txn events, one per logged transaction, stamped at its end, and
    pgbench_client_aborted ones (a client's error, or pgbench failing to connect at its start:
    every client, command -1), as the simulator's Pgbench records them."""
    events = []
    last_error: dict[int, str] = {}
    no_start = None
    for line in lines:
        if line.startswith("HASIM_PGB_TX "):
            f = line.split()[1:]
            try:
                cid, tx, lat, _script, epoch, us = (int(x) for x in f[:6])
            except ValueError:
                continue  # "failed" or "skipped" in the time column: pgbench's own failures
            end = epoch * 1_000_000_000 + us * 1000
            events.append({"kind": PGBENCH_TXN, "t_s": (end - t0_ns) / 1e9, "t_ns": end, "client": "client:" + workload,
                           "workload": workload, "node": host, "client_id": cid, "tx": tx, "latency_us": lat,
                           "lag_us": int(f[6]) if len(f) > 6 and f[6].lstrip("-").isdigit() else 0})
            continue
        m = _PGB_CLIENT_ERR.search(line)
        if m:
            last_error[int(m.group("c"))] = m.group("msg").strip()
            continue
        m = _PGB_ABORT.search(line)
        if m:
            t, cid = int(m.group("t")), int(m.group("c"))
            msg = last_error.get(cid, line.split(" ", 2)[2])
            events.append({"kind": PGBENCH_CLIENT_ABORTED, "t_s": (t - t0_ns) / 1e9, "t_ns": t, "client": "client:" + workload,
                           "workload": workload, "node": host, "client_id": cid, "command": int(m.group("cmd")),
                           "sqlstate": _pgbench_sqlstate(msg), "message": msg})
            continue
        m = _PGB_NO_START.search(line)
        if m and no_start is None:
            no_start = int(m.group("t"))
    if no_start is not None and not any(e["kind"] == PGBENCH_TXN for e in events):
        for cid in range(clients):
            events.append({"kind": PGBENCH_CLIENT_ABORTED, "t_s": (no_start - t0_ns) / 1e9, "t_ns": no_start,
                           "client": "client:" + workload, "workload": workload, "node": host, "client_id": cid,
                           "command": -1, "sqlstate": "08006", "message": "could not create connection"})
    events.sort(key=lambda e: e["t_ns"])
    return events


# pg-reader.sh, one line per read (validation/render.cpp kPgReader):
#   HASIM_PGR seq=N sent_ns=EPOCH_NS end_ns=EPOCH_NS host=HOST ok=1 max_id=N server=IP
#   HASIM_PGR seq=N sent_ns=EPOCH_NS end_ns=EPOCH_NS host=HOST ok=0 exit=N error=PSQL'S MESSAGE...
_PG_READ = re.compile(r"HASIM_PGR (?P<kv>.*?)(?: error=(?P<error>.*))?$")


def parse_pg_reader(lines: Iterable[str], node: str, workload: str, t0_ns: int, addresses: dict[str, str]) -> list[dict]:
    """pg_read_done / pg_read_failed events (the simulator's ReadClient's) from pg-reader.sh's
    lines, stamped when the answer (or the failure) reached the reader, with latency_us from the
    read's start: the checks take the send time as the stamp less the latency, as for simulated
    reads. max_id is what the server's snapshot showed; node the server that answered."""
    events = []
    for line in lines:
        m = _PG_READ.search(line)
        if not m:
            continue
        kv = dict(p.split("=", 1) for p in m.group("kv").split() if "=" in p)
        try:
            sent, end = int(kv["sent_ns"]), int(kv["end_ns"])
        except (KeyError, ValueError):
            continue
        base = {"t_s": (end - t0_ns) / 1e9, "t_ns": end, "client": "client:" + workload, "workload": workload,
                "seq": int(kv.get("seq", "0") or 0), "sent_s": (sent - t0_ns) / 1e9, "latency_us": (end - sent) // 1000}
        if kv.get("ok") == "1" and "max_id" in kv:
            server = kv.get("server", "")
            events.append({"kind": PG_READ_DONE, **base, "node": addresses.get(server, server),
                           "max_id": int(kv["max_id"] or 0)})
        else:
            err = (m.group("error") or "").strip()
            s = _SQLSTATE.search(err)
            # psql's own connection failures carry no SQLSTATE: 08006, connection_failure.
            events.append({"kind": PG_READ_FAILED, **base, "node": kv.get("host", ""),
                           "sqlstate": s.group(1) if s else "08006", "message": err,
                           "psql_exit": int(kv.get("exit", "0") or 0)})
    return events


_PG_STAT = re.compile(r"HASIM_PGSTAT (?P<kv>.*)$")
_PG_STAT_FIELDS = {"wal": "wal_lsn", "sent": "sent_lsn", "write": "write_lsn", "flush": "flush_lsn", "replay": "replay_lsn",
                   "write_lag_us": "write_lag_us", "flush_lag_us": "flush_lag_us", "replay_lag_us": "replay_lag_us"}


def parse_pg_stat(lines: Iterable[str], node: str, t0_ns: int) -> list[dict]:
    """pg_stat_replication events (the simulator's stat probe's) from pg-stat-probe.sh's lines: one
    per row of the view on `node`, stamped with the server's clock_timestamp() (the host clock).
    LSNs are byte positions, lags microseconds, -1 where the view shows NULL."""
    events = []
    last: dict[str, dict] = {}
    for line in lines:
        m = _PG_STAT.search(line)
        if not m:
            continue
        kv = dict(p.split("=", 1) for p in m.group("kv").split() if "=" in p)
        try:
            t_ns = int(kv["t_us"]) * 1000
            e = {"kind": PG_STAT_REPLICATION, "t_s": (t_ns - t0_ns) / 1e9, "t_ns": t_ns, "node": node,
                 "application_name": kv.get("app", ""), "state": kv.get("state", "")}
            for key, field in _PG_STAT_FIELDS.items():
                e[field] = int(kv.get(key, "-1"))
        except (KeyError, ValueError):
            continue
        # The probe of 2026-12-03's first record ended its query with ';', so psql ran it once
        # more right before \watch's first run: the same row twice within milliseconds. Kept once.
        prev = last.get(e["application_name"])
        if (prev is not None and 0 <= t_ns - prev["t_ns"] < 500_000_000
                and all(prev[f] == e[f] for f in _PG_STAT_FIELDS.values())):
            continue
        last[e["application_name"]] = e
        events.append(e)
    return events
