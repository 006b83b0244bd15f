"""hasim_plot: heatmaps of sweep results, from Python and from the command line."""
import subprocess
import sys

import pytest

import hasim
import hasim_plot
from conftest import tiny_stack

INTER = "nodes.lb.haproxy.backends.web.default-server.inter"
FALL = "nodes.lb.haproxy.backends.web.default-server.fall"
METRIC = "web.web1.detect_down_s"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def rows():
    return hasim.sweep(tiny_stack(), grid={INTER: ["500ms", "1s", "2s"], FALL: [1, 2, 3]}, seeds=3, jobs=2)


def write_csv(rows, path):
    import csv

    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: "" if v is None else v for k, v in r.items()})


def test_aggregate_takes_the_median_per_cell_in_grid_order(rows):
    xs, ys, values, counts = hasim_plot.aggregate(rows, INTER, FALL, METRIC)
    assert xs == ["500ms", "1s", "2s"] and ys == ["1", "2", "3"]
    assert counts == [[3, 3, 3]] * 3
    cell = sorted(r[METRIC] for r in rows if r[INTER] == "1s" and r[FALL] == 2)
    assert values[1][1] == cell[1]
    # More failed checks: slower detection at every interval; with two or more, so is a longer
    # interval (with one, the phase of the first check after the stop decides).
    for j in range(3):
        assert values[0][j] < values[1][j] < values[2][j]
    for i in (1, 2):
        assert values[i][0] < values[i][1] < values[i][2]
    _, _, maxima, _ = hasim_plot.aggregate(rows, INTER, FALL, METRIC, agg="max")
    assert maxima[1][1] == cell[2]


def test_heatmap_writes_a_png_from_sweep_rows(rows, tmp_path):
    out = tmp_path / "detect.png"
    assert hasim_plot.heatmap(rows, x=INTER, y=FALL, metric=METRIC, out=out) == str(out)
    data = out.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 10_000


def test_the_command_line_writes_png_and_svg_from_a_sweep_csv(rows, tmp_path):
    sweep_csv = tmp_path / "sweep.csv"
    write_csv(rows, sweep_csv)
    for name in ("fig.png", "fig.svg"):
        out = tmp_path / name
        p = subprocess.run([sys.executable, "-m", "hasim_plot", "heatmap", str(sweep_csv), "--x", INTER, "--y", FALL,
                            "--metric", METRIC, "--agg", "median", "--out", str(out)], capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
    assert (tmp_path / "fig.png").read_bytes()[:8] == PNG_MAGIC
    svg = (tmp_path / "fig.svg").read_text()
    assert "<svg" in svg and "detect_down_s" in svg


@pytest.mark.parametrize("ext", ["png", "svg"])
def test_the_same_rows_give_the_same_bytes(rows, tmp_path, ext):
    a, b = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
    hasim_plot.heatmap(rows, INTER, FALL, METRIC, a)
    hasim_plot.heatmap(list(rows), INTER, FALL, METRIC, b)
    assert a.read_bytes() == b.read_bytes()


def test_cells_without_the_metric_say_so(tmp_path):
    rows = [{"x": "a", "y": "1", "m": "1.5"}, {"x": "a", "y": "1", "m": "2.5"}, {"x": "b", "y": "1", "m": ""},
            {"x": "a", "y": "2", "m": None}, {"x": "b", "y": "2", "m": 4}, {"x": "b", "y": "2", "m": float("nan")}]
    xs, ys, values, counts = hasim_plot.aggregate(rows, "x", "y", "m")
    assert (xs, ys) == (["a", "b"], ["1", "2"])
    assert values == [[2.0, None], [None, 4.0]] and counts == [[2, 0], [0, 1]]
    out = tmp_path / "f.svg"
    hasim_plot.heatmap(rows, "x", "y", "m", out)
    svg = out.read_text()
    assert svg.count("n/a") == 2
    assert svg.count("(n=1)") == 1  # the b/2 cell has one value where a/1 has two


def test_a_missing_column_exits_2_with_a_suggestion(rows, tmp_path):
    sweep_csv = tmp_path / "sweep.csv"
    write_csv(rows, sweep_csv)
    out = tmp_path / "fig.png"
    p = subprocess.run([sys.executable, "-m", "hasim_plot", "heatmap", str(sweep_csv), "--x", INTER, "--y", FALL,
                        "--metric", "web.web1.detect_dwn_s", "--out", str(out)], capture_output=True, text=True)
    assert p.returncode == 2
    assert "did you mean 'web.web1.detect_down_s'" in p.stderr
    assert "Traceback" not in p.stderr
    assert not out.exists()
    with pytest.raises(hasim_plot.PlotError, match="unknown aggregate"):
        hasim_plot.aggregate(rows, INTER, FALL, METRIC, agg="average")


def validation_record(pass_detect=True):
    return {"scenario": "demo", "real_runs": 3, "sim_runs": 5, "pass": pass_detect,
            "metrics": [
                {"metric": "b.s.detect_down_s", "real": {"n": 3, "min": 8.1, "median": 10.5, "max": 11.0},
                 "sim": {"n": 5, "min": 8.0, "median": 10.9, "max": 12.0}, "tolerance": 1.05,
                 "median_ok": True, "range_ok": pass_detect, "pass": pass_detect,
                 "real_values": [8.1, 10.5, 11.0], "sim_values": [8.0, 10.0, 10.9, 11.5, 12.0]},
                {"metric": "load.failed", "real": {"n": 3, "min": 1, "median": 2, "max": 3},
                 "sim": {"n": 5, "min": 2, "median": 2, "max": 2}, "tolerance": 0.3,
                 "median_ok": True, "range_ok": False, "pass": False,
                 "real_values": [1, 2, 3], "sim_values": [2, 2, 2, 2, 2]}]}


def test_distributions_draw_one_panel_per_metric_with_its_verdict(tmp_path):
    import json

    path = tmp_path / "validation.json"
    path.write_text(json.dumps(validation_record()))
    out = tmp_path / "dist.svg"
    p = subprocess.run([sys.executable, "-m", "hasim_plot", "dist", str(path), "--out", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    svg = out.read_text()
    assert "b.s.detect_down_s" in svg and "load.failed" in svg
    assert "MISS: range" in svg  # load.failed's real 1 and 3 lie outside the simulated 2..2
    assert svg.count("MISS") == 1
    png = hasim_plot.distributions(validation_record(), tmp_path / "dist.png")
    assert open(png, "rb").read(8) == PNG_MAGIC


def test_distributions_of_a_file_without_metrics_exit_2(tmp_path):
    path = tmp_path / "validation.json"
    path.write_text('{"scenario": "demo", "metrics": []}')
    p = subprocess.run([sys.executable, "-m", "hasim_plot", "dist", str(path), "--out", str(tmp_path / "d.png")],
                       capture_output=True, text=True)
    assert p.returncode == 2
    assert "no metrics" in p.stderr
    assert not (tmp_path / "d.png").exists()


def test_pythonpath_build_python_alone_gives_the_module_and_the_plot_helper(tmp_path):
    import subprocess
    from conftest import BUILD_DIR
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(BUILD_DIR / "python")}
    code = ("import hasim, hasim_plot, os; "
            "print(os.path.dirname(hasim.__file__) == os.path.dirname(os.path.dirname(hasim_plot.__file__)))")
    p = subprocess.run(["/usr/bin/python3", "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "True"  # both from build/python, not from the checkout's python/
    p = subprocess.run(["/usr/bin/python3", "-m", "hasim_plot", "--help"], env=env, cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0 and "heatmap" in p.stdout
