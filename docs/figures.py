#!/usr/bin/python3
"""Every figure and number in the docs, with the command that makes it.

  docs/figures.py regenerate [--hasim build/hasim]   # `make docs`: re-run every command, rewrite
  docs/figures.py check [--hasim build/hasim]        # the `docs_figures` test: re-run, compare

What is registered here:
- SWEEPS: a `hasim sweep` each; its CSV is kept under docs/data/ (the data behind a figure).
- HEATMAPS: a PNG under docs/img/ drawn by hasim_plot from a sweep's CSV. The PNG carries the
  text of its cells (a `hasim:cells` text chunk), so the check compares the cells the image shows
  with the cells the sweep gives, without comparing pixels.
- BLOCKS: text in a Markdown file between `<!-- figure NAME -->` and `<!-- /figure NAME -->`
  (a table, a command, a number in a sentence, or a command's sample output). Each NAME has a
  generator here; `regenerate` writes its text, `check` fails when the file differs from it.
  A sample output may be an excerpt: its lines must appear in the command's output in order,
  `...` standing for lines left out; regenerating keeps the same lines (matched with their
  numbers masked) and takes their numbers from the output.

Every command is deterministic (fixed scenarios and seeds), so `check` re-runs all of them: about
ten seconds on two cores. Standard library only, except regenerating a heatmap (hasim_plot,
matplotlib).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib
from typing import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # where commands run
DOCROOT = ROOT  # where the docs, their data and images are read and written (--docs-root)
sys.path.insert(0, os.path.join(ROOT, "python"))
from hasim_plot import heatmap_cells  # noqa: E402  (pure Python; no matplotlib needed)

S = "nodes.haproxy.haproxy.backends.nginx_backend.default-server"
P1 = "nodes.haproxy1.keepalived.vrrp_instance.VI_1.priority"
P2 = "nodes.haproxy2.keepalived.vrrp_instance.VI_1.priority"
W = "nodes.*.keepalived.vrrp_script.check_haproxy.weight"
ADV = "nodes.*.keepalived.vrrp_instance.VI_1.advert_int"
INTERVAL = "nodes.*.keepalived.vrrp_script.check_haproxy.interval"
FALL = "nodes.*.keepalived.vrrp_script.check_haproxy.fall"
VIP = "vip.172.20.0.100"
KILL = "scenarios/demo1-part2/kill-haproxy-process.yaml"

# name -> the sweep's scenario, --set overrides, --grid axes, seeds. The CSV is docs/data/NAME.csv.
SWEEPS: dict[str, dict] = {
    "part1-redispatch": {"scenario": "scenarios/demo1-part1.yaml",
                         "set": ["nodes.haproxy.haproxy.backends.nginx_backend.option redispatch=true"], "grid": [],
                         "seeds": 20},
    "part1-inter-fall": {"scenario": "scenarios/demo1-part1.yaml", "set": [],
                         "grid": [f"{S}.inter=1s,2s,5s", f"{S}.fall=1,2,3"], "seeds": 50},
    "part2-priority-weight": {"scenario": KILL, "set": [],
                              "grid": [f"{P2}=90,95,98,99,100", f"{W}=-20,-10,-5,0,2,5,12"], "seeds": 10},
    "tuning-priority-weight": {"scenario": KILL, "set": [],
                               "grid": [f"{P1}=100,101", f"{P2}=90,100", f"{W}=2,-5,-20,0"], "seeds": 10},
    "tuning-timers": {"scenario": KILL, "set": [f"{W}=-20"],
                      "grid": [f"{ADV}=1,2", f"{INTERVAL}=1,2", f"{FALL}=1,3"], "seeds": 10},
}

# png -> the sweep it draws and hasim_plot.heatmap's arguments.
HEATMAPS: dict[str, dict] = {
    "docs/img/part1-detect-heatmap.png": {"sweep": "part1-inter-fall", "x": f"{S}.inter", "y": f"{S}.fall",
                                          "metric": "nginx_backend.nginx1.detect_down_s"},
    "docs/img/part2-outage-heatmap.png": {"sweep": "part2-priority-weight", "x": P2, "y": W,
                                          "metric": "load.outage_max_s"},
}


def csv_path(name: str) -> str:
    return f"docs/data/{name}.csv"


def sweep_argv(name: str, out: str) -> list[str]:
    s = SWEEPS[name]
    argv = ["sweep", s["scenario"]]
    for v in s["set"]:
        argv += ["--set", v]
    for g in s["grid"]:
        argv += ["--grid", g]
    return argv + ["--seeds", str(s["seeds"]), "--jobs", "2", "--out", out, "--quiet"]


# ---------------------------------------------------------------------------------------------
# Running hasim, reading its output.

class Context:
    def __init__(self, hasim: str, tmp: str, fresh: bool):
        self.hasim = hasim
        self.tmp = tmp
        self.fresh = fresh  # check: sweeps re-run into tmp; regenerate: into docs/data
        self._rows: dict[str, list[dict]] = {}
        self._out: dict[tuple, str] = {}

    def run(self, *args: str, replace: dict[str, str] | None = None) -> str:
        """hasim's stdout; `@TMP@` in an argument is this run's temporary directory."""
        args = tuple(x.replace("@TMP@", self.tmp) for x in args)
        replace = {k.replace("@TMP@", self.tmp): v for k, v in (replace or {}).items()}
        key = tuple(args)
        if key not in self._out:
            p = subprocess.run([self.hasim, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
            if p.returncode not in (0, 1):
                raise SystemExit(f"figures: `hasim {' '.join(args)}` failed (exit {p.returncode}):\n{p.stderr}")
            out = p.stdout
            for a, b in replace.items():
                out = out.replace(a, b)
            self._out[key] = out
        return self._out[key]

    def sweep_csv(self, name: str) -> str:
        """The sweep's CSV as its command makes it now (check) or into docs/data (regenerate)."""
        out = os.path.join(self.tmp, name + ".csv") if self.fresh else os.path.join(DOCROOT, csv_path(name))
        if not os.path.exists(out) or name not in self._rows:
            os.makedirs(os.path.dirname(out), exist_ok=True)
            self.run(*sweep_argv(name, out))
            with open(out, newline="", encoding="utf-8") as f:
                self._rows[name] = list(csv.DictReader(f))
        return out

    def rows(self, name: str) -> list[dict]:
        self.sweep_csv(name)
        return self._rows[name]


