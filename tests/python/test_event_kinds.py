"""Event kinds and their fields are declared once, in C++ (scenarios/events.hpp, given to Python
by hasim.event_kinds()): the real runs' parser (validation/parse_logs.py) and the real runner's
own fault records write only those names, so the simulator's checks read a real run's events as
they read a simulated run's."""
import json
import os
import sys

import pytest

import hasim
from conftest import SOURCE_DIR

sys.path.insert(0, os.path.join(SOURCE_DIR, "validation"))
import parse_logs  # noqa: E402

FIX = os.path.join(SOURCE_DIR, "tests", "validation", "fixtures")
EVERY_EVENT = {"kind", "t_s", "t_ns"}  # t_ns: the parser's own, dropped before run_real.py saves


def lines(name):
    with open(os.path.join(FIX, name)) as f:
        return f.read().splitlines()


def parsed_events():
    """What each parser of parse_logs.py makes of the real logs in the fixtures."""
    with open(os.path.join(FIX, "demo1-part1-run.json")) as f:
        run = json.load(f)
    t0 = run["t0_ns"]
    vip = ["HASIM_VIP ip=172.20.0.100 held=1 t_ns=3000000000", "HASIM_VIP_EOF t_ns=20000000000"]
    return {
        "haproxy": parse_logs.parse_haproxy(lines("demo1-part1-haproxy.log"), "haproxy", t0)
        + parse_logs.parse_haproxy(lines("demo1-part1-haproxy-dns-maint.log"), "haproxy", 0),
        "keepalived": parse_logs.parse_keepalived(lines("demo1-part2-haproxy1-keepalived.log"), "haproxy1", 0),
        "client": parse_logs.parse_client(lines("demo1-part1-client.log"), "client", "load", t0),
        "vip-watch": parse_logs.parse_vip_watch({"haproxy1": (["172.20.0.100"], vip)}, 0),
        "postgres": parse_logs.parse_postgres(lines("demo2-manual-failover-primary.log"), "postgres-primary", 0)
        + parse_logs.parse_postgres(lines("demo2-manual-failover-replica1.log"), "postgres-replica1", 0)
        + parse_logs.parse_postgres(lines("demo2-split-brain-primary.log"), "postgres-primary", 0)
        + parse_logs.parse_postgres(lines("demo2-split-brain-rewind-primary.log"), "postgres-primary", 0),
        "pg-writer": parse_logs.parse_pg_client(lines("demo2-manual-failover-writer.log"), "app", "writer", 0,
                                                {"172.30.0.10": "postgres-primary"}),
        "pg-stat-probe": parse_logs.parse_pg_stat(lines("demo2-pgstat.log"), "postgres-primary", 0),
        "run_real faults": run["faults"],
    }


@pytest.mark.parametrize("source", list(parsed_events()))
def test_every_event_the_real_side_writes_is_a_declared_kind_with_declared_fields(source):
    declared = hasim.event_kinds()
    events = parsed_events()[source]
    assert events, "the fixture gives events"
    for e in events:
        assert e["kind"] in declared, f"{source}: {e['kind']} is not declared in scenarios/events.hpp"
        extra = set(e) - EVERY_EVENT - set(declared[e["kind"]])
        assert not extra, f"{source}: {e['kind']} has undeclared fields {sorted(extra)}"


def test_the_parsers_kind_constants_are_the_declared_names():
    declared = hasim.event_kinds()
    names = [v for k, v in vars(parse_logs).items() if k.isupper() and isinstance(v, str) and k.replace("_", "").isalnum()
             and v.islower() and " " not in v]
    assert names and all(n in declared for n in names), [n for n in names if n not in declared]


def test_the_simulators_own_records_use_the_declared_fields():
    r = hasim.run(os.path.join(SOURCE_DIR, "scenarios", "demo1-part1.yaml"), overrides={"duration": "80s"})
    declared = hasim.event_kinds()
    seen = 0
    for e in r["events"]:
        if e["kind"] in declared:
            seen += 1
            assert set(e) - EVERY_EVENT <= set(declared[e["kind"]]), e
    assert seen > 0


def test_every_declared_workload_kind_has_a_reader_on_the_real_side():
    assert tuple(hasim.workload_kinds()) == parse_logs.WORKLOAD_KINDS


def test_a_plan_entry_of_an_unknown_workload_kind_is_an_error_not_another_kind():
    with pytest.raises(ValueError, match="no reader"):
        parse_logs.workload_kind({"name": "w", "kind": "ftp_client"})
    assert parse_logs.workload_kind({"name": "w"}) == "http_client"  # render omits the closed loop's
    assert parse_logs.workload_kind({"name": "w", "kind": "pg_writer"}) == "pg_writer"
