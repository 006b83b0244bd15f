"""docs/figures.py, the check behind `make docs`: it fails on a copy of the docs in which a
documented number (README, the tuning guide, the claims), a sweep's stored CSV, a heatmap or a
validation table differs from what its command gives. (The docs as committed pass: that is the
ctest entries docs_figures and docs_validation.)"""
import json
import shutil
import subprocess
import sys

from conftest import HASIM_BIN, SOURCE_DIR

FIGURES = SOURCE_DIR / "docs" / "figures.py"


DOCS = ["exploring-tuning.md", "claims.md", "claims-stateful.md", "validation.md", "explore.md"]


def docs_copy(tmp_path, records=()):
    """The docs in a tree of their own, with the stored real records named (the validation tables
    cover the records of the tree they are in)."""
    root = tmp_path / "tree"
    (root / "docs").mkdir(parents=True)
    shutil.copy(SOURCE_DIR / "README.md", root / "README.md")
    for doc in DOCS:
        shutil.copy(SOURCE_DIR / "docs" / doc, root / "docs" / doc)
    shutil.copytree(SOURCE_DIR / "docs" / "data", root / "docs" / "data")
    shutil.copytree(SOURCE_DIR / "docs" / "img", root / "docs" / "img")
    (root / "validation" / "results").mkdir(parents=True)
    for rec in records:
        (root / rec).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SOURCE_DIR / rec, root / rec)
    return root


def figures(root, mode, *args):
    return subprocess.run([sys.executable, str(FIGURES), mode, "--hasim", str(HASIM_BIN), "--docs-root", str(root), *args],
                          capture_output=True, text=True, timeout=300)


def check(root, *args):
    return figures(root, "check", *args)


def replace_figure(path, name, text):
    """Write `text` in place of figure NAME's text (its first occurrence); return the old text."""
    doc = path.read_text()
    marker = f"<!-- figure {name} -->"
    at = doc.index(marker) + len(marker)
    end = doc.index(f"<!-- /figure {name} -->", at)
    old = doc[at:end]
    path.write_text(doc[:at] + text + doc[end:])
    return old


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
    # A claim's number as it was before the model moved it (C14: 97-102 failed requests), and a
    # number in the real-stack column that no longer matches its record.
    claims = root / "docs" / "claims.md"
    c14 = replace_figure(claims, "c14-failed", "97–102")
    replace_figure(claims, "c4-real-nginx1", "10.17 / 10.99 / 12.02")
    stateful = root / "docs" / "claims-stateful.md"
    replace_figure(stateful, "s4-lost-runs", "9 of 21")

    p = check(root)
    assert p.returncode == 1, p.stderr
    assert "README.md: figure 'part1-fall3-inter2s' is stale" in p.stderr
    assert "documented: '99.99'" in p.stderr and f"its command gives: '{number}'" in p.stderr
    assert "docs/data/tuning-timers.csv differs from what `hasim sweep" in p.stderr
    assert "docs/img/part2-outage-heatmap.png does not show the cells of its sweep part2-priority-weight" in p.stderr
    assert "docs/img/part1-detect-heatmap.png" not in p.stderr  # untouched figures pass
    assert "docs/claims.md: figure 'c14-failed' is stale" in p.stderr
    assert "documented: '97–102'" in p.stderr and f"its command gives: '{c14}'" in p.stderr
    assert "docs/claims.md: figure 'c4-real-nginx1' is stale" in p.stderr
    assert "docs/claims-stateful.md: figure 's4-lost-runs' is stale" in p.stderr
    assert "6 documented figure(s) no longer match their commands" in p.stderr
    assert "validation-records" not in p.stderr  # `check` alone leaves the validation tables to --part validation


def test_a_stale_validation_table_fails_the_validation_check(tmp_path):
    """The generated section of docs/validation.md covers every record of its tree; here one
    (Demo 2's split brain, quick to simulate). Regenerated it matches; a table changed fails."""
    rec = "validation/results/2026-12-02/demo2-split-brain.real.json"
    root = docs_copy(tmp_path, [rec])
    p = figures(root, "regenerate", "--part", "validation")
    assert p.returncode == 0, p.stderr
    doc = (root / "docs" / "validation.md").read_text()
    block = doc[doc.index("<!-- figure validation-records -->"):doc.index("<!-- /figure validation-records -->")]
    assert [x for x in block.splitlines() if x.startswith("### ")] == ["### demo2-split-brain, record 2026-12-02"]
    assert f"--real {rec} --sim-seeds" in doc
    # The real side, from the record: 5 at most, since acknowledgements after the run's end (the
    # real writer's last attempt, 0.3-0.4 s late through docker exec) no longer count (2026-12-03).
    assert "| commits.acked_lost | 0 / 0 / 5 |" in doc
    p = check(root, "--part", "validation")
    assert p.returncode == 0, p.stderr

    # The simulated median of a metric as an older model gave it: the table is stale.
    table = doc[doc.index("| load.failed |", doc.index("### demo2-split-brain, record 2026-12-02")):]
    row = table[:table.index("\n")]
    cells = row.split(" | ")
    stale = " | ".join(cells[:2] + ["31 / 31 / 32"] + cells[3:])
    assert stale != row
    (root / "docs" / "validation.md").write_text(doc.replace(row, stale, 1))
    p = check(root, "--part", "validation")
    assert p.returncode == 1, p.stderr
    assert "docs/validation.md: figure 'validation-records' is stale" in p.stderr
    assert "1 documented figure(s) no longer match their commands" in p.stderr
    # A record without its table (a new record stored, docs not regenerated) is caught too.
    (root / "docs" / "validation.md").write_text(doc)
    extra = "validation/results/2026-12-02/demo2-manual-failover.real.json"
    shutil.copy(SOURCE_DIR / extra, root / extra)
    p = check(root, "--part", "validation")
    assert p.returncode == 1, p.stderr
    assert "figure 'validation-summary' is stale" in p.stderr and "figure 'validation-records' is stale" in p.stderr


def test_a_committed_heatmap_carries_the_cells_it_shows():
    sys.path.insert(0, str(SOURCE_DIR / "docs"))
    import figures
    cells = json.loads(figures.png_text(str(SOURCE_DIR / "docs" / "img" / "part1-detect-heatmap.png"))["hasim:cells"])
    assert cells["metric"] == "nginx_backend.nginx1.detect_down_s"
    assert cells["xs"] == ["1s", "2s", "5s"] and cells["ys"] == ["1", "2", "3"]
    rows = list(__import__("csv").DictReader(open(SOURCE_DIR / "docs" / "data" / "part1-inter-fall.csv")))
    import hasim_plot
    assert cells == hasim_plot.heatmap_cells(rows, cells["x"], cells["y"], cells["metric"])