def median(values: list[float]) -> float:
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def where(rows: list[dict], **eq: str) -> list[dict]:
    out = [r for r in rows if all(r[k] == v for k, v in eq.items())]
    if not out:
        raise SystemExit(f"figures: no rows where {eq}")
    return out


def values(rows: list[dict], metric: str) -> list[float]:
    return [float(r[metric]) for r in rows if r[metric] != ""]


def num(v: float, digits: int = 2) -> str:
    return f"{v:.0f}" if float(v).is_integer() and digits == 0 else f"{v:.{digits}f}"


def count(v: float) -> str:
    return f"{v:g}"


# ---------------------------------------------------------------------------------------------
# Generators: NAME -> fn(ctx, the block's current text) -> its text.

def code_block(lines: list[str]) -> str:
    return "```sh\n" + "\n".join(lines) + "\n```"


def sweep_command(name: str, csv_out: str, plot: str | None = None) -> Callable:
    def gen(ctx: Context, _old: str) -> str:
        s = SWEEPS[name]
        lines = [f"build/hasim sweep {s['scenario']} \\"]
        for v in s["set"]:
            lines.append(f"  --set '{v}' \\")
        for g in s["grid"]:
            lines.append(f"  --grid '{g}' \\")
        lines.append(f"  --seeds {s['seeds']} --jobs 2 --out {csv_out}")
        if plot:
            h = HEATMAPS[plot]
            lines += [f"PYTHONPATH=build/python /usr/bin/python3 -m hasim_plot heatmap {csv_out} \\",
                      f"  --x '{h['x']}' \\", f"  --y '{h['y']}' \\", f"  --metric {h['metric']} --out {plot}"]
        return code_block(lines)
    return gen


