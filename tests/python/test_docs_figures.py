"""docs/figures.py, the check behind `make docs`: it fails on a copy of the docs in which a
documented number, a sweep's stored CSV or a heatmap differs from what its command gives.
(The docs as committed pass: that is the ctest entry docs_figures.)"""
import json
import shutil
import subprocess
import sys

from conftest import HASIM_BIN, SOURCE_DIR

FIGURES = SOURCE_DIR / "docs" / "figures.py"


def docs_copy(tmp_path):
    root = tmp_path / "tree"
    (root / "docs").mkdir(parents=True)
    shutil.copy(SOURCE_DIR / "README.md", root / "README.md")
    shutil.copy(SOURCE_DIR / "docs" / "exploring-tuning.md", root / "docs" / "exploring-tuning.md")
    shutil.copytree(SOURCE_DIR / "docs" / "data", root / "docs" / "data")
    shutil.copytree(SOURCE_DIR / "docs" / "img", root / "docs" / "img")
    return root


def check(root):
    return subprocess.run([sys.executable, str(FIGURES), "check", "--hasim", str(HASIM_BIN), "--docs-root", str(root)],
                          capture_output=True, text=True, timeout=300)


def test_a_stale_number_a_stale_csv_and_a_heatmap_of_other_data_each_fail_the_check(tmp_path):
    root = docs_copy(tmp_path)
    readme = (root / "README.md").read_text()
    marker = "<!-- figure part1-fall3-inter2s -->"
    at = readme.index(marker) + len(marker)
    number = readme[at:readme.index("<", at)]
    readme = readme[:at] + "99.99" + readme[at + len(number):]
    (root / "README.md").write_text(readme)
    data = root / "docs" / "data" / "tuning-timers.csv"
    lines = data.read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace(",", ",9", 3)  # one run's values altered
    data.write_text("".join(lines))
    shutil.copy(root / "docs" / "img" / "part1-detect-heatmap.png", root / "docs" / "img" / "part2-outage-heatmap.png")

    p = check(root)
    assert p.returncode == 1, p.stderr
    assert "README.md: figure 'part1-fall3-inter2s' is stale" in p.stderr
    assert "documented: '99.99'" in p.stderr and f"its command gives: '{number}'" in p.stderr
    assert "docs/data/tuning-timers.csv differs from what `hasim sweep" in p.stderr
    assert "docs/img/part2-outage-heatmap.png does not show the cells of its sweep part2-priority-weight" in p.stderr
    assert "docs/img/part1-detect-heatmap.png" not in p.stderr  # untouched figures pass
    assert "3 documented figure(s) no longer match their commands" in p.stderr


def test_a_committed_heatmap_carries_the_cells_it_shows():
    sys.path.insert(0, str(SOURCE_DIR / "docs"))
    import figures
    cells = json.loads(figures.png_text(str(SOURCE_DIR / "docs" / "img" / "part1-detect-heatmap.png"))["hasim:cells"])
    assert cells["metric"] == "nginx_backend.nginx1.detect_down_s"
    assert cells["xs"] == ["1s", "2s", "5s"] and cells["ys"] == ["1", "2", "3"]
    rows = list(__import__("csv").DictReader(open(SOURCE_DIR / "docs" / "data" / "part1-inter-fall.csv")))
    import hasim_plot
    assert cells == hasim_plot.heatmap_cells(rows, cells["x"], cells["y"], cells["metric"])
