"""validation/parse_logs.py against REAL logs of Demo 2's slot retention
(tests/validation/fixtures/demo2-slot-retention-*.log, run 0 of 2026-12-04 02:25, rootful podman,
PostgreSQL 15.18): replica2 stopped at 8 s while pgbench wrote, max_slot_wal_keep_size 32MB on the
primary, the operator's CHECKPOINT at 55 s, replica2 started again at 70 s."""
import os
import sys

ROOT = os.environ.get("HASIM_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "validation"))
import parse_logs  # noqa: E402

FIX = os.path.join(ROOT, "tests", "validation", "fixtures")


def lines(name):
    with open(os.path.join(FIX, name)) as f:
        return f.read().splitlines()


def test_the_primary_logs_one_slot_invalidation_inside_the_operators_checkpoint():
    ev = parse_logs.parse_postgres(lines("demo2-slot-retention-primary.log"), "postgres-primary", 0)
    inv = [e for e in ev if e["kind"] == parse_logs.PG_SLOT_INVALIDATED]
    assert len(inv) == 1
    assert inv[0]["slot"] == "replica2_slot"
    assert inv[0]["restart_lsn"] == parse_logs.pg_lsn("0/A7A8558")
    assert inv[0]["terminated_pid"] == 0  # replica2 was stopped: no walsender held the slot
    # PostgreSQL 15 logs it between "checkpoint starting" and "checkpoint complete".
    cps = [e for e in ev if e["kind"] == parse_logs.PG_CHECKPOINT and e["t_ns"] > inv[0]["t_ns"]]
    assert cps and cps[0]["t_ns"] - inv[0]["t_ns"] < 1_000_000_000


def test_the_restarted_standby_starts_streaming_then_fails_on_the_removed_segment_every_retry():
    ev = parse_logs.parse_postgres(lines("demo2-slot-retention-replica2.log"), "postgres-replica2", 0)
    start = next(e["t_ns"] for e in ev if e["kind"] == parse_logs.PG_STARTED and e["t_ns"] > 0
                 and any(x["kind"] == parse_logs.PG_SHUTDOWN_DONE and x["t_ns"] < e["t_ns"] for x in ev))
    after = [e for e in ev if e["t_ns"] > start]
    lost = [e for e in after if e["kind"] == parse_logs.PG_WALRECEIVER_DISCONNECTED]
    assert len(lost) >= 5
    for e in lost:
        assert e["reason"] == ("could not receive data from WAL stream: ERROR:  requested WAL segment "
                               "00000001000000000000000A has already been removed")
    # Each failure follows a "started streaming WAL from primary", as the simulator's walreceiver
    # records a connection before the walsender's first read fails.
    assert len([e for e in after if e["kind"] == parse_logs.PG_WALRECEIVER_CONNECTED]) == len(lost)
