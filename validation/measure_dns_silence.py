#!/usr/bin/env python3
"""measure_dns_silence.py: when podman's DNS falls silent around a container's stop or start.

The stored Demo 2 records show aardvark-dns answering no name at all, on the whole network, for
5-38 s after some container stops and starts (`runtime.dns.silence` in scenarios/demo2/stack.yaml).
Their writers look names up only every 0.5 s and only when they open a session, so a silence's
onset is known from them within a few tenths of a second at best. This watches it closely:

  - an `internal` network of our own with three containers on it: a keeper that runs throughout,
    a target that is stopped and started again, and a prober that looks the keeper's name up in
    a loop (`timeout 0.25 getent hosts`, 20 ms apart, each attempt stamped with $EPOCHREALTIME
    inside the stack; host and containers share the clock);
  - per trial: `podman stop -t 10` the target, then `podman start` it, each followed by 3 s of
    probing (longer while the keeper's name goes unanswered, up to 45 s);
  - for each command, from its issue: the container's exit (`State.FinishedAt`, stops only), the
    last answered look-up before a silence, the first unanswered one, and the first answered
    again. A look-up unanswered is one `timeout` ended (status 124) or getent failed (2).

Everything is made by id under a name with our PID and removed at the end, also on errors and
Ctrl-C; every wait is bounded. Needs root and the validation environment (validation/env/setup.sh).

  validation/measure_dns_silence.py [--trials N] [--out FILE.json]
"""
import argparse
import datetime
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure_teardown import image, podman, preflight  # noqa: E402  (the same engine settings and checks)

SUBNET = "10.99.251.0/24"  # beside measure_teardown.py's, outside run_real.py's slot pools
QUIET_S = 3.0  # probing after each command when every look-up is answered
SILENCE_MAX_S = 45.0  # the longest wait for a silence to end (the records' longest: 38 s)
IDLE = 'trap "exit 0" TERM; while :; do sleep 0.05 & wait $!; done'


def probe_script(name: str) -> str:
    return (f'while :; do t=$EPOCHREALTIME; timeout 0.25 getent hosts {name} >/dev/null; '
            'echo "P $t $?"; sleep 0.02; done')


def read_probe(cid: str, since: float) -> list[tuple[float, int]]:
    out = podman("logs", cid, timeout=30)
    res = []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[0] == "P":
            t = float(f[1])
            if t >= since:
                res.append((t, int(f[2])))
    return res


def finished_at(cid: str) -> float | None:
    """The container's last exit, as the engine recorded it (seconds since the epoch)."""
    s = podman("inspect", "--format", "{{.State.FinishedAt.UnixNano}}", cid, timeout=30, check=False)
    try:
        ns = int(s)
    except ValueError:
        return None
    return ns / 1e9 if ns > 0 else None


def watch(prober: str, t_cmd: float) -> dict:
    """Probes after a command until QUIET_S has passed with no silence, or a silence has ended."""
    deadline = t_cmd + QUIET_S
    hard = t_cmd + SILENCE_MAX_S
    while True:
        time.sleep(0.5)
        p = read_probe(prober, t_cmd - 2.0)
        after = [(t, rc) for t, rc in p if t >= t_cmd]
        first_silent = next((t for t, rc in after if rc != 0), None)
        if first_silent is None and time.time() >= deadline:
            return {"silent": False}
        if first_silent is not None:
            back = next((t for t, rc in after if t > first_silent and rc == 0), None)
            if back is not None or time.time() >= hard:
                last_ok = max((t for t, rc in p if t < first_silent and rc == 0), default=None)
                return {"silent": True,
                        "last_answered_s": None if last_ok is None else last_ok - t_cmd,
                        "first_unanswered_s": first_silent - t_cmd,
                        "answered_again_s": None if back is None else back - t_cmd}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=20, help="stop-and-start cycles (default 20, at most 200)")
    ap.add_argument("--out", default=None, help="write the commands and a summary as JSON")
    a = ap.parse_args(argv)
    if not 1 <= a.trials <= 200:
        ap.error("--trials must be 1..200")
    if refused := preflight("measure_dns_silence.py", SUBNET):
        return refused
    base = image("base")
    tag = f"hasim-dns-{os.getpid()}"
    net = tag
    made_net = False
    ids: list[str] = []
    rows = []
    try:
        podman("network", "create", "--internal", "--subnet", SUBNET, net)
        made_net = True
        keeper = podman("run", "-d", "--name", f"{tag}-keeper", "--network", net, "--entrypoint", "bash", base, "-c", IDLE)
        ids.append(keeper)
        target = podman("run", "-d", "--name", f"{tag}-target", "--network", net, "--entrypoint", "bash", base, "-c",
                        IDLE)
        ids.append(target)
        prober = podman("run", "-d", "--name", f"{tag}-prober", "--network", net, "--entrypoint", "bash", base, "-c",
                        probe_script(f"{tag}-keeper"))
        ids.append(prober)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # the keeper's name answers before the first trial
            p = read_probe(prober, time.time() - 1.0)
            if p and p[-1][1] == 0:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("the prober never resolved the keeper's name")
        for i in range(a.trials):
            for cmd in ("stop", "start"):
                t_cmd = time.time()
                podman(*(["stop", "-t", "10"] if cmd == "stop" else ["start"]), target, timeout=60)
                row = {"trial": i, "command": cmd, "returned_s": time.time() - t_cmd}
                row.update(watch(prober, t_cmd))
                if cmd == "stop":
                    ex = finished_at(target)
                    row["exited_s"] = None if ex is None else ex - t_cmd
                rows.append(row)
                shown = ", ".join(f"{k} {round(v, 3) if isinstance(v, float) else v}" for k, v in row.items()
                                  if k not in ("trial", "command"))
                print(f"{cmd:5} {i}: {shown}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted; cleaning up", file=sys.stderr)
    finally:
        for cid in ids:
            podman("rm", "-f", "-t", "0", cid, timeout=60, check=False)
        if made_net:
            podman("network", "rm", "-f", net, timeout=60, check=False)
    summary = {}
    for cmd in ("stop", "start"):
        done = [r for r in rows if r["command"] == cmd]
        silent = [r for r in done if r.get("silent")]
        summary[cmd] = {"commands": len(done), "silences": len(silent)}
        print(f"{cmd}: {len(silent)} silences after {len(done)} commands")
        for r in silent:
            print(f"  trial {r['trial']}: exited {r.get('exited_s')}, last answered {r['last_answered_s']}, "
                  f"first unanswered {r['first_unanswered_s']:.3f}, answered again {r['answered_again_s']}")
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"date": datetime.date.today().isoformat(), "commands": rows, "summary": summary}, f, indent=1)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
