#!/usr/bin/python3
"""Runs a rendered scenario (`hasim render SCENARIO DIR --engine podman`) in plain network
namespaces instead of containers, N times, and writes the same record as run_real.py.

  build/hasim render scenarios/demo1-part1/host.yaml /tmp/p1h --engine podman
  validation/run_netns.py /tmp/p1h --runs 3 --parallel 3 --out real.json
  build/hasim validate scenarios/demo1-part1/host.yaml --engine netns --runs 3   # the same, in one command

The stack of one run, every name generated for that run (`hasim-TOKEN-RUN-...`):
  - one namespace per network holding a bridge and nothing else: no address, no route, no link
    to the host's namespace, so nothing a node sends can leave the stack;
  - one namespace per node, its interfaces veth pairs created from inside the bridge's namespace
    (ethK in the node's network order, as compose attaches them), addresses from the rendered
    plan (fixed ones from docker-compose.yml, the others handed out from the subnet in node
    order and kept across restarts, as a machine keeps its address), no route beyond the subnet;
  - per node a private mount, PID and UTS namespace (`unshare`), whose PID 1 is the rendered
    entrypoint.sh: it starts the node's daemons (Debian's haproxy, nginx, keepalived, installed
    on the host), forwards their stop signals, and its output (every daemon's) is read here and
    each line stamped with the host's clock as it is read, as podman's log timestamps are. Each
    node sees its own rendered configuration files, /etc/hosts (every node's name), /run and /tmp
    (bind mounts), and only its own processes (`killall -0 haproxy` in keepalived's track script
    sees this machine's haproxy only).

Faults, the host's way: a node `stop` is SIGTERM to its PID 1 (each daemon gets its own stop
signal), SIGKILL of the whole node after its grace, then its links down (the machine is off);
`kill`/`crash` SIGKILL every process of the node at once and its links down; `start` brings the
links up (addresses a crashed keepalived left on them removed first, and /run emptied: a reboot)
and runs PID 1 again; `freeze`/`thaw` SIGSTOP/SIGCONT every process of the node; a process fault
is the rendered step (pkill, a pid file, stop-process.sh, run-X.sh) run inside the node's
namespaces with nsenter; `link_down`/`link_up` are `ip link set ethK down|up` inside the node.
Network rules (partition, drop, netem) and disconnect/recreate are refused (exit 2).

Every wait is bounded; teardown (after each run, on errors, and on SIGINT/SIGTERM) kills each
node's PID 1 by PID (the kernel ends everything in its PID namespace with it), deletes the
namespaces by the names it generated, and checks that none is left. What a run created is also
written to STATE/netns/NAME.json until it is gone, for `--cleanup` after a SIGKILL of this script.

Standard library only (Debian /usr/bin/python3). The run loop, the record and its analysis are
run_real.py's (imported, not copied).
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import queue
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_real as rr  # noqa: E402

NETNS_STATE = os.path.join(rr.STATE, "netns")

# What a node needs on the host: command -> Debian package.
BINARIES = {"ip": "iproute2", "nsenter": "util-linux", "unshare": "util-linux", "pkill": "procps", "pgrep": "procps",
            "killall": "psmisc", "curl": "curl", "stdbuf": "coreutils", "bash": "bash"}
DAEMON_BINARIES = {"haproxy": ("haproxy", "haproxy"), "nginx": ("nginx", "nginx"), "keepalived": ("keepalived", "keepalived")}

# Step ops of plan.json this runner carries out (the others need an engine or iptables/tc).
SUPPORTED_OPS = {"stop", "start", "restart", "kill", "pause", "unpause", "exec"}


class PlanError(Exception):
    """The rendered stack cannot run in namespaces: bad input, exit 2 (the message names where)."""


# --- the rendered stack, read -----------------------------------------------------------------
def parse_compose(text: str) -> dict[str, dict]:
    """The services of a docker-compose.yml as `hasim render` writes it: per service its image
    kind (build: ./images/KIND), command (the daemons), HASIM_VIPS, volumes (host, target),
    networks ({name: fixed address or ""}) and stop grace (s). Only that layout is read: a
    service line at two spaces, its keys at four, lists at six."""
    services: dict[str, dict] = {}
    section = None
    svc = None
    key = None
    net = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        s = line.strip()
        if indent == 0:
            section = s.rstrip(":")
            svc = None
            continue
        if section != "services":
            continue
        if indent == 2:
            svc = s.rstrip(":")
            services[svc] = {"kind": "", "command": [], "vips": [], "volumes": [], "networks": {}, "grace_s": 10.0,
                             "sysctls": {}}
            key = None
            continue
        if svc is None:
            continue
        d = services[svc]
        if indent == 4:
            key, _, val = s.partition(":")
            val = val.strip()
            if key == "build":
                d["kind"] = val.rsplit("/", 1)[-1]
            elif key == "command":
                d["command"] = [w.strip() for w in val.strip("[]").split(",") if w.strip()]
            elif key == "stop_grace_period":
                d["grace_s"] = float(val.rstrip("s") or 10)
            continue
        if key == "environment" and indent == 6:
            k, _, v = s.partition(":")
            if k.strip() == "HASIM_VIPS":
                d["vips"] = v.strip().strip('"').split()
        elif key == "sysctls" and indent == 6:
            k, _, v = s.partition(":")
            d["sysctls"][k.strip()] = v.strip()
        elif key == "volumes" and s.startswith("- "):
            parts = s[2:].split(":")
            d["volumes"].append((parts[0], parts[1]))
        elif key == "networks" and indent == 6:
            net, _, rest = s.partition(":")
            d["networks"][net] = ""
        elif key == "networks" and indent == 8 and s.startswith("ipv4_address:"):
            d["networks"][net] = s.split(":", 1)[1].strip()
    return services


def resolver_lines(rendered: str, services: dict[str, dict]) -> list[str]:
    """`FILE:LINE: text` of every HAProxy server that resolves its name with `resolvers`: nothing
    answers DNS in namespaces (a `resolvers` section no server uses asks nothing)."""
    out = []
    for svc in services:
        path = os.path.join(rendered, svc, "haproxy.cfg")
        if os.path.exists(path):
            with open(path) as f:
                for i, line in enumerate(f, 1):
                    words = line.split()
                    if words[:1] == ["server"] and "resolvers" in words:
                        out.append(f"{path}:{i}: {line.strip()}")
    return out


def check_plan(plan: dict, rendered: str, services: dict[str, dict]) -> None:
    """What namespaces cannot replay, refused before anything is created."""
    if plan.get("postgres"):
        raise PlanError(f"{rendered}/plan.json: postgres: PostgreSQL nodes are not run in namespaces yet")
    for f in plan["faults"]:
        for s in f.get("steps", []) + f.get("undo", []):
            if s.get("op") not in SUPPORTED_OPS:
                raise PlanError(f"{plan.get('file') or rendered}: fault {f.get('source', f['index'])}: "
                                f"{f['action']} ({s.get('op')}) is not replayed in namespaces (no engine, no iptables/tc rules); "
                                "supported: stop, kill, crash, start, restart, freeze, thaw, link_down, link_up and process faults")
    dns = resolver_lines(rendered, services)
    if dns:
        raise PlanError(f"{dns[0]}: HAProxy `resolvers` ask the container engine's DNS, and namespaces have none: "
                        "use a scenario without resolvers (runtime kind host: names come from /etc/hosts), "
                        "e.g. scenarios/demo1-part1/host.yaml")
    for svc, d in services.items():
        if not d["kind"]:
            raise PlanError(f"{rendered}/docker-compose.yml: service {svc}: no `build: ./images/KIND`")
        for k in d["command"]:
            if k not in DAEMON_BINARIES:
                raise PlanError(f"{rendered}/docker-compose.yml: service {svc}: daemon '{k}' is not run in namespaces")


def assign_addresses(plan: dict, services: dict[str, dict]) -> dict[str, dict[str, str]]:
    """{service: {network: address}}: fixed addresses as compose gives them, every other from the
    subnet's lowest free host (after .1, kept for a gateway nobody runs), in service order, never
    a fixed address or a VIP."""
    taken: dict[str, set] = {n: set() for n in plan["networks"]}
    vips = {v for w in plan.get("vip_watch", []) for v in w["vips"]}
    for d in services.values():
        for n, a in d["networks"].items():
            if a:
                taken.setdefault(n, set()).add(a)
    out: dict[str, dict[str, str]] = {}
    for svc in plan["services"]:
        out[svc] = {}
        for n, a in services[svc]["networks"].items():
            if n not in plan["networks"]:
                raise PlanError(f"service {svc}: network {n} is not in plan.json")
            if not a:
                subnet = ipaddress.IPv4Network(plan["networks"][n]["subnet"])
                gw = plan["networks"][n].get("gateway")
                for h in subnet.hosts():
                    s = str(h)
                    if s != gw and s not in taken[n] and s not in vips:
                        a = s
                        break
                else:
                    raise PlanError(f"network {n}: no free address for {svc} in {subnet}")
            taken[n].add(a)
            out[svc][n] = a
    return out


def ns_names(token: str, run: int, services: list[str], networks: list[str]) -> dict:
    """The namespaces of one run: {"nodes": {svc: name}, "bridges": {network: name}}. Unique per
    invocation (TOKEN) and run, valid `ip netns` names (no '/', at most 255 bytes)."""
    base = f"hasim-{token}-{run}"
    names = {"nodes": {s: f"{base}-n-{s}" for s in services}, "bridges": {n: f"{base}-b-{n}" for n in networks}}
    for name in list(names["nodes"].values()) + list(names["bridges"].values()):
        if "/" in name or len(name.encode()) > 255 or name in (".", ".."):
            raise PlanError(f"cannot name a namespace {name!r}")
    return names


def host_path(hdir: str, argv: list[str]) -> list[str]:
    """A rendered step's or workload's argv with the image's /hasim/ scripts at `hdir` (a copy of
    images/KIND/hasim outside /tmp, which each node sees its own of)."""
    return [hdir + a[len("/hasim"):] if a.startswith("/hasim/") else a for a in argv]


def entrypoint_text(hdir: str) -> str:
    with open(os.path.join(hdir, "entrypoint.sh")) as f:
        text = f.read()
    return text.replace("/hasim/", hdir + "/")


def node_setup_script(node: str, hosts: str, run_dir: str, tmp_dir: str, volumes: list[tuple[str, str]],
                      rendered: str, entry: str) -> str:
    """PID 1's first lines inside the node's own mount namespace: its hosts file, /run, /tmp and
    configuration files bind-mounted (a target that does not exist gets an empty tmpfs over its
    parent first, private to this node), then exec of the entrypoint."""
    q = shlex.quote
    lines = ["set -e", f"hostname {q(node)}"]
    covered: set[str] = set()
    for src, dst in volumes:
        src = os.path.normpath(os.path.join(rendered, src))
        if not os.path.exists(dst):
            parent = os.path.dirname(dst)
            if parent in ("/", "/etc", "/var", "/usr", "/run", "/tmp") or not os.path.isdir(parent):
                raise PlanError(f"{rendered}/docker-compose.yml: {node}: cannot mount {dst} on this host ({parent} "
                                "must be an existing directory of its own)")
            if parent not in covered:
                lines.append(f"mount -t tmpfs -o mode=755 hasim {q(parent)}")
                covered.add(parent)
            lines.append(f"mkdir -p {q(dst)}" if os.path.isdir(src) else f"touch {q(dst)}")
        elif os.path.dirname(dst) in covered:
            lines.append(f"mkdir -p {q(dst)}" if os.path.isdir(src) else f"touch {q(dst)}")
        lines.append(f"mount --bind -o ro {q(src)} {q(dst)}")
    # Last: the rendered files may live under /tmp or /run, which these hide.
    lines += [f"mount --bind {q(hosts)} /etc/hosts", f"mount --bind {q(run_dir)} /run", f"mount --bind {q(tmp_dir)} /tmp"]
    lines += ["set +e", f'exec bash {q(entry)} "$@"']
    return "\n".join(lines) + "\n"


def stamp(ns: int) -> str:
    """podman's `logs --timestamps` form of an epoch-ns stamp (UTC)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 1_000_000_000)) + f".{ns % 1_000_000_000:09d}Z"


