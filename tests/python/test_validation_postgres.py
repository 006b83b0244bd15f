"""validation/parse_logs.py's PostgreSQL parsers against REAL logs of Demo 2's manual failover
(tests/validation/fixtures/demo2-manual-failover-*.log, captured by validation/run_real.py on
rootful podman, PostgreSQL 15.18 from Debian bookworm): `docker stop postgres-primary` at 20 s,
`SELECT pg_promote()` on postgres-replica1 at 25 s, the writer repointed at 30 s."""
import os
import sys

import pytest

ROOT = os.environ.get("HASIM_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "validation"))
import kinds  # noqa: E402
import parse_logs  # noqa: E402

FIX = os.path.join(ROOT, "tests", "validation", "fixtures")
T0 = 1796237268410506727  # the run's t0_ns (run_real.py: when every standby streamed)
ADDRESSES = {"172.30.0.10": "postgres-primary", "172.30.0.11": "postgres-replica1", "172.30.0.12": "postgres-replica2"}


def lines(name):
    with open(os.path.join(FIX, name)) as f:
        return f.read().splitlines()


def kinds_of(events):
    return [e["kind"] for e in events if e["kind"] != "pg_checkpoint"]


def test_lsns_read_as_byte_positions():
    assert parse_logs.pg_lsn("0/600CD40") == 0x600CD40
    assert parse_logs.pg_lsn("1/0") == 1 << 32


def test_the_primary_starts_once_on_timeline_1_and_stops_with_a_fast_shutdown_at_the_fault():
    ev = parse_logs.parse_postgres(lines("demo2-manual-failover-primary.log"), "postgres-primary", T0)
    assert kinds_of(ev) == ["pg_started", "pg_shutdown_requested", "pg_shutdown_done"]
    assert ev[0]["role"] == "primary" and ev[0]["timeline"] == 1 and ev[0]["t_s"] < 0  # set-up precedes t0
    done = [e for e in ev if e["kind"] == "pg_shutdown_done"][0]
    assert done["mode"] == "fast" and 20.0 < done["t_s"] < 22.0


def test_the_promoted_standby_streams_then_promotes_to_timeline_2_once():
    ev = parse_logs.parse_postgres(lines("demo2-manual-failover-replica1.log"), "postgres-replica1", T0)
    assert kinds_of(ev) == ["pg_data_directory_synced", "pg_recovery_started", "pg_started", "pg_walreceiver_connected", "pg_walreceiver_disconnected",
                            "pg_promote_requested", "pg_recovery_done", "pg_promoted"]
    started = [e for e in ev if e["kind"] == "pg_started"][0]
    assert started["role"] == "standby" and started["timeline"] == 1
    promoted = [e for e in ev if e["kind"] == "pg_promoted"][0]
    # "redo done at 0/600CD40": the last replayed record starts there; switch_lsn is one past it.
    assert promoted["timeline"] == 2 and promoted["switch_lsn"] == 0x600CD40 + 1
    assert 25.0 < promoted["t_s"] < 27.0
    # The "ready to accept connections" after the promotion is not a second start.
    assert sum(1 for e in ev if e["kind"] == "pg_started") == 1


def test_the_other_standby_loses_its_primary_and_is_never_promoted():
    ev = parse_logs.parse_postgres(lines("demo2-manual-failover-replica2.log"), "postgres-replica2", T0)
    assert "pg_promoted" not in kinds_of(ev)
    assert [e["role"] for e in ev if e["kind"] == "pg_started"] == ["standby"]
    assert "pg_walreceiver_disconnected" in kinds_of(ev)


def test_postgres_is_parsed_by_its_kind_entry():
    assert kinds.LOG_PARSERS["postgres"] is parse_logs.parse_postgres


def test_the_writer_acks_carry_node_timeline_xid_and_lsn_and_failures_a_sqlstate():
    ev = parse_logs.parse_pg_client(lines("demo2-manual-failover-writer.log"), "app", "load", T0, ADDRESSES)
    acks = [e for e in ev if e["kind"] == "pg_commit_acked"]
    fails = [e for e in ev if e["kind"] == "pg_commit_failed"]
    assert len(acks) + len(fails) == 117  # one event per attempt (HASIM_PG_DONE attempts=117)
    assert {e["client"] for e in ev} == {"client:load"}
    first, last = acks[0], acks[-1]
    assert (first["node"], first["timeline"], first["xid"], first["lsn"]) == ("postgres-primary", 1, 727, 0x60020E0)
    assert (last["node"], last["timeline"]) == ("postgres-replica1", 2)
    # Every commit acknowledged on timeline 1 precedes the promoted standby's switch point.
    assert all(a["lsn"] < 0x600CD40 + 1 for a in acks if a["timeline"] == 1)
    # Between the stop (20 s) and the repoint (30 s) every attempt fails, and none outside.
    assert fails and all(20.0 < f["t_s"] < 31.5 for f in fails)
    assert any("shutting down" in f["message"] for f in fails)
    assert {f["sqlstate"] for f in fails} == {"08006"}  # psql's connection failures carry none
    assert all(a["latency_us"] > 0 for a in acks)


SB_T0 = 1796238825202203752  # Demo 2's split brain, run 0 (tests/validation/fixtures/demo2-split-brain-*.log)


def test_the_restarted_old_primary_starts_again_as_a_primary_on_timeline_1_beside_the_promoted_one():
    old = parse_logs.parse_postgres(lines("demo2-split-brain-primary.log"), "postgres-primary", SB_T0)
    starts = [(e["role"], e["timeline"], round(e["t_s"])) for e in old if e["kind"] == "pg_started"]
    assert starts == [("primary", 1, -3), ("primary", 1, 36)]  # `docker start` at 35 s, its data kept
    new = parse_logs.parse_postgres(lines("demo2-split-brain-replica1.log"), "postgres-replica1", SB_T0)
    assert [(e["timeline"]) for e in new if e["kind"] == "pg_promoted"] == [2]


def test_the_replication_monitor_rows_become_pg_stat_replication_events_with_byte_positions_and_lags():
    ev = parse_logs.parse_pg_stat(lines("demo2-pgstat.log"), "postgres-primary", 1796282389000000000)
    # 7 rows; the first twice, 38 ms apart (the probe's query ran once more before \watch's
    # first run): kept once.
    assert len(ev) == 6
    first = ev[0]
    assert first["kind"] == "pg_stat_replication"
    assert first["node"] == "postgres-primary" and first["application_name"] == "replica1"
    assert first["state"] == "streaming"
    assert first["t_s"] == pytest.approx(0.803141)
    assert first["sent_lsn"] == first["replay_lsn"] == 50340448
    assert (first["write_lag_us"], first["flush_lag_us"], first["replay_lag_us"]) == (170, 7980, 15965)
    # The standby's replay is reported within milliseconds of the flush, not a writer period later.
    assert all(0 <= e["replay_lag_us"] < 100_000 for e in ev)
    # A NULL lag reads -1; other lines are ignored.
    more = parse_logs.parse_pg_stat(["noise", "HASIM_PGSTAT t_us=5 app=r2 state=catchup wal=9 sent=9 write=8 flush=8 "
                                     "replay=7 write_lag_us=-1 flush_lag_us=-1 replay_lag_us=-1"], "p", 0)
    assert len(more) == 1 and more[0]["replay_lag_us"] == -1 and more[0]["replay_lsn"] == 7


BR_T0 = 1796310686719840500  # Demo 2's basic replication, run 0 (validation/results/2026-12-03/demo2-basic-replication.real.json)


def test_the_readers_lines_give_one_read_event_each_with_the_answering_node_and_the_newest_id_seen():
    # The first lines of run 0's reader on replica1 (pg-reader.sh): its first read opened the session.
    ev = parse_logs.parse_pg_reader(lines("demo2-basic-replication-reader.log"), "app", "r1", BR_T0, ADDRESSES)
    assert [e["kind"] for e in ev] == ["pg_read_done"] * 6
    assert {(e["client"], e["node"], e["max_id"]) for e in ev} == {("client:r1", "postgres-replica1", 13)}
    assert ev[0]["latency_us"] == (1796310695078585000 - 1796310694930281000) // 1000
    assert ev[0]["t_s"] == pytest.approx((1796310695078585000 - BR_T0) / 1e9)


def test_a_failed_read_carries_the_servers_sqlstate_or_08006_when_psql_got_no_answer():
    # Shaped as pg-reader.sh writes them (not from a stored run: no real read failed on 2026-12-03).
    failed = [
        "HASIM_PGR seq=7 sent_ns=10 end_ns=20 host=postgres-replica1 ok=0 exit=3 error=psql:<stdin>:1: FATAL:  57P01: terminating connection due to administrator command",
        "HASIM_PGR seq=8 sent_ns=30 end_ns=40 host=postgres-replica1 ok=0 exit=2 error=psql: error: connection to server at \"postgres-replica1\" failed: Connection refused",
    ]
    ev = parse_logs.parse_pg_reader(failed, "app", "r1", 0, ADDRESSES)
    assert [(e["kind"], e["sqlstate"], e["node"]) for e in ev] == [("pg_read_failed", "57P01", "postgres-replica1"),
                                                                   ("pg_read_failed", "08006", "postgres-replica1")]


def test_pgbench_log_lines_give_one_transaction_event_each_with_latency_and_schedule_lag():
    # Real --log lines of pgbench 15.18 (Debian bookworm) under -R 20 -c 2, 2026-12-03:
    # client_id transaction_no time_us script_no time_epoch time_us schedule_lag_us.
    real = ["HASIM_PGB_TX 0 1 11260 0 1796318052 796138 107",
            "HASIM_PGB_TX 0 2 7600 0 1796318052 904280 2758",
            "HASIM_PGB_TX 1 1 21174 0 1796318052 913414 7270",
            "HASIM_PGB_TX 1 2 failed 0 1796318053 1000 0"]
    t0 = 1796318050_000000000
    ev = parse_logs.parse_pgbench(real, "bench", "bench", t0, "postgres-primary", 2)
    assert [(e["kind"], e["client_id"], e["tx"], e["latency_us"], e["lag_us"]) for e in ev] == [
        ("pgbench_txn", 0, 1, 11260, 107), ("pgbench_txn", 0, 2, 7600, 2758), ("pgbench_txn", 1, 1, 21174, 7270)]
    # Stamped at the transaction's end (time_epoch.time_us).
    assert ev[0]["t_s"] == pytest.approx(2.796138)
    assert ev[0]["client"] == "client:bench" and ev[0]["node"] == "postgres-primary"


def test_an_aborted_pgbench_client_carries_the_servers_reason():
    # Shaped as pgbench 15 prints them to stderr (pgbench.c: "client %d script %d aborted in
    # command %d query %d: %s" then "client %d aborted in command %d (SQL) of script %d; %s").
    lines_ = ["HASIM_PGB_ERR t_ns=5000000000 pgbench: error: client 1 script 0 aborted in command 1 query 0: "
              "ERROR:  cannot execute UPDATE in a read-only transaction",
              "HASIM_PGB_ERR t_ns=5000000100 pgbench: error: client 1 aborted in command 1 (SQL) of script 0; "
              "perhaps the backend died while processing",
              "HASIM_PGB_ERR t_ns=6000000000 pgbench: error: client 0 aborted in command 4 (SQL) of script 0; "
              "perhaps the backend died while processing"]
    ev = parse_logs.parse_pgbench(lines_, "bench", "bench", 0, "postgres-primary", 2)
    assert [(e["kind"], e["client_id"], e["command"], e["sqlstate"]) for e in ev] == [
        ("pgbench_client_aborted", 1, 1, "25006"), ("pgbench_client_aborted", 0, 4, "08006")]


# --- run_real.py's readiness wait: who must list whom (no containers) -------------------------------
import run_real  # noqa: E402


def test_a_cascaded_standby_is_waited_for_on_the_standby_it_streams_from_not_on_the_primary():
    pgs = [{"service": "postgres-primary", "standby": False},
           {"service": "postgres-replica1", "standby": True, "upstream": "postgres-primary"},
           {"service": "postgres-replica2", "standby": True, "upstream": "postgres-replica1"}]
    assert run_real.expected_downstreams(pgs) == {"postgres-primary": 1, "postgres-replica1": 1}


def test_standbys_of_the_one_primary_are_all_waited_for_on_it_and_an_older_plan_counts_them_the_same():
    new = [{"service": "p", "standby": False},
           {"service": "r1", "standby": True, "upstream": "p"},
           {"service": "r2", "standby": True, "upstream": "p"}]
    old = [{k: v for k, v in e.items() if k != "upstream"} for e in new]
    assert run_real.expected_downstreams(new) == {"p": 2}
    assert run_real.expected_downstreams(old) == {"p": 2}


def test_an_older_plan_with_two_primaries_waits_for_no_standby_on_either():
    old = [{"service": "a", "standby": False}, {"service": "b", "standby": False}, {"service": "r", "standby": True}]
    assert run_real.expected_downstreams(old) == {"a": 0, "b": 0}


def test_the_fsync_probe_runs_in_the_primarys_data_directory_and_its_line_reads_as_seconds_each():
    argv = run_real.fsync_probe_argv("abc123")
    assert argv[:5] == ["podman", "exec", "abc123", "perl", "-e"]
    assert argv[6] == "/var/lib/postgresql/data/hasim-fsync-probe" and argv[7] == str(run_real.FSYNC_PROBE_N)
    assert run_real.parse_fsync_probe("noise\nHASIM_FSYNC 250 3100 12000\n") == [0.00025, 0.0031, 0.012]
    assert run_real.parse_fsync_probe("sync: Invalid argument\n") == []


def test_the_runs_fsync_samples_pool_into_the_records_fsync_distribution():
    out = {"runs": [{"fsync_s": [0.0002, 0.0003, 0.004]}, {"fsync_s": [0.0002, 0.005]}, {"run": 2}]}
    run_real.summarize(out)
    assert out["fsync"]["n"] == 5 and out["fsync"]["runs"] == 2
    assert out["fsync"]["median_s"] == 0.0003 and out["fsync"]["max_s"] == 0.005
    assert "fsync" not in (run_real.summarize(o := {"runs": [{"run": 0}]}) or o)


def test_the_session_probe_runs_the_writers_steps_in_its_container_against_its_server_and_reads_as_seconds_each():
    w = {"name": "load", "kind": "pg_writer", "service": "app", "host": "postgres-primary",
         "argv": ["/hasim/pg-writer.sh", "load", "postgres-primary", "0.5", "58"]}
    argv = run_real.session_probe_argv("abc123", w)
    assert argv[:5] == ["podman", "exec", "abc123", "bash", "-c"]
    assert argv[5] == run_real.SESSION_PROBE_SH
    assert argv[6:] == ["session-probe", "postgres-primary", "5432", str(run_real.SESSION_PROBE_N), "load"]
    # A pooler's writer (pg-writer.sh NAME HOST INTERVAL RUN_FOR SYNC TIMEOUT PORT): its port.
    w["argv"] = w["argv"] + ["", "5", "6432"]
    assert run_real.session_probe_argv("abc123", w)[8] == "6432"
    # The writer's own options and its repoint file: the server it wrote to last.
    assert "connect_timeout=2" in run_real.SESSION_PROBE_SH and "/tmp/hasim-pg-host-$name" in run_real.SESSION_PROBE_SH
    got = run_real.parse_session_probe("noise\nHASIM_SESSION 5000,30000,90000,12000,3000 7000,41000,80000,9000,2500\n")
    assert got == {"getent_s": [0.005, 0.007], "exec_s": [0.03, 0.041], "up_s": [0.09, 0.08],
                   "tx1_s": [0.012, 0.009], "tx2_s": [0.003, 0.0025]}
    assert run_real.parse_session_probe("HASIM_SESSION\n") == {}
    assert run_real.parse_session_probe("bash: psql: not found\n") == {}


def test_the_runs_session_probes_pool_into_the_records_session_probe_per_step():
    one = {"getent_s": [0.005] * 3, "exec_s": [0.03] * 3, "up_s": [0.09] * 3, "tx1_s": [0.01] * 3, "tx2_s": [0.003] * 3}
    out = {"runs": [{"session_probe_s": one}, {"session_probe_s": one}, {"run": 2}]}
    run_real.summarize(out)
    assert out["session_probe"]["up_s"]["n"] == 6 and out["session_probe"]["up_s"]["runs"] == 2
    assert out["session_probe"]["exec_s"]["median_s"] == 0.03
    assert "session_probe" not in (run_real.summarize(o := {"runs": [{"run": 0}]}) or o)


def test_the_runs_statement_durations_pool_into_the_records_distribution_per_statement():
    one = {"COMMIT": [0.0004, 0.0035, 0.0006], "BEGIN": [0.00005] * 3}
    out = {"runs": [{"statement_durations_s": one}, {"statement_durations_s": {"COMMIT": [0.0005] * 2}}, {"run": 2}]}
    run_real.summarize(out)
    assert out["statement_durations"]["COMMIT"]["n"] == 5 and out["statement_durations"]["COMMIT"]["runs"] == 2
    assert out["statement_durations"]["COMMIT"]["median_s"] == 0.0005
    assert "BEGIN" not in out["statement_durations"]  # three samples: fewer than a distribution needs
    assert "statement_durations" not in (run_real.summarize(o := {"runs": [{"run": 0}]}) or o)


def test_a_real_pg_rewind_run_reads_as_the_simulators_pg_rewind_event():
    # demo2-split-brain-rewind-primary.log: the old primary's log around `rewind: {node:
    # postgres-primary, source: postgres-replica1}` (validation/kinds/postgres.cpp writes
    # pg_rewind's output and a HASIM_PGTOOL line into it), then its start as a standby.
    ev = parse_logs.parse_postgres(lines("demo2-split-brain-rewind-primary.log"), "postgres-primary", 0)
    rewinds = [e for e in ev if e["kind"] == "pg_rewind"]
    assert len(rewinds) == 1
    r = rewinds[0]
    assert r["outcome"] == "done" and r["message"] == "Done!" and r["source"] == "postgres-replica1"
    assert r["diverged_lsn"] == parse_logs.pg_lsn("0/403BD08")
    assert r["checkpoint_lsn"] == parse_logs.pg_lsn("0/403BC90")
    assert r["copied_bytes"] == 70518 * 1024  # -P's last "70518/70518 kB (100%) copied"
    assert r["duration_ms"] == (1796321238447589249 - 1796321231705228671) // 1_000_000
    # Then it starts as a standby streaming timeline 2, the rewind's source's.
    started = [e for e in ev if e["kind"] == "pg_started"]
    assert started and started[-1]["role"] == "standby"
    assert [e["timeline"] for e in ev if e["kind"] == "pg_walreceiver_connected"] == [2]


def test_a_failed_tool_run_keeps_its_error_as_the_message():
    log = ["2026-12-03T18:07:18.462014738Z hasim: pg_rewind: connected to server",
           '2026-12-03T18:07:18.462014738Z hasim: pg_rewind: error: target server needs to use either data checksums or "wal_log_hints = on"',
           "2026-12-03T18:07:18.462014738Z HASIM_PGTOOL tool=pg_rewind rc=1 start_ns=1000000000 end_ns=1250000000 source=pg2 slot="]
    ev = [e for e in parse_logs.parse_postgres(log, "pg1", 0) if e["kind"] == "pg_rewind"]
    assert len(ev) == 1 and ev[0]["outcome"] == "failed" and ev[0]["duration_ms"] == 250
    assert ev[0]["message"] == 'target server needs to use either data checksums or "wal_log_hints = on"'


def test_a_reclones_report_says_how_many_entries_its_deletion_removed_and_how_long_it_took():
    # validation/kinds/postgres.cpp's re-clone script empties the data directory with find -delete
    # before pg_basebackup starts; the model's `rm -rf` costs nothing, so the time is reported.
    log = ["2026-12-08T00:34:08.977267532Z hasim: pg_basebackup: base backup completed",
           "2026-12-08T00:34:08.977267532Z HASIM_PGTOOL tool=pg_basebackup rc=0 start_ns=1000000000 end_ns=6400000000 "
           "source=postgres-replica1 slot=primary_slot removed_files=1012 emptied_ns=1620000000"]
    ev = [e for e in parse_logs.parse_postgres(log, "postgres-primary", 0) if e["kind"] == "pg_basebackup"]
    assert len(ev) == 1 and ev[0]["outcome"] == "done" and ev[0]["duration_ms"] == 5400
    assert ev[0]["removed_files"] == 1012 and ev[0]["emptied_ms"] == 620
    # A report without them (every record before 2026-12-08) has neither field.
    old = [log[0], log[1].split(" removed_files")[0]]
    ev = [e for e in parse_logs.parse_postgres(old, "postgres-primary", 0) if e["kind"] == "pg_basebackup"]
    assert "emptied_ms" not in ev[0] and "removed_files" not in ev[0]


def test_the_writers_statement_durations_are_read_by_statement_in_seconds_and_nothing_else_counts():
    # PostgreSQL 15.x (Debian's, on this host, 2026-12-04) with log_min_duration_statement = 0 in
    # the writer's session, as `podman logs --timestamps` shows a container's lines.
    logged = [
        "2026-12-04 22:25:54.925 UTC [22658] LOG:  duration: 0.406 ms  statement: BEGIN;",
        "2026-12-04 22:25:54.927 UTC [22658] LOG:  duration: 1.480 ms  statement: INSERT INTO users (name) VALUES ('w-1') RETURNING id;",
        "2026-12-04 22:25:54.927 UTC [22658] LOG:  duration: 0.457 ms  statement: SELECT 'xid=' || txid_current() || ' lsn=' || pg_current_wal_insert_lsn();",
        "2026-12-04 22:25:54.928 UTC [22658] LOG:  duration: 0.389 ms  statement: COMMIT;",
        "2026-12-04 22:25:54.951 UTC [22658] LOG:  duration: 3.525 ms  statement: COMMIT;",
        "2026-12-04 22:25:55.100 UTC [22660] ERROR:  duplicate key value violates unique constraint \"users_pkey\"",
        "2026-12-04 22:25:55.100 UTC [22660] STATEMENT:  COMMIT;",
        "2026-12-04 22:25:56.000 UTC [22599] LOG:  checkpoint complete: wrote 3 buffers (0.0%); duration: 0.101 s",
    ]
    stamped = [f"2026-12-04T22:25:54.{i:09d}Z {line}" for i, line in enumerate(logged)]
    got = parse_logs.statement_durations(stamped)
    assert got == {"BEGIN": [0.000406], "INSERT": [0.00148], "SELECT": [0.000457], "COMMIT": [0.000389, 0.003525]}
    assert parse_logs.statement_durations(logged) == {}  # unstamped lines are not a container's log


def test_pgbenchs_statements_are_kept_apart_from_the_writers_by_command_and_table():
    # pgbench 15's tpcb-like script on two clients (pids 301, 302) beside the writer (pid 400), as
    # pgbench.sh's PGOPTIONS log them. A pgbench client's BEGIN is known for one only at its UPDATE.
    logged = [
        "2026-12-06 00:10:00.001 UTC [301] LOG:  duration: 0.020 ms  statement: BEGIN;",
        "2026-12-06 00:10:00.001 UTC [400] LOG:  duration: 0.070 ms  statement: BEGIN;",
        "2026-12-06 00:10:00.002 UTC [301] LOG:  duration: 0.090 ms  statement: UPDATE pgbench_accounts SET abalance = abalance + -4201 WHERE aid = 63219;",
        "2026-12-06 00:10:00.002 UTC [400] LOG:  duration: 0.290 ms  statement: INSERT INTO users (name) VALUES ('load-7') RETURNING id;",
        "2026-12-06 00:10:00.003 UTC [301] LOG:  duration: 0.040 ms  statement: SELECT abalance FROM pgbench_accounts WHERE aid = 63219;",
        "2026-12-06 00:10:00.003 UTC [301] LOG:  duration: 0.050 ms  statement: UPDATE pgbench_tellers SET tbalance = tbalance + -4201 WHERE tid = 3;",
        "2026-12-06 00:10:00.004 UTC [301] LOG:  duration: 0.060 ms  statement: UPDATE pgbench_branches SET bbalance = bbalance + -4201 WHERE bid = 1;",
        "2026-12-06 00:10:00.004 UTC [301] LOG:  duration: 0.030 ms  statement: INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (3, 1, 63219, -4201, CURRENT_TIMESTAMP);",
        "2026-12-06 00:10:00.005 UTC [301] LOG:  duration: 0.500 ms  statement: END;",
        "2026-12-06 00:10:00.005 UTC [400] LOG:  duration: 0.080 ms  statement: SELECT 'xid=' || txid_current() || ' lsn=' || pg_current_wal_insert_lsn();",
        "2026-12-06 00:10:00.006 UTC [400] LOG:  duration: 0.400 ms  statement: COMMIT;",
        "2026-12-06 00:10:00.006 UTC [301] LOG:  duration: 0.010 ms  statement: BEGIN;",
        "2026-12-06 00:10:00.007 UTC [302] LOG:  duration: 0.025 ms  statement: BEGIN;",
        "2026-12-06 00:10:00.007 UTC [302] LOG:  duration: 0.110 ms  statement: update PGBENCH_ACCOUNTS set abalance = abalance + 1 where aid = 2;",
    ]
    got = parse_logs.statement_durations([f"2026-12-06T00:10:00.{i:09d}Z {line}" for i, line in enumerate(logged)])
    us = {k: [round(x * 1e6, 3) for x in v] for k, v in got.items()}
    assert us == {
        "BEGIN": [70], "INSERT": [290], "SELECT": [80], "COMMIT": [400],
        "pgbench BEGIN": [20, 10, 25], "pgbench END": [500],
        "UPDATE pgbench_accounts": [90, 110], "SELECT pgbench_accounts": [40],
        "UPDATE pgbench_tellers": [50], "UPDATE pgbench_branches": [60],
        "INSERT pgbench_history": [30],
    }


def test_a_warm_sessions_commits_give_the_writers_overhead_beside_their_statements_server_time():
    # demo2-writer-statements.log: the primary's first three transactions of a CI run
    # (2026-12-05, pytest-83 run 2), load-1 on a new backend (pid 89), load-2 and load-3 on it.
    server = parse_logs.writer_server_times(lines("demo2-writer-statements.log"))
    # The session's first transaction carries its opening: left out.
    assert sorted(server) == [("load", 2), ("load", 3)]
    assert server[("load", 2)] == pytest.approx((0.076 + 0.327 + 0.093 + 0.491) / 1e3)
    # The writer's HASIM_PG lines of the same run: seq 2 sent ...890662000, ended ...892550000.
    events = [{"kind": "pg_commit_acked", "workload": "load", "seq": 1, "latency_us": 89884},
              {"kind": "pg_commit_failed", "workload": "load", "seq": 9},
              {"kind": "pg_commit_acked", "workload": "load", "seq": 2, "latency_us": 1888},
              {"kind": "pg_commit_acked", "workload": "load", "seq": 3, "latency_us": 1917},
              {"kind": "pg_commit_acked", "workload": "other", "seq": 3, "latency_us": 5000}]
    assert parse_logs.writer_overheads(events, server) == pytest.approx([0.000901, 0.000930])


def test_the_segment_probe_reads_as_seconds_per_new_segment_and_writes_zeros_then_syncs():
    assert run_real.parse_segment_probe("noise\nHASIM_SEGINIT 44027 37742 20215\n") == [0.044027, 0.037742, 0.020215]
    assert run_real.parse_segment_probe("HASIM_FSYNC 200 300\n") == []
    # XLogFileInit's way: 8 KiB blocks of zeros into a new file, then fsync, the file removed.
    assert '"\\0" x 8192' in run_real.SEGMENT_PROBE_PL and "->sync" in run_real.SEGMENT_PROBE_PL
    assert "unlink" in run_real.SEGMENT_PROBE_PL and run_real.SEGMENT_BYTES == 16 * 1024 * 1024


def test_a_standby_started_from_a_base_backup_times_its_data_directory_sync():
    # "database system was interrupted" (pg_control from a running primary) to "entering standby
    # mode": SyncDataDirectory's fsync of every file, 1.4 s and 1.8 s on the busy host of
    # 2026-12-02. A clean start ("was shut down") has none.
    synced = [e for e in parse_logs.parse_postgres(lines("demo2-manual-failover-replica1.log"), "r1", 0)
              if e["kind"] == "pg_data_directory_synced"]
    assert [e["duration_ms"] for e in synced] == [pytest.approx(1398.175)]
    assert not [e for e in parse_logs.parse_postgres(lines("demo2-manual-failover-primary.log"), "p", 0)
                if e["kind"] == "pg_data_directory_synced"]


def test_a_checkpoint_keeps_how_many_files_it_fsynced_and_their_average():
    cps = [e for e in parse_logs.parse_postgres(lines("demo2-manual-failover-primary.log"), "p", 0) if e["kind"] == "pg_checkpoint"]
    # "sync files=3, longest=0.010 s, average=0.007 s", then two with none.
    assert [(e["sync_files"], e["sync_average_ms"]) for e in cps[:3]] == [(3, 7.0), (0, 0.0), (0, 0.0)]