def summary_table(name: str, axes: list[tuple[str, str]], moved_label: str) -> Callable:
    """One row per grid combination (grid order): runs where the VIP moved, failed requests and
    client outage (median / max over the seeds)."""
    def gen(ctx: Context, _old: str) -> str:
        rows = ctx.rows(name)
        head = [label for _, label in axes] + [moved_label, "failed requests (median / max)",
                                               "client outage, s (median / max)"]
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        combos: list[tuple] = []
        for r in rows:
            c = tuple(r[col] for col, _ in axes)
            if c not in combos:
                combos.append(c)
        for c in combos:
            rs = where(rows, **{col: v for (col, _), v in zip(axes, c)})
            moved = sum(1 for r in rs if float(r[f"{VIP}.moves"]) > 0)
            failed = values(rs, "load.failed")
            outage = values(rs, "load.outage_max_s")
            out.append("| " + " | ".join(list(c) + [f"{moved}/{len(rs)}",
                                                     f"{count(median(failed))} / {count(max(failed))}",
                                                     f"{num(median(outage))} / {num(max(outage))}"]) + " |")
        return "\n".join(out)
    return gen


def stat(name: str, metric: str, agg: str, fmt: Callable[[float], str] = num, **eq: str) -> Callable:
    """One number: `agg` (median, max, min) of `metric` over the runs of a sweep where eq holds."""
    fn = {"median": median, "max": max, "min": min}[agg]

    def gen(ctx: Context, _old: str) -> str:
        return fmt(fn(values(where(ctx.rows(name), **eq), metric)))
    return gen


def delta(name: str, metric: str, base: dict[str, str], to: dict[str, str]) -> Callable:
    """The median of `metric` where `to` holds minus its median where `base` holds."""
    def gen(ctx: Context, _old: str) -> str:
        rows = ctx.rows(name)
        return num(median(values(where(rows, **to), metric)) - median(values(where(rows, **base), metric)))
    return gen


def column_range(name: str, metric: str, column: str, value: str, exclude: dict[str, list[str]]) -> Callable:
    """The lowest and highest median of `metric` over the cells of one grid column (a heatmap's
    column), leaving out the cells named in `exclude`: "1.46–1.61"."""
    def gen(ctx: Context, _old: str) -> str:
        rows = [r for r in where(ctx.rows(name), **{column: value})
                if not any(r[k] in vs for k, vs in exclude.items())]
        cells: dict[tuple, list[float]] = {}
        other = [k for k in SWEEPS[name]["grid"] if not k.startswith(column + "=")][0].split("=")[0]
        for r in rows:
            cells.setdefault(r[other], []).append(float(r[metric]))
        meds = [median(v) for v in cells.values()]
        lo, hi = num(min(meds)), num(max(meds))
        return lo if lo == hi else f"{lo}–{hi}"
    return gen


def from_output(args: list[str], pattern: str, fn: Callable[[re.Match], str]) -> Callable:
    """A number read from a command's output: `fn` of the first match of `pattern`."""
    def gen(ctx: Context, _old: str) -> str:
        m = re.search(pattern, ctx.run(*args), re.M)
        if not m:
            raise SystemExit(f"figures: `hasim {' '.join(args)}` no longer prints /{pattern}/")
        return fn(m)
    return gen


def rows_where(name: str, pred: Callable[[dict], bool], fmt: Callable[[list[dict], list[dict]], str]) -> Callable:
    """Text from the runs of a sweep that satisfy `pred`, and all its runs."""
    def gen(ctx: Context, _old: str) -> str:
        rows = ctx.rows(name)
        return fmt([r for r in rows if pred(r)], rows)
    return gen


def value_range(name: str, metric: str, lo: float, hi: float, **eq: str) -> Callable:
    """"A–B s in N of M seeds": the runs (where eq holds) whose `metric` is in [lo, hi)."""
    def gen(ctx: Context, _old: str) -> str:
        rows = where(ctx.rows(name), **eq)
        v = [x for x in values(rows, metric) if lo <= x < hi]
        if not v:
            return f"no run of {len(rows)}"
        return f"{min(v):.1f}–{max(v):.1f} s after the stop in {len(v)} of {len(rows)} seeds"
    return gen


DEMO_RUN = ["run", "scenarios/demo1-part1.yaml", "--no-color"]