# --- the environment --------------------------------------------------------------------------
def missing_binaries(plan_daemons: set[str]) -> dict[str, str]:
    need = dict(BINARIES)
    for d in plan_daemons:
        b, pkg = DAEMON_BINARIES[d]
        need[b] = pkg
    return {b: pkg for b, pkg in need.items() if shutil.which(b) is None and not os.path.exists(f"/usr/sbin/{b}")}


def install(packages: list[str]) -> None:
    """apt-get install, with a policy-rc.d that keeps the packages' services from starting (the
    host runs none of these daemons: the stack's nodes do); an existing policy is left as it is,
    one we add is removed again."""
    policy = "/usr/sbin/policy-rc.d"
    ours = not os.path.exists(policy)
    if ours:
        with open(policy, "w") as f:
            f.write("#!/bin/sh\n# hasim run_netns.py: no service starts while it installs packages\nexit 101\n")
        os.chmod(policy, 0o755)
    try:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        r = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends"] + packages, env=env, text=True,
                           capture_output=True, timeout=900)
        if r.returncode != 0:
            raise PlanError(f"apt-get install {' '.join(packages)} failed: {r.stderr.strip()[-500:]}")
    finally:
        if ours:
            os.unlink(policy)


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return rr.sh(["ip"] + list(args), timeout=30, check=check, abortable=False)


