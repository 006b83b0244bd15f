#!/usr/bin/python3
"""Runs a rendered scenario (`hasim render SCENARIO DIR`) against the real stack, N times.

  validation/env/setup.sh && validation/env/base-image.sh      # once per machine
  build/hasim render scenarios/demo1-part1.yaml /tmp/demo1
  validation/run_real.py /tmp/demo1 --runs 3 --out results.json

Each run: compose up, a bounded wait until every HAProxy sees its servers UP (read from inside the
stack), t0, the client started inside its container, each fault applied at its time plus a
seeded uniform phase offset in [0, jitter) (recorded), the end, `podman logs --timestamps` of
every container, compose down. Teardown always happens (finally + SIGINT/SIGTERM), every wait
is bounded, and no packet is sent from the host to a stack address: probes and clients run
inside the stack's own containers (`podman exec`).

Standard library only (Debian /usr/bin/python3).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parse_logs  # noqa: E402

STATE = os.environ.get("HASIM_STATE", "/var/tmp/hasim-validation")
ENV = dict(os.environ)
ENV.setdefault("CONTAINERS_CONF", f"{STATE}/containers.conf")
ENV.setdefault("CONTAINERS_STORAGE_CONF", f"{STATE}/storage.conf")
ENV.setdefault("DOCKER_HOST", f"unix://{STATE}/podman.sock")

VERBOSE = False


def log(msg: str) -> None:
    print(f"[run_real {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Interrupted(Exception):
    pass


def _on_signal(signum, _frame):
    raise Interrupted(f"signal {signum}")


def sh(argv: list[str], timeout: float = 60, check: bool = True, capture: bool = True) -> subprocess.CompletedProcess:
    if VERBOSE:
        log("$ " + " ".join(shlex.quote(a) for a in argv))
    try:
        r = subprocess.run(argv, env=ENV, timeout=timeout, text=True,
                           stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE if capture else None)
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(f"timed out after {timeout}s: {' '.join(argv)}") from e
    if check and r.returncode != 0:
        raise RuntimeError(f"failed ({r.returncode}): {' '.join(argv)}\n{(r.stderr or '')[-2000:]}")
    return r


class VipWatcher:
    """`docker exec SVC /hasim/vip-watch.sh VIPS` with its output kept in a file; the end of the
    output (the container's processes gone, VIPs with them) is stamped with the host clock, which
    the containers share."""

    def __init__(self, svc: str, cid: str, vips: list[str], path: str):
        self.svc, self.cid, self.vips, self.path = svc, cid, vips, path
        self.lock = threading.Lock()
        self.proc = None
        self.thread = None
        self.stopping = False

    def start(self) -> None:
        self.proc = subprocess.Popen(["podman", "exec", self.cid, "/hasim/vip-watch.sh"] + self.vips, env=ENV,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.thread = threading.Thread(target=self._pump, args=(self.proc,), daemon=True)
        self.thread.start()

    def _pump(self, proc) -> None:
        with open(self.path, "a") as f:
            for line in proc.stdout:
                with self.lock:
                    f.write(line)
                    f.flush()
            if not self.stopping:  # the container went away, not our own kill at the end
                with self.lock:
                    f.write(f"HASIM_VIP_EOF t_ns={time.time_ns()}\n")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        self.stopping = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.thread is not None:
            self.thread.join(timeout=5)


class Stack:
    """One compose project: ids recorded so teardown can remove exactly what we made."""

    def __init__(self, rendered: str, plan: dict):
        self.dir = os.path.abspath(rendered)
        self.plan = plan
        self.project = plan["project"]
        self.compose = ["docker-compose", "-p", self.project, "-f", os.path.join(self.dir, "docker-compose.yml")]
        self.ids: dict[str, str] = {}
        self.networks: list[str] = []
        self.disconnected: list[tuple[str, str, str]] = []
        self.blocked: set[str] = set()
        self.netem: set[str] = set()
        self.idfile = os.path.join(STATE, "ids", self.project)
        self.watchers: dict[str, VipWatcher] = {}

    # --- lifecycle ---------------------------------------------------------------------------
    def build(self) -> float:
        t = time.monotonic()
        sh(self.compose + ["build"], timeout=1800)
        return time.monotonic() - t

    def up(self) -> None:
        for net in self.plan["networks"].values():
            self._check_subnet_free(net["subnet"])
        sh(self.compose + ["up", "-d", "--no-build"], timeout=180)
        # Container ids by compose labels (one podman call; `docker-compose ps -q` takes ~2 s each).
        r = sh(["podman", "ps", "-a", "--no-trunc", "--filter", f"label=com.docker.compose.project={self.project}",
                "--format", '{{.ID}} {{index .Labels "com.docker.compose.service"}}'], timeout=30)
        for line in r.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2:
                self.ids[parts[1]] = parts[0]
        for svc in self.plan["services"]:
            if svc not in self.ids:
                raise RuntimeError(f"service {svc} has no container after up")
        nets = sh(["podman", "network", "ls", "-q", "--filter", f"name=^{self.project}_"], timeout=30).stdout.split()
        self.networks = nets
        os.makedirs(os.path.dirname(self.idfile), exist_ok=True)
        with open(self.idfile, "w") as f:
            json.dump({"containers": self.ids, "networks": self.networks}, f)
        for svc in self.plan.get("initially_stopped", []):
            sh(["podman", "stop", "-t", "10", self.ids[svc]], timeout=30)

    def _check_subnet_free(self, subnet: str) -> None:
        # Never reuse a range the host already routes (other than through a bridge of ours).
        routes = sh(["ip", "-4", "route", "show", subnet], timeout=10, check=False).stdout.strip()
        if routes and "podman" not in routes:
            raise RuntimeError(f"the host already routes {subnet}: {routes}; pick another subnet")

    def start_watchers(self, outdir: str) -> None:
        for w in self.plan.get("vip_watch", []):
            vw = VipWatcher(w["service"], self.ids[w["service"]], w["vips"], os.path.join(outdir, f"vip-{w['service']}.log"))
            vw.start()
            self.watchers[w["service"]] = vw

    def restart_watcher(self, svc: str) -> None:
        vw = self.watchers.get(svc)
        if vw is not None and not vw.alive():
            vw.thread.join(timeout=5)
            vw.start()

    def stop_watchers(self) -> None:
        for vw in self.watchers.values():
            vw.stop()
        self.watchers.clear()

    def down(self) -> None:
        self.stop_watchers()
        try:
            sh(self.compose + ["down", "-v", "-t", "2"], timeout=120, check=False)
        except RuntimeError as e:
            log(f"compose down: {e}")
        for cid in self.ids.values():
            sh(["podman", "rm", "-f", "-t", "0", cid], timeout=60, check=False)
        for nid in self.networks:
            sh(["podman", "network", "rm", "-f", nid], timeout=60, check=False)
        if os.path.exists(self.idfile):
            os.unlink(self.idfile)
        self.ids.clear()
        self.networks.clear()

    # --- probes (inside the stack) -----------------------------------------------------------
    def exec_out(self, svc: str, argv: list[str], timeout: float = 10) -> subprocess.CompletedProcess:
        return sh(["podman", "exec", self.ids[svc]] + argv, timeout=timeout, check=False)

    def haproxy_states(self) -> dict[str, str]:
        """backend/server -> status, read by the probe container from each HAProxy's CSV stats."""
        out: dict[str, str] = {}
        probe = self.plan["probe_service"]
        for h in self.plan["haproxy"]:
            r = self.exec_out(probe, ["curl", "-s", "--max-time", "2", h["stats_url"]], timeout=5)
            for line in (r.stdout or "").splitlines():
                f = line.split(",")
                if len(f) > 17 and not line.startswith("#") and f[1] not in ("FRONTEND", "BACKEND"):
                    out[f"{h['service']}/{f[0]}/{f[1]}"] = f[17]
        return out

    def wait_healthy(self, limit_s: float) -> float:
        t = time.monotonic()
        stopped = set(self.plan.get("initially_stopped", []))
        want = [f"{h['service']}/{s['backend']}/{s['server']}" for h in self.plan["haproxy"] for s in h["servers"]
                if s["check"] and s["node"] not in stopped]
        last = {}
        while time.monotonic() - t < limit_s:
            last = self.haproxy_states()
            if all(last.get(k, "").startswith("UP") for k in want):
                return time.monotonic() - t
            time.sleep(0.5)
        raise RuntimeError(f"not healthy within {limit_s}s: {last}")

    def ip_of(self, svc: str) -> list[str]:
        r = sh(["podman", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", self.ids[svc]],
               timeout=20, check=False)
        return [a for a in r.stdout.split() if a]

    # --- fault steps --------------------------------------------------------------------------
    def step(self, s: dict) -> None:
        op = s["op"]
        cid = self.ids.get(s.get("service", ""), "")
        if op == "stop":
            sh(["podman", "stop", "-t", str(int(float(s.get("timeout_s", 10)))), cid], timeout=120)
        elif op == "start":
            sh(["podman", "start", cid], timeout=60)
            self.restart_watcher(s["service"])
        elif op == "restart":
            sh(["podman", "restart", "-t", str(int(float(s.get("timeout_s", 10)))), cid], timeout=120)
            time.sleep(0.2)
            self.restart_watcher(s["service"])
        elif op == "kill":
            sh(["podman", "kill", "-s", s.get("signal", "KILL"), cid], timeout=30)
        elif op in ("pause", "unpause"):
            sh(["podman", op, cid], timeout=30)
        elif op == "exec":
            sh(["podman", "exec"] + (["-d"] if s.get("detach") else []) + [cid] + s["argv"], timeout=60, check=False)
        elif op == "network_disconnect":
            net = f"{self.project}_{s['network']}"
            sh(["podman", "network", "disconnect", net, cid], timeout=30)
            self.disconnected.append((s["service"], net, ""))
        elif op == "network_connect":
            net = f"{self.project}_{s['network']}"
            argv = ["podman", "network", "connect"] + (["--ip", s["ipv4_address"]] if s.get("ipv4_address") else [])
            sh(argv + [net, cid], timeout=30)
            self.disconnected = [d for d in self.disconnected if not (d[0] == s["service"] and d[1] == net)]
        elif op in ("block", "unblock"):
            self._iptables(s)
        elif op == "netem":
            r = sh(["podman", "exec", cid, "tc", "qdisc", "replace", "dev", "eth0", "root", "netem"] + s["args"],
                   timeout=30, check=False)
            if r.returncode != 0:
                hint = " (this kernel has no sch_netem: delay/loss faults cannot run here)" if "unknown" in r.stderr else ""
                raise RuntimeError(f"tc netem in {s['service']} failed{hint}: {r.stderr.strip()}")
            self.netem.add(s["service"])
        elif op == "netem_clear":
            sh(["podman", "exec", cid, "tc", "qdisc", "del", "dev", "eth0", "root"], timeout=30, check=False)
            self.netem.discard(s["service"])
        elif op == "heal_all":
            for svc in list(self.blocked):
                sh(["podman", "exec", self.ids[svc], "iptables", "-F", "HASIM"], timeout=30, check=False)
            for svc in list(self.netem):
                sh(["podman", "exec", self.ids[svc], "tc", "qdisc", "del", "dev", "eth0", "root"], timeout=30, check=False)
            for svc, net, _ in list(self.disconnected):
                sh(["podman", "network", "connect", net, self.ids[svc]], timeout=30, check=False)
            self.blocked.clear()
            self.netem.clear()
            self.disconnected.clear()
        else:
            raise RuntimeError(f"unknown step op {op}")

    def _iptables(self, s: dict) -> None:
        cid = self.ids[s["service"]]
        add = s["op"] == "block"
        if add and s["service"] not in self.blocked:
            sh(["podman", "exec", cid, "sh", "-c",
                "iptables -N HASIM 2>/dev/null; iptables -C INPUT -j HASIM 2>/dev/null || iptables -I INPUT -j HASIM"],
               timeout=30)
            self.blocked.add(s["service"])
        cmds = []
        for peer in s["peers"]:
            for ip in self.ip_of(peer):
                for proto in s["protos"]:
                    p = "" if proto == "all" else f" -p {'112' if proto == 'vrrp' else proto}"
                    cmds.append(f"iptables {'-A' if add else '-D'} HASIM -s {ip}{p} -j DROP")
        if cmds:
            sh(["podman", "exec", cid, "sh", "-c", "; ".join(cmds)], timeout=30, check=add)

    def logs(self, outdir: str) -> dict[str, list[str]]:
        out = {}
        for svc in self.plan["logs"]:
            r = sh(["podman", "logs", "--timestamps", self.ids[svc]], timeout=60, check=False)
            text = (r.stdout or "") + (r.stderr or "")
            lines = text.splitlines()
            lines.sort(key=lambda l: parse_logs.parse_timestamp_line(l)[0] or 0)
            out[svc] = lines
            with open(os.path.join(outdir, f"{svc}.log"), "w") as f:
                f.write("\n".join(lines) + "\n")
        return out


def sleep_until(deadline_ns: int) -> None:
    while True:
        left = (deadline_ns - time.time_ns()) / 1e9
        if left <= 0:
            return
        time.sleep(min(left, 0.2))


def one_run(stack: Stack, plan: dict, run: int, seed: int, outdir: str, health_limit: float) -> dict:
    rng = random.Random(seed * 1_000_003 + run)
    res: dict = {"run": run, "seed": seed}
    t_up = time.monotonic()
    stack.up()
    res["up_s"] = time.monotonic() - t_up
    res["healthy_after_s"] = stack.wait_healthy(health_limit)
    stack.start_watchers(outdir)
    duration = float(plan["duration_s"])
    t0 = time.time_ns() + 200_000_000  # scenario time 0
    res["t0_ns"] = t0
    timeline = []  # (t_ns, kind, payload)
    for w in plan["workloads"]:
        timeline.append((t0 + int(float(w["start_s"]) * 1e9), "workload", w))
    offsets = []
    for f in plan["faults"]:
        off = rng.uniform(0.0, float(f["jitter_s"])) if float(f["jitter_s"]) > 0 else 0.0
        offsets.append(off)
        at = t0 + int((float(f["at_s"]) + off) * 1e9)
        timeline.append((at, "fault", f))
    timeline.sort(key=lambda x: x[0])
    clients = []
    fault_records = []
    pending_undo = []
    idx = 0
    end_ns = t0 + int(duration * 1e9)
    while idx < len(timeline) or pending_undo:
        nxt = timeline[idx][0] if idx < len(timeline) else None
        nu = min(pending_undo, key=lambda x: x[0]) if pending_undo else None
        if nu is not None and (nxt is None or nu[0] < nxt):
            sleep_until(nu[0])
            pending_undo.remove(nu)
            f = nu[1]
            t_cmd = time.time_ns()
            for s in f["undo"]:
                stack.step(s)
            fault_records.append({"kind": "fault_end", "t_s": (t_cmd - t0) / 1e9, "action": f["action"],
                                  "target": f["target"], "done_s": (time.time_ns() - t0) / 1e9})
            continue
        if nxt is None or nxt > end_ns:
            break
        at, kind, payload = timeline[idx]
        idx += 1
        sleep_until(at)
        if kind == "workload":
            path = os.path.join(outdir, f"workload-{payload['name']}.log")
            fh = open(path, "w")
            p = subprocess.Popen(["podman", "exec", stack.ids[payload["service"]]] + payload["argv"], env=ENV,
                                 stdout=fh, stderr=subprocess.STDOUT)
            clients.append((payload, p, fh, path))
            log(f"run {run}: workload {payload['name']} started")
        else:
            t_cmd = time.time_ns()
            for s in payload["steps"]:
                stack.step(s)
            t_done = time.time_ns()
            rec = {"kind": "fault", "t_s": (t_cmd - t0) / 1e9, "done_s": (t_done - t0) / 1e9, "action": payload["action"],
                   "target": payload["target"], "planned_s": float(payload["at_s"]),
                   "phase_offset_s": offsets[payload["index"]], "shell": payload["shell"]}
            fault_records.append(rec)
            log(f"run {run}: t={rec['t_s']:.3f}s {' ; '.join(payload['shell'])} (took {(t_done - t_cmd) / 1e9:.3f}s)")
            if payload.get("for_s") is not None:
                pending_undo.append((t_cmd + int(float(payload["for_s"]) * 1e9), payload))
    sleep_until(end_ns)
    for w, p, fh, _ in clients:  # the client stops by itself at the end; bound the wait
        try:
            p.wait(timeout=max(5.0, float(w["timeout_s"] or 0) + 5.0) if float(w["timeout_s"] or 0) < 120 else 30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)
        fh.close()
    stack.stop_watchers()
    stack.logs(outdir)
    res["faults"] = fault_records
    analyze(plan, res, outdir)
    return res


def analyze(plan: dict, res: dict, outdir: str) -> None:
    """Events and metrics of one run from its saved logs (also used by --reparse)."""
    t0 = res["t0_ns"]
    duration = float(plan["duration_s"])
    logs = {}
    for svc in plan["logs"]:
        path = os.path.join(outdir, f"{svc}.log")
        if os.path.exists(path):
            with open(path) as f:
                logs[svc] = f.read().splitlines()
    events = [dict(f) for f in res["faults"]]
    metrics: dict[str, float] = {}
    # The simulator's HAProxy counters are per component, summed over every HAProxy node, and
    # exist only once incremented: haproxy.server_down, haproxy.server_up, haproxy.http_CODE.
    def bump(key: str, n: int) -> None:
        if n > 0:
            metrics[key] = metrics.get(key, 0) + n
    for h in plan["haproxy"]:
        ev = parse_logs.parse_haproxy(logs.get(h["service"], []), h["service"], t0)
        events += ev
        bump("haproxy.server_down", sum(1 for e in ev if e["kind"] == "server_down"))
        bump("haproxy.server_up", sum(1 for e in ev if e["kind"] == "server_up"))
        for code, n in parse_logs.haproxy_http_statuses(logs.get(h["service"], [])).items():
            if not 200 <= code < 300:
                bump(f"haproxy.http_{code}", n)
    for svc, lines in logs.items():
        events += parse_logs.parse_keepalived(lines, svc, t0)
    for w in plan["workloads"]:
        path = os.path.join(outdir, f"workload-{w['name']}.log")
        reqs = []
        if os.path.exists(path):
            with open(path) as f:
                reqs = parse_logs.parse_client(f, w["service"], w["name"], t0)
        metrics.update(parse_logs.workload_metrics(reqs, w["name"], duration))
        events += reqs
    server_nodes = {f"{h['service']}/{s['backend']}/{s['server']}": s["node"] for h in plan["haproxy"] for s in h["servers"]}
    metrics.update(parse_logs.detection_metrics(events, server_nodes))
    vip_lines = {}
    for w in plan.get("vip_watch", []):
        path = os.path.join(outdir, f"vip-{w['service']}.log")
        if os.path.exists(path):
            with open(path) as f:
                vip_lines[w["service"]] = (w["vips"], f.read().splitlines())
    if vip_lines:
        vev = parse_logs.parse_vip_watch(vip_lines, t0)
        events += vev
        metrics.update(parse_logs.vip_metrics(vev, duration))
    res["metrics"] = metrics
    evs = sorted([e for e in events if e["kind"] != "request"], key=lambda e: e["t_s"])
    for e in evs:
        e.pop("t_ns", None)
    res["events"] = evs


def main(argv=None) -> int:
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rendered", help="directory written by `hasim render`")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=None, help="seed of the phase offsets (default: the plan's)")
    ap.add_argument("--out", default="results.json")
    ap.add_argument("--logs", default=None, help="directory for raw logs (default: OUT without .json + -logs)")
    ap.add_argument("--no-build", action="store_true", help="images are already built")
    ap.add_argument("--health-timeout", type=float, default=60.0)
    ap.add_argument("--reparse", metavar="RESULTS", default=None,
                    help="recompute events and metrics of RESULTS from its saved logs (no containers); writes --out")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    VERBOSE = a.verbose
    if a.reparse:
        with open(os.path.join(a.rendered, "plan.json")) as f:
            plan = json.load(f)
        with open(a.reparse) as f:
            out = json.load(f)
        logdir = a.logs or (a.reparse[:-5] if a.reparse.endswith(".json") else a.reparse) + "-logs"
        for res in out["runs"]:
            analyze(plan, res, os.path.join(logdir, f"run{res['run']}"))
        keys = sorted({k for r in out["runs"] for k in r["metrics"]})
        out["summary"] = {k: parse_logs.summarize([r["metrics"][k] for r in out["runs"] if k in r["metrics"]]) for k in keys}
        with open(a.out, "w") as f:
            json.dump(out, f, indent=1)
        return 0
    if os.geteuid() != 0:
        print("run_real.py: must run as root (rootful podman)", file=sys.stderr)
        return 2
    with open(os.path.join(a.rendered, "plan.json")) as f:
        plan = json.load(f)
    if not os.path.exists(ENV["DOCKER_HOST"].replace("unix://", "")):
        print(f"run_real.py: no podman service at {ENV['DOCKER_HOST']}: run validation/env/setup.sh", file=sys.stderr)
        return 2
    seed = plan["seed"] if a.seed is None else a.seed
    logdir = a.logs or (a.out[:-5] if a.out.endswith(".json") else a.out) + "-logs"
    os.makedirs(logdir, exist_ok=True)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    stack = Stack(a.rendered, plan)
    out = {"scenario": plan["scenario"], "project": plan["project"], "seed": seed, "runs": [], "build_s": None}
    rc = 0
    try:
        stack.down()  # leftovers of an interrupted earlier run of the same project
        if not a.no_build:
            log("building images")
            out["build_s"] = stack.build()
        for run in range(a.runs):
            rdir = os.path.join(logdir, f"run{run}")
            os.makedirs(rdir, exist_ok=True)
            t = time.monotonic()
            try:
                res = one_run(stack, plan, run, seed, rdir, a.health_timeout)
            finally:
                td = time.monotonic()
                stack.down()
                down_s = time.monotonic() - td
            res["down_s"] = down_s
            res["wall_s"] = time.monotonic() - t
            out["runs"].append(res)
            log(f"run {run}: {res['wall_s']:.1f}s wall; " + ", ".join(f"{k}={v:.3f}" for k, v in sorted(res["metrics"].items())))
    except Interrupted as e:
        log(f"interrupted ({e}); tearing down")
        rc = 130
    except Exception as e:  # noqa: BLE001 - report, tear down, exit non-zero
        log(f"error: {e}")
        rc = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.down()
    keys = sorted({k for r in out["runs"] for k in r["metrics"]})
    out["summary"] = {k: parse_logs.summarize([r["metrics"][k] for r in out["runs"] if k in r["metrics"]]) for k in keys}
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    log(f"wrote {a.out} ({len(out['runs'])} runs), logs in {logdir}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
