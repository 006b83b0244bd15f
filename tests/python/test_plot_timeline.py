"""hasim_plot.timeline: a PostgreSQL run over time, simulated beside real, from Python and from the
command line; and the committed Demo 2 timeline carries what it shows."""
import json
import os
import subprocess
import sys

import pytest

import hasim_plot
from hasim_plot.timeline import side_data, summary

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SOURCE_DIR = os.environ.get("HASIM_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def run_of(acks, failed=(), lag=(), faults=()):
    ev = [{"kind": "pg_commit_acked", "t_s": t, "latency_us": us} for t, us in acks]
    ev += [{"kind": "pg_commit_failed", "t_s": t} for t in failed]
    ev += [{"kind": "pg_stat_replication", "t_s": t, "application_name": who, "replay_lag_us": us} for t, who, us in lag]
    ev += [{"kind": "fault", "t_s": t, "action": a, "target": n} for t, a, n in faults]
    return {"seed": 1, "events": sorted(ev, key=lambda e: e["t_s"])}


SIM = run_of([(1.0, 2000), (1.5, 2100), (12.0, 30000), (12.5, 1900)], failed=[2.0, 2.5, 3.0],
             lag=[(1.1, "r1", 900), (1.6, "r1", 0), (1.2, "r2", 1500)], faults=[(1.7, "stop", "pg1")])
REAL = run_of([(1.0, 1800), (11.0, 2500), (11.5, 2000)], failed=[2.0], lag=[(1.1, "r1", 700)],
              faults=[(1.7, "stop", "pg1")])


def test_a_side_holds_its_commits_its_longest_gap_its_lags_and_its_faults():
    s = side_data(SIM, "sim")
    assert s["acks"] == [[1.0, 2.0], [1.5, 2.1], [12.0, 30.0], [12.5, 1.9]]
    assert s["failed"] == [2.0, 2.5, 3.0]
    assert s["gap"] == [1.5, 12.0]  # the longest time between two acknowledgements
    assert s["lag"] == {"r1": [[1.1, 0.0009], [1.6, 0.0]], "r2": [[1.2, 0.0015]]}
    assert s["faults"] == [[1.7, "stop pg1"]]


def test_the_png_carries_what_it_shows(tmp_path):
    out = tmp_path / "t.png"
    hasim_plot.timeline(SIM, out, real_run=REAL, sim_label="sim", real_label="real")
    assert out.read_bytes()[:8] == PNG_MAGIC
    sys.path.insert(0, os.path.join(SOURCE_DIR, "docs"))
    import figures
    shown = json.loads(figures.png_text(str(out))["hasim:timeline"])
    assert shown == summary([side_data(SIM, "sim"), side_data(REAL, "real")])
    assert shown[1] == {"label": "real", "acked": 3, "failed": 1, "gap": [1.0, 11.0], "lag_rows": {"r1": 1},
                        "faults": ["stop pg1"]}


def test_a_run_without_the_writers_events_names_the_option_it_needs(tmp_path):
    with pytest.raises(hasim_plot.PlotError, match="--events pg_commit_acked,pg_commit_failed,pg_stat_replication"):
        hasim_plot.timeline({"events": [{"kind": "fault", "t_s": 1.0}]}, tmp_path / "t.png")
    with pytest.raises(hasim_plot.PlotError, match="no 'events' list"):
        hasim_plot.timeline({"metrics": {}}, tmp_path / "t.png")
    with pytest.raises(hasim_plot.PlotError, match="use .png, .svg or .pdf"):
        hasim_plot.timeline(SIM, tmp_path / "t.jpg")


def test_the_command_line_draws_a_real_run_beside_and_refuses_a_run_it_lacks(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps(SIM))
    (tmp_path / "real.json").write_text(json.dumps({"runs": [REAL]}))
    base = [sys.executable, "-m", "hasim_plot", "timeline", str(tmp_path / "run.json"), "--real", str(tmp_path / "real.json")]
    p = subprocess.run(base + ["--out", str(tmp_path / "t.svg")], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "real run 0" in (tmp_path / "t.svg").read_text()
    p = subprocess.run(base + ["--run", "3", "--out", str(tmp_path / "u.png")], capture_output=True, text=True)
    assert p.returncode == 2 and "--run 3" in p.stderr and "runs 0..0" in p.stderr
    assert not (tmp_path / "u.png").exists()


def test_the_committed_demo2_timeline_shows_its_real_runs_commits():
    sys.path.insert(0, os.path.join(SOURCE_DIR, "docs"))
    import figures
    png, t = next(iter(figures.TIMELINES.items()))
    shown = json.loads(figures.png_text(os.path.join(SOURCE_DIR, png))["hasim:timeline"])
    with open(os.path.join(SOURCE_DIR, t["record"])) as f:
        real = json.load(f)["runs"][t["run"]]
    assert shown[1]["acked"] == len(side_data(real, "real")["acks"]) and shown[1]["acked"] > 0
    # The same faults on both sides: the simulated seed runs the record's scenario.
    assert shown[0]["faults"] == shown[1]["faults"] == ["stop postgres-primary", "promote postgres-replica1",
                                                        "repoint app/client:load"]
