"""The open-loop probe's real side: validation/render.cpp's probe.sh run against a local HTTP
server (127.0.0.1, nothing leaves the machine), and its lines read by parse_logs.parse_client."""
import http.server
import os
import subprocess
import sys
import threading
import time

import pytest

from conftest import HASIM_BIN

ROOT = os.environ.get("HASIM_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "validation"))
import parse_logs  # noqa: E402

SCENARIO = os.path.join(ROOT, "scenarios", "demo1-part2", "open-loop-kill-haproxy1.yaml")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("probe") / "stack"
    r = subprocess.run([str(HASIM_BIN), "render", SCENARIO, str(out), "--engine", "podman"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


class Backend(http.server.BaseHTTPRequestHandler):
    """Answers "web1" with the headers HAProxy adds; the second request hangs for 3 s."""
    count = 0
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802
        with Backend.lock:
            Backend.count += 1
            n = Backend.count
        if n == 2:
            time.sleep(3)
        body = b"web1\n"
        self.send_response(200)
        self.send_header("X-Hasim-Lb", "haproxy1")
        self.send_header("X-Hasim-Server", "nginx1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_probe_sends_on_its_schedule_while_a_request_hangs_and_logs_who_answered(rendered):
    script = rendered / "images" / "probe" / "hasim" / "probe.sh"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        t0 = time.time_ns()
        # 10 requests every 200 ms, each limited to 1 s; the second hangs past its limit.
        p = subprocess.run(["bash", str(script), url, "10", "0.2", "1", "1", "10"], capture_output=True, text=True,
                           timeout=30)
    finally:
        server.shutdown()
    assert p.returncode == 0, p.stderr
    assert p.stdout.rstrip().splitlines()[-1].startswith("HASIM_LOAD_DONE requests=10 ")
    reqs = parse_logs.parse_client(p.stdout.splitlines(), "client", "load", t0)
    assert sorted(r["seq"] for r in reqs) == list(range(1, 11))
    by_seq = {r["seq"]: r for r in reqs}
    # Ticks on an exact schedule, the hung one notwithstanding; each request starts after its
    # tick (how long after is the host's: on a loaded one, seconds).
    first = by_seq[1]["sched_s"]
    for seq, r in by_seq.items():
        assert r["sched_s"] - first == pytest.approx(0.2 * (seq - 1), abs=1e-6)
        assert r["sent_s"] >= r["sched_s"]
    # The hung request failed at its own 1 s (curl exit 28), after later ones had been answered.
    hung = by_seq[2]
    assert (hung["status"], hung["curl_exit"]) == (0, 28)
    assert hung["curl_s"] == pytest.approx(1.0, abs=0.1)  # curl's own clock; the stamps add bash's
    assert hung["latency_ms"] >= 990
    assert [r["seq"] for r in reqs].index(2) > [r["seq"] for r in reqs].index(3)
    assert by_seq[3]["sent_s"] < hung["t_s"] and by_seq[6]["sent_s"] < hung["t_s"]  # not waiting for it
    good = [r for r in reqs if r["seq"] != 2]
    assert {(r["status"], r["served_by"], r["lb"], r["server"], r["remote_ip"]) for r in good} == {
        (200, "web1", "haproxy1", "nginx1", "127.0.0.1")}
    assert (hung["lb"], hung["server"]) == ("", "")


def test_probe_lines_give_lb_and_server_and_an_open_loop_keeps_the_requests_that_ended_in_the_run():
    lines = ["HASIM_REQ seq=1 sched_ns=1000000000 start_ns=1001000000 end_ns=1003000000 status=200 time_total=0.002 "
             "curl_exit=0 time_namelookup=0 time_connect=0.001 remote_ip=172.20.0.5 lb=haproxy2 server=nginx3 body=nginx3",
             "HASIM_REQ seq=2 sched_ns=1100000000 start_ns=1100000000 end_ns=3100000000 status=000 time_total=2.0 "
             "curl_exit=28 time_namelookup=0 time_connect=0 remote_ip= lb= server=- body=-"]
    a, b = parse_logs.parse_client(lines, "client", "load", 0)
    assert (a["lb"], a["server"], a["served_by"], a["remote_ip"], a["sent_s"]) == ("haproxy2", "nginx3", "nginx3", "172.20.0.5", 1.001)
    assert (b["lb"], b["server"], b["status"], b["t_s"]) == ("", "", 0, 3.1)
    assert parse_logs.open_loop_requests([a, b], 3.0) == [a]
    assert parse_logs.spawn_lags([a, b]) == pytest.approx([0.001, 0.0])  # start after the tick
    # behind its schedule: each fork's cost counts from the previous request's start
    late = [dict(seq=i, sched_s=0.1 * i, sent_s=0.3 * i) for i in range(1, 4)]
    assert parse_logs.spawn_lags(late) == pytest.approx([0.2, 0.3, 0.3])
    # load.sh's lines (the closed loop) keep their fields as before
    (c,) = parse_logs.parse_client(["HASIM_REQ seq=1 start_ns=1 end_ns=2 status=200 body=x"], "client", "load", 0)
    assert "lb" not in c


def test_a_probe_request_is_sent_when_curl_started_not_at_the_stamp_before_its_fork():
    # A loaded host (2026-12-03): the subshell stamped 18.98 s, curl connected 4.09 s after its
    # own start and ended at 30.97 s, so curl started at 26.74 s: the request left then (as the
    # simulator's leaves after its fork), and its latency is curl's own 4.23 s.
    line = ("HASIM_REQ seq=7 sched_ns=18500000000 start_ns=18980000000 end_ns=30970000000 status=200 time_total=4.230000 "
            "curl_exit=0 time_namelookup=0 time_connect=4.085147 remote_ip=10.89.12.10 lb= server= body=web")
    (r,) = parse_logs.parse_client([line], "client", "t6", 0)
    assert r["sent_s"] == pytest.approx(26.74)
    assert r["latency_ms"] == pytest.approx(4230)
    assert parse_logs.spawn_lags([r]) == pytest.approx([26.74 - 18.5])
