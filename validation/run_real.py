#!/usr/bin/python3
"""Runs a rendered scenario (`hasim render SCENARIO DIR`) against the real stack, N times.

  validation/env/setup.sh && validation/env/base-image.sh      # once per machine
  build/hasim render scenarios/demo1-part1.yaml /tmp/demo1 --engine podman
  validation/run_real.py /tmp/demo1 --runs 5 --parallel 3 --out results.json

Images: built only when missing (`podman image exists`), named by a hash of their build context
(plan.json "images"), so a second run of any scenario builds nothing and slots share them.

Each run: compose up, a bounded wait until every HAProxy sees its servers UP (read from inside the
stack), t0, the client started inside its container, each fault applied at its time plus a
seeded uniform phase offset in [0, jitter) (seeded by --seed and the run index, whichever slot
runs it), the end, `podman logs --timestamps` of every container, teardown. Teardown always
happens (finally + SIGINT/SIGTERM), by container and network id and by the compose project's
label, and is checked; every wait is bounded, and no packet is sent from the host to a stack
address: probes and clients run inside the stack's own containers (`podman exec`).

--parallel K runs up to K runs at once, each in its own compose project (PROJECT-sK) with its own
copy of the rendered directory in which every scenario subnet is moved to a free subnet of the
same size (checked against the host's routes, podman's networks and other slots); results are
mapped back, so they read as a sequential run's, in the scenario's own addresses.

Standard library only (Debian /usr/bin/python3).
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import ipaddress
import json
import os
import platform
import queue
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kinds  # noqa: E402
import parse_logs  # noqa: E402

STATE = os.environ.get("HASIM_STATE", "/var/tmp/hasim-validation")
ENV = dict(os.environ)
ENV.setdefault("CONTAINERS_CONF", f"{STATE}/containers.conf")
ENV.setdefault("CONTAINERS_STORAGE_CONF", f"{STATE}/storage.conf")
ENV.setdefault("DOCKER_HOST", f"unix://{STATE}/podman.sock")
ENV["AARDVARK_NO_PROXY"] = "1"  # validation/env/setup.sh says why

# Ranges never used for remapped subnets, besides what the host routes: 10.89.60.0-10.89.69.255
# are someone else's experiments on the validation machine (their networks are not always up, so
# the route check alone does not see them). HASIM_AVOID_SUBNETS (comma-separated) adds more.
AVOID_DEFAULT = "10.89.60.0/22,10.89.64.0/22,10.89.68.0/23"
# Where remapped subnets come from, in order (private ranges; 10.100.0.0 first keeps clear of
# podman's own 10.88/10.89 defaults and of most hand-made test networks).
POOLS = ["10.100.0.0/14", "10.104.0.0/13", "10.112.0.0/12", "10.128.0.0/9", "172.16.0.0/12", "192.168.0.0/16"]

VERBOSE = False
STOP = threading.Event()      # every slot abandons its run and tears down (a signal, or a hang)
SIGNALLED = threading.Event() # SIGINT/SIGTERM received: exit status 130, "interrupted": true
NO_MORE = threading.Event()   # an error in one slot: no new runs start (runs under way finish)
_log_lock = threading.Lock()


def log(msg: str) -> None:
    with _log_lock:
        print(f"[run_real {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Interrupted(Exception):
    pass


class LateStart(RuntimeError):
    """The stack was not healthy before the first event of its timeline was due."""


class HostFroze(RuntimeError):
    """Every process of the host stopped for a while in the run: its timeline did not run."""


# A stop of the whole host this long is no scheduling delay but a paused machine. On 2026-12-05
# the three parallel CI runs of demo1-part1 all stopped 24.9 s at the same wall-clock moment: the
# in-stack timer woke 24.9 s late, the runner's next fault came 19-25 s after its time and
# HAProxy's clock skipped the pause (a 45 s request logged as 20 s), so the runs measured no
# scenario. In every other stored run the timer woke at most 44 ms late, beside CPU hogs too;
# parse_logs.check_wakeups drops a check timer woken 1 s late for the same reason.
HOST_FREEZE_S = 1.0


def host_froze(tick_late_s: list[float], faults: list[dict]) -> str | None:
    """Why a run measured no scenario because its host stopped (None: it did not): the tick
    probe's timer, inside the stack, woke HOST_FREEZE_S late. The fault most behind its planned
    time is named beside it; alone it decides nothing, as the runner's own loop may have waited
    (an undo waits for the previous command on its container)."""
    worst = max(tick_late_s, default=0.0)
    if worst < HOST_FREEZE_S:
        return None
    why = f"the in-stack 100 ms timer woke {worst:.1f}s late"
    late = [(r["t_s"] - r["planned_s"] - r.get("phase_offset_s", 0.0), r) for r in faults
            if r.get("kind") == "fault" and "planned_s" in r]
    if late:
        by, r = max(late, key=lambda x: x[0])
        if by >= HOST_FREEZE_S:
            why += f"; '{r['action']} {r['target']}' ran {by:.1f}s after its time"
    return "the host stopped (" + why + "): a paused machine, no measurement of the stack"


# A run needs its stack healthy this long before its first workload or fault.
LATE_MARGIN_NS = 250_000_000


def _on_signal(signum, _frame):
    # Only flags: the work runs in slot threads, which poll STOP at every wait and subprocess.
    if not STOP.is_set():
        log(f"signal {signum}: stopping, tearing down")
    SIGNALLED.set()
    STOP.set()


def check_stop() -> None:
    if STOP.is_set():
        raise Interrupted("interrupted")


# The host's fsync cost as PostgreSQL's WAL flush meets it, measured in a PostgreSQL container of
# each run right after its end: N x (a pause, an 8 KiB write in place into a preallocated file in
# the data directory's filesystem, then fdatasync, wal_sync_method's default on Linux). The same device is
# fast (~0.2 ms) or several ms slow with whatever else the host writes that minute (2026-12-03:
# medians 0.3 to 3.9 ms in three rounds of 300 a minute apart, other builds running), so a
# validation of commit latencies simulates with these figures (runtime.disk.fsync), not a
# profile's. Perl is in every PostgreSQL image (postgresql-common needs it); fdatasync by its
# syscall number (x86_64: 75; elsewhere IO::Handle's fsync).
FSYNC_PROBE_PL = r"""
use strict; use Time::HiRes qw(time sleep); use IO::Handle;
my ($path, $n, $nr, $gap) = @ARGV;
open(my $fh, '+>', $path) or die "open $path: $!";
my $blk = "x" x 8192;
syswrite($fh, $blk) for 1 .. $n;
my $sync = sub { $nr > 0 ? syscall($nr, fileno($fh)) : ($fh->sync ? 0 : -1) };
$sync->() == 0 or die "sync: $!";
my @d;
for my $i (0 .. $n - 1) {
  sleep($gap) if $gap > 0;
  sysseek($fh, $i * 8192, 0); syswrite($fh, $blk);
  my $t = time; $sync->() == 0 or die "sync: $!"; push @d, time - $t;
}
close $fh; unlink $path;
print "HASIM_FSYNC ", join(" ", map { sprintf "%.0f", $_ * 1e6 } @d), "\n";
"""
FSYNC_PROBE_N = 200
# Seconds between two flushes: a commit stream of at most 50 a second (crash-failover's writer),
# not back-to-back fdatasyncs, which queue behind each other's writes (on the host, 2026-12-03
# 18:08: back to back p50 3.58 then 0.18 ms, 20 ms apart 0.59 and 0.65 ms).
FSYNC_PROBE_GAP_S = 0.02


# A new WAL segment as XLogFileInit makes it (PostgreSQL 15, wal_init_zero on): 16 MiB of zeros
# written in 8 KiB blocks into a new file, then fsync. The first record after a WAL switch waits
# for it (on this host a commit right after pg_switch_wal() took 22-36 ms against 0.8-4.3 ms,
# 2026-12-05), and the clones' set-up ends with one. validate turns it into the device's write
# rate (runtime.disk.write_rate).
SEGMENT_PROBE_PL = r"""
use strict; use Time::HiRes qw(time sleep); use IO::Handle;
my ($path, $n, $bytes) = @ARGV;
my $blk = "\0" x 8192;
my @d;
for my $i (1 .. $n) {
  sleep(0.2);
  my $t = time;
  open(my $fh, '>', $path) or die "open $path: $!";
  syswrite($fh, $blk) for 1 .. $bytes / 8192;
  $fh->sync or die "fsync: $!";
  close $fh; push @d, time - $t; unlink $path;
}
print "HASIM_SEGINIT ", join(" ", map { sprintf "%.0f", $_ * 1e6 } @d), "\n";
"""
SEGMENT_PROBE_N = 3
SEGMENT_BYTES = 16 * 1024 * 1024


def segment_probe_argv(container: str) -> list[str]:
    return ["podman", "exec", container, "perl", "-e", SEGMENT_PROBE_PL, "/var/lib/postgresql/data/hasim-segment-probe",
            str(SEGMENT_PROBE_N), str(SEGMENT_BYTES)]


def parse_segment_probe(out: str) -> list[float]:
    """The segment probe's line as seconds per 16 MiB file; [] without one."""
    for line in out.splitlines():
        if line.startswith("HASIM_SEGINIT "):
            return [int(x) / 1e6 for x in line.split()[1:]]
    return []


def fsync_probe_argv(container: str) -> list[str]:
    nr = "75" if platform.machine() == "x86_64" else "0"
    return ["podman", "exec", container, "perl", "-e", FSYNC_PROBE_PL, "/var/lib/postgresql/data/hasim-fsync-probe",
            str(FSYNC_PROBE_N), nr, str(FSYNC_PROBE_GAP_S)]


def parse_fsync_probe(out: str) -> list[float]:
    """The probe's line as seconds per fdatasync; [] without one."""
    for line in out.splitlines():
        if line.startswith("HASIM_FSYNC "):
            return [int(x) / 1e6 for x in line.split()[1:]]
    return []


