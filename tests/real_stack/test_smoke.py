"""The real-stack smoke test: Demo 1 Part 1 and Part 2 against real haproxy, nginx and keepalived,
and Demo 2's manual failover and split brain against real PostgreSQL 15, in containers (podman +
docker-compose, validation/), a few runs each, judged by `hasim validate` with the issue's targets
against 20,000 simulated seeds.

It runs in CI on purpose (root, this machine kind); it is never skipped: a machine that cannot
run the stack fails here with the reason. Bounded: each validate call has a timeout, and
run_real.py tears its containers down whatever happens.

KNOWN_MISSES lists metrics whose target the model does not meet yet, each with the reason
recorded in docs/validation.md; KNOWN_OUTCOME_DIFFERENCES the one outcome that may differ (in one
direction, for a named reason). They are still compared and printed, not asserted.
MEDIAN_IS_A_COIN_TOSS lists metrics whose range is asserted but not their 3-run median. Every
other metric and outcome is asserted on both targets.
"""
import json
import os
import signal
import subprocess

from conftest import HASIM_BIN, SOURCE_DIR

RUNS = 3
# The targets ask for at least 100 seeds. The range target (every real run inside the
# simulated min..max) is a statistical test: even a perfect model puts one of 3 real runs below
# the min or above the max of N simulated seeds with probability 6/(N+3) per continuous metric,
# and the seeds' min..max estimates the model's reach better as N grows. About 7 continuous
# metrics are asserted (detection times, the VIP's unheld and two-holder times, the standbys'
# median lag): with 1000 seeds a correct model would fail ~4% of CI runs, and a CI run failed so
# on 2026-12-04 (a real median lag of 0.721 ms against a simulated min of 0.730; 20,000 seeds of
# the same record reach 0.32 ms: the writer's and the probe's 1 s periods keep the phase a seed
# draws, and the seeds whose probe reads while a commit is in flight show lower lags). With
# 20,000, ~0.2%. The median target, which catches a shifted model, does not depend on N.
# 20,000 seeds simulate in 10-30 s per scenario on this machine's 2 cores.
SIM_SEEDS = 20000

# Targets the model does not meet reliably yet (missed in at least one validation round), each
# with its reason (docs/validation.md has the figures).
# They are still compared and printed by hasim validate; they are not asserted here.
DNS_STALL = ("podman's aardvark-dns 1.4 at times answers nothing for a network's names for tens of "
             "seconds around container stops and starts (also with AARDVARK_NO_PROXY, so not the "
             "host's resolver); HAProxy's resolutions then time out (servers in 'DNS timeout' "
             "maintenance, a restarted server's new address taken 12-36 s late or not within the run): "
             "not modelled yet")
STARTUP = ("start-up race: HAProxy's first check reaches an nginx not yet listening in some real runs "
           "(DOWN, UP 4 s later); the simulated nginx listens within ~50 ms of its container")
# Demo 2's misses in every stored Demo 2 record (docs/validation.md, 2026-12-02 and 2026-12-03).
HOST_STALLS = ("a run's p99 is its slowest commit, one that opened a session: getent and psql's start (100-200 ms on the "
               "loaded host) and a new backend's first statement, measured after each run and simulated since 2026-12-04; "
               "the writer's first commit, right after its `docker exec`, still took 277-534 ms against psql starts of "
               "41-215 ms in the probe (real p99 277/338/534 ms, simulated 125/186/249, 2026-12-04), and a getent "
               "that DNS left unanswered waits its 1 s bound (not modelled). Since 2026-12-05 the run's first COMMIT "
               "is modelled too: it opens the WAL segment after the clones' WAL switch (XLogFileInit: 16 MiB of zeros and "
               "an fsync, 11-32 ms in 8 of 9 real runs), at the disk's write rate measured after each run; the first "
               "record of the kind met p99 and commit_wait_max (real p99 51.6 / 55.8 / 56.8 ms, simulated median 52.2)")
FIRST_ROWS = ("pg_stat_replication's rows before the writer's first commit keep the lag measured as each standby began "
              "streaming in the set-up. A standby with nothing to receive shows PG 15's walreceiver's first 100 ms nap "
              "(modelled: 0.100-0.102 s simulated, agreeing on the 2026-12-03 record); one whose first WAL in the set-up "
              "opened a new segment (a clone's backup end and WAL switch; XLogFileInit writes and fsyncs 16 MiB of zeros) "
              "shows 0.11-0.44 s on a loaded host, not modelled (the simulated set-up's later clone end costs the quiet "
              "host's write rate, about 20 ms: STANDBY_FIRST_NAP): 0.190 s in one of the three runs of 2026-12-04 "
              "(docs/validation.md)")
