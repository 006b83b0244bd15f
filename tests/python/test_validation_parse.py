"""validation/parse_logs.py against REAL logs of Demo 1 Part 1 (tests/validation/fixtures/, captured
by validation/run_real.py on rootful podman, HAProxy 2.6.12 and nginx 1.22.1 from Debian bookworm)."""
import json
import math
import os
import sys

import pytest

ROOT = os.environ.get("HASIM_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "validation"))
import parse_logs  # noqa: E402

FIX = os.path.join(ROOT, "tests", "validation", "fixtures")


def fixture_lines(name):
    with open(os.path.join(FIX, name)) as f:
        return f.read().splitlines()


@pytest.fixture(scope="module")
def run():
    with open(os.path.join(FIX, "demo1-part1-run.json")) as f:
        return json.load(f)


def test_timestamp_parsing_is_exact_to_the_nanosecond():
    ns, msg = parse_logs.parse_timestamp_line("2026-11-22T00:49:01.912569064Z Server a/b is DOWN.")
    assert ns == 1795308541912569064
    assert msg == "Server a/b is DOWN."
    ns2, _ = parse_logs.parse_timestamp_line("2026-11-22T02:49:01.912569064+02:00 x")
    assert ns2 == ns
    ns3, _ = parse_logs.parse_timestamp_line("2026-11-22T00:49:01Z x")
    assert ns3 == 1795308541000000000
    assert parse_logs.parse_timestamp_line("no stamp here") == (None, "no stamp here")


def test_haproxy_state_changes_once_each_despite_stdout_and_stderr_copies(run):
    ev = [e for e in parse_logs.parse_haproxy(fixture_lines("demo1-part1-haproxy.log"), "haproxy", run["t0_ns"])
          if e["kind"] != parse_logs.HTTP_NON_2XX]
    kinds = [(e["kind"], e["server"]) for e in ev]
    assert kinds == [("server_down", "nginx1"), ("server_down", "nginx2"), ("server_up", "nginx1"), ("server_up", "nginx2")]
    assert all(e["backend"] == "nginx_backend" and e["node"] == "haproxy" for e in ev)
    # 00:49:01.912511746: "Health check ... failed, reason: Layer4 timeout, ..., status: 0/2 DOWN.", the
    # first of the lines of that change (the check result, then "Server ... is DOWN.", each twice)
    assert ev[0]["t_ns"] == 1795308541912511746
    assert ev[0]["reason"] == "Layer4 timeout"
    assert ev[0]["t_s"] == pytest.approx((1795308541912511746 - run["t0_ns"]) / 1e9)


def test_haproxy_reason_is_kept():
    lines = ["2026-11-22T00:49:01.9Z [WARNING]  (10) : Server nginx_backend/nginx1 is DOWN, reason: Layer4 timeout, "
             "check duration: 2001ms. 2 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
             "2026-11-22T00:49:30.1Z Server nginx_backend/nginx1 is going DOWN for maintenance (DNS NX status). "
             "1 active and 0 backup servers left."]
    ev = parse_logs.parse_haproxy(lines, "haproxy", 0)
    assert ev[0]["reason"] == "Layer4 timeout"
    assert len(ev) == 1  # already DOWN: maintenance is not a second down event


def test_haproxy_events_and_the_fault_records_are_what_the_detection_check_reads(run):
    # The detection times come from these events in C++ (scenarios/checks/detection.cpp; its test
    # tests/scenarios/checks_test.cpp reads tests/validation/fixtures/demo1-part1-events.json,
    # made from this very log, and gets the values the run stored).
    ev = [e for e in parse_logs.parse_haproxy(fixture_lines("demo1-part1-haproxy.log"), "haproxy", run["t0_ns"])
          if e["kind"] != parse_logs.HTTP_NON_2XX]
    assert {(e["kind"], e["backend"], e["server"]) for e in ev} == {
        ("server_down", "nginx_backend", "nginx1"), ("server_down", "nginx_backend", "nginx2"),
        ("server_up", "nginx_backend", "nginx1"), ("server_up", "nginx_backend", "nginx2")}
    down1 = next(e for e in ev if e["kind"] == "server_down" and e["server"] == "nginx1")
    stop1 = next(f for f in run["faults"] if f["action"] == "stop" and f["target"] == "nginx1")
    assert down1["t_s"] - stop1["t_s"] == pytest.approx(run["metrics"]["nginx_backend.nginx1.detect_down_s"], abs=1e-6)


def test_leaving_dns_maintenance_is_up_at_the_next_good_check():
    # Real lines (run 2 of the same scenario): nginx1 went into maintenance after 30 s of DNS
    # timeouts, resolved again 14 s after `docker start`, and was UP with the next check.
    ev = [e for e in parse_logs.parse_haproxy(fixture_lines("demo1-part1-haproxy-dns-maint.log"), "haproxy", 0)
          if e["kind"] != parse_logs.HTTP_NON_2XX]
    got = [(e["kind"], e["server"]) for e in ev]
    assert got == [("server_down", "nginx1"), ("server_down", "nginx2"), ("server_up", "nginx1"), ("server_up", "nginx2")]
    assert ev[2]["line"].startswith("Health check for server nginx_backend/nginx1 succeeded")  # prefix stripped


def test_each_httplog_line_not_2xx_is_an_http_non_2xx_event(run):
    # The log holds 84 answers 200 (no event, as the simulator records none) and two 503s, each
    # after four connection attempts to a stopped nginx (sC--, Tt 20 s), stamped at their end.
    ev = [e for e in parse_logs.parse_haproxy(fixture_lines("demo1-part1-haproxy.log"), "haproxy", run["t0_ns"])
          if e["kind"] == parse_logs.HTTP_NON_2XX]
    assert [(e["node"], e["backend"], e["server"], e["status"]) for e in ev] == [
        ("haproxy", "nginx_backend", "nginx1", 503), ("haproxy", "nginx_backend", "nginx2", 503)]
    assert ev[0]["t_ns"] == 1795308553093517460  # 00:49:13.093517460, the podman stamp of its line
    assert ev[0]["t_s"] == pytest.approx((1795308553093517460 - run["t0_ns"]) / 1e9)


def test_an_httplog_line_without_a_server_or_an_answer_is_still_an_event():
    lines = ['2026-11-22T00:49:13.0Z 10.89.4.2:39840 [22/Nov/2026:00:49:13.000] http_front nginx_backend/<NOSRV> '
             '0/-1/-1/-1/0 503 217 - - SC-- 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
             '2026-11-22T00:49:14.0Z 10.89.4.2:39842 [22/Nov/2026:00:49:13.500] http_front nginx_backend/nginx1 '
             '0/0/0/-1/500 -1 0 - - CD-- 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
             '2026-11-22T00:49:15.0Z 10.89.4.2:39844 [22/Nov/2026:00:49:15.000] http_front nginx_backend/nginx2 '
             '0/0/0/0/0 204 0 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"']
    ev = parse_logs.parse_haproxy(lines, "lb1", 0)
    assert [(e["kind"], e["server"], e["status"]) for e in ev] == [(parse_logs.HTTP_NON_2XX, "", 503),
                                                                   (parse_logs.HTTP_NON_2XX, "nginx1", -1)]


def test_client_lines_give_the_workload_metrics(run):
    reqs = parse_logs.parse_client(fixture_lines("demo1-part1-client.log"), "client", "load", run["t0_ns"])
    assert len(reqs) == 86
    failed = [r for r in reqs if r["status"] != 200]
    assert [r["status"] for r in failed] == [503, 503]
    assert all(19.9 < r["latency_ms"] / 1000 < 20.2 for r in failed)  # 4 connect attempts x timeout connect 5 s
    assert {r["served_by"] for r in reqs if r["status"] == 200} == {"nginx1", "nginx2", "nginx3"}
    # As the simulator records a request: at its end, with its send time.
    assert all(r["t_s"] == pytest.approx(r["sent_s"] + r["latency_ms"] / 1000, abs=1e-6) for r in reqs)
    # The outage the run stored (load.outage_max_s, now computed from these events in C++): from
    # the first failed request's send to the next good one's.
    sent = sorted(reqs, key=lambda r: r["sent_s"])
    first_bad = next(i for i, r in enumerate(sent) if r["status"] != 200)
    next_good = next(r for r in sent[first_bad:] if r["status"] == 200)
    assert next_good["sent_s"] - sent[first_bad]["sent_s"] == pytest.approx(run["metrics"]["load.outage_max_s"], abs=1e-6)


def test_client_line_with_curl_details():
    line = ("HASIM_REQ seq=48 start_ns=1000000000 mono_ns=5 end_ns=20828578000 status=000 time_total=19.828578 "
            "curl_exit=6 time_namelookup=19.8 time_connect=0 body=-")
    (r,) = parse_logs.parse_client([line], "client", "load", 0)
    assert (r["status"], r["curl_exit"], r["served_by"]) == (0, 6, "")
    assert r["dns_ms"] == pytest.approx(19800)
    assert (r["sent_s"], r["t_s"]) == (1.0, 20.828578)


def test_keepalived_real_failover_lines():
    # Real keepalived 2.2.7 lines of Demo 1 Part 2 (t0 = 1795310290943222617): docker stop haproxy1
    # at 20.27 s, haproxy2 takes over after the priority-0 advert's skew (0.64 s); docker start
    # haproxy1 at 30.50 s, which preempts back after a full master-down interval (3.6 s).
    t0 = 1795310290943222617
    h1 = parse_logs.parse_keepalived(fixture_lines("demo1-part2-haproxy1-keepalived.log"), "haproxy1", t0)
    h2 = parse_logs.parse_keepalived(fixture_lines("demo1-part2-haproxy2-keepalived.log"), "haproxy2", t0)
    assert [e["state"] for e in h1] == ["BACKUP", "MASTER", "BACKUP", "MASTER"]
    assert [e["state"] for e in h2] == ["BACKUP", "MASTER", "BACKUP", "MASTER", "BACKUP"]
    assert h2[3]["t_s"] == pytest.approx(20.956, abs=0.01)
    assert h1[3]["t_s"] - h1[2]["t_s"] == pytest.approx(3.60, abs=0.01)


def test_keepalived_state_lines():
    # keepalived 2.2 prints "(VI_1) Entering MASTER STATE" (vrrp.c); no real keepalived run captured yet.
    lines = ["2026-11-22T01:00:00.5Z Sun Nov 22 01:00:00 2026: (VI_1) Entering BACKUP STATE (init)",
             "2026-11-22T01:00:04.25Z Sun Nov 22 01:00:04 2026: (VI_1) Entering MASTER STATE"]
    ev = parse_logs.parse_keepalived(lines, "haproxy2", 1795309200_000_000_000)
    assert [(e["state"], e["instance"]) for e in ev] == [("BACKUP", "VI_1"), ("MASTER", "VI_1")]
    assert ev[1]["t_s"] == pytest.approx(4.25)


def test_keepalived_forced_election_lines():
    # keepalived 2.2.7's vrrp_state_master_rx wording (vrrp.c), as a master logs it on hearing a
    # lower-priority master; the Entering line beside it stays a vrrp_state.
    lines = ["2026-12-03T11:00:01.25Z Thu Dec  3 11:00:01 2026: (VI_1) Received advert from 172.20.0.11 with lower "
             "priority 92, ours 102, forcing new election",
             "2026-12-03T11:00:01.26Z Thu Dec  3 11:00:01 2026: (VI_1) Sending/queueing gratuitous ARPs on eth0 for "
             "172.20.0.100",
             "2026-12-03T11:00:02.5Z Thu Dec  3 11:00:02 2026: (VI_1) Entering BACKUP STATE"]
    ev = parse_logs.parse_keepalived(lines, "haproxy1", 1796295600_000_000_000)
    assert [e["kind"] for e in ev] == ["vrrp_force_election", "vrrp_state"]
    assert (ev[0]["from"], ev[0]["their_priority"], ev[0]["instance"]) == ("172.20.0.11", 92, "VI_1")
    assert ev[0]["t_s"] == pytest.approx(1.25)


def test_summary_percentiles():
    s = parse_logs.summarize([float(x) for x in range(1, 21)])
    assert (s["min"], s["median"], s["p95"], s["max"], s["n"]) == (1.0, 10.5, 19.0, 20.0, 20)


def test_vip_watch_gives_the_simulators_vip_added_and_vip_removed_events():
    lines1 = ["HASIM_VIP ip=172.20.0.100 held=0 t_ns=1000000000",
              "HASIM_VIP ip=172.20.0.100 held=1 t_ns=3000000000",
              "HASIM_VIP_EOF t_ns=20000000000"]          # haproxy1's container went away
    lines2 = ["HASIM_VIP ip=172.20.0.100 held=0 t_ns=1000000000",
              "HASIM_VIP ip=172.20.0.100 held=1 t_ns=20640000000",
              "HASIM_VIP ip=172.20.0.100 held=0 t_ns=34000000000"]
    lines1b = ["HASIM_VIP ip=172.20.0.100 held=1 t_ns=33990000000"]  # watcher restarted after docker start
    ev = parse_logs.parse_vip_watch({"haproxy1": (["172.20.0.100"], lines1 + lines1b),
                                     "haproxy2": (["172.20.0.100"], lines2)}, 0)
    assert [(e["node"], e["kind"]) for e in ev] == [("haproxy1", "vip_added"), ("haproxy1", "vip_removed"),
                                                    ("haproxy2", "vip_added"), ("haproxy1", "vip_added"),
                                                    ("haproxy2", "vip_removed")]
    assert {e["vip"] for e in ev} == {"172.20.0.100"}
    # The VIP metrics of these events (moves 2, unheld_max_s 0.64, multi_holder_s 0.01) are the
    # C++ check's: tests/scenarios/checks_test.cpp.


def test_vip_watch_lines_merge_the_container_log_with_the_end_stamp_in_time_order():
    log = ["2026-12-02T14:43:09.900000000Z HASIM_ENTRY start t_us=1",
           "2026-12-02T14:43:10.100000000Z HASIM_VIP ip=172.20.0.100 held=0 t_ns=1000000000",
           "2026-12-02T14:43:16.400000000Z Wed Dec  2 14:43:16 2026: (VI_1) Entering MASTER STATE",
           # podman stamps a line when it reads it: a later stamp, an earlier event
           "2026-12-02T14:43:16.500000000Z HASIM_VIP ip=172.20.0.100 held=1 t_ns=3000000000",
           "2026-12-02T14:44:00.000000000Z HASIM_VIP ip=172.20.0.100 held=1 t_ns=25000000000"]
    ends = ["HASIM_VIP_EOF t_ns=20000000000"]
    assert parse_logs.vip_watch_lines(log, ends) == [
        "HASIM_VIP ip=172.20.0.100 held=0 t_ns=1000000000", "HASIM_VIP ip=172.20.0.100 held=1 t_ns=3000000000",
        "HASIM_VIP_EOF t_ns=20000000000", "HASIM_VIP ip=172.20.0.100 held=1 t_ns=25000000000"]
    ev = parse_logs.parse_vip_watch({"haproxy1": (["172.20.0.100"], parse_logs.vip_watch_lines(log, ends))}, 0)
    assert [(e["t_s"], e["kind"]) for e in ev] == [(3.0, "vip_added"), (20.0, "vip_removed"), (25.0, "vip_added")]


# --- run_real.py's remapping of parallel slots (no containers) --------------------------------------
import ipaddress  # noqa: E402
import subprocess  # noqa: E402

import run_real  # noqa: E402

HASIM_BIN = os.environ.get("HASIM_BIN") or os.path.join(ROOT, "build", "hasim")
PART2 = [(ipaddress.ip_network("172.20.0.0/16"), ipaddress.ip_network("10.101.0.0/16"))]


def test_remap_keeps_each_address_offset_and_leaves_the_rest():
    text = ("- subnet: 172.20.0.0/16\n  ip_range: 172.20.128.0/17\n  ipv4_address: 172.20.0.10\n"
            "172.20.0.100/16 dev eth0\nunicast_peer { 172.20.0.11 }\nnameserver dns1 172.20.0.1:53\n"
            "haproxy 2.6.12 on 10.89.4.7; 172.21.0.1; 1.172.20.0.5; 172.20.0.5.3\n")
    out = run_real.remap_text(text, PART2)
    assert out == ("- subnet: 10.101.0.0/16\n  ip_range: 10.101.128.0/17\n  ipv4_address: 10.101.0.10\n"
                   "10.101.0.100/16 dev eth0\nunicast_peer { 10.101.0.11 }\nnameserver dns1 10.101.0.1:53\n"
                   "haproxy 2.6.12 on 10.89.4.7; 172.21.0.1; 1.172.20.0.5; 172.20.0.5.3\n")
    back = run_real.reverse_pairs({"172.20.0.0/16": "10.101.0.0/16"})
    assert run_real.remap_text(out, back) == text


def test_a_remapped_run_reports_events_in_the_scenario_addresses(tmp_path):
    plan = {"project": "p", "duration_s": 30, "logs": [], "haproxy": [], "workloads": [],
            "node_processes": {"haproxy1": ["haproxy", "keepalived"]},
            "vip_watch": [{"service": "haproxy1", "vips": ["172.20.0.100"]}]}
    (tmp_path / "vip-haproxy1.log").write_text("HASIM_VIP ip=10.101.0.100 held=1 t_ns=2000000000\n"
                                               "HASIM_VIP ip=10.101.0.100 held=0 t_ns=5000000000\n"
                                               "HASIM_VIP ip=10.101.0.100 held=1 t_ns=5650000000\n")
    res = {"t0_ns": 1_000_000_000, "subnets": {"172.20.0.0/16": "10.101.0.0/16"},
           "faults": [{"kind": "fault", "t_s": 4.0, "action": "stop", "target": "haproxy1",
                       "shell": ["docker stop -t 10 haproxy1"]}]}
    run_real.analyze(plan, res, str(tmp_path))
    vips = [(e["kind"], e["vip"], e["t_s"]) for e in res["events"] if e["kind"].startswith("vip_")]
    assert vips == [("vip_added", "172.20.0.100", 1.0), ("vip_removed", "172.20.0.100", 4.0),
                    ("vip_added", "172.20.0.100", 4.65)]
    assert "10.101" not in json.dumps(res["events"])
    assert res["metrics"] == {} and res["duration_s"] == 30  # hasim validate computes the VIP metrics


def test_slots_get_disjoint_free_subnets_clear_of_routes_and_the_avoided_range(tmp_path, monkeypatch):
    monkeypatch.setattr(run_real, "STATE", str(tmp_path))
    routed = [ipaddress.ip_network("10.100.0.0/24"), ipaddress.ip_network("10.100.2.0/23")]
    monkeypatch.setattr(run_real, "host_networks", lambda: list(routed))
    held = []
    for k in (1, 2, 3):
        lock = run_real.ProjectLock(f"p-s{k}")
        assert lock.try_acquire()
        held.append((lock, run_real.allocate_subnets(["10.89.4.0/24"], f"p-s{k}")))
    got = [ipaddress.ip_network(s["10.89.4.0/24"]) for _, s in held]
    assert [str(n) for n in got] == ["10.100.1.0/24", "10.100.4.0/24", "10.100.5.0/24"]
    avoid = run_real.avoid_networks()  # 10.89.60.0/24-10.89.69.0/24: someone else's experiments
    assert all(any(a.overlaps(ipaddress.ip_network(f"10.89.{i}.0/24")) for a in avoid) for i in range(60, 70))
    assert not any(a.overlaps(ipaddress.ip_network(f"10.89.{i}.0/24")) for a in avoid for i in (59, 70))
    # One invocation per project: a second cannot take a held project (it would tear it down).
    assert not run_real.ProjectLock("p-s2").try_acquire()
    # A slot whose process is gone (its lock free) no longer holds its subnet.
    held[1][0].release()
    assert not os.path.exists(tmp_path / "locks" / "p-s2")
    lock = run_real.ProjectLock("q-s1")
    assert lock.try_acquire()
    assert run_real.allocate_subnets(["10.89.4.0/24"], "q-s1") == {"10.89.4.0/24": "10.100.4.0/24"}
    # A /16 never lands on the avoided 10.89.60-69 or on its own original.
    monkeypatch.setattr(run_real, "POOLS", ["10.88.0.0/14"])
    lock16 = run_real.ProjectLock("r-s1")
    assert lock16.try_acquire()
    assert run_real.allocate_subnets(["10.90.0.0/16"], "r-s1") == {"10.90.0.0/16": "10.88.0.0/16"}
    lock16b = run_real.ProjectLock("r-s2")
    assert lock16b.try_acquire()
    assert run_real.allocate_subnets(["10.90.0.0/16"], "r-s2") == {"10.90.0.0/16": "10.91.0.0/16"}
    with pytest.raises(RuntimeError, match="no free /16"):
        lock16c = run_real.ProjectLock("r-s3")
        assert lock16c.try_acquire()
        run_real.allocate_subnets(["10.90.0.0/16"], "r-s3")


def test_a_remapped_copy_of_a_rendered_stack_moves_every_address_and_keeps_the_images(tmp_path):
    if not os.path.exists(HASIM_BIN):
        pytest.fail(f"no hasim binary at {HASIM_BIN} (set HASIM_BIN)")
    src = tmp_path / "r"
    subprocess.run([HASIM_BIN, "render", os.path.join(ROOT, "scenarios", "demo1-part2.yaml"), str(src), "--engine", "podman"],
                   check=True, timeout=60, capture_output=True)  # run_real.py runs podman
    run_real.remapped_copy(str(src), str(tmp_path / "s"), {"172.20.0.0/16": "10.101.0.0/16"})
    copied = sorted(os.path.relpath(os.path.join(r, n), tmp_path / "s") for r, _, ns in os.walk(tmp_path / "s") for n in ns)
    assert copied == sorted(os.path.relpath(os.path.join(r, n), src) for r, _, ns in os.walk(src) for n in ns)
    for rel in copied:
        text = (tmp_path / "s" / rel).read_text()
        assert "172.20." not in text, rel
        if rel.startswith("images"):
            assert text == (src / rel).read_text()
            assert os.stat(tmp_path / "s" / rel).st_mode == os.stat(src / rel).st_mode
    assert "ipv4_address: 10.101.0.10" in (tmp_path / "s" / "docker-compose.yml").read_text()
    assert "10.101.0.100/16" in (tmp_path / "s" / "haproxy1" / "keepalived.conf").read_text()
    assert "proxy_pass http://10.101.0.100:80;" in (tmp_path / "s" / "vip-access" / "nginx.conf").read_text()
    assert "nameserver dns1 10.101.0.1:53" in (tmp_path / "s" / "haproxy1" / "haproxy.cfg").read_text()
    plan = json.loads((tmp_path / "s" / "plan.json").read_text())
    assert plan["networks"]["ha-net"] == {"subnet": "10.101.0.0/16", "gateway": "10.101.0.1"}
    assert plan["vip_watch"][0]["vips"] == ["10.101.0.100"]
    # The tags hasim render computed are what run_real.py recomputes from the files.
    for img in plan["images"]:
        assert run_real.context_hash(str(tmp_path / "s" / img["context"])).startswith(img["name"].rsplit(":", 1)[1])


def test_loop_cost_is_start_to_start_less_the_sleep_and_the_request_as_curl_timed_it(run):
    reqs = parse_logs.parse_client(fixture_lines("demo1-part1-client.log"), "client", "load", run["t0_ns"])
    costs = parse_logs.loop_costs(reqs, 0.5)
    assert len(costs) == len(reqs) - 1 > 50  # every iteration, the 20 s 503s included
    rs = sorted(reqs, key=lambda e: e["sent_s"])
    slow = next(i for i, r in enumerate(rs[:-1]) if r["curl_s"] > 1)  # a request HAProxy held
    assert costs[slow] == pytest.approx(rs[slow + 1]["sent_s"] - rs[slow]["sent_s"] - 0.5 - rs[slow]["curl_s"])
    # The real Part 1 loop costs 10-60 ms an iteration beyond its sleep (bash forks curl, head, tr, rm, sleep).
    assert 0.005 < sorted(costs)[len(costs) // 2] < 0.06
    assert max(costs) < 1.0  # the held requests' time is curl's, not the loop's


def test_loop_cost_without_curls_own_time_counts_only_quick_good_requests(run):
    reqs = parse_logs.parse_client(fixture_lines("demo1-part1-client.log"), "client", "load", run["t0_ns"])
    for r in reqs:
        r["curl_s"] = None
    costs = parse_logs.loop_costs(reqs, 0.5)
    quick = [r for r in sorted(reqs, key=lambda e: e["t_ns"])[:-1] if r["latency_ms"] < 100 and 200 <= r["status"] < 400]
    assert len(costs) == len(quick) > 50


def test_loop_cost_summary_counts_each_run_once_with_its_spread_and_the_spread_between_runs():
    fast = [0.020] * 30 + [0.060] * 10  # median 20 ms, mean 30 ms
    slow = [0.040] * 30 + [0.120] * 10  # median 40 ms, mean 60 ms: the machine twice as slow
    s = parse_logs.loop_cost_summary([fast, slow, [0.5]])  # a run with fewer than 10 iterations is left out
    assert s["runs"] == 2 and s["n"] == 80
    assert s["median_s"] == pytest.approx(0.030)  # the median of the runs' medians
    # Within each run mean = 1.5 * median: a lognormal's sigma = sqrt(2 ln 1.5).
    assert s["sigma"] == pytest.approx(math.sqrt(2 * math.log(1.5)))
    assert s["mean_s"] == pytest.approx(0.045)
    assert s["between_sigma"] == pytest.approx(math.log(2) / math.sqrt(2))
    assert parse_logs.loop_cost_summary([[0.01] * 5]) is None


def test_a_fast_run_with_many_iterations_does_not_outweigh_two_slow_runs():
    # 2026-12-02 with a CPU hog: run 2 made 96 iterations of ~0.5 s, runs 0 and 1 made 14 and 10
    # of 5-7 s. Pooled, the median was 0.59 s and the simulator sent three times the requests.
    s = parse_logs.loop_cost_summary([[5.4] * 14, [6.6] * 10, [0.5] * 96])
    assert s["median_s"] == pytest.approx(5.4)
    assert s["between_sigma"] == 1.0  # capped


PART1_CHECK_TIMERS = {f"nginx_backend/nginx{i}": {"timeout_s": 2.0, "inter_s": 2.0} for i in (1, 2, 3)}


def test_wakeups_are_how_late_each_timed_out_check_and_each_next_check_fired():
    lines = fixture_lines("demo1-part1-haproxy.log")
    got = sorted(parse_logs.check_wakeups(lines, PART1_CHECK_TIMERS))
    # Six Layer4 timeouts logged 2000, 2001, 2004 (nginx1) and 2006, 2001, 2001 ms (nginx2): each
    # fired D - 2000 ms late, plus half the millisecond HAProxy truncates. Four pairs of
    # consecutive failures: the gap between their stamps less inter and the second's duration
    # (nginx2's first pair came 2.2 ms early by the stamps' jitter: counted as 0).
    want = sorted([0.0005, 0.0015, 0.0045, 0.0065, 0.0015, 0.0015,
                   0.001524055, 0.000924712, 0.0, 0.001825964])
    assert got == pytest.approx(want, abs=2e-9)


def test_wakeups_skip_the_stderr_copies_successes_and_servers_without_a_deadline():
    lines = fixture_lines("demo1-part1-haproxy.log")
    assert parse_logs.check_wakeups(lines, {}) == []
    only1 = parse_logs.check_wakeups(lines, {"nginx_backend/nginx1": PART1_CHECK_TIMERS["nginx_backend/nginx1"]})
    assert len(only1) == 5  # three timeouts, two gaps: the [WARNING] copies and the successes add nothing


def test_empirical_summary_is_an_empirical_distribution_through_the_pooled_samples():
    s = parse_logs.empirical_summary([[0.001, 0.002, 0.003], [0.004, 0.005], []])
    assert s["n"] == 5 and s["runs"] == 2
    assert s["quantiles_s"][0] == [0.0, 0.001] and s["quantiles_s"][-1] == [1.0, 0.005]
    assert s["median_s"] == pytest.approx(0.003) and s["max_s"] == pytest.approx(0.005)
    assert [q for q, _ in s["quantiles_s"]] == [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
    assert parse_logs.empirical_summary([[0.001] * 4]) is None  # too few to say anything


def test_the_in_stack_stats_probe_keeps_each_haproxys_latest_server_states():
    class FakeProc:
        stdout = iter(line + "\n" for line in [
            "HASIM_STATS http://lb1:8404/stats;csv",
            "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status",
            "be,web1,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP",
            "be,web2,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN",
            "be,BACKEND,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP",
            "",
            "HASIM_STATS_END",
            "HASIM_STATS http://lb1:8404/stats;csv",
            "be,web2,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP 1/2",
            "HASIM_STATS_END",
            "HASIM_STATS http://lb2:8404/stats;csv",
            "curl: (7) Failed to connect",      # lb2 not up yet: nothing for it
            "HASIM_STATS_END",
        ])
    probe = run_real.StatsProbe("cid", [{"service": "lb1", "stats_url": "http://lb1:8404/stats;csv"},
                                        {"service": "lb2", "stats_url": "http://lb2:8404/stats;csv"}], 10)
    probe.proc = FakeProc()
    probe._read()
    # The second answer replaces the first: web1 is no longer listed, web2 is going up.
    assert probe.states() == {"lb1/be/web2": "UP 1/2"}
    assert probe.rounds == 44  # bounded: the loop in the container ends by itself


def test_the_stats_probe_loop_ends_when_its_stdin_closes(tmp_path):
    # The loop as it runs in the probe container (here with a local file for HAProxy's stats):
    # closing its stdin, as stop() does, ends it at its next wait instead of after its 40 rounds.
    import time
    stats = tmp_path / "stats.csv"
    stats.write_text("be,web1,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP\n")
    p = subprocess.Popen(["bash", "-c", run_real.StatsProbe.SCRIPT, "40", f"file://{stats}"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    first = p.stdout.readline()
    t = time.monotonic()
    p.stdin.close()
    rest = p.stdout.read()
    assert p.wait(timeout=5) == 0
    assert first.startswith("HASIM_STATS file://")
    assert time.monotonic() - t < 2.0   # 40 rounds of 0.25 s would take 10 s
    assert rest.count("HASIM_STATS_END") <= 2


def test_command_delays_run_from_each_command_to_the_entrypoints_own_stamp_of_its_effect():
    t0 = 1_000_000_000_000_000_000
    us = lambda s: (t0 + int(s * 1e9)) // 1000
    logs = {
        "nginx1": [f"2026-12-02T08:00:00.000000000Z HASIM_ENTRY start t_us={us(0.2)}",
                   f"2026-12-02T08:00:00.000000000Z HASIM_ENTRY signalled t_us={us(20.9)}",
                   f"2026-12-02T08:00:00.000000000Z HASIM_ENTRY start t_us={us(51.3)}"],
        "nginx2": [f"2026-12-02T08:00:00.000000000Z HASIM_ENTRY start t_us={us(0.3)}"],
    }
    faults = [{"kind": "fault", "t_s": 20.0, "action": "stop", "target": "nginx1"},
              {"kind": "fault", "t_s": 50.0, "action": "start", "target": "nginx1"},
              {"kind": "fault", "t_s": 35.0, "action": "stop", "target": "nginx2"},   # no stamp: no sample
              {"kind": "fault", "t_s": 40.0, "action": "kill", "target": "nginx1"},   # no stamp for a kill
              {"kind": "fault", "t_s": 45.0, "action": "stop", "target": "nginx1/nginx"}]  # a process, not the engine
    got = parse_logs.command_delays(faults, logs, t0)
    assert got.keys() == {"stop", "start"}
    assert got["stop"] == [pytest.approx(0.9)]
    assert got["start"] == [pytest.approx(1.3)]


def test_faults_run_with_docker_exec_count_from_their_issue_to_their_return():
    faults = [{"kind": "fault", "t_s": 25.0, "done_s": 25.444, "action": "promote", "target": "postgres-replica1",
               "shell": ["docker exec postgres-replica1 psql -U postgres -X -c 'SELECT pg_promote()'"]},
              {"kind": "fault", "t_s": 30.0, "done_s": 30.382, "action": "repoint", "target": "app/client:load",
               "shell": ["docker exec app sh -c 'echo postgres-replica1 > /tmp/hasim-pg-host-load'"]},
              # A signal sent with docker exec: the simulator applies it once the exec has, too.
              {"kind": "fault", "t_s": 40.0, "done_s": 40.5, "action": "kill", "target": "haproxy1/haproxy",
               "shell": ["docker exec haproxy1 pkill -9 -x haproxy"]},
              {"kind": "fault", "t_s": 20.0, "done_s": 20.98, "action": "stop", "target": "postgres-primary",
               "shell": ["docker stop -t 10 postgres-primary"]},
              {"kind": "fault", "t_s": 50.0, "action": "promote", "target": "x", "shell": ["docker exec x true"]},  # never returned
              # A re-clone's exec runs pg_basebackup to its end: the tool's seconds, not the engine's.
              {"kind": "fault", "t_s": 48.0, "done_s": 53.676, "action": "reclone", "target": "postgres-primary",
               "shell": ["docker exec postgres-primary bash -c 'pg_basebackup ...'"]}]
    # A promote counts to the server's "received promote request": pg_promote() returns only when
    # the promotion is over (here 5.2 s later, a retry interval sat out).
    events = [{"kind": "pg_promote_requested", "t_s": 25.31, "node": "postgres-replica1"},
              {"kind": "pg_promote_requested", "t_s": 20.1, "node": "postgres-replica1"},   # before the step
              {"kind": "pg_promote_requested", "t_s": 25.2, "node": "postgres-replica2"}]   # another node
    faults[0]["done_s"] = 30.6
    assert parse_logs.operator_exec_delays(faults, events) == [pytest.approx(0.31), pytest.approx(0.382),
                                                               pytest.approx(0.5)]
    # Without the server's line, a promote gives no sample at all: its span is not the exec's.
    assert parse_logs.operator_exec_delays(faults) == [pytest.approx(0.382), pytest.approx(0.5)]


def test_the_startup_process_taking_a_promote_request_is_an_event():
    lines = ["2026-12-07T18:43:42.549550758Z 2026-12-07 18:43:42.549 GMT [136] LOG:  received promote request"]
    got = [e for e in parse_logs.parse_postgres(lines, "postgres-replica1", 0) if e["kind"] == "pg_promote_requested"]
    assert len(got) == 1 and got[0]["node"] == "postgres-replica1"


def test_a_sql_step_counts_to_the_server_logging_its_first_statement():
    # A CHECKPOINT's writes keep psql waiting (here 4.9 s): only the statement's start is the
    # engine's latency.
    faults = [{"kind": "fault", "t_s": 30.0, "done_s": 35.2, "action": "sql", "target": "postgres-primary",
               "shell": ["docker exec postgres-primary psql -U postgres -X -v ON_ERROR_STOP=1 "
                         "-d \"options='-c log_statement=all'\" -c CHECKPOINT"]}]
    events = [{"kind": "pg_statement_started", "t_s": 29.0, "node": "postgres-primary"},   # before the step
              {"kind": "pg_statement_started", "t_s": 30.3, "node": "postgres-replica1"},  # another node
              {"kind": "pg_promote_requested", "t_s": 30.2, "node": "postgres-primary"},   # not a statement
              {"kind": "pg_statement_started", "t_s": 30.41, "node": "postgres-primary"},
              {"kind": "pg_statement_started", "t_s": 30.9, "node": "postgres-primary"}]   # its second
    assert parse_logs.operator_exec_delays(faults, events) == [pytest.approx(0.41)]
    # Without the server's line, no sample: the span is not the exec's.
    assert parse_logs.operator_exec_delays(faults) == []


def test_a_statement_logged_at_its_start_is_an_event_and_a_writers_duration_line_is_not():
    lines = ["2026-12-08T01:02:03.100000000Z 2026-12-08 01:02:03.100 GMT [211] LOG:  statement: CHECKPOINT",
             "2026-12-08T01:02:03.200000000Z 2026-12-08 01:02:03.200 GMT [212] LOG:  duration: 0.412 ms  "
             "statement: INSERT INTO users (name) VALUES ('x')"]
    got = [e for e in parse_logs.parse_postgres(lines, "postgres-primary", 0) if e["kind"] == "pg_statement_started"]
    assert len(got) == 1
    assert got[0]["statement"] == "CHECKPOINT" and got[0]["node"] == "postgres-primary"


def test_the_rendered_entrypoint_stamps_its_start_and_the_moment_it_signalled_its_daemons(tmp_path):
    import signal
    import subprocess
    import time
    out = tmp_path / "s"
    from conftest import HASIM_BIN
    r = subprocess.run([str(HASIM_BIN), "render", os.path.join(ROOT, "scenarios/demo1-part1.yaml"), str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    entry = (out / "images" / "nginx" / "hasim" / "entrypoint.sh").read_text()
    # Run it with no daemons (nothing to start), as PID 1 would, and stop it with SIGTERM.
    script = tmp_path / "entrypoint.sh"
    script.write_text(entry)
    p = subprocess.Popen(["bash", str(script)], stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    sent = time.time_ns()
    p.send_signal(signal.SIGTERM)
    stdout, _ = p.communicate(timeout=10)
    stamps = {m.group("what"): int(m.group("us")) * 1000 for m in parse_logs._ENTRY.finditer(stdout)}
    assert stamps.keys() == {"start", "signalled"}
    assert stamps["start"] < sent <= stamps["signalled"] < sent + 2_000_000_000


def test_the_tick_probe_measures_the_hosts_wake_up_with_bash_alone():
    import subprocess
    sys.path.insert(0, os.path.join(ROOT, "validation"))
    import run_real
    r = subprocess.run(["bash", "-c", run_real.TickProbe.SCRIPT, "5"], capture_output=True, text=True, timeout=10)
    samples = parse_logs.tick_wakeups(r.stdout.splitlines())
    assert len(samples) == 5
    assert all(0 <= x < 1.0 for x in samples)
    assert parse_logs.tick_wakeups(["HASIM_TICK late_us=-40", "noise", "HASIM_TICK late_us=2500"]) == [0.0, 0.0025]


def test_a_workload_is_late_by_its_first_requests_send_time_past_its_scheduled_start():
    reqs = [{"kind": "request", "sent_s": 19.51}, {"kind": "request", "sent_s": 7.30}, {"kind": "request", "sent_s": 10.9}]
    assert parse_logs.workload_start_delays(reqs, 5.0) == [pytest.approx(2.30)]
    assert parse_logs.workload_start_delays([], 5.0) == []
    # A loop stamped before its schedule (clock skew within a stamp's resolution) counts as on time.
    assert parse_logs.workload_start_delays([{"kind": "request", "sent_s": 4.9999}], 5.0) == [0.0]


READY = {"haproxy": "Loading success.", "keepalived": "Entering BACKUP STATE (init)"}


def test_daemon_startups_time_each_container_start_to_each_daemons_ready_line():
    log = [
        "2026-12-02T10:00:00.500000000Z HASIM_ENTRY start t_us=1796205600400000",
        "2026-12-02T10:00:00.760000000Z [NOTICE]   (6) : Loading success.",
        "2026-12-02T10:00:00.900000000Z Wed Dec  2 10:00:00 2026: (VI_1) Entering BACKUP STATE (init)",
        # The VRRP child respawned alone: not a container start, not counted.
        "2026-12-02T10:00:05.000000000Z Wed Dec  2 10:00:05 2026: (VI_1) Entering BACKUP STATE (init)",
        "2026-12-02T10:00:20.000000000Z HASIM_ENTRY start t_us=1796205620000000",
        "2026-12-02T10:00:20.250000000Z Wed Dec  2 10:00:20 2026: (VI_1) Entering BACKUP STATE (init)",
        "2026-12-02T10:00:20.300000000Z [NOTICE]   (7) : Loading success.",
    ]
    got = parse_logs.daemon_startups(log, ["haproxy", "keepalived"], READY)
    assert got["first"] == {"haproxy": [pytest.approx(0.36)], "keepalived": [pytest.approx(0.5)]}
    assert got["later"] == {"keepalived": [pytest.approx(0.25)], "haproxy": [pytest.approx(0.3)]}


def test_a_node_that_starts_stopped_has_no_first_start_and_a_daemon_that_never_gets_ready_no_sample():
    log = ["2026-12-02T10:00:10.000000000Z HASIM_ENTRY start t_us=1796205610000000",
           "2026-12-02T10:00:10.100000000Z [NOTICE]   (6) : Loading success."]
    got = parse_logs.daemon_startups(log, ["haproxy", "keepalived"], READY, first_is_compose=False)
    assert got == {"first": {}, "later": {"haproxy": [pytest.approx(0.1)]}}


def test_a_postgres_start_that_syncs_and_replays_its_data_directory_is_not_a_start_up_sample():
    # After a clean stop the server's start-up is its own; after a base backup (or a crash) it
    # fsyncs every file and replays WAL first, which the simulator models itself: counted as a
    # start-up too, the simulated start would pay that work twice.
    log = [
        "2026-12-02T10:00:10.000000000Z HASIM_ENTRY start t_us=1796205610000000",
        "2026-12-02T10:00:10.030000000Z 2026-12-02 10:00:10.030 UTC [7] LOG:  database system was shut down at 2026-12-02 10:00:09 UTC",
        "2026-12-02T10:00:10.045000000Z 2026-12-02 10:00:10.045 UTC [1] LOG:  database system is ready to accept connections",
        "2026-12-02T10:00:20.000000000Z HASIM_ENTRY start t_us=1796205620000000",
        ("2026-12-02T10:00:20.030000000Z 2026-12-02 10:00:20.030 UTC [7] LOG:  database system was interrupted; "
         "last known up at 2026-12-02 10:00:15 UTC"),
        "2026-12-02T10:00:21.800000000Z 2026-12-02 10:00:21.800 UTC [7] LOG:  entering standby mode",
        "2026-12-02T10:00:21.900000000Z 2026-12-02 10:00:21.900 UTC [1] LOG:  database system is ready to accept read-only connections",
    ]
    got = parse_logs.daemon_startups(log, ["postgres"], {"postgres": "database system is ready to accept"}, first_is_compose=False)
    assert got == {"first": {}, "later": {"postgres": [pytest.approx(0.045)]}}


# --- the engine a stack is rendered for (no containers) ---------------------------------------------

def _render(tmp_path, *extra):
    d = tmp_path / ("stack" + "".join(extra).replace("-", "_"))
    p = subprocess.run([HASIM_BIN, "render", os.path.join(ROOT, "scenarios", "demo1-part1.yaml"), str(d), *extra],
                       capture_output=True, text=True, timeout=60)
    return p, d


def test_run_real_refuses_a_stack_rendered_for_docker_and_says_how_to_render_for_podman(tmp_path):
    p, d = _render(tmp_path)
    assert p.returncode == 0, p.stderr
    plan = json.loads((d / "plan.json").read_text())
    assert plan["engine"] == "docker"
    assert "nameserver dns1 127.0.0.11:53" in (d / "haproxy" / "haproxy.cfg").read_text()
    why = run_real.engine_error(plan)
    assert why is not None and "rendered for docker" in why and "--engine podman" in why

    p, d = _render(tmp_path, "--engine", "podman")
    assert p.returncode == 0, p.stderr
    plan = json.loads((d / "plan.json").read_text())
    assert plan["engine"] == "podman" and run_real.engine_error(plan) is None
    assert "nameserver dns1 10.89.4.1:53" in (d / "haproxy" / "haproxy.cfg").read_text()
    # A plan from before the choice was rendered for podman.
    del plan["engine"]
    assert run_real.engine_error(plan) is None


def test_render_rejects_an_unknown_engine_and_writes_nothing(tmp_path):
    p, d = _render(tmp_path, "--engine", "lxc")
    assert p.returncode == 2
    assert "--engine expects docker or podman, got 'lxc'" in p.stderr
    assert not d.exists()
