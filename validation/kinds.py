"""The Python part of each daemon kind's real side: how run_real.py turns its container's log
into events. One entry per kind the simulator declares (scenarios/kinds/kinds.hpp, listed by
`hasim.kinds()`); tests/python/test_kinds.py fails when the two lists differ, or when a parser
emits an event kind its declaration does not name, so a kind cannot be added on one side only."""
from __future__ import annotations

from typing import Callable, Iterable

import parse_logs

LogParser = Callable[[Iterable[str], str, int], list]


def _no_events(lines: Iterable[str], node: str, t0_ns: int) -> list[dict]:
    """nginx's log has nothing hasim reads: the requests it serves are seen by their clients."""
    return []


# key -> parser(lines of one container's timestamped log, node, t0_ns) -> events.
LOG_PARSERS: dict[str, LogParser] = {
    "haproxy": parse_logs.parse_haproxy,
    "nginx": _no_events,
    "keepalived": parse_logs.parse_keepalived,
    "postgres": parse_logs.parse_postgres,
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
