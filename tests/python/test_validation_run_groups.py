"""hasim validate simulates each real run's own `docker start` and start-up together, for that
run's share of the seeds: one moment of the host, not two draws from the pooled runs."""
import json
import subprocess

from conftest import HASIM_BIN, SOURCE_DIR

RECORD = SOURCE_DIR / "validation" / "results" / "2026-12-05" / "demo2-split-brain.real.json"


def summary(xs):
    """run_real.py's pooled summary of a few samples (min, median, max)."""
    xs = sorted(xs)
    return {"n": len(xs), "runs": len(xs), "median_s": xs[len(xs) // 2], "max_s": xs[-1],
            "quantiles_s": [[0.0, xs[0]], [0.5, xs[len(xs) // 2]], [1.0, xs[-1]]]}


def test_a_run_s_start_and_start_up_are_drawn_together(tmp_path):
    # The old primary's `docker start` and its server's start-up, made far apart per run: run 0
    # a slow start and a quick server, run 1 the reverse, run 2 both quick. Each run's sum is 0.9,
    # 0.9 and 0.2 s; drawn apart from the pooled three, a seed's sum falls anywhere in 0.2-1.6 s.
    rec = json.loads(RECORD.read_text())
    starts, startups = [0.8, 0.1, 0.1], [0.1, 0.8, 0.1]
    for run, s, u in zip(rec["runs"], starts, startups):
        run["command_delays_s"]["start"] = [s]
        run["startup_delays_s"]["later"]["postgres"] = [u]
    rec["command_delay"]["start"] = summary(starts)
    rec["startup_delay"]["later"]["postgres"] = summary(startups)
    real = tmp_path / "real.json"
    real.write_text(json.dumps(rec))
    out = tmp_path / "out"
    p = subprocess.run([str(HASIM_BIN), "validate", "scenarios/demo2/split-brain.yaml", "--real", str(real), "--sim-seeds", "30",
                        "--no-plot", "--jobs", "2", "--out", str(out)], cwd=SOURCE_DIR, capture_output=True, text=True, timeout=600)
    assert p.returncode in (0, 1), p.stderr
    assert "Engine commands and start-ups simulated per real run (3 groups of seeds)" in p.stdout
    record = json.loads((out / "validation.json").read_text())
    [m] = [m for m in record["metrics"] if m["metric"] == "postgres.postgres-primary.start_s"]
    sim = m["sim_values"]
    assert len(sim) == 30
    # The model's own part of a clean start (its start-up's redo and the ready line) is tens of
    # milliseconds: every seed is one of the two sums plus it, none between them.
    high = [x for x in sim if 0.9 <= x < 1.0]
    low = [x for x in sim if 0.2 <= x < 0.3]
    assert len(high) + len(low) == len(sim), sim
    assert len(high) == 20 and len(low) == 10, sim