EXEC_STALL = "a `docker exec` (the operator's promote or repoint) stalls for seconds on the loaded host now and then"
FIRST_WAL = ("the writer's first transaction after the set-up carries its session's prune of a demodb catalog page "
             "(Heap2 PRUNE with the page's image, 7,935 bytes), the sequence's log record and the key's new root "
             "(pg_waldump, 2026-12-04): the model writes them now, 8,360 bytes with the page header it crosses and "
             "the first row's 200 bytes (a one-digit name), where a real row taken in flight showed 8,400 (1 of 3 "
             "runs on 2026-12-03 and the CI run of 2026-12-03 20:30); the other 40 are identified but not modelled "
             "(the set-up's final WAL switch starts the range on a segment's 40-byte long header), and a row "
             "catches the transaction in flight in ~1% of seeds")
FAILED_PERIOD = ("the real writer's failed attempts do not keep the simulated period when one takes longer "
                 "than it (a 1 s bounded getent, a 2 s connect timeout) or DNS answers at once")
# demo2-split-brain runs 100 s since 2026-12-05, so every writer gets back to the restarted old
# primary within the run (at 60 s about half did: its figures measured where the run ended).
# postgres.N.start_s (since 2026-12-06) is `docker start`'s latency plus the server's start-up,
# asserted since each run's own pair is simulated together for that run's seeds (a CI run beside
# a CPU hog put the slowest run's sum, 0.393 + 0.535 s, 1 ms above 20,000 seeds that drew the two
# apart from the pooled runs).
ARP_WINDOW = ("when the writer gets back to the restarted old primary follows the kernel's neighbour entry for "
              "its old MAC: REACHABLE for a time drawn in 15-45 s after the last confirmation, then DELAY 5 s and "
              "PROBE 3 s, then the next 2 s connect attempt: 23.5-54 s after the last commit, a uniform window, "
              "real and simulated alike (real 28.8 / 46.0 / 54.2 s on 2026-12-05, 25.7 and 29.8 in the CI run of "
              "that morning, 32-38 s on 2026-12-03), so a 3-run median is a coin toss; and each failed attempt "
              "takes 10-30 ms longer in the real runs (commit_wait_max_s: psql's own work, not modelled), which "
              "over ~19 attempts moves a run at the window's edge 0.1 s past the simulated range (the 2026-12-05 "
              "record: write gap 54.16 s against a simulated max of 54.06)")
STANDBY_FIRST_NAP = ("the rows before the writer's first commit: the set-up's two clones run in parallel, and the "
                     "standby whose clone ends first streams the other's XLOG_BACKUP_END and the rest of its switched "
                     "segment (16 MiB): its first row shows 0.9-35 ms of replay lag, the other standby the 100 ms nap "
                     "(13 of 15 runs on 2026-12-05). Modelled since 2026-12-06 night (the primary writes the later "
                     "clone's end when it first starts, the earlier clone streams it: 18-40 ms simulated), but not the "
                     "runs where the earlier clone's catch-up took 1-3 ms (its next segment already there) or where "
                     "both showed the nap (2 of 15), nor a loaded host's slower nap replies (0.10-0.40 s)")
