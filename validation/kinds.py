"""The Python part of each daemon kind's real side: how run_real.py turns its container's log
into events. One entry per kind the simulator declares (scenarios/kinds/kinds.hpp, listed by
`hasim.kinds()`); tests/python/test_kinds.py fails when the two lists differ, or when a parser
emits an event kind its declaration does not name, so a kind cannot be added on one side only."""
from __future__ import annotations

import re
from typing import Callable, Iterable

import parse_logs

LogParser = Callable[[Iterable[str], str, int], list]


def _no_events(lines: Iterable[str], node: str, t0_ns: int) -> list[dict]:
    """nginx's log has nothing hasim reads: the requests it serves are seen by their clients."""
    return []


# PgBouncer 1.18's log lines (libusual log.c: "2026-12-03 14:00:00.123 UTC [PID] LEVEL MSG"),
# a socket's lines prefixed "S-0x...: DB/USER@ADDR:PORT " (server) or "C-0x...: ..." (client).
_PGB_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \S+ \[\d+\] (?P<level>[A-Z]+) (?P<msg>.*)$")
_PGB_SOCKET = re.compile(r"^(?P<side>[SC])-0x[0-9a-f]+: (?P<db>[^/]*)/(?P<user>[^@]*)@(?P<addr>[^ ]*?):(?P<port>\d+) (?P<msg>.*)$")
PGBOUNCER_SERVER_CONNECTED, PGBOUNCER_SERVER_LOGIN_FAILED = "pgbouncer_server_connected", "pgbouncer_server_login_failed"
PGBOUNCER_SERVER_CLOSED, PGBOUNCER_POOLER_ERROR, PGBOUNCER_RELOAD = (
    "pgbouncer_server_closed", "pgbouncer_pooler_error", "pgbouncer_reload")


def parse_pgbouncer(lines: Iterable[str], node: str, t0_ns: int) -> list[dict]:
    """The simulator's pgbouncer_* events (models/pgbouncer/events.hpp) from one pgbouncer
    container's timestamped log: server connections made ("new connection to server") and
    closed ("closing because: REASON (age=Ns)"), refused logins ("server login failed: ..."),
    errors sent to clients ("pooler error: ...") and reloads (SIGHUP, the console's RELOAD).
    The log names a server by its address, not the [databases] host: `host` is left empty."""
    events: list[dict] = []

    def ev(kind: str, ns: int, **fields) -> None:
        events.append({"kind": kind, "t_s": (ns - t0_ns) / 1e9, "t_ns": ns, "node": node, **fields})
    for line in lines:
        ns, rest = parse_logs.parse_timestamp_line(line)
        if ns is None:
            continue
        m = _PGB_LINE.match(rest)
        if not m:
            continue
        msg = m.group("msg")
        # "server login failed: FATAL ..." while the pool has no welcome message yet (its waiting
        # clients get that error), "S: login failed: FATAL: ..." once it has one.
        for prefix in ("server login failed: ", "S: login failed: "):
            if msg.startswith(prefix):
                ev(PGBOUNCER_SERVER_LOGIN_FAILED, ns, database="", host="", message=msg[len(prefix):])
                break
        else:
            prefix = ""
        if prefix:
            continue
        if msg in ("RELOAD command issued", "got SIGHUP, re-reading config"):
            ev(PGBOUNCER_RELOAD, ns, database="", host="")
            continue
        s = _PGB_SOCKET.match(msg)
        if not s:
            continue
        what, db = s.group("msg"), s.group("db")
        if s.group("side") == "S":
            if what.startswith("new connection to server"):
                ev(PGBOUNCER_SERVER_CONNECTED, ns, database=db, host="", addr=s.group("addr"))
            elif (x := re.match(r"closing because: (.*) \(age=\d+s\)$", what)):
                ev(PGBOUNCER_SERVER_CLOSED, ns, database=db, host="", reason=x.group(1))
        elif what.startswith("pooler error: "):
            ev(PGBOUNCER_POOLER_ERROR, ns, database=db, message=what[len("pooler error: "):])
    return events


# The failover script's lines (validation/kinds/failover_script.cpp): "HASIM_SCRIPT t_us=EPOCH_US
# STEP key=value ... message=TEXT", message last and taking the rest of the line.
_SCRIPT_LINE = re.compile(r"^HASIM_SCRIPT t_us=(?P<us>\d+) (?P<step>[a-z_]+)(?: (?P<rest>.*))?$")
SCRIPT_EVENTS = {
    "check_failed": "script_check_failed", "detected": "script_detected", "candidate": "script_candidate",
    "promoted": "script_promoted", "repointed": "script_repointed", "app_repointed": "script_app_repointed",
    "gave_up": "script_gave_up"}
_SCRIPT_INTS = {"failures", "lsn"}
_SCRIPT_BOOLS = {"ok"}


def parse_failover_script(lines: Iterable[str], node: str, t0_ns: int) -> list[dict]:
    """The simulator's script_* events (models/failover_script/events.hpp) from the script's own
    lines, stamped by the script's clock (bash's $EPOCHREALTIME) rather than the log's."""
    events: list[dict] = []
    for line in lines:
        _, rest = parse_logs.parse_timestamp_line(line)
        m = _SCRIPT_LINE.match(rest.strip())
        if not m or m.group("step") not in SCRIPT_EVENTS:
            continue
        ns = int(m.group("us")) * 1000
        ev = {"kind": SCRIPT_EVENTS[m.group("step")], "t_s": (ns - t0_ns) / 1e9, "t_ns": ns, "node": node}
        text = m.group("rest") or ""
        message = None
        if " message=" in " " + text:
            i = (" " + text).index(" message=")
            text, message = text[:max(i - 1, 0)], (" " + text)[i + len(" message="):]
        for word in text.split():
            k, _, v = word.partition("=")
            ev[k] = int(v) if k in _SCRIPT_INTS else (v == "1") if k in _SCRIPT_BOOLS else v
        if message is not None:
            ev["message"] = message
        events.append(ev)
    return events


# key -> parser(lines of one container's timestamped log, node, t0_ns) -> events.
LOG_PARSERS: dict[str, LogParser] = {
    "haproxy": parse_logs.parse_haproxy,
    "nginx": _no_events,
    "keepalived": parse_logs.parse_keepalived,
    "postgres": parse_logs.parse_postgres,
    "pgbouncer": parse_pgbouncer,
    "failover_script": parse_failover_script,
}


def daemon_events(node_processes: dict[str, list[str]], logs: dict[str, list[str]], t0_ns: int) -> list[dict]:
    """Every daemon's events, node by node in plan order, each daemon by its kind's parser.
    A daemon whose kind has no parser here is an error, not a silence."""
    events: list[dict] = []
    for node, daemons in node_processes.items():
        for kind in daemons:
            if kind not in LOG_PARSERS:
                raise KeyError(f"no log parser for daemon kind '{kind}' (validation/kinds.py)")
            events += LOG_PARSERS[kind](logs.get(node, []), node, t0_ns)
    return events