def excerpt(*args: str, replace: dict[str, str] | None = None) -> Callable:
    """A command's output, or an excerpt of it (`...` lines stand for lines left out), inside a
    fenced block. Each kept line is found in the output in order with its numbers masked, and
    written as the output has it now."""
    number = re.compile(r"\d+(?:\.\d+)?")

    def mask(line: str) -> str:
        return number.sub("#", line.rstrip())

    def gen(ctx: Context, old: str) -> str:
        out = ctx.run(*args, replace=replace).splitlines()
        m = re.fullmatch(r"(```[^\n]*\n)(.*?)\n?(```)", old.strip("\n"), re.S)
        if not m:
            raise SystemExit(f"figures: an excerpt of `hasim {' '.join(args)}` must be a fenced block")
        lines = m.group(2).split("\n")
        new, at = [], 0
        for line in lines:
            if line.strip() == "..." or line.strip().startswith("$ "):
                new.append(line)
                continue
            want = mask(line)
            k = at
            while k < len(out) and mask(out[k]) != want:
                k += 1
            if k == len(out):
                raise SystemExit(f"figures: this line of the excerpt of `hasim {' '.join(args)}` is no longer in "
                                 f"its output (after line {at}):\n  {line}\nEdit the excerpt, then regenerate.")
            new.append(out[k].rstrip())
            at = k + 1
        return m.group(1) + "\n".join(new) + "\n" + m.group(3)
    return gen