# The writer's session opening, measured in the writer's own container right after each run (as
# the fsync probe, before the logs and the teardown), against the server it wrote to last. In the
# stored Demo 2 records (2026-12-03) every commit that opened a session (the writer's first, the
# first after a failover or a restart) took 50 ms to 2 s where the session's later ones took 2-5
# ms, and the failed connects 2.4-3.6 s against connect_timeout's 2 s: the 99th percentile of a
# 100-commit run is its slowest, one of those. pg-writer.sh's steps, each timed: getent (bounded,
# as the writer's), psql's exec alone (`psql --version`: fork, exec, the dynamic loader), the
# session up (the same psql as the writer's, as a coprocess, until its answer to a local `\echo`:
# psql reads its input only once connected, so exec + TCP + the backend's fork and start), the
# writer's four statements on that new backend, then again on the same session. Each trial prints
# "getent_us,exec_us,up_us,tx1_us,tx2_us"; a trial whose name did not resolve or whose psql did
# not answer within 5 s prints nothing. A pause between trials: the writer opens one at a time.
SESSION_PROBE_SH = r"""
host="$1"; port="$2"; n="$3"; name="$4"
export PGUSER=postgres PGDATABASE=demodb PGAPPNAME="hasim-session-probe"
hostfile="/tmp/hasim-pg-host-$name"; [ -s "$hostfile" ] && read -r host < "$hostfile"
now() { local t="$EPOCHREALTIME"; NOW="${t%.*}${t#*.}"; }
tx() {
  printf '%s\n' "BEGIN;" \
    "INSERT INTO users (name, email) VALUES ('probe-$1', 'probe-$1@hasim.invalid') RETURNING 'id=' || id;" \
    "SELECT 'xid=' || txid_current() || ' lsn=' || pg_current_wal_insert_lsn() || ' walfile=' || pg_walfile_name(pg_current_wal_insert_lsn()) || ' server=' || host(inet_server_addr());" \
    "COMMIT;" '\echo HASIM_EOT' >&5 2>/dev/null
  while IFS= read -r -t 5 -u 4 l; do [ "$l" = HASIM_EOT ] && return 0; done; return 1
}
out=""
for ((i = 1; i <= n; i++)); do
  sleep 0.2
  now; a=$NOW
  ip=$(timeout 1 getent ahostsv4 "$host" 2>/dev/null); ip="${ip%%[[:space:]]*}"
  now; b=$NOW
  [ -z "$ip" ] && continue
  psql -X --version >/dev/null 2>&1
  now; c=$NOW
  coproc P { exec psql -X -A -t -q -v ON_ERROR_STOP=1 -d "host=$host hostaddr=$ip port=$port connect_timeout=2" 2>&1; }
  pid=$P_PID; exec 4<&"${P[0]}" 5>&"${P[1]}"
  now; d0=$NOW
  printf '%s\n' '\echo HASIM_UP' >&5 2>/dev/null
  IFS= read -r -t 5 -u 4 l; now; d=$NOW
  ok=0; [ "$l" = HASIM_UP ] && tx "$i-1" && { now; e=$NOW; tx "$i-2" && { now; f=$NOW; ok=1; }; }
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; exec 4<&- 5>&-
  [ "$ok" = 1 ] && out="$out $((b - a)),$((c - b)),$((d - d0)),$((e - d)),$((f - e))"
done
echo "HASIM_SESSION$out"
"""
SESSION_PROBE_N = 12


def session_probe_argv(container: str, w: dict) -> list[str]:
    argv = w["argv"]
    port = argv[7] if len(argv) > 7 else "5432"
    return ["podman", "exec", container, "bash", "-c", SESSION_PROBE_SH, "session-probe", w["host"], port,
            str(SESSION_PROBE_N), w["name"]]


def parse_session_probe(out: str) -> dict[str, list[float]]:
    """The probe's line as seconds per step: getent, exec (psql's start alone), up (psql started
    to its session ready), tx1 (the four statements on the new backend), tx2 (again, same
    session); {} without a trial."""
    keys = ("getent_s", "exec_s", "up_s", "tx1_s", "tx2_s")
    for line in out.splitlines():
        if line.startswith("HASIM_SESSION"):
            trials = [t.split(",") for t in line.split()[1:]]
            trials = [t for t in trials if len(t) == 5 and all(x.lstrip("-").isdigit() for x in t)]
            if not trials:
                return {}
            return {k: [int(t[i]) / 1e6 for t in trials] for i, k in enumerate(keys)}
    return {}


def expected_downstreams(pgs: list[dict]) -> dict[str, int]:
    """How many streaming standbys each PostgreSQL service of a plan must list in its
    pg_stat_replication once the stack is set up: per upstream (a standby's first
    primary_conninfo host), so a cascading standby counts on the standby it streams from. Plans
    without `upstream` (rendered before it existed) count every standby for the only primary."""
    services = {p["service"] for p in pgs}
    primaries = [p["service"] for p in pgs if not p["standby"]]
    want = {svc: 0 for svc in primaries}
    for p in pgs:
        if not p["standby"]:
            continue
        up = p.get("upstream")
        if up is None:
            if len(primaries) == 1:
                want[primaries[0]] += 1
        elif up in services:
            want[up] = want.get(up, 0) + 1
    return want