# The commit p50 (both Demo 2 stacks) is asserted with each run's own statements, each its own,
# and the writer's own time per commit (runtime.writer_overhead: each commit's latency less its
# statements' server time), measured in that run: since 2026-12-05 (docs/validation.md), where
# the writer's side, unmodelled, had put split brain's seeds 0.10-0.33 ms under a loaded run.
KNOWN_MISSES: dict[str, dict[str, str]] = {
    "demo1-part1": {
        # A silence can keep a restarted server out to the end of the run (one UP fewer) and take
        # every server into maintenance (16 failed requests in one CI run).
        "haproxy.server_up": DNS_STALL,
        "haproxy.server_down": DNS_STALL,
        "haproxy.http_503": DNS_STALL,
        "load.failed": DNS_STALL,
        "nginx_backend.nginx1.detect_up_s": DNS_STALL,
        "nginx_backend.nginx2.detect_up_s": DNS_STALL,
        "load.outage_max_s": "the real loop's timing jitter moves the range edge by ~10 ms",
        # Which server the loop reaches follows the round-robin position at each outage and how
        # long a restarted server stays DOWN (the DNS tail above).
        "load.served.nginx1": DNS_STALL,
        "load.served.nginx2": DNS_STALL,
        "load.served.nginx3": DNS_STALL,
    },
    "demo1-part2": {
        "haproxy.http_503": DNS_STALL,
        "haproxy.server_down": STARTUP + "; " + DNS_STALL,
        "haproxy.server_up": STARTUP + "; " + DNS_STALL,
        "load.failed": DNS_STALL,
        "load.outage_max_s": DNS_STALL,
        "load.served.nginx1": DNS_STALL,
        "load.served.nginx2": DNS_STALL,
        "load.served.nginx3": DNS_STALL,
    },
    "demo2-manual-failover": {
        # load.commit_latency_ms.p50 is asserted since 2026-12-04 night: with each run's own
        # statement durations three rounds met it, quiet, beside two CPU hogs and beside one
        # (docs/validation.md), where the constant 200 us per statement and the standbys' flush
        # had missed it in every round; and since 2026-12-05 with each statement its own and the
        # writer's own time (a two-hog CI run had put one real run 0.02 ms under every seed).
        "load.commit_latency_ms.p99": HOST_STALLS,
        "load.commit_wait_max_s": HOST_STALLS,
        "load.failed": FAILED_PERIOD,
        # After the repoint postgres-replica1 did not resolve for ~5 s in one 2026-12-02 run; in
        # one 2026-12-03 run the promote's `docker exec` took 10.5 s (gap 25.3 s, 67 acks: the
        # simulated seeds, drawing exec latencies from the 6 measured, reached 21.0 s and 75).
        "load.write_gap_max_s": DNS_STALL + "; " + EXEC_STALL,
        "load.acked": DNS_STALL + "; " + EXEC_STALL,
        "commits.acked": DNS_STALL + "; " + EXEC_STALL,
        "replication.postgres-replica1.lag_max_s": FIRST_ROWS,
        "replication.postgres-replica2.lag_max_s": FIRST_ROWS,
        "replication.postgres-replica1.lag_bytes_max": FIRST_WAL,
        "replication.postgres-replica2.lag_bytes_max": FIRST_WAL,
    },
    # Asserted: the commit p50, hung commits and the standbys' median lag, with the outcomes.
    "demo2-split-brain": {
        "commits.acked": ARP_WINDOW,
        "load.acked": ARP_WINDOW,
        "commits.acked_lost": ARP_WINDOW,
        "commits.lost_window_s": ARP_WINDOW,
        "load.write_gap_max_s": ARP_WINDOW,
        "load.failed": ARP_WINDOW + "; " + FAILED_PERIOD,
        "load.commit_latency_ms.p99": HOST_STALLS,
        "load.commit_wait_max_s": HOST_STALLS,
        "replication.postgres-replica1.lag_max_s": FIRST_ROWS + "; " + STANDBY_FIRST_NAP,
        "replication.postgres-replica2.lag_max_s": FIRST_ROWS + "; " + STANDBY_FIRST_NAP,
        "replication.postgres-replica1.lag_bytes_max": FIRST_WAL,
        "replication.postgres-replica2.lag_bytes_max": FIRST_WAL,
    },
}
# Metrics whose median over 3 real runs is a coin toss for a correct model: the VIP's start-up
# flip (haproxy2's keepalived up first holds the VIP for a moment: a third move, two holders)
# happened in 3 of 6 real Part 2 runs on 2026-12-01 and in 44% of simulated seeds, so the median
# of 3 runs lands on either value. Only their range target is asserted.
FLIP = "start-up flip in about half the runs, real and simulated: the 3-run median is either value"
MEDIAN_IS_A_COIN_TOSS: dict[str, dict[str, str]] = {
    "demo1-part1": {},
    "demo1-part2": {"vip.172.20.0.100.moves": FLIP, "vip.172.20.0.100.holders_max": FLIP},
    "demo2-manual-failover": {},
    "demo2-split-brain": {},
}
# Outcomes that may differ, in one direction only, for the same reason.
# Each: (reason, direction). "real_sometimes": real runs sometimes show it where the simulator
# never does; "real_sometimes_not": some (not all) real runs miss it where the simulator always
# shows it.
KNOWN_OUTCOME_DIFFERENCES: dict[str, dict[str, tuple[str, str]]] = {
    "demo1-part1": {"nginx_backend.nginx1: UP after its restart": (DNS_STALL, "real_sometimes_not"),
                    "nginx_backend.nginx2: UP after its restart": (DNS_STALL, "real_sometimes_not")},
    "demo1-part2": {"load: requests failed": (DNS_STALL, "real_sometimes")},
    "demo2-manual-failover": {},
    "demo2-split-brain": {},
}