BLOCKS: dict[str, Callable] = {
    # README: what `make demo` shows.
    "demo-fault-at": from_output(DEMO_RUN, r"^\s*([\d.]+)s  FAULT stop nginx1$", lambda m: f"{float(m[1]):.1f}"),
    "demo-exit-after": from_output(DEMO_RUN, r"^\s*([\d.]+)s  FAULT stop nginx1\n\s*([\d.]+)s  process_exit nginx1",
                                   lambda m: f"{(float(m[2]) - float(m[1])) * 1000:.0f}"),
    "demo-namespace-after": from_output(DEMO_RUN, r"^\s*([\d.]+)s  process_exit nginx1 .*\n\s*([\d.]+)s  node_down nginx1$",
                                        lambda m: f"{float(m[2]) - float(m[1]):.2f}"),
    "demo-detect-slow": value_range("part1-inter-fall", "nginx_backend.nginx2.detect_down_s", 9.5, 1e9,
                                    **{f"{S}.inter": "2s", f"{S}.fall": "3"}),
    "demo-detect-fast": value_range("part1-inter-fall", "nginx_backend.nginx2.detect_down_s", 0, 9.5,
                                    **{f"{S}.inter": "2s", f"{S}.fall": "3"}),
    "fall1-range": rows_where("part1-inter-fall", lambda r: r[f"{S}.inter"] == "2s" and r[f"{S}.fall"] == "1",
                              lambda ok, _all: "{:.1f}–{:.1f} s".format(
                                  min(float(r[m]) for r in ok for m in ("nginx_backend.nginx1.detect_down_s",
                                                                        "nginx_backend.nginx2.detect_down_s")),
                                  max(float(r[m]) for r in ok for m in ("nginx_backend.nginx1.detect_down_s",
                                                                        "nginx_backend.nginx2.detect_down_s")))),
    "demo-redispatch": rows_where("part1-redispatch", lambda r: float(r["load.failed"]) == 0,
                                  lambda ok, all_: f"{len(ok)} of {len(all_)}"),
    # README: the Part 1 heatmap and the prose around it.
    "part1-command": sweep_command("part1-inter-fall", "docs/data/part1-inter-fall.csv",
                                   plot="docs/img/part1-detect-heatmap.png"),
    **{f"part1-fall{f}-inter{i}": stat("part1-inter-fall", "nginx_backend.nginx1.detect_down_s", "median",
                                       **{f"{S}.inter": i, f"{S}.fall": f})
       for f in ("1", "3") for i in ("1s", "2s", "5s")},
    # README: the Part 2 heatmap and its prose.
    "part2-never-moves": stat("part2-priority-weight", "load.outage_max_s", "median", **{P2: "90", W: "2"}),
    "part2-master-down": stat("part2-priority-weight", "load.outage_max_s", "median", **{P2: "90", W: "-20"}),
    "part2-weight0": stat("part2-priority-weight", "load.outage_max_s", "median", **{P2: "90", W: "0"}),
    "part2-equal-range": column_range("part2-priority-weight", "load.outage_max_s", P2, "100", {W: ["0"]}),
    "part2-equal-weight0": stat("part2-priority-weight", "load.outage_max_s", "median", **{P2: "100", W: "0"}),
    # docs/exploring-tuning.md
    "tuning-priority-weight-command": sweep_command("tuning-priority-weight", "prio-weight.csv"),
    "tuning-priority-weight-table": summary_table("tuning-priority-weight",
                                                  [(P1, "haproxy1 priority"), (P2, "haproxy2 priority"), (W, "weight")],
                                                  "runs where the VIP moved (start-up flips included)"),
    "tuning-failover-median": stat("tuning-priority-weight", "load.outage_max_s", "median", **{P1: "100", P2: "90", W: "-20"}),
    "tuning-failover-max": stat("tuning-priority-weight", "load.outage_max_s", "max", fmt=lambda v: f"{v:.1f}",
                                **{P1: "100", P2: "90", W: "-20"}),
    "tuning-weight0-median": stat("tuning-priority-weight", "load.outage_max_s", "median", **{P1: "100", P2: "90", W: "0"}),
    "tuning-no-failover-failed": stat("tuning-priority-weight", "load.failed", "median", fmt=count, **{P1: "100", P2: "90", W: "2"}),
    "tuning-timers-command": sweep_command("tuning-timers", "timers.csv"),
    "tuning-timers-table": summary_table("tuning-timers", [(ADV, "advert_int"), (INTERVAL, "interval"), (FALL, "fall")],
                                         "runs where the VIP moved"),
    "tuning-timers-advert": delta("tuning-timers", "load.outage_max_s", {ADV: "1", INTERVAL: "1", FALL: "1"},
                                  {ADV: "2", INTERVAL: "1", FALL: "1"}),
    "tuning-timers-fall-i1": delta("tuning-timers", "load.outage_max_s", {ADV: "1", INTERVAL: "1", FALL: "1"},
                                   {ADV: "1", INTERVAL: "1", FALL: "3"}),
    "tuning-timers-fall-i2": delta("tuning-timers", "load.outage_max_s", {ADV: "1", INTERVAL: "2", FALL: "1"},
                                   {ADV: "1", INTERVAL: "2", FALL: "3"}),
    "tuning-timers-interval": delta("tuning-timers", "load.outage_max_s", {ADV: "1", INTERVAL: "1", FALL: "1"},
                                    {ADV: "1", INTERVAL: "2", FALL: "1"}),
    "tuning-timers-interval-max1": stat("tuning-timers", "load.outage_max_s", "max", **{ADV: "1", INTERVAL: "1", FALL: "1"}),
    "tuning-timers-interval-max2": stat("tuning-timers", "load.outage_max_s", "max", **{ADV: "1", INTERVAL: "2", FALL: "1"}),
    "part2-heatmap-command": sweep_command("part2-priority-weight", "docs/data/part2-priority-weight.csv",
                                           plot="docs/img/part2-outage-heatmap.png"),
    # README sample outputs.
    "demo-output": excerpt("run", "scenarios/demo1-part1.yaml", "--no-color"),
    "demo2-split-brain-output": excerpt("run", "scenarios/demo2/split-brain.yaml", "--no-color"),
    "validate-output": excerpt("validate", "scenarios/demo1-part1.yaml", "--real",
                               "validation/results/2026-12-01/demo1-part1.real.json", "--sim-seeds", "1000",
                               "--no-plot", "--jobs", "2", "--out", "@TMP@/validate",
                               replace={"@TMP@/validate": "hasim-validate/demo1-part1"}),
}

DOCS = ["README.md", "docs/exploring-tuning.md"]


# ---------------------------------------------------------------------------------------------
# PNG text chunks: the cells a heatmap shows.

def png_text(path: str) -> dict[str, str]:
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"figures: {path} is not a PNG")
    out, at = {}, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind = data[at + 4:at + 8]
        body = data[at + 8:at + 8 + length]
        if kind == b"tEXt":
            k, _, v = body.partition(b"\0")
            out[k.decode("latin-1")] = v.decode("latin-1")
        elif kind == b"zTXt":
            k, _, v = body.partition(b"\0")
            out[k.decode("latin-1")] = zlib.decompress(v[1:]).decode("latin-1")
        elif kind == b"iTXt":
            k, _, rest = body.partition(b"\0")
            compressed, rest = rest[0], rest[2:]
            _lang, _, rest = rest.partition(b"\0")
            _tkey, _, text = rest.partition(b"\0")
            out[k.decode("latin-1")] = (zlib.decompress(text) if compressed else text).decode("utf-8")
        at += 12 + length
    return out


