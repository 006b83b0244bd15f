"""Each daemon kind is declared once in C++ (scenarios/kinds/) and has its log parser in Python
(validation/kinds.py): the two lists must agree, and the parsers emit only declared events."""
import json
import os
import sys

import pytest

import hasim
from conftest import SOURCE_DIR

sys.path.insert(0, os.path.join(SOURCE_DIR, "validation"))
import kinds  # noqa: E402

FIX = os.path.join(SOURCE_DIR, "tests", "validation", "fixtures")


def lines(name):
    with open(os.path.join(FIX, name)) as f:
        return f.read().splitlines()


def declared():
    return {k["key"]: k for k in hasim.kinds()}


def test_the_simulator_declares_haproxy_nginx_keepalived_postgres_pgbouncer_and_failover_script_in_that_order():
    assert [k["key"] for k in hasim.kinds()] == ["haproxy", "nginx", "keepalived", "postgres", "pgbouncer", "failover_script"]


def test_every_declared_kind_has_a_log_parser_and_no_parser_lacks_a_kind():
    assert set(kinds.LOG_PARSERS) == set(declared())


def test_keepalived_declares_its_parent_and_child_as_fault_targets():
    assert declared()["keepalived"]["fault_targets"] == ["keepalived", "keepalived_parent", "keepalived_vrrp"]


@pytest.mark.parametrize("kind,fixture,node", [
    ("haproxy", "demo1-part1-haproxy.log", "haproxy"),
    ("haproxy", "demo1-part1-haproxy-dns-maint.log", "haproxy"),
    ("keepalived", "demo1-part2-haproxy1-keepalived.log", "haproxy1"),
    ("pgbouncer", "demo2-pgbouncer-failover-pgbouncer.log", "pgbouncer"),
    ("failover_script", "demo2-failover-script-app.log", "app"),
])
def test_a_real_log_parses_into_events_its_kind_declares(kind, fixture, node):
    events = kinds.LOG_PARSERS[kind](lines(fixture), node, 0)
    assert events, "the fixture has events of this kind"
    assert {e["kind"] for e in events} <= set(declared()[kind]["events"])


def test_daemon_events_reads_each_node_with_its_daemons_parsers():
    logs = {"haproxy1": lines("demo1-part2-haproxy1-keepalived.log"), "nginx1": lines("demo1-part1-haproxy.log")}
    ev = kinds.daemon_events({"haproxy1": ["keepalived"], "nginx1": ["nginx"]}, logs, 0)
    # nginx1's log (here HAProxy's lines) is not read as HAProxy's: its daemon is nginx.
    assert ev and {e["kind"] for e in ev} == {"vrrp_state"} and {e["node"] for e in ev} == {"haproxy1"}


def test_a_daemon_kind_without_a_parser_is_an_error_not_a_silence():
    with pytest.raises(KeyError, match="no log parser for daemon kind 'etcd'"):
        kinds.daemon_events({"e1": ["etcd"]}, {"e1": []}, 0)


def test_pgbouncer_s_log_gives_the_closed_server_the_dns_failure_the_pooler_errors_and_the_reload():
    # Debian's pgbouncer 1.18 in demo2-pgbouncer-failover (2026-12-03): the primary stopped at
    # 14:20:00.5, the operator's RELOAD at 14:20:11.0, the new host's connection 15 s after the
    # failed lookup (server_login_retry).
    events = kinds.LOG_PARSERS["pgbouncer"](lines("demo2-pgbouncer-failover-pgbouncer.log"), "pgbouncer", 0)
    seen = [(e["kind"], e.get("reason") or e.get("message") or e.get("addr") or "") for e in events]
    assert seen[:3] == [("pgbouncer_server_connected", "172.30.0.10"),
                        ("pgbouncer_server_closed", "server conn crashed?"),
                        ("pgbouncer_server_closed", "server DNS lookup failed")]
    assert ("pgbouncer_pooler_error", "server login has been failing, try again later (server_login_retry)") in seen
    assert ("pgbouncer_reload", "") in seen
    assert seen[-1] == ("pgbouncer_server_connected", "172.30.0.11")
    failed = next(e for e in events if e.get("reason") == "server DNS lookup failed")
    assert 15.0 <= events[-1]["t_s"] - failed["t_s"] < 15.5


def test_the_failover_script_log_gives_each_step_with_the_script_own_clock_and_typed_fields():
    # A real run's app container (2026-12-03): the primary killed, three failed checks, replica2
    # (furthest by received WAL) promoted, the writer and replica1 repointed.
    ev = kinds.LOG_PARSERS["failover_script"](lines("demo2-failover-script-app.log"), "app", 0)
    assert [e["kind"] for e in ev] == ["script_check_failed"] * 3 + [
        "script_detected", "script_candidate", "script_candidate", "script_promoted", "script_app_repointed",
        "script_repointed"]
    assert [e["failures"] for e in ev[:3]] == [1, 2, 3]
    assert ev[0]["message"].startswith("psql: error: connection to server at \"postgres-primary\"")
    assert ev[0]["t_ns"] == 1796320296127570000  # t_us from bash's $EPOCHREALTIME, not the log's stamp
    c1, c2, promoted = ev[4], ev[5], ev[6]
    assert (c1["host"], c2["host"]) == ("postgres-replica1", "postgres-replica2")
    assert c2["lsn"] > c1["lsn"] and c1["message"] == ""
    assert promoted["host"] == "postgres-replica2" and promoted["ok"] is True and promoted["lsn"] == c2["lsn"]
    assert ev[7]["workload"] == "load" and ev[7]["primary"] == "postgres-replica2"
    assert ev[8]["host"] == "postgres-replica1" and ev[8]["ok"] is True