# Stacks whose qualitative outcomes are asserted here but whose figures the model does not match
# yet, so none of them is: a list of exemptions as long as the table would say nothing.
OUTCOMES_ONLY: dict[str, str] = {
    # demo2-split-brain was here until 2026-12-05: at 60 s whether its writer got back to the old
    # primary before the end was a coin toss; it runs 100 s now (ARP_WINDOW above).
}


def allowed_difference(o: dict, allowed: dict) -> bool:
    if o["outcome"] not in allowed:
        return False
    direction = allowed[o["outcome"]][1]
    if direction == "real_sometimes":
        return o["sim_yes"] == 0 and 0 < o["real_yes"] < o["real_n"]
    return o["sim_yes"] == o["sim_n"] and 0 < o["real_yes"] < o["real_n"]


def validate(scenario: str, out, timeout: float, parallel: int = RUNS) -> dict:
    # Its own session, so a timeout interrupts hasim and run_real.py together, as Ctrl-C would:
    # run_real.py then tears its containers down before exiting. --remap: free subnets and a slot
    # project of its own even one run at a time, so another stack on this machine using the
    # scenario's subnets (a second CI, a validate by hand) is no clash; stop 43's CI failed on one.
    p = subprocess.Popen([str(HASIM_BIN), "validate", scenario, "--runs", str(RUNS), "--parallel", str(parallel),
                          "--remap", "--sim-seeds", str(SIM_SEEDS), "--out", str(out), "--no-plot", "--quiet"],
                         cwd=SOURCE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGINT)
        stdout, stderr = p.communicate(timeout=180)
        raise AssertionError(f"hasim validate {scenario} took over {timeout} s; interrupted:\n{stderr[-3000:]}")
    print(stdout)
    print(stderr[-4000:])
    assert p.returncode in (0, 1), f"hasim validate could not run the real stack (exit {p.returncode}):\n{stderr[-3000:]}"
    with open(os.path.join(out, "validation.json")) as f:
        return json.load(f)


def judge(record: dict, name: str) -> None:
    assert record["real_runs"] == RUNS
    assert record["sim_runs"] == SIM_SEEDS
    allowed = KNOWN_OUTCOME_DIFFERENCES[name]
    # Only a named difference in its named direction is allowed; any other disagreement (the VIP
    # not moving, two holders, a server never DOWN, no real run coming back UP) fails.
    bad_outcomes = [o["outcome"] for o in record["outcomes"] if not o["agree"] and not allowed_difference(o, allowed)]
    assert not bad_outcomes, f"qualitative outcomes differ: {bad_outcomes}"
    if name in OUTCOMES_ONLY:
        return
    known = KNOWN_MISSES[name]
    toss = MEDIAN_IS_A_COIN_TOSS[name]
    missed = [m["metric"] for m in record["metrics"] if not m["pass"] and m["metric"] not in known
              and not (m["metric"] in toss and m["range_ok"])]
    assert not missed, f"targets missed: {missed}"


def test_demo1_part1_agrees_with_the_real_stack(tmp_path):
    judge(validate("scenarios/demo1-part1.yaml", tmp_path / "part1", timeout=900), "demo1-part1")


def test_demo1_part2_agrees_with_the_real_stack(tmp_path):
    judge(validate("scenarios/demo1-part2.yaml", tmp_path / "part2", timeout=900), "demo1-part2")


# Demo 2's stacks run one at a time, as every stored Demo 2 record was made: three PostgreSQL
# stacks at once on the 2-core host put their initdb, base backups and twelve servers on two
# cores, and a commit's latency is then the scheduler's. What the host's load still does to the
# timings is measured in the same runs and simulated (the disk's fsync before each run, `docker
# exec` and stop/start latencies), not tolerated.
def test_demo2_manual_failover_agrees_with_the_real_stack(tmp_path):
    judge(validate("scenarios/demo2/manual-failover.yaml", tmp_path / "manual-failover", timeout=900, parallel=1),
          "demo2-manual-failover")


def test_demo2_split_brain_agrees_with_the_real_stack(tmp_path):
    judge(validate("scenarios/demo2/split-brain.yaml", tmp_path / "split-brain", timeout=900, parallel=1), "demo2-split-brain")
