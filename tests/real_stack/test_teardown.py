"""validation/run_real.py interrupted half-way leaves nothing behind: no container, network, ids or
subnet reservation file, conmon process or route of its compose project(s); exit status 130 and a
results file that says it was interrupted. Against the REAL stack (rootful podman, as in CI, which
runs `make test` as root on the validation machine): the environment is set up here
(validation/env/setup.sh and base-image.sh are idempotent), and a machine where that fails fails
the test with the reason, it is not skipped.

Each test gets its own project name, so it never touches another user's stack; nothing is sent
from the host to a stack address. Bounded: images are built (if missing) before the timed part;
each interrupted run takes about 20 s."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest

from conftest import HASIM_BIN, SOURCE_DIR

STATE = os.environ.get("HASIM_STATE", "/var/tmp/hasim-validation")
PODMAN_ENV = dict(os.environ, CONTAINERS_CONF=f"{STATE}/containers.conf",
                  CONTAINERS_STORAGE_CONF=f"{STATE}/storage.conf", DOCKER_HOST=f"unix://{STATE}/podman.sock")
RUN_REAL = SOURCE_DIR / "validation" / "run_real.py"
SCENARIO = SOURCE_DIR / "scenarios" / "validation" / "demo1-part1-short.yaml"
PYTHON = "/usr/bin/python3"  # run_real.py's own interpreter (standard library only)


def podman(*args, timeout=60):
    return subprocess.run(["podman", *args], env=PODMAN_ENV, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The scenario rendered and its images present; any failure to get there fails with why."""
    if os.geteuid() != 0:
        pytest.fail("the real-stack teardown test needs root (rootful podman); CI runs it as root")
    for script in ("setup.sh", "base-image.sh"):
        try:
            r = subprocess.run(["/bin/bash", str(SOURCE_DIR / "validation" / "env" / script)], capture_output=True,
                               text=True, timeout=900)
        except subprocess.TimeoutExpired:
            pytest.fail(f"validation/env/{script} took over 900 s")
        if r.returncode != 0:
            pytest.fail(f"validation/env/{script} failed ({r.returncode}): {r.stderr.strip()[-2000:]}")
    d = tmp_path_factory.mktemp("rendered")
    r = subprocess.run([str(HASIM_BIN), "render", str(SCENARIO), str(d), "--engine", "podman"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([PYTHON, str(RUN_REAL), str(d), "--build-only"], capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        pytest.fail(f"building the images failed: {r.stderr.strip()[-2000:]}")
    return d


def subnet_in_use(subnet):
    """Does the host route (or podman have a network in) the scenario's own subnet? Then another
    user's stack is on it and the plain sequential mode would rightly refuse to start."""
    sys.path.insert(0, str(SOURCE_DIR / "validation"))
    import ipaddress
    import run_real
    net = ipaddress.ip_network(subnet)
    return any(net.overlaps(n) for n in run_real.host_networks())


def conmons_of(ids):
    """PIDs of conmon processes (the container monitors podman leaves running) for these ids."""
    pids = []
    for p in pathlib.Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            argv = (p / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b"conmon" and any(i.encode() in b" ".join(argv) for i in ids):
            pids.append(int(p.name))
    return pids


def interrupt_midway(rendered, tmp_path, extra, projects_of):
    """Starts run_real.py, waits until every slot's client runs, records what exists, sends SIGINT,
    and returns (exit status, results, container ids seen, projects)."""
    project = f"hasim-teardown-{uuid.uuid4().hex[:8]}"
    projects = projects_of(project)
    out = tmp_path / "results.json"
    argv = [PYTHON, str(RUN_REAL), str(rendered), "--runs", "4", "--project", project, "--out", str(out)] + extra
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True)
    reader.start()
    ids = set()
    try:
        deadline = time.monotonic() + 90
        while sum("workload load started" in l for l in lines) < len(projects):
            assert proc.poll() is None, f"run_real.py ended early ({proc.returncode}):\n{''.join(lines)}"
            assert time.monotonic() < deadline, f"no client started within 90 s:\n{''.join(lines)}"
            time.sleep(0.2)
        time.sleep(1.0)  # midway: the client has requests under way
        for p in projects:
            with open(os.path.join(STATE, "ids", p)) as f:
                rec = json.load(f)
            assert rec["containers"], f"no containers recorded for {p}"
            ids |= set(rec["containers"].values())
            running = podman("ps", "-q", "--no-trunc", "--filter", f"label=com.docker.compose.project={p}").stdout.split()
            assert running, f"nothing running for {p}"
        assert conmons_of(ids), "no conmon found for the running containers: the conmon check below would prove nothing"
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=90)
    finally:
        if proc.poll() is None:  # a failed assertion above: still tear down, by run_real.py's own handler
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                proc.kill()
    reader.join(timeout=5)
    with open(out) as f:
        results = json.load(f)
    return rc, results, ids, projects, "".join(lines)


def assert_nothing_left(results, ids, projects, log):
    for p in projects:
        ps = podman("ps", "-a", "-q", "--filter", f"label=com.docker.compose.project={p}")
        assert ps.returncode == 0, ps.stderr
        assert ps.stdout.split() == [], f"containers of {p} left:\n{log}"
        nets = podman("network", "ls", "--format", "{{.Name}}")
        assert nets.returncode == 0, nets.stderr
        assert [n for n in nets.stdout.split() if n.startswith(p + "_")] == [], f"networks of {p} left:\n{log}"
        labelled = podman("network", "ls", "-q", "--filter", f"label=com.docker.compose.project={p}")
        assert labelled.stdout.split() == [], f"labelled networks of {p} left"
        assert not os.path.exists(os.path.join(STATE, "ids", p)), f"ids file of {p} left"
        assert not os.path.exists(os.path.join(STATE, "subnets", p)), f"subnet reservation of {p} left"
        assert not os.path.exists(os.path.join(STATE, "locks", p)), f"project lock file of {p} left"
    everything = set(podman("ps", "-a", "-q", "--no-trunc").stdout.split())
    assert not (ids & everything), f"containers still exist: {ids & everything}"
    assert conmons_of(ids) == [], "conmon processes of our containers still run"
    routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True, timeout=10).stdout
    for slot in results.get("slots", []):
        for moved in slot["subnets"].values():
            assert moved not in routes, f"the host still routes {moved}"


def test_sequential_run_interrupted_by_sigint_leaves_nothing(rendered, tmp_path):
    plan = json.loads((rendered / "plan.json").read_text())
    subnets = [n["subnet"] for n in plan["networks"].values()]
    # The default mode runs in the scenario's own subnet; if another user's stack holds it right
    # now, the same code path runs with the subnet moved (--remap) rather than fail for them.
    extra = ["--remap"] if any(subnet_in_use(s) for s in subnets) else []
    if extra:
        print(f"{subnets} in use on this machine: interrupting a --remap run instead")
    rc, results, ids, projects, log = interrupt_midway(
        rendered, tmp_path, extra, lambda p: [p + "-s1"] if extra else [p])
    assert rc == 130, log
    assert results["interrupted"] is True
    assert results["runs"] == []  # the run under way is dropped, not reported half-done
    assert "error" in results
    assert_nothing_left(results, ids, projects, log)


def test_parallel_runs_interrupted_by_sigint_leave_nothing(rendered, tmp_path):
    rc, results, ids, projects, log = interrupt_midway(
        rendered, tmp_path, ["--parallel", "2", "--stagger", "1"], lambda p: [p + "-s1", p + "-s2"])
    assert rc == 130, log
    assert results["interrupted"] is True
    assert results["runs"] == []
    assert len(results["slots"]) == 2
    moved = [s["subnets"] for s in results["slots"]]
    assert moved[0].keys() == moved[1].keys() and set(moved[0].values()).isdisjoint(moved[1].values())
    assert len(ids) == 2 * len(json.loads((rendered / "plan.json").read_text())["services"])
    assert_nothing_left(results, ids, projects, log)