def netns_list() -> set[str]:
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=30)
    return {line.split()[0] for line in r.stdout.splitlines() if line.strip()}


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def pidns_members(pid1: int) -> list[int]:
    """Every host PID in the PID namespace whose init is pid1."""
    try:
        want = os.readlink(f"/proc/{pid1}/ns/pid_for_children")
    except OSError:
        return []
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.readlink(f"/proc/{d}/ns/pid") == want:
                    out.append(int(d))
            except OSError:
                pass
    return out


# --- one run's stack ----------------------------------------------------------------------------
class Node:
    """One machine: its namespaces, its PID 1 (started by `unshare` inside `ip netns exec`), and
    the reader that stamps its output."""

    def __init__(self, svc: str, ns: str):
        self.svc, self.ns = svc, ns
        self.proc: subprocess.Popen | None = None   # unshare (host side); its child is PID 1
        self.pid1: int | None = None
        self.reader: threading.Thread | None = None


class NetnsStack:
    """The stack of one run in namespaces; the interface run_real.one_run drives (up, time_zero,
    wait_healthy, start_watchers, exec_argv, apply_fault, undo_fault, fault_shell, clients,
    stop_clients, stop_watchers, logs, down)."""

    def __init__(self, rendered: str, plan: dict, services: dict[str, dict], token: str, name: str = ""):
        self.dir = os.path.abspath(rendered)
        self.plan = plan
        self.services = services
        self.token = token
        self.name = name or plan["project"]
        self.project = plan["project"]
        self.addresses = assign_addresses(plan, services)
        self.run = -1
        self.names: dict = {"nodes": {}, "bridges": {}}
        self.nodes: dict[str, Node] = {}
        self.lines: dict[str, list[tuple[int, str]]] = {}
        self.lock = threading.Lock()
        self.clients: list = []
        self.watchers: dict = {}
        self.vip_logs: dict[str, str] = {}
        self.work = ""
        self.outdir = ""
        self.statefile = ""
        self.ids: dict[str, str] = {}  # run_real's slot loop looks at it; here: node -> namespace

    # --- lifecycle ---------------------------------------------------------------------------
    def prepare(self, run: int, outdir: str) -> None:
        self.run = run
        self.outdir = outdir
        self.names = ns_names(self.token, run, list(self.plan["services"]), list(self.plan["networks"]))
        self.work = os.path.join(NETNS_STATE, f"hasim-{self.token}-{run}")
        self.statefile = self.work + ".json"

    def _record(self) -> None:
        os.makedirs(NETNS_STATE, exist_ok=True)
        pids = {s: n.proc.pid for s, n in self.nodes.items() if n.proc is not None}
        tmp = self.statefile + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"namespaces": list(self.names["bridges"].values()) + list(self.names["nodes"].values()),
                       "unshare_pids": pids, "work": self.work, "owner_pid": os.getpid()}, f)
        os.replace(tmp, self.statefile)

    def up(self) -> None:
        if self.run < 0:
            raise RuntimeError("NetnsStack.up before prepare")
        os.makedirs(self.work, exist_ok=True)
        self._record()
        for kind in sorted({d["kind"] for d in self.services.values()}):
            shutil.copytree(os.path.join(self.dir, "images", kind, "hasim"), self.hasim_dir(kind), dirs_exist_ok=True)  # before anything exists: an interruption half-way still leaves the names
        for ns in self.names["bridges"].values():
            ip("netns", "add", ns)
            ip("-n", ns, "link", "set", "lo", "up")
            ip("-n", ns, "link", "add", "br0", "type", "bridge")
            ip("-n", ns, "link", "set", "br0", "up")
        hosts = os.path.join(self.work, "hosts")
        with open(hosts, "w") as f:
            f.write("127.0.0.1\tlocalhost\n")
            for svc in self.plan["services"]:
                first = next(iter(self.addresses[svc].values()), None)
                if first:
                    f.write(f"{first}\t{svc}\n")
        for i, svc in enumerate(self.plan["services"]):
            ns = self.names["nodes"][svc]
            ip("netns", "add", ns)
            ip("-n", ns, "link", "set", "lo", "up")
            for k, (net, addr) in enumerate(self.addresses[svc].items()):
                br = self.names["bridges"][net]
                peer = f"n{i}e{k}"  # the bridge's end, in the bridge's namespace
                # Created from inside the bridge's namespace; the node's end moved straight into
                # the node's: neither end ever exists in the host's namespace.
                ip("-n", br, "link", "add", peer, "type", "veth", "peer", "name", f"eth{k}", "netns", ns)
                ip("-n", br, "link", "set", peer, "master", "br0", "up")
                prefix = ipaddress.IPv4Network(self.plan["networks"][net]["subnet"]).prefixlen
                ip("-n", ns, "addr", "add", f"{addr}/{prefix}", "dev", f"eth{k}")
            self.nodes[svc] = Node(svc, ns)
            self.lines[svc] = []
            self.ids[svc] = ns
        for svc in self.plan["services"]:
            if svc not in self.plan.get("initially_stopped", []):
                self.start_node(svc)
            else:
                self._links(svc, "down")

    def hasim_dir(self, kind: str) -> str:
        return os.path.join(self.work, "images", kind)

    def _links(self, svc: str, state: str) -> None:
        for k in range(len(self.addresses[svc])):
            ip("-n", self.names["nodes"][svc], "link", "set", f"eth{k}", state)

    def start_node(self, svc: str) -> None:
        """The machine boots: addresses not configured (a VIP a killed keepalived left) removed,
        /run and /tmp emptied, links up, PID 1 (the entrypoint) started."""
        node = self.nodes[svc]
        if node.proc is not None and node.proc.poll() is None:
            return  # running: a start does nothing, as `docker start` of a running container
        ns = node.ns
        for k, (net, addr) in enumerate(self.addresses[svc].items()):
            r = ip("-n", ns, "-4", "-o", "addr", "show", "dev", f"eth{k}", check=False)
            for m in re.finditer(r"inet (\S+)", r.stdout or ""):
                if m.group(1).split("/")[0] != addr:
                    ip("-n", ns, "addr", "del", m.group(1), "dev", f"eth{k}", check=False)
        d = os.path.join(self.work, svc)
        for sub in ("run", "tmp"):
            shutil.rmtree(os.path.join(d, sub), ignore_errors=True)
            os.makedirs(os.path.join(d, sub))
        os.chmod(os.path.join(d, "tmp"), 0o1777)
        self._links(svc, "up")
        conf = self.services[svc]
        for k, v in conf.get("sysctls", {}).items():  # runtime.kernel: per network namespace, as compose sets them
            subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", f"{k}={v}"], check=True, timeout=10,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        entry = os.path.join(d, "entrypoint.sh")
        with open(entry, "w") as f:
            f.write(entrypoint_text(self.hasim_dir(conf["kind"])))
        setup = os.path.join(d, "setup.sh")
        with open(setup, "w") as f:
            f.write(node_setup_script(svc, os.path.join(self.work, "hosts"), os.path.join(d, "run"), os.path.join(d, "tmp"),
                                      conf["volumes"], self.dir, entry))
        env = dict(os.environ)
        env.pop("HASIM_VIPS", None)
        if conf["vips"]:
            env["HASIM_VIPS"] = " ".join(conf["vips"])
        argv = ["ip", "netns", "exec", ns, "unshare", "--mount", "--uts", "--pid", "--fork", "--kill-child=SIGKILL",
                "--mount-proc", "--propagation", "private", "--", "bash", setup] + conf["command"]
        node.proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self._record()
        deadline = time.monotonic() + 10
        node.pid1 = None
        while time.monotonic() < deadline and node.proc.poll() is None:
            kids = children(node.proc.pid)
            if kids:
                node.pid1 = kids[0]
                break
            time.sleep(0.005)
        if node.pid1 is None:
            raise RuntimeError(f"{svc}: its PID 1 did not start within 10 s (unshare exit {node.proc.poll()})")
        node.reader = threading.Thread(target=self._read, args=(svc, node.proc), daemon=True)
        node.reader.start()

    def _read(self, svc: str, proc: subprocess.Popen) -> None:
        """Each line of the node's output, stamped with the host's clock as it is read."""
        for raw in proc.stdout:
            t = time.time_ns()
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.lock:
                self.lines[svc].append((t, line))
        proc.wait()
        # PID 1 gone: every process of the node with it, VIPs no longer answered (as
        # run_real's VipWatcher stamps a container's end).
        if svc in self.vip_logs:
            with open(self.vip_logs[svc], "a") as f:
                f.write(f"HASIM_VIP_EOF t_ns={time.time_ns()}\n")

    def _wait_gone(self, svc: str, limit_s: float) -> bool:
        node = self.nodes[svc]
        if node.proc is None:
            return True
        try:
            node.proc.wait(timeout=limit_s)
        except subprocess.TimeoutExpired:
            return False
        if node.reader is not None:
            node.reader.join(timeout=5)
        return True

    def stop_node(self, svc: str, grace_s: float) -> None:
        node = self.nodes[svc]
        if node.pid1 is not None and node.proc is not None and node.proc.poll() is None:
            try:
                os.kill(node.pid1, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if not self._wait_gone(svc, grace_s):
                self.kill_node(svc)
                return
        self._links(svc, "down")

    def kill_node(self, svc: str) -> None:
        node = self.nodes[svc]
        if node.pid1 is not None and node.proc is not None and node.proc.poll() is None:
            try:
                os.kill(node.pid1, signal.SIGKILL)  # PID 1: the kernel kills the rest of its namespace
            except ProcessLookupError:
                pass
            if not self._wait_gone(svc, 10):
                raise RuntimeError(f"{svc}: PID {node.pid1} survived SIGKILL for 10 s")
        self._links(svc, "down")

    def signal_node(self, svc: str, sig: int) -> None:
        node = self.nodes[svc]
        if node.pid1 is not None:
            for pid in pidns_members(node.pid1):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass

    def nsenter(self, svc: str) -> list[str]:
        """The prefix that runs a command inside a running node (its every namespace)."""
        node = self.nodes[svc]
        if node.pid1 is None or node.proc is None or node.proc.poll() is not None:
            raise RuntimeError(f"{svc} is not running")
        return ["nsenter", "-t", str(node.pid1), "-m", "-u", "-p", "-n", "--"]

    def down(self) -> list[str]:
        """Kills every node's PID 1 by PID (and the unshare holding it), deletes every namespace
        this run named, checks. Never aborted by STOP. Returns what could not be removed."""
        self.stop_watchers()
        self.stop_clients()
        for svc, node in self.nodes.items():
            if node.proc is not None and node.proc.poll() is None:
                for pid in ([node.pid1] if node.pid1 else []) + [node.proc.pid]:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                try:
                    node.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
        left: list[str] = []
        deadline = time.monotonic() + 10  # a killed PID 1 takes a moment to be reaped by unshare
        while time.monotonic() < deadline and any(n.pid1 and os.path.exists(f"/proc/{n.pid1}") and not _zombie(n.pid1)
                                                  for n in self.nodes.values()):
            time.sleep(0.05)
        for svc, node in self.nodes.items():
            if node.proc is not None and node.proc.poll() is None:
                left.append(f"process {node.proc.pid} ({svc})")
            if node.pid1 is not None and os.path.exists(f"/proc/{node.pid1}") and not _zombie(node.pid1):
                left.append(f"process {node.pid1} ({svc}'s PID 1)")
        ours = list(self.names["nodes"].values()) + list(self.names["bridges"].values())
        existing = netns_list()
        for ns in ours:
            if ns in existing:
                ip("netns", "del", ns, check=False)
        existing = netns_list()
        left += [f"namespace {ns}" for ns in ours if ns in existing]
        if left:
            rr.log(f"{self.name}: NOT CLEAN after teardown: {', '.join(left)} (kept in {self.statefile})")
        else:
            shutil.rmtree(self.work, ignore_errors=True)
            if self.statefile and os.path.exists(self.statefile):
                os.unlink(self.statefile)
        self.nodes.clear()
        self.ids.clear()
        return left

    # --- what one_run asks ---------------------------------------------------------------------
    def time_zero(self) -> tuple[int, list[int]]:
        """Time 0 is when every daemon of the stack is running (runtime kind host: the
        simulator's daemons run from time 0): the last of their ready lines (plan.json's
        ready_logs), waited for (bounded, 30 s). Also each node's PID 1 start stamp."""
        ready = self.plan.get("ready_logs", {})
        deadline = time.monotonic() + 30
        while True:
            rr.check_stop()
            starts, last, missing = [], 0, []
            with self.lock:
                for svc in self.plan["services"]:
                    if svc in self.plan.get("initially_stopped", []):
                        continue
                    ls = self.lines[svc]
                    st = [t for t, l in ls if l.startswith("HASIM_ENTRY start")]
                    starts += st[:1]
                    for kind in self.services[svc]["command"]:
                        hit = [t for t, l in ls if ready.get(kind) and ready[kind] in l]
                        if hit:
                            last = max(last, hit[0])
                        else:
                            missing.append(f"{svc}/{kind}")
            if not missing:
                return (last or time.time_ns()), starts
            if time.monotonic() > deadline:
                raise RuntimeError(f"daemons not ready within 30 s: {', '.join(missing)}")
            time.sleep(0.05)

    def started_ns(self) -> list[int]:
        return self.time_zero()[1]

    def wait_healthy(self, limit_s: float, tick=lambda: None) -> float:
        return rr.Stack.wait_healthy(self, limit_s, tick)  # the same wait, this stack's probe

    def stats_probe(self, limit_s: float) -> rr.StatsProbe:
        probe = self.plan["probe_service"]
        return rr.StatsProbe(probe, self.plan["haproxy"], limit_s, prefix=self.nsenter(probe))

    def start_watchers(self, outdir: str) -> None:
        probe = self.plan["probe_service"]
        tick = rr.TickProbe(probe, float(self.plan["duration_s"]), os.path.join(outdir, "ticks.log"),
                            prefix=self.nsenter(probe))
        tick.start()
        self.watchers["__ticks__"] = tick
        # The VIPs: the entrypoint's vip-watch.sh, in the node's log; its end (PID 1 gone) is
        # stamped by the node's reader into vip-NODE.log.
        for w in self.plan.get("vip_watch", []):
            path = os.path.join(outdir, f"vip-{w['service']}.log")
            open(path, "a").close()
            self.vip_logs[w["service"]] = path

    def stop_watchers(self) -> None:
        for w in self.watchers.values():
            w.stop()
        self.watchers.clear()
        self.vip_logs.clear()

    def stop_clients(self) -> None:
        rr.Stack.stop_clients(self)

    def exec_argv(self, svc: str, argv: list[str]) -> list[str]:
        return self.nsenter(svc) + host_path(self.hasim_dir(self.services[svc]["kind"]), argv)

    def apply_fault(self, payload: dict) -> None:
        for s in payload["steps"]:
            self.step(s)

    def undo_fault(self, payload: dict) -> None:
        for s in payload["undo"]:
            self.step(s)

    def step(self, s: dict) -> None:
        op, svc = s["op"], s.get("service", "")
        grace = float(s.get("timeout_s", self.services.get(svc, {}).get("grace_s", 10)))
        if op == "stop":
            self.stop_node(svc, grace)
        elif op == "start":
            self.start_node(svc)
        elif op == "restart":
            self.stop_node(svc, grace)
            self.start_node(svc)
        elif op == "kill":
            self.kill_node(svc)
        elif op == "pause":
            self.signal_node(svc, signal.SIGSTOP)
        elif op == "unpause":
            self.signal_node(svc, signal.SIGCONT)
        elif op == "exec":
            argv = self.exec_argv(svc, s["argv"])
            if s.get("detach"):
                # A daemon started again (run-X.sh): its output goes to PID 1's, the node's log.
                subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
            else:
                rr.sh(argv, timeout=60, check=False)
        else:
            raise RuntimeError(f"step {op} is not replayed in namespaces")

    def fault_shell(self, fault: dict) -> list[str]:
        """The host's commands a fault stands for (what an operator types on the machines)."""
        out = []
        for s in fault["steps"]:
            op, svc = s["op"], s.get("service", "")
            if op == "exec":
                out.append(f"ip netns exec {svc} " + " ".join(shlex.quote(a) for a in s["argv"]))
            elif op == "stop":
                out.append(f"# {svc}: its daemons' stop signals (SIGTERM to its init), SIGKILL after "
                           f"{float(s.get('timeout_s', 10)):g} s, then ip link set down")
            elif op == "kill":
                out.append(f"# {svc}: SIGKILL to every process, then ip link set down (power loss)")
            elif op == "start":
                out.append(f"# {svc}: ip link set up, its daemons started (boot)")
            elif op == "restart":
                out.append(f"# {svc}: stop, then start (reboot)")
            else:
                out.append(f"# {svc}: SIG{'STOP' if op == 'pause' else 'CONT'} to every process")
        return out

    def logs(self, outdir: str) -> dict[str, list[str]]:
        out = {}
        with self.lock:
            for svc in self.plan["logs"]:
                lines = [f"{stamp(t)} {l}" for t, l in sorted(self.lines.get(svc, []), key=lambda x: x[0])]
                out[svc] = lines
                with open(os.path.join(outdir, f"{svc}.log"), "w") as f:
                    f.write("\n".join(lines) + ("\n" if lines else ""))
        return out


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def cleanup_leftovers() -> list[str]:
    """Namespaces and processes an earlier, killed run_netns.py left (STATE/netns/*.json whose
    owner is gone): killed by their recorded PIDs, deleted by their recorded names."""
    done = []
    if not os.path.isdir(NETNS_STATE):
        return done
    for fn in sorted(os.listdir(NETNS_STATE)):
        if not fn.endswith(".json"):
            continue
        path = os.path.join(NETNS_STATE, fn)
        try:
            with open(path) as f:
                st = json.load(f)
        except (OSError, ValueError):
            continue
        if os.path.exists(f"/proc/{st.get('owner_pid', 0)}"):
            continue  # its run_netns.py still runs
        for pid in st.get("unshare_pids", {}).values():
            for p in children(pid) + [pid]:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        time.sleep(0.2)
        existing = netns_list()
        for ns in st.get("namespaces", []):
            if ns in existing:
                subprocess.run(["ip", "netns", "del", ns], timeout=30)
                done.append(ns)
        shutil.rmtree(st.get("work", ""), ignore_errors=True)
        os.unlink(path)
    return done


def process_startups(plan: dict, res: dict, logs: dict[str, list[str]]) -> dict[str, list[float]]:
    """A daemon started alone (a process fault's `start`: run-X.sh with nsenter, as `systemctl
    start X`), from the command to the daemon's ready line (plan.json's ready_logs) in its node's
    log, within 60 s: {kind: [s, ...]}. The simulator's runtime.daemon_start, which run_real's
    analysis measures only at container starts."""
    out: dict[str, list[float]] = {}
    t0 = res["t0_ns"]
    for f in res.get("faults", []):
        shell = str((f.get("shell") or [""])[0])
        if f.get("kind") != "fault" or f.get("action") != "start" or "/" not in str(f.get("target")):
            continue
        m = re.search(r"/run-(\w+)\.sh", shell)
        if not shell.startswith("ip netns exec") or not m:
            continue
        kind, node = m.group(1), f["target"].split("/")[0]
        issued = t0 + int(round(float(f["t_s"]) * 1e9))
        text = plan.get("ready_logs", {}).get(kind)
        for line in logs.get(node, []):
            ns, msg = rr.parse_logs.parse_timestamp_line(line)
            if ns is not None and text and text in msg and issued <= ns <= issued + 60_000_000_000:
                out.setdefault(kind, []).append(round((ns - issued) / 1e9, 6))
                break
    return out


def netns_measures(plan: dict, res: dict, rdir: str) -> None:
    """What run_real's analysis does not measure the host's way: every daemon runs before time 0
    (runtime kind host), so there are no first start-ups for the model (validate would set the
    container engine's compose_up from them); a daemon started alone is a start-up too."""
    st = res.setdefault("startup_delays_s", {})
    st["first"] = {}
    logs = {}
    for svc in plan["logs"]:
        path = os.path.join(rdir, f"{svc}.log")
        if os.path.exists(path):
            with open(path) as fh:
                logs[svc] = fh.read().splitlines()
    for kind, xs in process_startups(plan, res, logs).items():
        st.setdefault("later", {}).setdefault(kind, []).extend(xs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rendered", nargs="?", help="directory written by `hasim render`")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--parallel", type=int, default=1, metavar="K", help="up to K runs at once (each its own namespaces)")
    ap.add_argument("--stagger", type=float, default=3.0, help="seconds between the slots' first runs (default 3)")
    ap.add_argument("--seed", type=int, default=None, help="seed of the phase offsets (default: the plan's)")
    ap.add_argument("--out", default="results.json")
    ap.add_argument("--logs", default=None, help="directory for raw logs (default: OUT without .json + -logs)")
    ap.add_argument("--health-timeout", type=float, default=60.0)
    ap.add_argument("--retries", type=int, default=2)
    ap.add_argument("--no-install", action="store_true", help="fail on a missing binary instead of apt-get installing it")
    ap.add_argument("--cleanup", action="store_true", help="remove what a killed earlier run left, and exit")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    rr.VERBOSE = a.verbose
    if os.geteuid() != 0:
        print("run_netns.py: must run as root (ip netns, unshare, nsenter)", file=sys.stderr)
        return 2
    if a.cleanup:
        gone = cleanup_leftovers()
        print(f"run_netns.py: removed {len(gone)} namespace(s)" + (f": {', '.join(gone)}" if gone else ""), file=sys.stderr)
        return 0
    if not a.rendered:
        ap.error("RENDERED is required")
    if a.parallel < 1 or a.runs < 0:
        ap.error("--parallel must be >= 1 and --runs >= 0")
    rendered = os.path.abspath(a.rendered)
    try:
        with open(os.path.join(rendered, "plan.json")) as f:
            plan = json.load(f)
        with open(os.path.join(rendered, "docker-compose.yml")) as f:
            services = parse_compose(f.read())
        check_plan(plan, rendered, services)
        missing = missing_binaries({k for d in services.values() for k in d["command"]})
        if missing and a.no_install:
            raise PlanError(f"missing on this host: {', '.join(f'{b} (Debian {p})' for b, p in sorted(missing.items()))}")
        if missing:
            rr.log(f"installing {', '.join(sorted(set(missing.values())))} (apt-get; their services are not started)")
            install(sorted(set(missing.values())))
            still = missing_binaries({k for d in services.values() for k in d["command"]})
            if still:
                raise PlanError(f"still missing after apt-get: {', '.join(sorted(still))}")
        for svc, d in services.items():
            node_setup_script(svc, "/dev/null", "/run", "/tmp", d["volumes"], rendered, "/dev/null")  # mounts possible?
    except (OSError, ValueError, KeyError) as e:
        print(f"run_netns.py: error: {rendered}: {e}", file=sys.stderr)
        return 2
    except PlanError as e:
        print(f"run_netns.py: error: {e}", file=sys.stderr)
        return 2
    seed = plan["seed"] if a.seed is None else a.seed
    logdir = os.path.abspath(a.logs or (a.out[:-5] if a.out.endswith(".json") else a.out) + "-logs")
    os.makedirs(logdir, exist_ok=True)
    a.out = os.path.abspath(a.out)
    # Every node sees its own /tmp and /run: a working directory there is gone inside it (HAProxy
    # refuses to start: "Impossible to get back to initial directory").
    os.chdir("/")
    parallel = max(1, min(a.parallel, a.runs or 1))
    a.parallel = parallel
    signal.signal(signal.SIGINT, rr._on_signal)
    signal.signal(signal.SIGTERM, rr._on_signal)
    t_start = time.monotonic()
    out = {"scenario": plan["scenario"], "project": plan["project"], "seed": seed, "runs": [], "build_s": None,
           "parallel": parallel, "engine": "netns", "interrupted": False, "error": None}
    errors: list[str] = []
    token = secrets.token_hex(3)
    stacks = [NetnsStack(rendered, plan, services, token, name=f"{plan['project']}-s{k + 1}") for k in range(parallel)]
    out["slots"] = [{"slot": k + 1, "project": s.name, "dir": rendered, "subnets": {}} for k, s in enumerate(stacks)]
    out["addresses"] = stacks[0].addresses
    rc = 0
    threads = []
    try:
        runs: queue.Queue = queue.Queue()
        for r in range(a.runs):
            runs.put(r)
        results: dict[int, dict] = {}

        def worker(stack: NetnsStack, delay: float) -> None:
            # run_real's slot loop (retries, discarded attempts, teardown after each run, analysis)
            # with this stack; one_run below names each run's namespaces before it starts.
            rr.slot_worker(rr.Slot(0, stack.name, None, stack, None), plan, runs, results, errors, a, seed, logdir, delay)

        # slot_worker calls run_real.one_run: point it at the wrapper that names each run's namespaces.
        orig = rr.one_run

        def one_run_netns(st, pl, run, sd, rdir, health):
            st.prepare(run, rdir)
            return orig(st, pl, run, sd, rdir, health)
        rr.one_run = one_run_netns
        orig_analyze = rr.analyze

        def analyze_netns(pl, res, rdir):
            orig_analyze(pl, res, rdir)
            netns_measures(pl, res, rdir)
        rr.analyze = analyze_netns
        threads = [threading.Thread(target=worker, args=(s, i * a.stagger), daemon=True) for i, s in enumerate(stacks)]
        for t in threads:
            t.start()
        limit = time.monotonic() + (a.runs + 1) * (float(plan["duration_s"]) + 300)
        while any(t.is_alive() for t in threads) and time.monotonic() < limit:
            for t in threads:
                t.join(timeout=0.2)
        if any(t.is_alive() for t in threads):
            rr.STOP.set()
            errors.append("slots did not finish in time")
            for t in threads:
                t.join(timeout=120)
        out["runs"] = [results[r] for r in sorted(results)]
    except rr.Interrupted:
        pass
    except Exception as e:  # noqa: BLE001
        errors.append(str(e))
        rr.log(f"error: {e}")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for s in stacks:
            if s.nodes:
                left = s.down()
                if left:
                    errors.append(f"{s.name} not clean: {', '.join(left)}")
        leftover = sorted(n for n in netns_list() if n.startswith(f"hasim-{token}-"))
        if leftover:
            errors.append(f"namespaces left: {', '.join(leftover)}")
    if rr.SIGNALLED.is_set():
        out["interrupted"] = True
        rc = 130
        rr.log("interrupted; torn down")
    elif errors or rr.STOP.is_set():
        rc = 1
    out["error"] = "; ".join(errors) if errors else None
    out["wall_s"] = time.monotonic() - t_start
    rr.summarize(out)
    rr.write_results(a.out, out)
    rr.log(f"wrote {a.out} ({len(out['runs'])} runs{', interrupted' if out['interrupted'] else ''}), logs in {logdir}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
