"""validation/run_netns.py interrupted half-way leaves nothing behind: no namespace it named, no
process of its nodes, no state file; exit status 130 and a results file that says it was
interrupted. Against the real daemons (root; haproxy, keepalived, nginx installed on the host by
run_netns.py if missing). Two runs at once of Demo 1 Part 2 on machines, SIGINT once both
stacks' clients run (about 15 s in)."""
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import HASIM_BIN, SOURCE_DIR

RUN_NETNS = SOURCE_DIR / "validation" / "run_netns.py"
SCENARIO = SOURCE_DIR / "scenarios" / "demo1-part2" / "host.yaml"
STATE = os.path.join(os.environ.get("HASIM_STATE", "/var/tmp/hasim-validation"), "netns")


def namespaces():
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=30)
    return {line.split()[0] for line in r.stdout.splitlines() if line.strip()}


def processes_under(path):
    """PIDs whose command line names `path` (the run's own node scripts live there)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    if path.encode() in f.read():
                        out.append(int(d))
            except OSError:
                pass
    return out


def test_parallel_runs_in_namespaces_interrupted_by_sigint_leave_nothing(tmp_path):
    if os.geteuid() != 0:
        pytest.fail("the namespaces teardown test needs root (ip netns, unshare); CI runs it as root")
    d = tmp_path / "stack"
    r = subprocess.run([str(HASIM_BIN), "render", str(SCENARIO), str(d), "--engine", "podman"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    before = namespaces()
    out = tmp_path / "real.json"
    log = tmp_path / "run.log"
    with open(log, "w") as fh:
        p = subprocess.Popen(["/usr/bin/python3", str(RUN_NETNS), str(d), "--runs", "2", "--parallel", "2", "--stagger",
                              "1", "--out", str(out)], stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    ours: set = set()
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and p.poll() is None:
            ours |= namespaces() - before
            if log.read_text().count("workload load started") >= 2:
                break
            time.sleep(0.5)
        assert p.poll() is None, log.read_text()
        assert log.read_text().count("workload load started") >= 2, log.read_text()
        ours |= namespaces() - before
        assert len(ours) == 2 * (7 + 1), sorted(ours)  # 7 nodes and 1 bridge, each run
        token = sorted(ours)[0].split("-")[1]
        p.send_signal(signal.SIGINT)
        rc = p.wait(timeout=120)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=30)
    text = log.read_text()
    assert rc == 130, text
    results = json.loads(out.read_text())
    assert results["interrupted"] is True and results["runs"] == []
    assert not (ours & namespaces()), f"namespaces left: {sorted(ours & namespaces())}"
    assert processes_under(os.path.join(STATE, f"hasim-{token}-")) == []
    assert not [f for f in os.listdir(STATE) if f.startswith(f"hasim-{token}-")] if os.path.isdir(STATE) else True