def sh(argv: list[str], timeout: float = 60, check: bool = True, capture: bool = True,
       abortable: bool = True, interrupt_on_stop: bool = False) -> subprocess.CompletedProcess:
    """Runs argv, bounded by timeout. abortable: not started once STOP is set (teardown commands
    are not abortable). A command under way is not killed on STOP: killing a podman client half-way
    through `start`, `up` or `network connect` leaves state behind that the teardown then races
    (the API service finishes the request anyway); they are short. interrupt_on_stop: sent SIGINT
    on STOP (a long `podman build`, which then removes its intermediate containers).
    Children get their own session, so a terminal's Ctrl-C reaches only this script, which then
    tears down in order."""
    if abortable:
        check_stop()
    if VERBOSE:
        log("$ " + " ".join(shlex.quote(a) for a in argv))
    p = subprocess.Popen(argv, env=ENV, text=True, start_new_session=True, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE if capture else None)
    deadline = time.monotonic() + timeout
    interrupted = False
    while True:
        try:
            out, err = p.communicate(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            if interrupt_on_stop and STOP.is_set() and not interrupted:
                p.send_signal(signal.SIGINT)
                interrupted = True
                deadline = min(deadline, time.monotonic() + 60)
            elif time.monotonic() > deadline:
                p.kill()
                try:
                    p.communicate(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
                raise RuntimeError(f"timed out after {timeout}s: {' '.join(argv)}") from None
    if interrupted:
        raise Interrupted("interrupted")
    r = subprocess.CompletedProcess(argv, p.returncode, out, err)
    if check and r.returncode != 0:
        raise RuntimeError(f"failed ({r.returncode}): {' '.join(argv)}\n{(r.stderr or '')[-2000:]}")
    return r


def sleep_until(deadline_ns: int) -> None:
    while True:
        check_stop()
        left = (deadline_ns - time.time_ns()) / 1e9
        if left <= 0:
            return
        time.sleep(min(left, 0.2))


# --- locks ---------------------------------------------------------------------------------------
class ProjectLock:
    """An exclusive flock on STATE/locks/PROJECT, held for the whole run: two run_real.py of the
    same project would tear down each other's containers (`compose down -p PROJECT`). The kernel
    drops it when the process dies, however it dies, so it never goes stale."""

    def __init__(self, project: str):
        os.makedirs(os.path.join(STATE, "locks"), exist_ok=True)
        self.path = os.path.join(STATE, "locks", project)
        self.fd = None

    def try_acquire(self) -> bool:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            # The holder unlinks the file on release: a lock taken on a file unlinked meanwhile
            # protects nothing (a third process may have created and locked a new one), retry.
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd = fd
        return True

    def holder(self) -> str:
        try:
            with open(self.path) as f:
                return f.read().strip() or "?"
        except OSError:
            return "?"

    def release(self) -> None:
        if self.fd is not None:
            try:
                os.unlink(self.path)  # while still holding it: see try_acquire
            except OSError:
                pass
            os.close(self.fd)
            self.fd = None


def project_in_use(project: str) -> bool:
    """True if a live run_real.py holds PROJECT's lock (tested without keeping it)."""
    path = os.path.join(STATE, "locks", project)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


class FileLock:
    """A blocking flock (bounded by a timeout) around a short critical section."""

    def __init__(self, name: str, timeout: float = 600):
        self.path = os.path.join(STATE, name)
        self.timeout = timeout

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(self.fd)
                    raise RuntimeError(f"{self.path} held for over {self.timeout}s by another run_real.py")
                check_stop()
                time.sleep(0.2)

    def __exit__(self, *exc):
        os.close(self.fd)


# --- images --------------------------------------------------------------------------------------
def context_hash(ctx: str) -> str:
    """The image tag of a build context, as `hasim render` computes it (validation/render_detail.hpp
    context_hash): SHA-256 over "PATH\\nMODE\\nSIZE\\n" + content of each file in path order."""
    files = []
    for root, _dirs, names in os.walk(ctx):
        for n in names:
            files.append(os.path.relpath(os.path.join(root, n), ctx).replace(os.sep, "/"))
    h = hashlib.sha256()
    for rel in sorted(files):
        path = os.path.join(ctx, rel)
        with open(path, "rb") as f:
            data = f.read()
        mode = "755" if os.stat(path).st_mode & 0o100 else "644"
        h.update(f"{rel}\n{mode}\n{len(data)}\n".encode() + data)
    return h.hexdigest()


def ensure_images(rendered: str, plan: dict, build: bool) -> dict:
    """Builds the plan's images that do not exist yet; returns what was built, what was cached and
    the build time. Refuses a context edited since rendering (its tag would lie)."""
    out = {"built": [], "cached": [], "build_s": 0.0}
    images = plan.get("images", [])
    for img in images:
        ctx = os.path.join(rendered, img["context"])
        tag = img["name"].rsplit(":", 1)[1]
        if not context_hash(ctx).startswith(tag):
            raise RuntimeError(f"{ctx} differs from what `hasim render` hashed into {img['name']}: render again")
    missing = [img for img in images if sh(["podman", "image", "exists", img["name"]], timeout=30, check=False).returncode != 0]
    out["cached"] = [img["name"] for img in images if img not in missing]
    if not missing:
        return out
    if not build:
        raise RuntimeError("missing images (--no-build): " + ", ".join(img["name"] for img in missing))
    if sh(["podman", "image", "exists", "debian:bookworm-slim"], timeout=30, check=False).returncode != 0:
        raise RuntimeError("no debian:bookworm-slim image: run validation/env/base-image.sh")
    t = time.monotonic()
    # One build at a time on this machine (other run_real.py may want the same image): after the
    # lock, an image someone else just built is not built again.
    with FileLock("build.lock", timeout=1800):
        for img in missing:
            if sh(["podman", "image", "exists", img["name"]], timeout=30, check=False).returncode == 0:
                out["cached"].append(img["name"])
                continue
            log(f"building {img['name']} ({img['context']})")
            sh(["podman", "build", "--pull=never", "-t", img["name"], os.path.join(rendered, img["context"])], timeout=1800,
               interrupt_on_stop=True)
            out["built"].append(img["name"])
    out["build_s"] = time.monotonic() - t
    return out


# --- address spaces ------------------------------------------------------------------------------
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)")


def remap_text(text: str, pairs: list[tuple[ipaddress.IPv4Network, ipaddress.IPv4Network]]) -> str:
    """Every IPv4 literal inside a `from` subnet moved to the same offset in its `to` subnet
    (addresses, gateways, network addresses with their /len, VIPs, peers); others unchanged."""
    def sub(m):
        try:
            ip = ipaddress.IPv4Address(m.group(0))
        except ValueError:
            return m.group(0)
        for src, dst in pairs:
            if ip in src:
                return str(dst.network_address + (int(ip) - int(src.network_address)))
        return m.group(0)
    return _IPV4.sub(sub, text) if pairs else text


def remap_obj(obj, pairs):
    if isinstance(obj, str):
        return remap_text(obj, pairs)
    if isinstance(obj, list):
        return [remap_obj(x, pairs) for x in obj]
    if isinstance(obj, dict):
        return {remap_text(k, pairs) if isinstance(k, str) else k: remap_obj(v, pairs) for k, v in obj.items()}
    return obj


def reverse_pairs(subnets: dict) -> list:
    """{original: slot} (as recorded in a run) -> pairs mapping slot addresses back."""
    return [(ipaddress.ip_network(s), ipaddress.ip_network(o)) for o, s in (subnets or {}).items()]


def host_networks() -> list:
    """Every destination the host routes (all tables, the default route excepted) and every podman
    network's subnet (a network without containers has no route yet)."""
    nets = []
    r = sh(["ip", "-4", "route", "show", "table", "all"], timeout=10, abortable=False)
    for line in r.stdout.splitlines():
        w = line.split()
        if not w:
            continue
        dst = w[1] if w[0] in ("local", "broadcast", "unicast", "unreachable", "blackhole", "prohibit", "throw",
                               "multicast", "anycast", "nat") and len(w) > 1 else w[0]
        if dst == "default":
            continue
        try:
            nets.append(ipaddress.ip_network(dst, strict=False))
        except ValueError:
            pass
    r = sh(["podman", "network", "ls", "--format", "{{range .Subnets}}{{.Subnet}} {{end}}"], timeout=30, check=False,
           abortable=False)
    for w in (r.stdout or "").split():
        try:
            n = ipaddress.ip_network(w, strict=False)
            if n.version == 4:
                nets.append(n)
        except ValueError:
            pass
    return nets


def avoid_networks() -> list:
    spec = AVOID_DEFAULT + "," + os.environ.get("HASIM_AVOID_SUBNETS", "")
    return [ipaddress.ip_network(w.strip(), strict=False) for w in spec.split(",") if w.strip()]


def reservations() -> list:
    """Subnets reserved by live run_real.py processes (their project lock is held); stale files of
    dead ones are removed."""
    out = []
    d = os.path.join(STATE, "subnets")
    os.makedirs(d, exist_ok=True)
    for name in os.listdir(d):
        path = os.path.join(d, name)
        if not project_in_use(name):
            try:
                os.unlink(path)
            except OSError:
                pass
            continue
        try:
            with open(path) as f:
                out += [ipaddress.ip_network(s) for s in json.load(f)]
        except (OSError, ValueError):
            pass
    return out


def check_subnets_free(subnets: list[str]) -> None:
    """The scenario's own subnets (no remapping): refuse any the host already routes, or podman
    already has a network for (after our own leftovers are gone), rather than clash with it."""
    taken = host_networks()
    for s in subnets:
        n = ipaddress.ip_network(s, strict=False)
        clash = [str(t) for t in taken if t.overlaps(n)]
        if clash:
            raise RuntimeError(f"{s} overlaps {', '.join(sorted(set(clash)))} (host route or podman network): "
                               "another stack uses it; run with --remap (or --parallel K) to move it")


def allocate_subnets(originals: list[str], project: str) -> dict:
    """original subnet -> a free subnet of the same size for PROJECT, reserved in STATE/subnets
    (under a lock, so concurrent run_real.py and slots never pick the same range)."""
    with FileLock("subnets.lock", timeout=60):
        taken = host_networks() + avoid_networks() + reservations()
        taken += [ipaddress.ip_network(s, strict=False) for s in originals]  # a sequential run may use them
        chosen: dict[str, str] = {}
        for s in originals:
            orig = ipaddress.ip_network(s, strict=False)
            found = None
            for pool in POOLS:
                pool = ipaddress.ip_network(pool)
                if orig.prefixlen < pool.prefixlen:
                    continue
                for cand in pool.subnets(new_prefix=orig.prefixlen):
                    if not any(cand.overlaps(t) for t in taken):
                        found = cand
                        break
                if found:
                    break
            if found is None:
                raise RuntimeError(f"no free /{orig.prefixlen} for {s} in {', '.join(POOLS)} (host routes, podman "
                                   f"networks, other slots and {AVOID_DEFAULT} excluded): free some or run sequentially")
            chosen[s] = str(found)
            taken.append(found)
        with open(os.path.join(STATE, "subnets", project), "w") as f:
            json.dump(list(chosen.values()), f)
    return chosen


def release_subnets(project: str) -> None:
    try:
        os.unlink(os.path.join(STATE, "subnets", project))
    except OSError:
        pass


def remapped_copy(rendered: str, dest: str, subnets: dict) -> None:
    """A copy of the rendered directory with every address moved (compose subnets, ip_range,
    ipv4_address; haproxy's nameservers and literal servers; keepalived VIPs and unicast peers;
    nginx proxy_pass; plan.json). Image contexts are copied as they are: their hash names the image."""
    pairs = [(ipaddress.ip_network(o, strict=False), ipaddress.ip_network(n)) for o, n in subnets.items()]
    if os.path.exists(dest):
        shutil.rmtree(dest)
    for root, dirs, names in os.walk(rendered):
        rel = os.path.relpath(root, rendered)
        if rel == "." and "slots" in dirs and os.path.abspath(os.path.join(rendered, "slots")) == os.path.abspath(os.path.dirname(dest)):
            dirs.remove("slots")  # logs written inside the rendered dir: do not copy the copies
        os.makedirs(os.path.join(dest, rel), exist_ok=True)
        shutil.copymode(root, os.path.join(dest, rel))
        for n in names:
            src, dst = os.path.join(root, n), os.path.join(dest, rel, n)
            if rel.split(os.sep)[0] == "images":
                shutil.copy2(src, dst)
                continue
            with open(src, "rb") as f:
                data = f.read()
            try:
                data = remap_text(data.decode("utf-8"), pairs).encode("utf-8")
            except UnicodeDecodeError:
                pass
            with open(dst, "wb") as f:
                f.write(data)
            shutil.copymode(src, dst)


# --- one compose project -------------------------------------------------------------------------
def end_process(proc) -> None:
    """Kills a helper's `podman exec` client (if still running) and reaps it, bounded."""
    if proc is not None and proc.poll() is None:
        proc.kill()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def parse_stats_csv(service: str, text: str) -> dict[str, str]:
    """HAProxy's `show stat` CSV -> {"SERVICE/backend/server": status} for its servers."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        f = line.split(",")
        if len(f) > 17 and not line.startswith("#") and f[1] not in ("FRONTEND", "BACKEND"):
            out[f"{service}/{f[0]}/{f[1]}"] = f[17]
    return out


class StatsProbe:
    """A loop inside the stack's probe container reading every HAProxy's CSV stats every 0.25 s
    (bounded: it ends by itself after the health wait's limit), started by one `podman exec -i`;
    a reader thread keeps the latest states. stop() closes the loop's stdin, and the loop ends at
    its next wait: killing the `podman exec` client left it running inside (two curls and a sleep
    every 0.25 s in each stack, for a minute after the stack was healthy)."""

    def __init__(self, cid: str, haproxies: list[dict], limit_s: float, prefix: list[str] | None = None):
        self.cid, self.haproxies = cid, haproxies
        self.prefix = prefix or ["podman", "exec", "-i", cid]  # how to run a command inside the probe node
        self.rounds = int(limit_s / 0.25) + 4
        self.proc: subprocess.Popen | None = None
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.latest: dict[str, str] = {}

    # bash -c SCRIPT ROUNDS URL...; the wait is a read of stdin: no process, and its end of file
    # (status <= 128, not a timeout's) is stop().
    SCRIPT = ('i=0; while [ "$i" -lt "$0" ]; do for u in "$@"; do echo "HASIM_STATS $u"; '
              'curl -s --max-time 2 "$u"; echo; echo HASIM_STATS_END; done; i=$((i+1)); '
              'read -t 0.25 _; [ $? -le 128 ] && exit 0; done')

    def start(self) -> None:
        urls = [h["stats_url"] for h in self.haproxies]
        self.proc = subprocess.Popen(self.prefix + ["bash", "-c", self.SCRIPT, str(self.rounds)] + urls,
                                     env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.PIPE,
                                     text=True, start_new_session=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        by_url = {h["stats_url"]: h["service"] for h in self.haproxies}
        svc, buf = None, []
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line.startswith("HASIM_STATS "):
                svc, buf = by_url.get(line.split(" ", 1)[1]), []
            elif line == "HASIM_STATS_END":
                if svc is not None:
                    got = parse_stats_csv(svc, "\n".join(buf))
                    with self.lock:
                        # An answer without servers (HAProxy not up yet) forgets what it said before.
                        self.latest = {k: v for k, v in self.latest.items() if not k.startswith(svc + "/")}
                        self.latest.update(got)
                svc, buf = None, []
            elif svc is not None:
                buf.append(line)

    def states(self) -> dict[str, str]:
        with self.lock:
            return dict(self.latest)

    def stop(self) -> None:
        """Returns at once (the run's timeline is waiting): the client forwards the end of stdin
        and exits with the loop; a thread reaps it, or kills it after 15 s."""
        proc = self.proc
        if proc is None:
            return
        try:
            proc.stdin.close()
        except OSError:
            pass

        def reap() -> None:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                end_process(proc)
        threading.Thread(target=reap, daemon=True).start()


class VipWatcher:
    """The end of a keepalived container's life, stamped: `docker exec SVC sleep infinity` whose
    output ends when the container's processes are gone (a `docker kill` takes the VIPs with the
    namespace, and nothing inside is left to report it), written as HASIM_VIP_EOF with the host
    clock, which the containers share. The VIP changes themselves come from vip-watch.sh, started
    by the container's entrypoint (its log)."""

    def __init__(self, svc: str, cid: str, vips: list[str], path: str):
        self.svc, self.cid, self.vips, self.path = svc, cid, vips, path
        self.lock = threading.Lock()
        self.proc = None
        self.thread = None
        self.stopping = False

    def start(self) -> None:
        self.proc = subprocess.Popen(["podman", "exec", self.cid, "sleep", "infinity"], env=ENV,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                     text=True, start_new_session=True)
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
        end_process(self.proc)
        if self.thread is not None:
            self.thread.join(timeout=5)


class PgStatProbe:
    """The seed's replication monitor inside one PostgreSQL container for the whole run (one
    `docker exec` of /hasim/pg-stat-probe.sh: psql's \\watch 1 on pg_stat_replication over the
    server's socket), its lines appended to `path`. A `docker start` of the container starts it
    again (restart_watcher); a killed container ends it."""

    def __init__(self, svc: str, cid: str, duration_s: float, path: str):
        self.svc, self.cid, self.duration_s, self.path = svc, cid, duration_s, path
        self.proc = None
        self.fh = None
        self.t_start = time.monotonic()

    def start(self) -> None:
        left = max(1, int(self.duration_s - (time.monotonic() - self.t_start)) + 1)
        self.fh = open(self.path, "a")
        self.proc = subprocess.Popen(["podman", "exec", self.cid, "/hasim/pg-stat-probe.sh", str(left)], env=ENV,
                                     stdout=self.fh, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                     start_new_session=True)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        end_process(self.proc)
        if self.fh is not None:
            self.fh.close()
            self.fh = None


class TickProbe:
    """A timer loop inside the stack's probe container for the whole run (one `docker exec`): bash
    waits 100 ms on a FIFO nobody writes (`read -t`, no process spawned) and prints how late it
    woke up. The host's wake-up delay in any scenario, also where no HAProxy check times out."""
    SCRIPT = ('f=$(mktemp -u); mkfifo "$f"; exec 3<>"$f"; rm -f "$f"; i=0; '
              'while [ "$i" -lt "$0" ]; do a=${EPOCHREALTIME/./}; read -t 0.1 -u 3 _; b=${EPOCHREALTIME/./}; '
              'echo "HASIM_TICK late_us=$(( b - a - 100000 ))"; i=$((i+1)); done')

    def __init__(self, cid: str, duration_s: float, path: str, prefix: list[str] | None = None):
        self.cid, self.path = cid, path
        self.prefix = prefix or ["podman", "exec", cid]
        self.rounds = int(duration_s / 0.1) + 1
        self.proc = None
        self.fh = None

    def start(self) -> None:
        self.fh = open(self.path, "w")
        self.proc = subprocess.Popen(self.prefix + ["bash", "-c", self.SCRIPT, str(self.rounds)], env=ENV,
                                     stdout=self.fh, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                     start_new_session=True)

    def stop(self) -> None:
        end_process(self.proc)
        if self.fh is not None:
            self.fh.close()
            self.fh = None


class Stack:
    """One compose project: ids recorded (STATE/ids/PROJECT) so teardown, here or teardown.sh's,
    removes exactly what we made."""

    def __init__(self, rendered: str, plan: dict, project: str, name: str = ""):
        self.dir = os.path.abspath(rendered)
        self.plan = plan
        self.project = project
        self.name = name or project
        self.compose = ["docker-compose", "-p", self.project, "-f", os.path.join(self.dir, "docker-compose.yml")]
        self.ids: dict[str, str] = {}
        self.networks: list[str] = []
        self.disconnected: list[tuple[str, str, str]] = []
        self.blocked: set[str] = set()
        self.netem: set[str] = set()
        self.links_down: set[tuple[str, str]] = set()  # (service, ethN) a link_down took down
        self.idfile = os.path.join(STATE, "ids", self.project)
        self.watchers: dict[str, VipWatcher | TickProbe] = {}
        self.clients: list = []  # (workload, Popen, file) of the run under way
        self.old_logs: dict[str, list[str]] = {}  # service -> log lines of containers a recreate removed

    # --- lifecycle ---------------------------------------------------------------------------
    def build(self) -> float:
        """Plans rendered before images were content-addressed: compose builds per node."""
        t = time.monotonic()
        sh(self.compose + ["build"], timeout=1800, interrupt_on_stop=True)
        return time.monotonic() - t

    def _record_ids(self) -> None:
        os.makedirs(os.path.dirname(self.idfile), exist_ok=True)
        tmp = self.idfile + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"project": self.project, "containers": self.ids, "networks": self.networks}, f)
        os.replace(tmp, self.idfile)

    def up(self) -> None:
        # Recorded before `up`: an interruption half-way still leaves the project name to sweep.
        self._record_ids()
        sh(self.compose + ["up", "-d", "--no-build"], timeout=180)
        # Container ids by compose labels (one podman call; `docker-compose ps -q` takes ~2 s each).
        for cid, svc in self._labelled_containers():
            self.ids[svc] = cid
        for svc in self.plan["services"]:
            if svc not in self.ids:
                raise RuntimeError(f"service {svc} has no container after up")
        self.networks = self._project_networks()
        self._record_ids()
        for svc in self.plan.get("initially_stopped", []):
            sh(["podman", "stop", "-t", "10", self.ids[svc]], timeout=30)

    def _labelled_containers(self, abortable: bool = True) -> list[tuple[str, str]]:
        r = sh(["podman", "ps", "-a", "--no-trunc", "--filter", f"label=com.docker.compose.project={self.project}",
                "--format", '{{.ID}} {{index .Labels "com.docker.compose.service"}}'], timeout=30, abortable=abortable,
               check=abortable)
        out = []
        for line in (r.stdout or "").splitlines():
            parts = line.split()
            if parts:
                out.append((parts[0], parts[1] if len(parts) > 1 else ""))
        return out

    def _project_networks(self, abortable: bool = True) -> list[str]:
        ids = set()
        for flt in (f"name=^{self.project}_", f"label=com.docker.compose.project={self.project}"):
            r = sh(["podman", "network", "ls", "-q", "--no-trunc", "--filter", flt], timeout=30, check=False, abortable=abortable)
            ids.update((r.stdout or "").split())
        return sorted(ids)

    def start_watchers(self, outdir: str) -> None:
        tick = TickProbe(self.ids[self.plan["probe_service"]], float(self.plan["duration_s"]), os.path.join(outdir, "ticks.log"))
        tick.start()
        self.watchers["__ticks__"] = tick
        for w in self.plan.get("vip_watch", []):
            vw = VipWatcher(w["service"], self.ids[w["service"]], w["vips"], os.path.join(outdir, f"vip-{w['service']}.log"))
            vw.start()
            self.watchers[w["service"]] = vw
        for p in self.plan.get("postgres", []):
            svc = p["service"]
            ps = PgStatProbe(svc, self.ids[svc], float(self.plan["duration_s"]), os.path.join(outdir, f"pgstat-{svc}.log"))
            ps.start()
            self.watchers["pgstat:" + svc] = ps

    def restart_watcher(self, svc: str) -> None:
        ps = self.watchers.get("pgstat:" + svc)
        if isinstance(ps, PgStatProbe) and (not ps.alive() or ps.cid != self.ids[svc]):
            ps.stop()
            ps.cid = self.ids[svc]
            ps.start()
        vw = self.watchers.get(svc)
        if isinstance(vw, VipWatcher) and (not vw.alive() or vw.cid != self.ids[svc]):
            if vw.alive():
                vw.stop()
                vw.stopping = False
            vw.thread.join(timeout=5)
            vw.cid = self.ids[svc]
            vw.start()

    def recreate(self, svc: str, timeout_s: str) -> None:
        """`docker-compose up -d --no-deps --force-recreate SVC` (a new container from the image
        and the compose file, a fresh writable layer), after compose's own first step done by
        hand so that the old container's log is kept: stop (SIGTERM, SIGKILL after the grace),
        read its log; compose then removes it and creates and starts the new one. The new id
        replaces the old (teardown also sweeps by the project's label)."""
        old = self.ids[svc]
        sh(["podman", "stop", "-t", timeout_s, old], timeout=120)
        r = sh(["podman", "logs", "--timestamps", old], timeout=60, check=False)
        self.old_logs.setdefault(svc, []).extend(((r.stdout or "") + (r.stderr or "")).splitlines())
        sh(self.compose + ["up", "-d", "--no-deps", "--no-build", "--force-recreate", "-t", timeout_s, svc], timeout=180)
        new = [cid for cid, name in self._labelled_containers() if name == svc and cid != old]
        if len(new) != 1:
            raise RuntimeError(f"recreate {svc}: expected one new container, found {new}")
        self.ids[svc] = new[0]
        self._record_ids()
        self.restart_watcher(svc)

    def stop_watchers(self) -> None:
        for vw in self.watchers.values():
            vw.stop()
        self.watchers.clear()

    def stop_clients(self) -> None:
        for _w, p, fh in self.clients:
            if p.poll() is None:
                p.kill()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
            fh.close()
        self.clients.clear()

    def leftovers(self) -> bool:
        """Anything of this project in podman, or an ids file (a killed earlier run)?"""
        return (os.path.exists(self.idfile) or bool(self._labelled_containers(abortable=False))
                or bool(self._project_networks(abortable=False)))

    def down(self) -> list[str]:
        """Removes every container and network of the project (recorded ids, compose down, then
        whatever still carries the project's label or name), checks that nothing is left, and
        only then forgets the ids file. Never aborted by STOP. Returns what could not be removed."""
        self.stop_watchers()
        self.stop_clients()
        try:
            sh(self.compose + ["down", "-v", "-t", "2"], timeout=120, check=False, abortable=False)
        except RuntimeError as e:
            log(f"{self.name}: compose down: {e}")
        left: list[str] = []
        for _attempt in range(3):
            cids = set(self.ids.values()) | {c for c, _ in self._labelled_containers(abortable=False)}
            if cids:
                sh(["podman", "rm", "-f", "-t", "0"] + sorted(cids), timeout=90, check=False, abortable=False)
            nids = set(self.networks) | set(self._project_networks(abortable=False))
            if nids:
                sh(["podman", "network", "rm", "-f"] + sorted(nids), timeout=60, check=False, abortable=False)
            left = [f"container {c}" for c, _ in self._labelled_containers(abortable=False)]
            left += [f"network {n}" for n in self._project_networks(abortable=False)]
            if not left:
                break
            time.sleep(1)
        if left:
            log(f"{self.name}: NOT CLEAN after teardown: {', '.join(left)} (ids kept in {self.idfile})")
        elif os.path.exists(self.idfile):
            os.unlink(self.idfile)
        self.ids.clear()
        self.old_logs.clear()
        self.networks.clear()
        self.disconnected.clear()
        self.blocked.clear()
        self.netem.clear()
        self.links_down.clear()
        return left

    # --- what one_run asks of a stack (run_netns.py's NetnsStack answers the same) ---------------
    def time_zero(self) -> tuple[int, list[int]]:
        """Scenario time 0 (epoch ns) and each node's start: the first container's start, less the
        simulator's median container start-up (300 ms). Waiting for health first put t0 0.1-5 s
        after the stack was up, so daemons had run for an unknown while (keepalived MASTER before t0)."""
        started = self.started_ns()
        return (min(started) if started else time.time_ns()) - 300_000_000, started

    def exec_argv(self, svc: str, argv: list[str]) -> list[str]:
        """argv run inside a node (a workload's loop)."""
        return ["podman", "exec", self.ids[svc]] + argv

    def apply_fault(self, payload: dict) -> None:
        for s in payload["steps"]:
            self.step(s)

    def undo_fault(self, payload: dict) -> None:
        for s in payload["undo"]:
            self.step(s)

    def fault_shell(self, fault: dict) -> list[str]:
        """The commands a fault stands for, as recorded (the scenario's plan: its addresses)."""
        return fault["shell"]

    # --- probes (inside the stack) -----------------------------------------------------------
    def started_ns(self) -> list[int]:
        """Each container's start (epoch ns) as the engine recorded it."""
        r = sh(["podman", "inspect", "-f", "{{.State.StartedAt.UnixNano}}"] + list(self.ids.values()), timeout=30, check=False)
        return [int(x) for x in r.stdout.split() if x.isdigit() and int(x) > 0]

    def wait_healthy(self, limit_s: float, tick=lambda: None) -> float:
        """Waits (bounded) until every checked server is UP in each HAProxy; `tick` runs between
        looks (the workloads start on time meanwhile, as the simulator's do).

        One probe loop runs inside the stack for the whole wait (a single `podman exec`: curl of
        each HAProxy's stats every 0.25 s, its output read as it comes): a `podman exec` per look
        took up to 15 s each on a busy machine (a CPU hog beside three stacks), so the stack was
        healthy long before the harness could tell and every attempt was discarded."""
        t = time.monotonic()
        stopped = set(self.plan.get("initially_stopped", []))
        want = [f"{h['service']}/{s['backend']}/{s['server']}" for h in self.plan["haproxy"] for s in h["servers"]
                if s["check"] and s["node"] not in stopped]
        if not want:
            return 0.0
        probe = self.stats_probe(limit_s)
        probe.start()
        try:
            while time.monotonic() - t < limit_s:
                tick()
                last = probe.states()
                if all(last.get(k, "").startswith("UP") for k in want):
                    return time.monotonic() - t
                check_stop()
                time.sleep(0.05)
        finally:
            probe.stop()
        raise RuntimeError(f"not healthy within {limit_s}s: {probe.states()}")

    def stats_probe(self, limit_s: float) -> StatsProbe:
        return StatsProbe(self.ids[self.plan["probe_service"]], self.plan["haproxy"], limit_s)

    def wait_postgres_ready(self, limit_s: float) -> float:
        """Waits (bounded) until each standby's walreceiver streams and each server that standbys
        stream from lists every one of them in pg_stat_replication, asking inside each container
        (psql over its socket). A standby counts for its `upstream` (the first host of its
        primary_conninfo): the primary, or in a cascade another standby, whose cascading walsender
        serves it; a plan rendered before `upstream` was written counts every standby for the only
        primary (none when there are several)."""
        t = time.monotonic()
        pgs = self.plan.get("postgres", [])
        standbys = [p["service"] for p in pgs if p["standby"]]
        want = expected_downstreams(pgs)

        def ask(svc: str, sql: str) -> str:
            r = sh(["podman", "exec", self.ids[svc], "psql", "-U", "postgres", "-XAtc", sql], timeout=20, check=False)
            return (r.stdout or "").strip() if r.returncode == 0 else ""
        while time.monotonic() - t < limit_s:
            check_stop()
            ok = all(ask(s, "SELECT status FROM pg_stat_wal_receiver") == "streaming" for s in standbys)
            for svc, n_want in want.items() if ok else []:
                n = ask(svc, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
                ok = ok and n.isdigit() and int(n) >= n_want
            if ok:
                return time.monotonic() - t
            time.sleep(1)
        raise RuntimeError(f"PostgreSQL set-up not done within {limit_s}s (standbys {standbys} not all streaming)")

    def measure_fsync(self) -> list[float]:
        """FSYNC_PROBE_N fdatasyncs in a PostgreSQL container (seconds each): the first of the
        plan's servers whose container still runs (every one writes to the host's one disk; a
        scenario may have stopped the primary). [] when none could run it: validate then keeps
        the scenario's disk."""
        return self._probe_a_server(fsync_probe_argv, parse_fsync_probe)

    def measure_segment_init(self) -> list[float]:
        """SEGMENT_PROBE_N new 16 MiB WAL segments made as XLogFileInit makes them, in the same
        container as measure_fsync (seconds each); [] when none could run it."""
        return self._probe_a_server(segment_probe_argv, parse_segment_probe)

    def _probe_a_server(self, argv_of: Callable[[str], list[str]], parse: Callable[[str], list[float]]) -> list[float]:
        """A probe's samples from the plan's first PostgreSQL server (the primary first) whose
        container runs it and prints them; [] when none does."""
        for p in sorted(self.plan.get("postgres", []), key=lambda p: p["standby"]):
            r = sh(argv_of(self.ids[p["service"]]), timeout=60, check=False)
            got = parse(r.stdout or "") if r.returncode == 0 else []
            if got:
                return got
        return []

    def measure_sessions(self) -> dict[str, list[float]]:
        """SESSION_PROBE_N session openings by the first pg_writer workload, in its container
        (seconds per step, parse_session_probe); {} when there is none or nothing answered."""
        for w in self.plan.get("workloads", []):
            if w.get("kind") != "pg_writer" or w["service"] not in self.ids:
                continue
            r = sh(session_probe_argv(self.ids[w["service"]], w), timeout=120, check=False)
            got = parse_session_probe(r.stdout or "") if r.returncode == 0 else {}
            if got:
                return got
            break
        return {}

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
        elif op == "recreate":
            self.recreate(s["service"], str(int(float(s.get("timeout_s", 10)))))
        elif op == "kill":
            sh(["podman", "kill", "-s", s.get("signal", "KILL"), cid], timeout=30)
        elif op in ("pause", "unpause"):
            sh(["podman", op, cid], timeout=30)
        elif op == "exec":
            sh(["podman", "exec"] + (["-d"] if s.get("detach") else []) + (["--privileged"] if s.get("privileged") else [])
               + [cid] + s["argv"], timeout=60, check=False)
            argv = s["argv"]
            if argv[:3] == ["ip", "link", "set"] and len(argv) == 5:  # link_down / link_up: heal_all's to restore
                (self.links_down.add if argv[4] == "down" else self.links_down.discard)((s["service"], argv[3]))
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
                # Back with its fixed address, as network_connect's undo would (a dynamic one
                # could take another node's fixed address or a VIP).
                addr = self._fixed_address(svc, net[len(self.project) + 1:])
                sh(["podman", "network", "connect"] + (["--ip", addr] if addr else []) + [net, self.ids[svc]],
                   timeout=30, check=False)
            for svc, dev in sorted(self.links_down):
                sh(["podman", "exec", self.ids[svc], "ip", "link", "set", dev, "up"], timeout=30, check=False)
            self.blocked.clear()
            self.netem.clear()
            self.disconnected.clear()
            self.links_down.clear()
        else:
            raise RuntimeError(f"unknown step op {op}")

    def _fixed_address(self, svc: str, network: str) -> str:
        for f in self.plan.get("faults", []):
            for s in f.get("steps", []) + f.get("undo", []):
                if s.get("op") == "network_connect" and s.get("service") == svc and s.get("network") == network:
                    return s.get("ipv4_address", "")
        return ""

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
            lines = self.old_logs.get(svc, []) + text.splitlines()
            lines.sort(key=lambda l: parse_logs.parse_timestamp_line(l)[0] or 0)
            out[svc] = lines
            with open(os.path.join(outdir, f"{svc}.log"), "w") as f:
                f.write("\n".join(lines) + "\n")
        return out


def one_run(stack: Stack, plan: dict, run: int, seed: int, outdir: str, health_limit: float) -> dict:
    """One run in `stack` (its plan, maybe remapped, drives the commands); `plan` is the scenario's
    own, whose words the fault records use."""
    # Seeded by the scenario too: with (seed, run) alone, run k of every scenario got the same
    # phases (in both-master all three runs restarted haproxy2 first). A str seed is hashed with
    # SHA-512 by random.seed: the same on every machine and Python run.
    rng = random.Random(f"{plan['scenario']}/{seed}/{run}")
    res: dict = {"run": run, "seed": seed}
    t_up = time.monotonic()
    stack.up()
    res["up_s"] = time.monotonic() - t_up
    # Scenario time 0 is when the simulator starts every node (Stack.time_zero says how).
    t0, started = stack.time_zero()
    if plan.get("postgres"):
        # The simulator's PostgreSQL servers start on data directories made before its run
        # (initdb, the standbys' base backups); here that set-up happens in the containers'
        # first start, so time 0 is when it is over: every standby streaming from its primary.
        res["pg_setup_s"] = stack.wait_postgres_ready(max(health_limit, 240.0))
        t0 = time.time_ns()
    res["t0_ns"] = t0
    res["containers_started_s"] = sorted(round((n - t0) / 1e9, 3) for n in started)
    stack.start_watchers(outdir)
    duration = float(plan["duration_s"])
    timeline = []  # (t_ns, kind, payload)
    tag = f"run {run}" + (f" [{stack.name}]" if stack.name != plan["project"] else "")
    workloads = sorted(((t0 + int(float(w["start_s"]) * 1e9), i) for i, w in enumerate(stack.plan["workloads"])))

    def start_due_workloads() -> None:
        # Workloads start at their time whether or not the health wait is over, as in the simulator.
        while workloads and workloads[0][0] <= time.time_ns():
            w = stack.plan["workloads"][workloads.pop(0)[1]]
            path = os.path.join(outdir, f"workload-{w['name']}.log")
            fh = open(path, "w")
            p = subprocess.Popen(stack.exec_argv(w["service"], w["argv"]), env=ENV,
                                 stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
            stack.clients.append((w, p, fh))
            log(f"{tag}: workload {w['name']} started")
    for at, _ in workloads:
        timeline.append((at, "workload", None))
    offsets = []
    for f in stack.plan["faults"]:
        off = rng.uniform(0.0, float(f["jitter_s"])) if float(f["jitter_s"]) > 0 else 0.0
        offsets.append(off)
        at = t0 + int((float(f["at_s"]) + off) * 1e9)
        timeline.append((at, "fault", f))
    timeline.sort(key=lambda x: x[0])
    first_fault = min((at for at, kind, _ in timeline if kind == "fault"), default=None)
    res["healthy_after_s"] = stack.wait_healthy(health_limit, start_due_workloads)
    res["healthy_at_s"] = (time.time_ns() - t0) / 1e9
    if first_fault is not None and time.time_ns() > first_fault - LATE_MARGIN_NS:
        # The scenario's timeline is relative to the containers' start: a stack still not healthy
        # when its first fault is due would replay a compressed timeline (late faults at once, a
        # start racing the stop before it). That is the harness failing, not a result.
        raise LateStart(f"stack healthy only {res['healthy_at_s']:.1f}s after its start, after the first "
                        f"fault was due ({(first_fault - t0) / 1e9:.1f}s)")
    fault_records = []
    pending_undo = []
    idx = 0
    end_ns = t0 + int(duration * 1e9)
    fault_threads: list[threading.Thread] = []
    fault_errors: list[BaseException] = []

    # The last fault thread touching each service: a later fault on the same container waits for
    # it (a `start` must not race the `stop` before it), faults on other containers do not.
    last_on: dict[str, threading.Thread] = {}

    def apply_fault(payload: dict, t_cmd: int, before: list[threading.Thread]) -> None:
        for th in before:
            th.join(timeout=300)
        try:
            stack.apply_fault(payload)
        except BaseException as e:  # noqa: BLE001 - re-raised on the run's own thread
            fault_errors.append(e)
            return
        t_done = time.time_ns()
        shell = stack.fault_shell(plan["faults"][payload["index"]])  # the scenario's addresses
        rec = {"kind": "fault", "t_s": (t_cmd - t0) / 1e9, "done_s": (t_done - t0) / 1e9, "action": payload["action"],
               "target": payload["target"], "planned_s": float(payload["at_s"]),
               "phase_offset_s": offsets[payload["index"]], "shell": shell}
        fault_records.append(rec)
        log(f"{tag}: t={rec['t_s']:.3f}s {' ; '.join(shell)} (took {(t_done - t_cmd) / 1e9:.3f}s)")
    while idx < len(timeline) or pending_undo:
        nxt = timeline[idx][0] if idx < len(timeline) else None
        nu = min(pending_undo, key=lambda x: x[0]) if pending_undo else None
        if nu is not None and (nxt is None or nu[0] < nxt):
            sleep_until(nu[0])
            pending_undo.remove(nu)
            f = nu[1]
            # The undo of a fault waits for that fault's own commands on the same container: a
            # `docker start` 1 s after a `docker stop` that took 2-4 s on a busy host failed
            # ("podman start" exit 125, 2026-12-03), as the engine refuses a start mid-stop.
            for sv in sorted({st["service"] for st in f["undo"] if st.get("service")}):
                if sv in last_on and last_on[sv].is_alive():
                    last_on[sv].join(timeout=300)
            t_cmd = time.time_ns()
            stack.undo_fault(f)
            fault_records.append({"kind": "fault_end", "t_s": (t_cmd - t0) / 1e9, "action": f["action"],
                                  "target": f["target"], "done_s": (time.time_ns() - t0) / 1e9})
            continue
        if nxt is None or nxt > end_ns:
            break
        at, kind, payload = timeline[idx]
        idx += 1
        sleep_until(at)
        if kind == "workload":
            start_due_workloads()
        else:
            # Each fault's commands run on their own thread: `podman restart` takes ~1.9 s, and
            # a second fault the scenario puts at the same moment must not wait for the first.
            t_cmd = time.time_ns()
            services = sorted({st["service"] for st in payload["steps"] if st.get("service")})
            before = [last_on[sv] for sv in services if sv in last_on and last_on[sv].is_alive()]
            th = threading.Thread(target=apply_fault, args=(payload, t_cmd, before), daemon=True)
            th.start()
            for sv in services:
                last_on[sv] = th
            fault_threads.append(th)
            if payload.get("for_s") is not None:
                pending_undo.append((t_cmd + int(float(payload["for_s"]) * 1e9), payload))
        if fault_errors:
            raise fault_errors[0]
    sleep_until(end_ns)
    for th in fault_threads:  # every step has its own timeout; this bounds the rest
        th.join(timeout=300)
    if fault_errors:
        raise fault_errors[0]
    fault_records.sort(key=lambda r: r["t_s"])
    for w, p, fh in stack.clients:  # the client stops by itself at the end; bound the wait
        limit = max(5.0, float(w["timeout_s"] or 0) + 5.0) if float(w["timeout_s"] or 0) < 120 else 30
        deadline = time.monotonic() + limit
        while p.poll() is None and time.monotonic() < deadline:
            check_stop()
            time.sleep(0.1)
    stack.stop_clients()
    stack.stop_watchers()
    if plan.get("postgres"):
        # After the run, not before its time 0: right after the set-up the base backups' dirty
        # pages were still being written back (a first round there gave a median of 4.0 ms while
        # the same runs' commits took 2.1-3.1 ms in all); after the end the disk carries what it
        # carried during the run, and the probe's own writes no longer share it with a commit.
        res["fsync_s"] = [round(x, 6) for x in stack.measure_fsync()]
        res["segment_init_s"] = [round(x, 6) for x in stack.measure_segment_init()]
        # And the writer's session opening (SESSION_PROBE_SH), on the host as it is after the run.
        res["session_probe_s"] = {k: [round(x, 6) for x in v] for k, v in stack.measure_sessions().items()}
    stack.logs(outdir)
    res["faults"] = fault_records
    ticks_path = os.path.join(outdir, "ticks.log")
    ticks = []
    if os.path.exists(ticks_path):
        with open(ticks_path, errors="replace") as f:
            ticks = parse_logs.tick_wakeups(f)
    froze = host_froze(ticks, fault_records)
    if froze:
        raise HostFroze(froze)  # discarded with its logs and run again, as a late start is
    return res


def analyze(plan: dict, res: dict, outdir: str) -> None:
    """Events of one run from its saved logs (also used by --reparse), and what the logs alone
    measure: the host's and the engine's latencies. Every metric the simulator computes from
    events (detection times, HAProxy's answers by status, the VIP figures, the load loop's
    requests and outages, PostgreSQL's commits) `hasim validate` computes from these events with
    the simulator's own code (scenarios/checks/), so real and simulated values come from one
    place; nothing here computes them again. A run made in
    a remapped slot (res["subnets"]: original -> slot) has its logs read back into the scenario's
    own addresses, so names (vip.ADDRESS...) and events match a sequential run's."""
    back = reverse_pairs(res.get("subnets"))
    t0 = res["t0_ns"]
    duration = float(plan["duration_s"])

    def read(path: str) -> list[str]:
        with open(path) as f:
            return [remap_text(line, back) for line in f.read().splitlines()]
    logs = {}
    for svc in plan["logs"]:
        path = os.path.join(outdir, f"{svc}.log")
        if os.path.exists(path):
            logs[svc] = read(path)
    events = [dict(f) for f in remap_obj(res["faults"], back)]
    metrics: dict[str, float] = {}
    # HAProxy's answers by status among them (http_non_2xx, from its `option httplog` lines).
    events += kinds.daemon_events(plan["node_processes"], logs, t0)
    wakeups: list[float] = []
    for h in plan["haproxy"]:
        timers = {f"{s['backend']}/{s['server']}": {"timeout_s": s["timeout_s"], "inter_s": s.get("fastinter_s", s["inter_s"])}
                  for s in h["servers"] if s.get("check") and "timeout_s" in s}
        wakeups += parse_logs.check_wakeups(logs.get(h["service"], []), timers)
    for p in plan.get("postgres", []):  # the replication monitor's rows (pg-stat-probe.sh)
        path = os.path.join(outdir, f"pgstat-{p['service']}.log")
        if os.path.exists(path):
            events += parse_logs.parse_pg_stat(read(path), p["service"], t0)
    loop: list[float] = []
    exec_delays: list[float] = []
    for w in plan["workloads"]:
        path = os.path.join(outdir, f"workload-{w['name']}.log")
        kind = parse_logs.workload_kind(w)
        if kind == "pg_writer":
            if os.path.exists(path):
                events += parse_logs.parse_pg_client(read(path), w["service"], w["name"], t0, w.get("addresses", {}))
            continue
        if kind == "pgbench":
            if os.path.exists(path):
                events += parse_logs.parse_pgbench(read(path), w["service"], w["name"], t0, w["host"], int(w["clients"]))
            continue
        if kind == "pg_reader":
            if os.path.exists(path):
                events += parse_logs.parse_pg_reader(read(path), w["service"], w["name"], t0, w.get("addresses", {}))
            continue
        reqs = []
        if os.path.exists(path):
            reqs = parse_logs.parse_client(read(path), w["service"], w["name"], t0)
        if kind == "http_probe":
            # An open loop's cost is each request's start after its tick (it does not wait for
            # its requests), and its last requests may end after the run.
            reqs = parse_logs.open_loop_requests(reqs, duration)
            loop.extend(parse_logs.spawn_lags(reqs))
        else:
            loop.extend(parse_logs.loop_costs(reqs, float(w["interval_s"])))
        exec_delays.extend(parse_logs.workload_start_delays(reqs, float(w["start_s"])))
        events += reqs
    vip_lines = {}
    for w in plan.get("vip_watch", []):
        path = os.path.join(outdir, f"vip-{w['service']}.log")
        ends = read(path) if os.path.exists(path) else []
        lines = parse_logs.vip_watch_lines(logs.get(w["service"], []), ends)
        if lines:
            vip_lines[w["service"]] = (w["vips"], lines)
    if vip_lines:
        events += parse_logs.parse_vip_watch(vip_lines, t0)
    res["metrics"] = metrics
    res["loop_costs_s"] = [round(x, 6) for x in loop]
    res["wakeups_s"] = [round(x, 6) for x in wakeups]
    ticks_path = os.path.join(outdir, "ticks.log")
    if os.path.exists(ticks_path):
        res["tick_wakeups_s"] = [round(x, 6) for x in parse_logs.tick_wakeups(read(ticks_path))]
    res["command_delays_s"] = {k: [round(x, 6) for x in v]
                               for k, v in parse_logs.command_delays(remap_obj(res["faults"], back), logs, t0).items()}
    # `docker exec`: the load loop's late first request, each operator step's own duration, and a
    # promote's time to the server's taking it.
    exec_delays = exec_delays + parse_logs.operator_exec_delays(remap_obj(res["faults"], back), events)
    if exec_delays:
        res["command_delays_s"]["exec"] = [round(x, 6) for x in exec_delays]
    # Each daemon's start-up, from its container's PID 1 to its ready line (plan.json's ready_logs).
    startups: dict[str, dict[str, list[float]]] = {"first": {}, "later": {}}
    stopped = set(plan.get("initially_stopped", []))
    for svc, daemons in plan.get("node_processes", {}).items():
        got = parse_logs.daemon_startups(logs.get(svc, []), daemons, plan.get("ready_logs", {}), svc not in stopped)
        for when, per_kind in got.items():
            for kind, xs in per_kind.items():
                startups[when].setdefault(kind, []).extend(round(x, 6) for x in xs)
    # The writer session's statements as its backends timed them (log_min_duration_statement in
    # pg-writer.sh's PGOPTIONS), from every PostgreSQL node it wrote to.
    durations: dict[str, list[float]] = {}
    for p in plan.get("postgres", []):
        for stmt, xs in parse_logs.statement_durations(logs.get(p["service"], [])).items():
            durations.setdefault(stmt, []).extend(round(x, 6) for x in xs)
    if durations:
        res["statement_durations_s"] = durations
    # And what each commit's latency at the writer adds to its statements' server time (a warm
    # session's commits): the round trips, psql and the loop, which a loaded host stretches.
    server_times: dict[tuple[str, int], float] = {}
    for p in plan.get("postgres", []):
        server_times.update(parse_logs.writer_server_times(logs.get(p["service"], [])))
    if server_times:
        res["writer_overheads_s"] = [round(x, 6) for x in parse_logs.writer_overheads(events, server_times)]
    if plan.get("postgres"):
        # A PostgreSQL node's first start includes the stack's one-time set-up (initdb, the base
        # backups), which here precedes t0 and in the simulator precedes its run: not a start-up
        # the simulator should replay. Later starts (`docker start`) are the server's own.
        startups["first"].pop("postgres", None)
    res["startup_delays_s"] = startups
    # Every event, requests included (the load loop's metrics come from them), in time order;
    # ties keep the order above (a fault before what it caused at the same stamp).
    evs = sorted(events, key=lambda e: e["t_s"])
    for e in evs:
        e.pop("t_ns", None)
    res["events"] = evs
    # Where the run ends for the metrics computed from the events (an outage or a VIP's
    # absence still open then runs to here).
    res["duration_s"] = duration


# --- slots ---------------------------------------------------------------------------------------
class Slot:
    """Where runs happen: one compose project (locked), and in remap mode its own copy of the
    rendered directory in its own subnets."""

    def __init__(self, index: int, project: str, lock: ProjectLock, stack: Stack, subnets: dict | None):
        self.index, self.project, self.lock, self.stack, self.subnets = index, project, lock, stack, subnets
        self.clean = True
        self.left: list[str] = []

    def describe(self) -> dict:
        return {"slot": self.index, "project": self.project, "dir": self.stack.dir, "subnets": self.subnets or {}}


def make_slots(a, plan: dict, rendered: str, logdir: str, remap: bool) -> list[Slot]:
    base = a.project or plan["project"]
    slots: list[Slot] = []
    try:
        if not remap:
            lock = ProjectLock(base)
            if not lock.try_acquire():
                raise RuntimeError(f"project {base} is in use by run_real.py pid {lock.holder()}: use --project NAME "
                                   "or --parallel/--remap")
            slots.append(Slot(1, base, lock, Stack(rendered, plan, base), None))
            return slots
        k = 0
        while len(slots) < a.parallel:
            k += 1
            if k > a.parallel + 32:
                raise RuntimeError(f"no free slot project name {base}-sN (all locked by other run_real.py)")
            project = f"{base}-s{k}"
            lock = ProjectLock(project)
            if not lock.try_acquire():
                continue  # another run_real.py uses this slot name: take the next
            try:
                subnets = allocate_subnets(list(n["subnet"] for n in plan["networks"].values()), project)
                sdir = os.path.join(logdir, "slots", project)
                remapped_copy(rendered, sdir, subnets)
                with open(os.path.join(sdir, "plan.json")) as f:
                    splan = json.load(f)
            except BaseException:
                release_subnets(project)
                lock.release()
                raise
            slots.append(Slot(len(slots) + 1, project, lock, Stack(sdir, splan, project, name=project), subnets))
            log(f"slot {project}: " + ", ".join(f"{o} -> {n}" for o, n in subnets.items()))
        return slots
    except BaseException:
        for s in slots:
            release_subnets(s.project)
            s.lock.release()
        raise


def release_slot(slot: Slot) -> None:
    release_subnets(slot.project)
    slot.lock.release()


def slot_worker(slot: Slot, plan: dict, runs: queue.Queue, results: dict, errors: list, a, seed: int, logdir: str,
                start_delay: float) -> None:
    stack = slot.stack
    try:
        t_end = time.monotonic() + start_delay
        while time.monotonic() < t_end:  # staggered starts: slots' fault commands do not coincide
            check_stop()
            time.sleep(0.1)
        while not STOP.is_set() and not NO_MORE.is_set():
            try:
                run = runs.get_nowait()
            except queue.Empty:
                return
            rdir = os.path.join(logdir, f"run{run}")
            discarded: list[dict] = []
            while True:
                if os.path.exists(rdir):
                    shutil.rmtree(rdir)  # an earlier attempt's logs: vip logs are appended to
                os.makedirs(rdir)
                t = time.monotonic()
                res = None
                failure = None
                try:
                    res = one_run(stack, plan, run, seed, rdir, a.health_timeout)
                except Interrupted:
                    return
                except Exception as e:  # noqa: BLE001 - retried, or reported once
                    failure = e
                    try:  # what the containers said, for the record of the failed attempt
                        stack.logs(rdir)
                    except Exception:  # noqa: BLE001
                        pass
                finally:
                    td = time.monotonic()
                    left = stack.down()
                    if left:
                        slot.clean = False
                        slot.left = left
                    down_s = time.monotonic() - td
                if failure is None:
                    break
                if left or len(discarded) >= a.retries:
                    errors.append(f"run {run} ({slot.project}): {failure}"
                                  + (f" (after {len(discarded)} discarded attempt(s))" if discarded else ""))
                    log(f"run {run}: error: {failure}")
                    NO_MORE.set()
                    return
                # An attempt the harness spoiled (the stack not healthy in time, an engine command
                # failing, the host stopping) is no measurement: it is recorded with its reason and
                # its logs, and run again.
                keep = os.path.join(logdir, f"run{run}-discarded{len(discarded) + 1}")
                if os.path.exists(keep):
                    shutil.rmtree(keep)
                os.replace(rdir, keep)
                discarded.append({"reason": str(failure).splitlines()[0][:300], "logs": keep})
                log(f"run {run}: attempt {len(discarded)} discarded ({discarded[-1]['reason']}); running it again")
            if slot.subnets:
                res["project"], res["slot"], res["subnets"] = slot.project, slot.index, dict(slot.subnets)
            analyze(plan, res, rdir)
            if discarded:
                res["discarded_attempts"] = discarded
            res["down_s"] = down_s
            res["wall_s"] = time.monotonic() - t
            results[run] = res
            log(f"run {run}: {res['wall_s']:.1f}s wall; " + ", ".join(f"{k}={v:.3f}" for k, v in sorted(res["metrics"].items())))
    except Interrupted:
        return
    except Exception as e:  # noqa: BLE001
        errors.append(f"{slot.project}: {e}")
        NO_MORE.set()


def service_answers(sock_path: str) -> bool:
    """The API service is up (not just its socket file, which outlives a killed service)."""
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(sock_path)
        s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
        return s.recv(64).startswith(b"HTTP/1.")
    except OSError:
        return False
    finally:
        s.close()


def write_results(path: str, out: dict) -> None:
    keys = sorted({k for r in out["runs"] for k in r["metrics"]})
    out["summary"] = {k: parse_logs.summarize([r["metrics"][k] for r in out["runs"] if k in r["metrics"]]) for k in keys}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
    os.replace(tmp, path)


def summarize(out: dict) -> None:
    """The measured environment of a set of runs: the load loop's cost (validate uses it)."""
    out["loop_cost"] = parse_logs.loop_cost_summary([r.get("loop_costs_s", []) for r in out["runs"]])
    # HAProxy's own late timers when there are enough (they are what the model delays); else the
    # in-stack timer loop's (a scenario where no check times out, like Demo 1 Part 2).
    out["wakeup"] = parse_logs.empirical_summary([r.get("wakeups_s", []) for r in out["runs"]])
    if out["wakeup"] is not None:
        out["wakeup"]["source"] = "haproxy_checks"
    else:
        out["wakeup"] = parse_logs.empirical_summary([r.get("tick_wakeups_s", []) for r in out["runs"]])
        if out["wakeup"] is not None:
            out["wakeup"]["source"] = "tick_probe"
    # Three samples at least (Part 1: two stops and two starts a run).
    delays = {}
    for action in sorted({a for r in out["runs"] for a in r.get("command_delays_s", {})}):
        d = parse_logs.empirical_summary([r.get("command_delays_s", {}).get(action, []) for r in out["runs"]], least=3)
        if d is not None:
            delays[action] = d
    out["command_delay"] = delays
    # The host's fdatasync in the primary's container, before each run (PostgreSQL runs only).
    fs = parse_logs.empirical_summary([r.get("fsync_s", []) for r in out["runs"]])
    if fs is not None:
        out["fsync"] = fs
    # The writer's session opening, step by step (run_real.py's probe after each run).
    sessions = {}
    for step in ("getent_s", "exec_s", "up_s", "tx1_s", "tx2_s"):
        d = parse_logs.empirical_summary([r.get("session_probe_s", {}).get(step, []) for r in out["runs"]])
        if d is not None:
            sessions[step] = d
    if sessions:
        out["session_probe"] = sessions
    # The writer's statements, server-side, by statement (measured, not simulated yet).
    statements = {}
    for stmt in sorted({k for r in out["runs"] for k in r.get("statement_durations_s", {})}):
        d = parse_logs.empirical_summary([r.get("statement_durations_s", {}).get(stmt, []) for r in out["runs"]])
        if d is not None:
            statements[stmt] = d
    if statements:
        out["statement_durations"] = statements
    # Daemon start-ups, at the stack's start and at later container starts (three samples at least).
    startup: dict[str, dict] = {}
    for when in ("first", "later"):
        per_kind = {}
        for kind in sorted({k for r in out["runs"] for k in r.get("startup_delays_s", {}).get(when, {})}):
            d = parse_logs.empirical_summary([r.get("startup_delays_s", {}).get(when, {}).get(kind, []) for r in out["runs"]], least=3)
            if d is not None:
                per_kind[kind] = d
        startup[when] = per_kind
    out["startup_delay"] = startup


def engine_error(plan: dict) -> str | None:
    """Why this runner (podman) cannot run a plan rendered for another engine, or None. The
    configs differ by engine (HAProxy's resolvers ask Docker's embedded DNS at 127.0.0.11, or
    aardvark-dns at each network's gateway); a plan without "engine" predates the choice and was
    rendered for podman."""
    engine = plan.get("engine", "podman")
    if engine == "podman":
        return None
    return (f"the stack was rendered for {engine}, and this runner runs podman (its DNS answers at each "
            f"network's gateway, not where {engine}'s does): render it again with "
            f"`hasim render {plan.get('file') or 'SCENARIO'} DIR --engine podman`")


def main(argv=None) -> int:
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rendered", help="directory written by `hasim render`")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--parallel", type=int, default=1, metavar="K",
                    help="up to K runs at once, each in its own project and remapped subnets (default 1: as is)")
    ap.add_argument("--remap", action="store_true", help="remap subnets even with --parallel 1")
    ap.add_argument("--project", default=None, help="compose project name (default: the plan's); slots add -sK")
    ap.add_argument("--stagger", type=float, default=3.0, help="seconds between the slots' first runs (default 3)")
    ap.add_argument("--seed", type=int, default=None, help="seed of the phase offsets (default: the plan's)")
    ap.add_argument("--out", default="results.json")
    ap.add_argument("--logs", default=None, help="directory for raw logs (default: OUT without .json + -logs)")
    ap.add_argument("--no-build", action="store_true", help="never build: fail if an image is missing")
    ap.add_argument("--build-only", action="store_true", help="build the missing images and exit")
    ap.add_argument("--health-timeout", type=float, default=60.0)
    ap.add_argument("--retries", type=int, default=2,
                    help="attempts of a run the harness spoiled (stack not healthy before its first event, an "
                         "engine command failing, the host stopping for a second or more) run again, each "
                         "recorded with its reason (default 2)")
    ap.add_argument("--reparse", metavar="RESULTS", default=None,
                    help="recompute events and metrics of RESULTS from its saved logs (no containers); writes --out")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    VERBOSE = a.verbose
    if a.parallel < 1 or a.runs < 0:
        ap.error("--parallel must be >= 1 and --runs >= 0")
    if a.reparse:
        with open(os.path.join(a.rendered, "plan.json")) as f:
            plan = json.load(f)
        with open(a.reparse) as f:
            out = json.load(f)
        logdir = a.logs or (a.reparse[:-5] if a.reparse.endswith(".json") else a.reparse) + "-logs"
        for res in out["runs"]:
            analyze(plan, res, os.path.join(logdir, f"run{res['run']}"))
        summarize(out)
        write_results(a.out, out)
        return 0
    if os.geteuid() != 0:
        print("run_real.py: must run as root (rootful podman)", file=sys.stderr)
        return 2
    rendered = os.path.abspath(a.rendered)
    with open(os.path.join(rendered, "plan.json")) as f:
        plan = json.load(f)
    if engine_error(plan):
        print(f"run_real.py: {engine_error(plan)}", file=sys.stderr)
        return 2
    if not service_answers(ENV["DOCKER_HOST"].replace("unix://", "")):
        print(f"run_real.py: no podman service answering at {ENV['DOCKER_HOST']}: run validation/env/setup.sh",
              file=sys.stderr)
        return 2
    seed = plan["seed"] if a.seed is None else a.seed
    logdir = os.path.abspath(a.logs or (a.out[:-5] if a.out.endswith(".json") else a.out) + "-logs")
    os.makedirs(logdir, exist_ok=True)
    remap = a.remap or a.parallel > 1
    parallel = max(1, min(a.parallel, a.runs)) if remap else 1
    a.parallel = parallel
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    t_start = time.monotonic()
    out = {"scenario": plan["scenario"], "project": plan["project"], "seed": seed, "runs": [], "build_s": None,
           "parallel": parallel, "interrupted": False, "error": None}
    errors: list[str] = []
    slots: list[Slot] = []
    rc = 0
    try:
        if "images" in plan:
            img = ensure_images(rendered, plan, build=not a.no_build)
            out["build_s"], out["images"] = img["build_s"], {"built": img["built"], "cached": img["cached"]}
            log(f"images: {len(img['built'])} built ({img['build_s']:.1f}s), {len(img['cached'])} cached")
        elif not a.no_build:  # rendered before images were content-addressed
            log("building images (compose build)")
            out["build_s"] = Stack(rendered, plan, a.project or plan["project"]).build()
        if a.build_only:
            return 0
        slots = make_slots(a, plan, rendered, logdir, remap)
        out["slots"] = [s.describe() for s in slots]
        for s in slots:
            # Leftovers of an earlier, killed run of the same project (we hold its lock, so they
            # are nobody else's); then the subnets, unless remapped to free ones already.
            if s.stack.leftovers():
                log(f"{s.project}: removing leftovers of an earlier run")
                left = s.stack.down()
                if left:
                    raise RuntimeError(f"leftovers of {s.project} cannot be removed: {', '.join(left)}")
        if not remap:
            check_subnets_free([n["subnet"] for n in plan["networks"].values()])
        runs: queue.Queue = queue.Queue()
        for r in range(a.runs):
            runs.put(r)
        results: dict[int, dict] = {}
        threads = [threading.Thread(target=slot_worker, name=s.project, daemon=True,
                                    args=(s, plan, runs, results, errors, a, seed, logdir, i * a.stagger))
                   for i, s in enumerate(slots)]
        for t in threads:
            t.start()
        # The main thread only waits (signals arrive here); every slot's waits are bounded, the
        # longest being a run's duration plus its commands' timeouts.
        limit = time.monotonic() + (a.runs + 1) * (float(plan["duration_s"]) + 900)
        while any(t.is_alive() for t in threads) and time.monotonic() < limit:
            for t in threads:
                t.join(timeout=0.2)
        if any(t.is_alive() for t in threads):
            STOP.set()
            errors.append("slots did not finish in time")
            for t in threads:
                t.join(timeout=300)
        out["runs"] = [results[r] for r in sorted(results)]
    except Interrupted:
        pass
    except Exception as e:  # noqa: BLE001 - report, tear down, exit non-zero
        errors.append(str(e))
        log(f"error: {e}")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for s in slots:
            left = s.stack.down() if (s.stack.ids or s.stack.networks or os.path.exists(s.stack.idfile)) else []
            if left or not s.clean:
                errors.append(f"{s.project} not clean: {', '.join(left or s.left)}")
            release_slot(s)
    if SIGNALLED.is_set():
        out["interrupted"] = True
        rc = 130
        log("interrupted; torn down")
    elif errors or STOP.is_set():
        rc = 1
    out["error"] = "; ".join(errors) if errors else None
    if errors and rc == 130:
        log("errors: " + out["error"])
    out["wall_s"] = time.monotonic() - t_start
    summarize(out)
    write_results(a.out, out)
    log(f"wrote {a.out} ({len(out['runs'])} runs{', interrupted' if out['interrupted'] else ''}), logs in {logdir}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