# ---------------------------------------------------------------------------------------------

BLOCK = re.compile(r"<!-- figure (\S+) -->(.*?)<!-- /figure \1 -->", re.S)


def render_doc(ctx: Context, path: str, problems: list[str], used: set[str]) -> str:
    with open(os.path.join(DOCROOT, path), encoding="utf-8") as f:
        text = f.read()

    def sub(m: re.Match) -> str:
        name, old = m.group(1), m.group(2)
        if name not in BLOCKS:
            problems.append(f"{path}: figure '{name}' has no generator in docs/figures.py")
            return m.group(0)
        used.add(name)
        new = BLOCKS[name](ctx, old)
        if "\n" in old:  # a block on lines of its own
            new = "\n" + new.strip("\n") + "\n"
        if new != old:
            problems.append(f"{path}: figure '{name}' is stale:\n    documented: {old.strip()[:300]!r}\n"
                            f"    its command gives: {new.strip()[:300]!r}")
        return f"<!-- figure {name} -->{new}<!-- /figure {name} -->"

    return BLOCK.sub(sub, text), text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["regenerate", "check"])
    ap.add_argument("--hasim", default=os.path.join(ROOT, "build", "hasim"))
    ap.add_argument("--docs-root", default=ROOT, help="the tree whose docs are checked (tests use a copy)")
    a = ap.parse_args(argv)
    global DOCROOT
    DOCROOT = os.path.abspath(a.docs_root)
    problems: list[str] = []
    used: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="hasim-figures-") as tmp:
        ctx = Context(os.path.abspath(a.hasim), tmp, fresh=a.mode == "check")
        # The data behind each figure: the stored CSV must be what its sweep gives now.
        for name in SWEEPS:
            fresh = ctx.sweep_csv(name)
            stored = os.path.join(DOCROOT, csv_path(name))
            if a.mode == "check":
                if not os.path.exists(stored):
                    problems.append(f"{csv_path(name)} is missing (make docs)")
                elif open(stored, "rb").read() != open(fresh, "rb").read():
                    problems.append(f"{csv_path(name)} differs from what `hasim {' '.join(sweep_argv(name, '...'))}` gives now")
        # The heatmaps: the cells each image shows must be the cells of its sweep.
        for png, h in HEATMAPS.items():
            want = heatmap_cells(ctx.rows(h["sweep"]), h["x"], h["y"], h["metric"])
            if a.mode == "regenerate":
                from hasim_plot import heatmap
                heatmap(ctx.rows(h["sweep"]), x=h["x"], y=h["y"], metric=h["metric"], out=os.path.join(DOCROOT, png))
            path = os.path.join(DOCROOT, png)
            got = png_text(path).get("hasim:cells") if os.path.exists(path) else None
            if got is None or json.loads(got) != want:
                problems.append(f"{png} does not show the cells of its sweep {h['sweep']} (make docs)")
        # Text in the docs.
        for doc in DOCS:
            new, old = render_doc(ctx, doc, problems if a.mode == "check" else [], used)
            if a.mode == "regenerate" and new != old:
                with open(os.path.join(DOCROOT, doc), "w", encoding="utf-8") as f:
                    f.write(new)
                print(f"figures: rewrote {doc}", file=sys.stderr)
    for name in BLOCKS:
        if name not in used:
            problems.append(f"figure '{name}' is registered but used in none of {', '.join(DOCS)}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        if a.mode == "check":
            print(f"\n{len(problems)} documented figure(s) no longer match their commands: run `make docs` "
                  "and read the diff (the prose around a changed number may need new words).", file=sys.stderr)
        return 1
    print(f"figures: {len(SWEEPS)} sweeps, {len(HEATMAPS)} heatmaps and {len(used)} documented figures "
          + ("match their commands" if a.mode == "check" else "regenerated"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
