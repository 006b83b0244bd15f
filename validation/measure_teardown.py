#!/usr/bin/env python3
"""measure_teardown.py: how long a stopped or killed container's address still answers.

After the last process in a container exits, its network namespace (and its address) lives on
until the engine cleans up (conmon notices, netavark tears the veth down). Meanwhile a connection
to it is refused with RST; afterwards a SYN gets no answer at all. The simulator calls that
window `runtime.teardown_delay` (after `docker stop`) and `runtime.kill_teardown_delay` (after
`docker kill`). This measures both on this machine's engine:

  - an `internal` network of our own, a target container (bash PID 1 that exits on SIGTERM,
    nothing listening) and a prober container beside it (curl to the target's port 80 in a loop,
    50 ms connect timeout, each attempt stamped with $EPOCHREALTIME inside the stack);
  - per trial: start the target, wait until the prober sees it refuse, `podman stop` or
    `podman kill` it, and read from the prober's log the last refusal and the first timeout after
    the command. The window is reported from the command's issue (host $EPOCHREALTIME: host and
    containers share the clock) to the first timeout.

Everything is made by id under a name with our PID and removed at the end, also on errors and
Ctrl-C; every wait is bounded. Needs root and the validation environment (validation/env/setup.sh).

  validation/measure_teardown.py [--trials N] [--out FILE.json]
"""
import argparse
import ipaddress
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_real import ENV  # noqa: E402  (the podman settings of validation/env)

SUBNET = "10.99.250.0/24"  # outside run_real.py's slot pools, so a measurement may run beside validations
TARGET_BASE = 10  # trial k's target is 10.99.250.(10 + k): no neighbour entry of an earlier one


def podman(*args, timeout=60, check=True) -> str:
    r = subprocess.run(["podman", *args], env=ENV, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout.strip()


def image(kind: str) -> str:
    out = podman("images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", f"reference=localhost/hasim/{kind}")
    tags = [t for t in out.splitlines() if t]
    if not tags:
        raise RuntimeError(f"no localhost/hasim/{kind} image: run a validation once (hasim validate) to build it")
    return tags[0]


def probe_script(ip: str) -> str:
    return (f'while :; do t=$EPOCHREALTIME; curl -s -o /dev/null --connect-timeout 0.05 http://{ip}:80/; '
            'echo "P $t $?"; sleep 0.005; done')
TARGET = 'trap "exit 0" TERM; while :; do sleep 0.05 & wait $!; done'


def preflight(tool: str, subnet: str) -> int:
    """0 when a measurement may run: as root (rootful podman), with no host route overlapping the
    subnet it will create; else 2, having said why."""
    if os.geteuid() != 0:
        print(f"{tool}: must run as root (rootful podman)", file=sys.stderr)
        return 2
    routes = subprocess.run(["ip", "-j", "route"], capture_output=True, text=True, timeout=10).stdout
    for r in json.loads(routes or "[]"):
        dst = r.get("dst", "")
        if dst not in ("", "default") and ipaddress.ip_network(dst, strict=False).overlaps(ipaddress.ip_network(subnet)):
            print(f"{tool}: the host routes {dst}, which overlaps {subnet}: not touching it", file=sys.stderr)
            return 2
    return 0


def read_probe(cid: str) -> list[tuple[float, int]]:
    out = podman("logs", cid, timeout=30)
    res = []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[0] == "P":
            res.append((float(f[1]), int(f[2])))
    return res


def trial(cmd: str, k: int, net: str, base: str) -> dict:
    ip = f"10.99.250.{TARGET_BASE + k}"
    tid = podman("run", "-d", "--network", net, "--ip", ip, "--entrypoint", "bash", base, "-c", TARGET)
    prober = None
    try:
        prober = podman("run", "-d", "--network", net, "--entrypoint", "bash", base, "-c", probe_script(ip))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the target's address refuses: the prober reaches it
            p = read_probe(prober)
            if p and p[-1][1] == 7 and p[-1][0] > time.time() - 1:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("the prober never saw the target refuse")
        time.sleep(0.5)
        t_cmd = time.time()
        podman(*(["stop", "-t", "10"] if cmd == "stop" else ["kill", "-s", "KILL"]), tid, timeout=60)
        t_done = time.time()
        time.sleep(3.0)
        after = [(t, rc) for t, rc in read_probe(prober) if t >= t_cmd]
        last_refused = max((t for t, rc in after if rc == 7), default=None)
        first_timeout = min((t for t, rc in after if rc == 28), default=None)
        return {"command": cmd, "returned_s": t_done - t_cmd,
                "last_refused_s": None if last_refused is None else last_refused - t_cmd,
                "first_timeout_s": None if first_timeout is None else first_timeout - t_cmd}
    finally:
        podman("rm", "-f", "-t", "0", tid, timeout=60, check=False)
        if prober:
            podman("rm", "-f", "-t", "0", prober, timeout=60, check=False)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=8, help="trials per command (default 8, at most 100)")
    ap.add_argument("--out", default=None, help="write the trials and a summary as JSON")
    a = ap.parse_args(argv)
    if not 1 <= a.trials <= 100:
        ap.error("--trials must be 1..100")
    if refused := preflight("measure_teardown.py", SUBNET):
        return refused
    base = image("base")
    net = f"hasim-measure-{os.getpid()}"
    made_net = False
    trials = []
    try:
        podman("network", "create", "--internal", "--subnet", SUBNET, net)
        made_net = True
        for i in range(a.trials):
            for j, cmd in enumerate(("stop", "kill")):
                r = trial(cmd, 2 * i + j, net, base)
                trials.append(r)
                print(f"{cmd:4} {i}: returned {r['returned_s']:.3f}s, last refused "
                      f"{r['last_refused_s'] if r['last_refused_s'] is None else round(r['last_refused_s'], 3)}, "
                      f"first timeout {r['first_timeout_s'] if r['first_timeout_s'] is None else round(r['first_timeout_s'], 3)}",
                      file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted; cleaning up", file=sys.stderr)
    finally:
        if made_net:
            podman("network", "rm", "-f", net, timeout=60, check=False)
    summary = {}
    for cmd in ("stop", "kill"):
        w = sorted(r["first_timeout_s"] for r in trials if r["command"] == cmd and r["first_timeout_s"] is not None)
        if w:
            summary[cmd] = {"n": len(w), "min_s": w[0], "median_s": statistics.median(w), "max_s": w[-1]}
            print(f"{cmd}: address gone {w[0]:.3f} / {statistics.median(w):.3f} / {w[-1]:.3f} s after the command "
                  f"(min / median / max, n={len(w)})")
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"trials": trials, "summary": summary}, f, indent=1)
    return 0 if summary else 1


if __name__ == "__main__":
    sys.exit(main())
