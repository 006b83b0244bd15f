#!/usr/bin/python3
"""Every figure and number in the docs, with the command that makes it.

  docs/figures.py regenerate [--hasim build/hasim]                 # `make docs`: re-run every command, rewrite
  docs/figures.py check [--hasim build/hasim]                      # the `docs_figures` test: re-run, compare
  docs/figures.py check --part validation --part explore          # the `docs_validation` test

What is registered here:
- SWEEPS: a `hasim sweep` each; its CSV is kept under docs/data/ (the data behind a figure).
- HEATMAPS: a PNG under docs/img/ drawn by hasim_plot from a sweep's CSV. The PNG carries the
  text of its cells (a `hasim:cells` text chunk), so the check compares the cells the image shows
  with the cells the sweep gives, without comparing pixels.
- TIMELINES: a PNG under docs/img/ drawn by hasim_plot.timeline: a stored real run beside one
  simulated seed run with the host that record measured. It carries what it shows (counts, the
  write gap, the faults: a `hasim:timeline` chunk), checked likewise.
- BLOCKS: text in a Markdown file between `<!-- figure NAME -->` and `<!-- /figure NAME -->`
  (a table, a command, a number in a sentence, or a command's sample output). Each NAME has a
  generator here; `regenerate` writes its text, `check` fails when the file differs from it.
  A sample output may be an excerpt: its lines must appear in the command's output in order,
  `...` standing for lines left out; regenerating keeps the same lines (matched with their
  numbers masked) and takes their numbers from the output.
  The claims (docs/claims.md, docs/claims-stateful.md) are figures over the seeds of `hasim run
  --runs N --json` (a metric, the time between two events) or of a stored real record
  (validation/results/DATE/NAME.real.json, as `hasim validate --real` measures it).
- VALIDATION (`--part validation`): docs/validation.md's first section, `hasim validate --real`
  of every stored record against today's model.
- EXPLORE (`--part explore`): docs/explore.md's catalogues (`hasim explore`, its wall-clock times
  written `…`), the replays of its reproductions and the numbers the prose takes from them.

Every command is deterministic (fixed scenarios and seeds), so `check` re-runs all of them, each
distinct command once: about half a minute on two cores for the figures, two minutes for the
validation tables and the explore catalogues. Standard library only, except regenerating a heatmap (hasim_plot,
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
from hasim_plot.timeline import side_data, summary as timeline_summary  # noqa: E402  (likewise)

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

# png -> a real record's run and the simulated seed drawn beside it by hasim_plot.timeline, the
# seed with the host the record measured (the --set values `hasim validate --real` derives from it).
# The PNG carries what it shows (counts, the write gap, the faults) in a `hasim:timeline` chunk.
TIMELINES: dict[str, dict] = {
    "docs/img/demo2-manual-failover-timeline.png": {
        "scenario": "scenarios/demo2/manual-failover.yaml", "seed": 1,
        "record": "validation/results/2026-12-04/statements-manual-failover.real.json", "run": 0},
}
TIMELINE_EVENTS = "pg_commit_acked,pg_commit_failed,pg_stat_replication"


def timeline_command(t: dict, sets: list[str]) -> list[str]:
    args = ["run", t["scenario"], "--seed", str(t["seed"]), "--json", "--quiet", "--events", TIMELINE_EVENTS]
    for v in sets:
        args += ["--set", v]
    return args


def timeline_sides(ctx: "Context", t: dict) -> tuple[dict, dict, str, str]:
    """The simulated run and the real one a timeline draws, and their labels."""
    # The record from the source tree, as the claims' real figures read theirs.
    v, _ = ctx.validation(t["record"], 1)
    sim = json.loads(ctx.run(*timeline_command(t, v["sets"])))
    with open(os.path.join(ROOT, t["record"]), encoding="utf-8") as f:
        real = json.load(f)["runs"][t["run"]]
    day, name = t["record"].split("/")[-2], os.path.basename(t["record"])[:-len(".real.json")]
    return sim, real, f"simulated, seed {t['seed']}", f"real, run {t['run']} of {name} {day}"


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
        self._err: dict[tuple, str] = {}
        self._parsed: dict[tuple, object] = {}

    def run(self, *args: str, replace: dict[str, str] | None = None) -> str:
        """hasim's stdout; `@TMP@` in an argument is this run's temporary directory."""
        args = tuple(x.replace("@TMP@", self.tmp) for x in args)
        replace = {k.replace("@TMP@", self.tmp): v for k, v in (replace or {}).items()}
        key = tuple(args)
        if key not in self._out:
            p = subprocess.run([self.hasim, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
            if p.returncode not in (0, 1):
                raise SystemExit(f"figures: `hasim {' '.join(args)}` failed (exit {p.returncode}):\n{p.stderr}")
            out, err = p.stdout, p.stderr
            for a, b in replace.items():
                out, err = out.replace(a, b), err.replace(a, b)
            self._out[key] = out
            self._err[key] = err
        return self._out[key]

    def stderr(self, *args: str, replace: dict[str, str] | None = None) -> str:
        """hasim's stderr for the same command (run once with `run`)."""
        self.run(*args, replace=replace)
        return self._err[tuple(x.replace("@TMP@", self.tmp) for x in args)]

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

    def runs(self, scenario: str, runs: int = 20, sets: tuple[str, ...] = (), seed: int | None = None) -> list[dict]:
        """`hasim run SCENARIO --runs N [--seed S] [--set ...] --json`: one dict per seed (metrics,
        events, violations). Each distinct command runs once."""
        args = ["run", scenario, "--runs", str(runs), "--json", "--quiet"]
        if seed is not None:
            args += ["--seed", str(seed)]
        for v in sets:
            args += ["--set", v]
        key = ("runs", *args)
        if key not in self._parsed:
            d = json.loads(self.run(*args))
            self._parsed[key] = d["runs"] if "runs" in d else [d]
        return self._parsed[key]

    def trace(self, scenario: str, seed: int, sets: tuple[str, ...] = ()) -> list[dict]:
        """Every trace record of one seed (`hasim run SCENARIO --seed S --trace FILE`)."""
        key = ("trace", scenario, seed, *sets)
        if key not in self._parsed:
            out = os.path.join(self.tmp, f"trace-{len(self._parsed)}.jsonl")
            args = ["run", scenario, "--seed", str(seed), "--trace", out, "--quiet"]
            for v in sets:
                args += ["--set", v]
            self.run(*args)
            with open(out, encoding="utf-8") as f:
                self._parsed[key] = [json.loads(line) for line in f if line.strip()]
        return self._parsed[key]

    def validation(self, record: str, seeds: int = 1, root: str | None = None) -> tuple[dict, str]:
        """`hasim validate SCENARIO --real RECORD --sim-seeds N --no-plot --jobs 2 --out DIR`: its
        validation.json and report.md. The scenario is the file whose `name:` the record names.
        With one seed only the real side (the record's runs, measured by hasim's own code) is used.
        RECORD is relative to `root` (the source tree by default)."""
        path = os.path.join(root or ROOT, record)
        key = ("validate", path, seeds)
        if key not in self._parsed:
            out = os.path.join(self.tmp, f"validate-{len(self._parsed)}")
            self.run("validate", record_scenario(path), "--real", path, "--sim-seeds", str(seeds),
                     "--no-plot", "--jobs", "2", "--out", out)
            with open(os.path.join(out, "validation.json"), encoding="utf-8") as f:
                v = json.load(f)
            with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
                self._parsed[key] = (v, f.read())
        return self._parsed[key]


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


# ---------------------------------------------------------------------------------------------
# Helpers for the claims (docs/claims.md, docs/claims-stateful.md) and validation (docs/validation.md):
# a figure is an aggregate over the seeds of one `hasim run --runs N --json` (a metric, or the time
# between two events of each run), or over the real runs of a stored record (as `hasim validate
# --real RECORD` measures them).

def record_scenario(record: str, root: str | None = None) -> str:
    """The scenario file a stored real record was made from: the file whose `name:` it names."""
    with open(os.path.join(root or ROOT, record), encoding="utf-8") as f:
        name = json.load(f)["scenario"]
    found = []
    for d, _, files in os.walk(os.path.join(ROOT, "scenarios")):
        rel = os.path.relpath(d, ROOT)
        if rel.split(os.sep)[1:2] in (["faults"], ["calibration"], ["kinds"]):
            continue
        for fn in sorted(files):
            if fn.endswith(".yaml"):
                with open(os.path.join(d, fn), encoding="utf-8") as f:
                    if re.search(rf"^name:\s*{re.escape(name)}\s*$", f.read(), re.M):
                        found.append(os.path.join(rel, fn))
    if len(found) != 1:
        raise SystemExit(f"figures: {record} names scenario {name!r}, found in {found or 'no file'}")
    return found[0]


def fmt_range(lo: float, hi: float, d: int) -> str:
    a, b = f"{lo:.{d}f}", f"{hi:.{d}f}"
    return a if a == b else f"{a}–{b}"


def summarise(vals: list, total: int, template: str, d: int, what: str) -> str:
    """`template` filled from the values that are not None: {min} {max} {median} (floats, format
    them in the template), {range} ("a–b", or "a" when equal, `d` digits), {mmm} ("a / b / c"),
    {n} (how many values) and {of} (how many runs)."""
    flat = [y for x in vals for y in (x if isinstance(x, list) else [x])]
    v = sorted(x for x in flat if x is not None)
    if not v:
        if "{n}" in template and not any(k in template for k in ("{min", "{max", "{median", "{range", "{mmm")):
            return template.format(n=0, of=total)
        raise SystemExit(f"figures: {what}: no run gives a value")
    f = dict(min=v[0], max=v[-1], median=median(v), n=len(v), of=total, range=fmt_range(v[0], v[-1], d),
             mmm=" / ".join(f"{x:.{d}f}" for x in (v[0], median(v), v[-1])))
    return template.format(**f)


def ev(kind: str, **eq) -> Callable[[dict], bool]:
    """An event matcher: its kind and some of its fields."""
    return lambda e: e["kind"] == kind and all(e.get(k) == v for k, v in eq.items())


def fault(action: str, **eq) -> Callable[[dict], bool]:
    return ev("fault", action=action, **eq)


def metric(name: str) -> Callable[[dict], float | None]:
    return lambda r: r["metrics"].get(name)


def at(match: Callable[[dict], bool], nth: int = 1) -> Callable[[dict], float | None]:
    """The time of the nth event matching (None when there is none)."""
    def value(r: dict) -> float | None:
        ts = [e["t_s"] for e in r["events"] if match(e)]
        return ts[nth - 1] if len(ts) >= nth else None
    return value


def after(start: Callable[[dict], bool], end: Callable[[dict], bool], nth: int = 1,
          since: Callable[[dict], bool] | None = None) -> Callable[[dict], float | None]:
    """Seconds from the nth event matching `start` (counted from the first event matching `since`,
    if given) to the first later event matching `end`. None when either is missing."""
    def value(r: dict) -> float | None:
        evs = r["events"]
        if since is not None:
            t = next((e["t_s"] for e in evs if since(e)), None)
            if t is None:
                return None
            evs = [e for e in evs if e["t_s"] >= t]
        ts = [e["t_s"] for e in evs if start(e)]
        if len(ts) < nth:
            return None
        t0 = ts[nth - 1]
        return next((e["t_s"] - t0 for e in evs if e["t_s"] >= t0 and end(e)), None)
    return value


def first_field(match: Callable[[dict], bool], key: str) -> Callable[[dict], float | None]:
    """A field of the first event matching (e.g. the priority of the first vrrp_priority)."""
    return lambda r: next((e[key] for e in r["events"] if match(e)), None)


def either(*fns: Callable[[dict], float | None]) -> Callable[[dict], list]:
    """Several values of each run (e.g. two servers' detection times), all counted."""
    return lambda r: [f(r) for f in fns]


def where_run(pred: Callable[[dict], bool]) -> Callable[[dict], float | None]:
    """1 for a run where pred holds, None otherwise: "{n} of {of}" counts them."""
    return lambda r: 1 if pred(r) else None


def sim(scenario: str, value: str | Callable[[dict], float | None], template: str, d: int = 1, runs: int = 20,
        sets: tuple[str, ...] = (), seed: int | None = None) -> Callable:
    """A figure over the seeds of `hasim run SCENARIO --runs N [--set ...] --json`: `value` is a
    metric's name or a function of one run (None: the run does not count)."""
    fn = metric(value) if isinstance(value, str) else value

    def gen(ctx: Context, _old: str) -> str:
        rs = ctx.runs(scenario, runs, sets, seed)
        return summarise([fn(r) for r in rs], len(rs), template, d, f"hasim run {scenario} {' '.join(sets)}")
    return gen


def traced(scenario: str, value: Callable[[list[dict]], float | None], template: str, d: int = 1, runs: int = 20,
           sets: tuple[str, ...] = ()) -> Callable:
    """As sim, from each seed's full trace (`hasim run SCENARIO --seed S --trace FILE`, seeds 1..N):
    `value` is a function of one seed's trace records."""
    def gen(ctx: Context, _old: str) -> str:
        vals = [value(ctx.trace(scenario, s, sets)) for s in range(1, runs + 1)]
        return summarise(vals, runs, template, d, f"hasim run {scenario} --trace {' '.join(sets)}")
    return gen


def real(record: str, metric_name: str, template: str, d: int = 2) -> Callable:
    """A figure over the real runs of a stored record, each run's metric as `hasim validate --real
    RECORD` measures it (its validation.json's real_values)."""
    def gen(ctx: Context, _old: str) -> str:
        v, _ = ctx.validation(record)
        m = next((m for m in v["metrics"] if m["metric"] == metric_name), None)
        if m is None:
            raise SystemExit(f"figures: hasim validate --real {record} has no metric {metric_name}")
        return summarise(m["real_values"], v["real_runs"], template, d, f"{record} {metric_name}")
    return gen


def real_events(records: str | tuple[str, ...], value: Callable[[dict], float | None], template: str, d: int = 2) -> Callable:
    """A figure over the real runs of stored records, from each run's events as the record holds
    them (`fault` with the time it was issued, `vip_change`, `vrrp_state`, `pg_*`...)."""
    records = (records,) if isinstance(records, str) else records

    def gen(ctx: Context, _old: str) -> str:
        runs = []
        for rec in records:
            with open(os.path.join(ROOT, rec), encoding="utf-8") as f:
                runs += json.load(f)["runs"]
        return summarise([value(r) for r in runs], len(runs), template, d, f"{', '.join(records)} events")
    return gen


def real_outcome(record: str, outcome: str, template: str = "{yes} of {n}") -> Callable:
    """An outcome of the real runs as `hasim validate --real RECORD` reads it."""
    def gen(ctx: Context, _old: str) -> str:
        v, _ = ctx.validation(record)
        o = next((o for o in v["outcomes"] if o["outcome"] == outcome), None)
        if o is None:
            raise SystemExit(f"figures: hasim validate --real {record} has no outcome {outcome!r}")
        return template.format(yes=o["real_yes"], n=o["real_n"])
    return gen


def log_gap(path: str, first: str, then: str, d: int = 2) -> Callable:
    """Seconds between the first line of a stored log matching `first` and the next matching
    `then` (lines start with an RFC 3339 time, as `podman logs -t` writes them)."""
    import datetime

    def stamp(line: str) -> float:
        m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z", line)
        t = datetime.datetime.fromisoformat(m[1]).replace(tzinfo=datetime.timezone.utc).timestamp()
        return t + (float("0." + m[2]) if m[2] else 0.0)

    def gen(ctx: Context, _old: str) -> str:
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            lines = f.read().splitlines()
        i = next(k for k, line in enumerate(lines) if re.search(first, line))
        j = next(k for k in range(i + 1, len(lines)) if re.search(then, lines[k]))
        return f"{stamp(lines[j]) - stamp(lines[i]):.{d}f}"
    return gen


def joined(*gens: Callable, sep: str = "/") -> Callable:
    return lambda ctx, old: sep.join(g(ctx, old) for g in gens)


def real_runs(*records: str) -> Callable:
    """How many real runs the records hold together: "3", or "3+3"."""
    def gen(ctx: Context, _old: str) -> str:
        return "+".join(str(ctx.validation(r)[0]["real_runs"]) for r in records)
    return gen


DEMO_RUN = ["run", "scenarios/demo1-part1.yaml", "--no-color"]


def excerpt(*args: str, replace: dict[str, str] | None = None) -> Callable:
    """A command's output, or an excerpt of it (`...` lines stand for lines left out), inside a
    fenced block. Each kept line is found in the output in order with its numbers masked, and
    written as the output has it now."""
    number = re.compile(r"\d+(?:\.\d+)?")
    digest = re.compile(r"\b[0-9a-f]{8,}\b")  # a trace hash's prefix: a number too

    def mask(line: str) -> str:
        return number.sub("#", digest.sub("#", line.rstrip()))

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
    "open-loop-output": excerpt("run", "scenarios/demo1-part2/open-loop-kill-haproxy1.yaml", "--no-color"),
    "validate-output": excerpt("validate", "scenarios/demo1-part1.yaml", "--real",
                               "validation/results/2026-12-01/demo1-part1.real.json", "--sim-seeds", "1000",
                               "--no-plot", "--jobs", "2", "--out", "@TMP@/validate",
                               replace={"@TMP@/validate": "hasim-validate/demo1-part1"}),
}

# ---------------------------------------------------------------------------------------------
# docs/claims.md: the "hasim predicts" column from `hasim run ... --runs N --json` (and traces),
# the "real stack" column from the stored records.

P1F = "scenarios/demo1-part1.yaml"
P2F = "scenarios/demo1-part2.yaml"
KPF = KILL
KCF = "scenarios/demo1-part2/kill-haproxy1-container.yaml"
DCF = "scenarios/demo1-part2/disconnect-haproxy1.yaml"
CHF = "scenarios/demo1-part2/chaos.yaml"
SBF = "scenarios/split-brain/{}.yaml"
REC = "validation/results/{}/{}.real.json"
W20 = (f"{W}=-20",)
NO_FAULTS = ("faults=[]",)
C65 = ("nodes.haproxy1.keepalived.vrrp_instance.VI_1.priority=80", "faults=[]")
DOWN12 = either(metric("nginx_backend.nginx1.detect_down_s"), metric("nginx_backend.nginx2.detect_down_s"))
UP12 = either(metric("nginx_backend.nginx1.detect_up_s"), metric("nginx_backend.nginx2.detect_up_s"))
VIP_TO_2 = ev("vip_added", node="haproxy2")
STOP_GAP = after(ev("vip_removed", node="haproxy1"), VIP_TO_2, since=fault("stop", target="haproxy1"))  # the VIP unheld
KILL_GAP = after(fault("kill", target="haproxy1"), VIP_TO_2)          # docker kill haproxy1 -> haproxy2 holds
REAL_TO_2 = ev("vip_change", node="haproxy2", held=True)


def real_after(action: str, target: str, end: Callable[[dict], bool]) -> Callable[[dict], float | None]:
    """In a real run: seconds from the fault's issue to the first later event matching `end`."""
    return after(lambda e: e["kind"] == "fault" and e.get("action") == action and e.get("target") == target, end)


def moved_after(action: str, target: str, vip_ev: str = "vip_added") -> Callable[[dict], float | None]:
    """1 if the VIP changed holder after the fault (a start-up flip does not count)."""
    def value(r: dict) -> float | None:
        t = at(lambda e: e["kind"] == "fault" and e.get("action") == action and e.get("target") == target)(r)
        if t is None:
            return None
        if vip_ev == "vip_change":
            return 1 if any(e["kind"] == "vip_change" and e["t_s"] >= t and e.get("held") for e in r["events"]) else None
        return 1 if any(e["kind"] == vip_ev and e["t_s"] >= t for e in r["events"]) else None
    return value


def priorities_after_kill(ctx: Context, _old: str) -> str:
    r = ctx.runs(KPF, 1)[0]
    t = at(fault("kill"))(r)
    ps = sorted({e["priority"] for e in r["events"] if e["kind"] == "vrrp_priority" and e["node"] == "haproxy1"
                 and e["t_s"] >= t})
    return "{" + ", ".join(map(str, ps)) + "}"


def slowest_request(fault_match: Callable[[dict], bool], window: float) -> Callable[[list[dict]], float | None]:
    """From a trace: the longest latency (s) of the requests sent within `window` s after the fault."""
    def value(trace: list[dict]) -> float | None:
        t = next((e["t_s"] for e in trace if fault_match(e)), None)
        lat = [e["latency_ms"] / 1000 for e in trace
               if e["kind"] == "request" and e.get("status") == 200 and t <= float(e["sent_s"]) < t + window]
        return max(lat) if lat else None
    return value


def advert_interval(trace: list[dict]) -> float | None:
    """The longest gap between two adverts of the steady master (10 s to 20 s of the run)."""
    ts = [e["t_s"] for e in trace if e["kind"] == "vrrp_advert" and e["node"] == "haproxy1" and 10 <= e["t_s"] <= 20]
    return max(b - a for a, b in zip(ts, ts[1:])) if len(ts) > 1 else None


def keepalived_back(r: dict) -> float | None:
    """A real kill-haproxy1-container run: 1 if haproxy1's keepalived logged a VRRP state after
    `docker start haproxy1` (it came back), else None."""
    t = at(lambda e: e["kind"] == "fault" and e.get("action") == "start" and e.get("target") == "haproxy1")(r)
    return 1 if any(e["kind"] == "vrrp_state" and e["node"] == "haproxy1" and e["t_s"] >= t for e in r["events"]) else None


KC_RECORDS = (REC.format("2026-11-22", "kill-haproxy1-container"), REC.format("2026-12-01", "kill-haproxy1-container"),
              REC.format("2026-12-02", "kill-haproxy1-container"))
P1R = REC.format("2026-12-01", "demo1-part1")
P2R = REC.format("2026-12-01", "demo1-part2")
KPR = REC.format("2026-12-01", "kill-haproxy-process")
DCR = REC.format("2026-12-01", "disconnect-haproxy1")
KCR = REC.format("2026-12-02", "kill-haproxy1-container")
SBR = {n: REC.format("2026-12-01", n) for n in ("vrrp-blocked", "frozen-master", "auth-mismatch", "vrid-mismatch",
                                                "both-master")}
MH = "vip.172.20.0.100.multi_holder_s"
UNHELD = "vip.172.20.0.100.unheld_max_s"

CLAIMS: dict[str, Callable] = {
    # HAProxy health checks (Part 1)
    "c1-runs": sim(P1F, where_run(lambda r: r["metrics"]["haproxy.server_down"] == 2 and r["metrics"]["haproxy.server_up"] == 2),
                   "{n} of {of}"),
    "c4-nginx1": sim(P1F, "nginx_backend.nginx1.detect_down_s", "{range} s (median {median:.1f})"),
    "c4-nginx2": sim(P1F, "nginx_backend.nginx2.detect_down_s", "{range} s (median {median:.1f})"),
    "p1-real-runs": real_runs(P1R),
    "c4-real-nginx1": real(P1R, "nginx_backend.nginx1.detect_down_s", "{mmm}"),
    "c4-real-nginx2": real(P1R, "nginx_backend.nginx2.detect_down_s", "{mmm}"),
    "c5-nginx1": sim(P1F, "nginx_backend.nginx1.detect_up_s", "{mmm}", runs=100),
    "c5-nginx2": sim(P1F, "nginx_backend.nginx2.detect_up_s", "{mmm}", runs=100),
    "c5-real-nginx1": real(P1R, "nginx_backend.nginx1.detect_up_s", "{mmm}"),
    "c5-real-nginx2": real(P1R, "nginx_backend.nginx2.detect_up_s", "{mmm}"),
    "detect-down": sim(P1F, DOWN12, "{range} s"),
    "detect-up": sim(P1F, UP12, "{range} s", runs=100),
    "real-detect-down-max": real(P1R, "nginx_backend.nginx1.detect_down_s", "{max:.2f}"),
    "real-detect-down": joined(real(P1R, "nginx_backend.nginx1.detect_down_s", "{range} s (nginx1)"),
                               real(P1R, "nginx_backend.nginx2.detect_down_s", "{range} s (nginx2)"), sep=", "),
    "c8": sim(P1F, "nginx_backend.nginx1.detect_down_s", "{range} s (median {median:.1f})",
              sets=(f"{S}.inter=1s", f"{S}.fall=2")),
    "c9-runs": sim(P1F, "nginx_backend.nginx1.detect_down_s", "{n} of {of}", sets=(f"{S}.inter=5s", f"{S}.fall=5", f"{S}.rise=3")),
    "c9-at": sim(P1F, "nginx_backend.nginx1.detect_down_s", "{range} s", sets=(f"{S}.inter=5s", f"{S}.fall=5", f"{S}.rise=3")),
    "p1-failed": sim(P1F, "load.failed", "{range}", d=0),
    "p1-failed-runs": sim(P1F, "load.failed", "{range} in {n} of {of} runs", d=0),
    "p1-outage": sim(P1F, "load.outage_max_s", "{median:.1f} s (median; {range} s)"),
    "p1-redispatch": sim(P1F, where_run(lambda r: r["metrics"]["load.failed"] == 0), "{n}/{of}",
                         sets=("nodes.haproxy.haproxy.backends.nginx_backend.option redispatch=true",)),
    "p1-real-failed": real(P1R, "load.failed", "{range} in each of {of}", d=0),
    "c63-inter10-runs": sim(P1F, "nginx_backend.nginx1.detect_down_s", "{n} of {of}", sets=(f"{S}.inter=10s",)),
    "c63-inter10-at": sim(P1F, "nginx_backend.nginx1.detect_down_s", "{range} s", sets=(f"{S}.inter=10s",)),
    "c63-fall1": sim(P1F, DOWN12, "{range} s", d=2, sets=(f"{S}.fall=1",)),
    "c68c": joined(*(sim(P2F, f"load.served.nginx{k}", "{median:.0f}", runs=5, sets=NO_FAULTS) for k in (1, 2, 3))),
    "c76-down": sim(P1F, "nginx_backend.nginx1.detect_down_s", "{range} s (median {median:.1f})", sets=(f"{S}.inter=3s",)),
    "c76-up": sim(P1F, UP12, "{range} s", sets=(f"{S}.inter=3s",)),
    "c64": sim(P1F, where_run(lambda r: sum(1 for k in (1, 2, 3) if r["metrics"].get(f"load.served.nginx{k}", 0) > 0) == 1),
               "{n} of {of}", sets=("nodes.haproxy.haproxy.backends.nginx_backend.balance=source",)),
    "c86-ready": sim(P1F, after(fault("start", target="nginx3"), ev("server_ready", server="nginx3")), "{range} s", runs=1,
                     sets=("nodes.nginx3.start=false", "nodes.haproxy.depends_on=[nginx1, nginx2]", "faults=[{at: 30s, start: nginx3}]")),
    # keepalived / VRRP (Part 2)
    "c10-prio1": sim(P2F, first_field(ev("vrrp_priority", node="haproxy1"), "priority"), "{range}", d=0, runs=1, sets=NO_FAULTS),
    "c10-prio2": sim(P2F, first_field(ev("vrrp_priority", node="haproxy2"), "priority"), "{range}", d=0, runs=1, sets=NO_FAULTS),
    "c12-prios": priorities_after_kill,
    "kp-real-unmoved": real_events((REC.format("2026-11-22", "kill-haproxy-process"), KPR),
                                   lambda r: None if moved_after("kill", "haproxy1/haproxy", "vip_change")(r) else 1,
                                   "{n} of {of}"),
    "c13-script": sim(KPF, after(fault("kill"), ev("vrrp_script", node="haproxy1", status="failed")),
                      "{range} s after the kill (median {median:.2f})", d=2),
    "c13-advert": sim(KPF, after(fault("kill"), ev("vrrp_priority", node="haproxy1", priority=80)), "{range} s", d=2, sets=W20),
    "c14-moved": sim(KPF, moved_after("kill", "haproxy1/haproxy"), "{n} of {of}"),
    "c14-failed": sim(KPF, "load.failed", "{range}", d=0),
    "c14-outage": sim(KPF, "load.outage_max_s", "{range} s"),
    "c14-real-failed": real(KPR, "load.failed", "{range}", d=0),
    "c14-real-outage": real(KPR, "load.outage_max_s", "{range} s", d=1),
    "c15-moved": sim(KPF, moved_after("kill", "haproxy1/haproxy"), "{n}/{of}", sets=W20),
    "c17-master": sim(KPF, after(fault("kill"), ev("vrrp_state", node="haproxy2", state="MASTER")),
                      "{range} s after the kill (median {median:.2f})", d=2, sets=W20),
    "w20-failover": sim(KPF, after(fault("kill"), ev("vrrp_state", node="haproxy2", state="MASTER")), "{range} s", d=2, sets=W20),
    "c17-after80": sim(KPF, after(ev("vrrp_priority", node="haproxy1", priority=80),
                                  ev("vrrp_state", node="haproxy2", state="MASTER")), "{range} s", d=3, sets=W20),
    "c19-stepdown": sim(KPF, after(ev("vrrp_state", node="haproxy2", state="MASTER"), ev("vrrp_state", node="haproxy1", state="BACKUP"),
                                   since=fault("kill")), "{range} s", d=3, sets=W20),
    "c22-master-down": sim(P2F, after(ev("vrrp_state", node="haproxy1", state="BACKUP"), ev("vrrp_state", node="haproxy1", state="MASTER")),
                           "{range} s", d=3, runs=1),
    "c22-real-log": log_gap("tests/validation/fixtures/demo1-part2-haproxy1-keepalived.log", r"Entering BACKUP STATE \(init\)",
                            r"Entering MASTER STATE"),
    "c23-advert": traced(P2F, advert_interval, "{range} s", d=3, runs=1),
    "vrid-mh": sim(SBF.format("vrid-mismatch"), MH, "{range} s"),
    "auth-mh": sim(SBF.format("auth-mismatch"), MH, "{range} s"),
    "blocked-mh": sim(SBF.format("vrrp-blocked"), MH, "{range} s"),
    "frozen-mh": sim(SBF.format("frozen-master"), MH, "{range} s"),
    **{f"{n}-real-mh": real(SBR[n], MH, "{range} s", d=1) for n in ("vrrp-blocked", "frozen-master", "auth-mismatch", "vrid-mismatch")},
    "disconnect-gap": sim(DCF, after(fault("disconnect"), VIP_TO_2), "{range} s", d=2),
    "c30-gap": sim(DCF, after(fault("disconnect"), VIP_TO_2), "{range} s after the cut (median {median:.2f})", d=2),
    "disconnect-real-gap": real_events(DCR, real_after("disconnect", "haproxy1", REAL_TO_2), "{range} s"),
    "c31-overlap": sim(P2F, MH, "{mmm} s", d=4),
    "kill-gap": sim(KCF, KILL_GAP, "{range} s", d=2),
    "stop-gap": sim(P2F, STOP_GAP, "{range} s", d=3),
    "stop-gap-runs": sim(P2F, STOP_GAP, "{range} s in {n} of {of} runs", d=3),
    "kc-unheld": sim(KCF, UNHELD, "{range} s", d=1),
    "kc-failed": sim(KCF, "load.failed", "{range}", d=0),
    "kc-slowest": traced(KCF, slowest_request(lambda e: e["kind"] == "fault" and e.get("action") == "kill", 10.0), "{range} s"),
    "stop-slowest": traced(P2F, slowest_request(lambda e: e["kind"] == "fault" and e.get("action") == "stop", 10.0), "{range} s", d=2),
    "stop-failed": sim(P2F, "load.failed", "{range} in {n} of {of} runs", d=0),
    "kc-real-gap": real_events(KC_RECORDS, real_after("kill", "haproxy1", REAL_TO_2), "{range} s", d=1),
    "kc-real-runs": real_events(KC_RECORDS, lambda r: 1, "{n}"),
    "kc-real-unheld": real(KCR, UNHELD, "{range} s", d=1),
    "kc-real-failed": real_events(KC_RECORDS, lambda r: r["metrics"].get("load.failed") if r.get("metrics") else None, "{range}", d=0),
    "kc-real-back": real_events(KC_RECORDS, keepalived_back, "{n} of {of}"),
    "p2-2211-real-gap": real(REC.format("2026-11-22", "demo1-part2"), UNHELD, "{range} s"),
    "p2-real-gap": real(P2R, UNHELD, "{range} s", d=3),
    "p2-real-runs": real_runs(P2R),
    "p2-real-failed": real(P2R, "load.failed", "{range} failed requests in {of} of {of} runs", d=0),
    "c57-back": sim(P2F, after(fault("start", target="haproxy1"), ev("vip_added", node="haproxy1")), "{range} s", d=2),
    "c57-real-back": real_events(P2R, real_after("start", "haproxy1", ev("vip_change", node="haproxy1", held=True)),
                                 "{n} of {of} runs, {range} s after `docker start`", d=1),
    "c58-real-none": real_events(P2R, lambda r: None if moved_after("stop", "haproxy2", "vip_change")(r) else 1, "{n} of {of}"),
    "c61-back": sim(DCF, after(ev("fault_end", action="disconnect"), ev("vip_added", node="haproxy1")), "{range} s", d=2),
    "c62-failed": sim(CHF, "load.failed", "{range}", d=0),
    "c62-outage": sim(CHF, "load.outage_max_s", "{range} s"),
    "c62-moves": sim(CHF, "vip.172.20.0.100.moves", "{range}", d=0),
    "c65-h1": sim(P2F, at(ev("vrrp_state", node="haproxy1", state="MASTER")), "{n} of {of}", sets=C65),
    "c65-h2": sim(P2F, where_run(lambda r: [e["node"] for e in r["events"] if e["kind"] == "vrrp_state"
                                            and e["state"] == "MASTER"][-1] == "haproxy2"), "{n} of {of}", sets=C65),
    "c65-h2-at": sim(P2F, at(ev("vrrp_state", node="haproxy2", state="MASTER")), "{range} s", d=2, sets=C65),
    "c66-mh": sim(SBF.format("both-master"), MH, "{range}", d=3),
    "c66-h2": sim(SBF.format("both-master"), after(ev("fault", action="restart"), ev("vrrp_state", node="haproxy2", state="MASTER")),
                  "{n}/{of}"),
    "c66-real-mh": real(SBR["both-master"], MH, "{max:.3f} s", d=3),
    "c66-real-unheld": real(SBR["both-master"], UNHELD, "{range} s", d=1),
    "c69-101": sim(KPF, moved_after("kill", "haproxy1/haproxy"), "{n}/{of}", runs=10, sets=(f"{P1}=101", f"{P2}=100")),
    "c69-100": sim(KPF, moved_after("kill", "haproxy1/haproxy"), "{n}/{of}", runs=10),
    "c51-failed": sim(P2F, "load.failed", "{range}", d=0, runs=5, sets=("faults=[{at: 30s, stop: vip-access, for: 20s}]",)),
    "c51-outage": sim(P2F, "load.outage_max_s", "{range} s", runs=5, sets=("faults=[{at: 30s, stop: vip-access, for: 20s}]",)),
}

BLOCKS.update(CLAIMS)

# docs/claims-stateful.md (Demo 2)
MFF = "scenarios/demo2/manual-failover.yaml"
CFF = "scenarios/demo2/crash-failover.yaml"
D2SB = "scenarios/demo2/split-brain.yaml"
MFR = REC.format("2026-12-02", "demo2-manual-failover")
SBRR = REC.format("2026-12-05", "demo2-split-brain")  # 100 s runs: every writer got back
CFR = REC.format("2026-12-03", "demo2-crash-failover")
D2S = "scenarios/demo2/stack.yaml"
R1LAG = "replication.postgres-replica1.lag_"


def violation_start(invariant: str) -> Callable[[dict], float | None]:
    return lambda r: next((v["start_s"] for v in r["violations"] if v["invariant"] == invariant), None)


def violation_to_end(invariant: str) -> Callable[[dict], float | None]:
    """1 for a run whose violation of `invariant` lasts to the end of the run."""
    return lambda r: 1 if any(v["invariant"] == invariant and "still open at end" in v.get("detail", "")
                              for v in r["violations"]) else None


def fault_duration(action: str) -> Callable[[dict], float | None]:
    """A real run: how long the fault's command took (issued to returned)."""
    return lambda r: next((f["done_s"] - f["t_s"] for f in r["faults"] if f["action"] == action), None)


def stack_start(run: dict) -> float:
    """When a simulated run's stack started: its run_start record (before time 0 where the stack
    is set up before it, scenarios/postgres_ready.hpp)."""
    return next(e["t_s"] for e in run["events"] if e["kind"] == "run_start")


STATEFUL: dict[str, Callable] = {
    "s1-gap": sim(MFF, "load.write_gap_max_s", "{range} s", d=2),
    "s1-gap-median": sim(MFF, "load.write_gap_max_s", "{median:.1f} s", d=1),
    "s1-promoted": sim(MFF, at(ev("pg_promoted")), "{range} s in {n} of {of}", d=3),
    "s1-real-gap": real(MFR, "load.write_gap_max_s", "{mmm} s (min / median / max of {of})", d=1),
    "s1-real-gap-range": real(MFR, "load.write_gap_max_s", "{range} s", d=1),
    "s1-real-repoint": real_events(MFR, fault_duration("repoint"), "{range} s", d=2),
    "s2-stop-lost": sim(MFF, where_run(lambda r: r["metrics"]["commits.acked_lost"] == 0), "{n} of {of}"),
    "s2-crash-lost": sim(CFF, where_run(lambda r: r["metrics"]["commits.acked_lost"] == 0), "{n} of {of}"),
    "s2-real-lost": real(MFR, "commits.acked_lost", "{range} lost in {n} of {of}", d=0),
    "s2-real-crash-lost": real(CFR, "commits.acked_lost", "{range} lost in {n} of {of}", d=0),
    "s2-real-crash-acked": real(CFR, "commits.acked", "{range}", d=0),
    "s4-from": sim(D2SB, violation_start("single_writable_primary"), "{range} s", d=2),
    "s4-to-end": sim(D2SB, violation_to_end("single_writable_primary"), "{n} of {of}"),
    "s4-lost-runs": sim(D2SB, where_run(lambda r: r["metrics"]["commits.acked_lost"] > 0), "{n} of {of}"),
    "s4-lost-some": sim(D2SB, lambda r: r["metrics"]["commits.acked_lost"] or None, "{range}", d=0),
    "s4-lost": sim(D2SB, "commits.acked_lost", "{range}", d=0),
    "s4-real-two": real_outcome(SBRR, "violations: two writable primaries at once"),
    "s4-real-lost": real_outcome(SBRR, "violations: an acknowledged commit lost"),
    "s4-real-lost-mmm": real(SBRR, "commits.acked_lost", "{mmm}", d=0),
    "s4-real-ready": real_events(SBRR, real_after("start", "postgres-primary", ev("pg_started", node="postgres-primary")),
                                 "{range} s", d=1),
    # From the stack's start (run_start, before time 0 where the set-up runs before it).
    "s5-streaming": sim(D2SB, lambda r: max((e["t_s"] for e in r["events"] if e["kind"] == "pg_walreceiver_connected"
                                             and e["t_s"] < 20), default=None) - stack_start(r), "{range} s", d=1),
    "s5-time-zero": sim(D2SB, lambda r: -stack_start(r), "{range} s", d=1),
    "s5-real-setup": real_events((MFR, SBRR), lambda r: r.get("pg_setup_s"), "{range} s", d=1),
    "s6-median": sim(D2S, lambda r: r["metrics"][R1LAG + "median_s"] * 1e3, "{range} ms", d=1),
    "s6-max": sim(D2S, lambda r: r["metrics"][R1LAG + "max_s"] * 1e3, "{range} ms", d=1),
    "s6-bytes": sim(D2S, R1LAG + "bytes_max", "{range}", d=0),
    "s6-crash-median": sim(CFF, lambda r: r["metrics"][R1LAG + "median_s"] * 1e3, "{range} ms", d=1),
    "s6-real-median": real(CFR, R1LAG + "median_s", "{mmm} s", d=3),
    "s6-real-max": real(CFR, R1LAG + "max_s", "{mmm} s", d=3),
}
BLOCKS.update(STATEFUL)


# ---------------------------------------------------------------------------------------------
# docs/validation.md: today's model against every stored record. The second part of the check
# (`figures.py check --part validation`, the ctest docs_validation): 16 records x VALIDATION_SEEDS
# simulated seeds take about a minute and a half on two cores, too slow for `make check`.

VALIDATION_SEEDS = 500
# Records whose scenario costs far more per seed: slot-retention runs pgbench at 400 tps for 90
# simulated seconds (about 0.9 s a seed on a loaded core, where a writer's scenario takes tens of
# ms), so 500 seeds would add minutes to the check; 100 still put each of 3 real runs inside the
# simulated range with probability 1 - 6/103 per metric for a correct model. The newer pgbench
# record (200 tps for 30 s beside the writer) takes about a third of that per seed: 200.
RECORD_SEEDS = {"slots": 100, "slots-unbounded": 100, "write-rate-slots": 100, "write-rate-pgbench": 200, "statements-pgbench": 200}


def record_seeds(record: str) -> int:
    return RECORD_SEEDS.get(os.path.basename(record)[:-len(".real.json")], VALIDATION_SEEDS)
# The first record day, 2026-11-22, used a 50 ms VIP poller and measured neither the load loop's
# cost nor the host's wake-up delay; every one of its scenarios was recorded again on 2026-12-01.
# Its records stay in validation/results/ and in the dated section of docs/validation.md.
VALIDATION_FROM = "2026-12-01"


def stored_records() -> list[str]:
    """Every stored record from VALIDATION_FROM on, by day then name (the records of the docs'
    tree, --docs-root: the tests check a copy holding fewer)."""
    base = os.path.join(DOCROOT, "validation", "results")
    out = []
    for day in sorted(os.listdir(base)):
        if os.path.isdir(os.path.join(base, day)) and day >= VALIDATION_FROM:
            out += [f"validation/results/{day}/{fn}" for fn in sorted(os.listdir(os.path.join(base, day)))
                    if fn.endswith(".real.json")]
    return out


def validation_command(record: str) -> str:
    return (f"build/hasim validate {record_scenario(record, DOCROOT)} --real {record} --sim-seeds {record_seeds(record)} "
            "--no-plot --jobs 2 --out DIR")


def record_title(record: str) -> str:
    day, name = record.split("/")[-2], os.path.basename(record)[:-len(".real.json")]
    return f"{name}, record {day}"


def report_excerpt(report: str) -> str:
    """report.md without its title and its header line (which carries today's date)."""
    lines = report.strip("\n").split("\n")
    lines = [x for x in lines if not x.startswith("# Validation:") and not x.startswith("Scenario `")]
    while lines and not lines[0].strip():
        lines.pop(0)
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def validation_summary(ctx: Context, _old: str) -> str:
    out = ["| scenario | record | real runs | metrics within targets | outcomes agree | result |",
           "| --- | --- | --- | --- | --- | --- |"]
    for rec in stored_records():
        v, _ = ctx.validation(rec, record_seeds(rec), DOCROOT)
        m, o = v["metrics"], v["outcomes"]
        anchor = re.sub(r"[^a-z0-9 -]", "", record_title(rec).lower()).replace(" ", "-")
        out.append(f"| [{os.path.basename(rec)[:-len('.real.json')]}](#{anchor}) (`{record_scenario(rec, DOCROOT)}`) | "
                   f"{rec.split('/')[-2]} | {v['real_runs']} | {sum(1 for x in m if x['pass'])} / {len(m)} | "
                   f"{sum(1 for x in o if x['agree'])} / {len(o)} | {'PASS' if v['pass'] else 'FAIL'} |")
    return "\n".join(out)


def validation_records(ctx: Context, _old: str) -> str:
    parts = []
    for rec in stored_records():
        _, report = ctx.validation(rec, record_seeds(rec), DOCROOT)
        parts.append(f"### {record_title(rec)}\n\n```sh\n{validation_command(rec)}\n```\n\n{report_excerpt(report)}")
    return "\n\n".join(parts)


VALIDATION: dict[str, Callable] = {
    "validation-seeds": lambda ctx, old: str(VALIDATION_SEEDS),
    "validation-summary": validation_summary,
    "validation-records": validation_records,
}


# ---------------------------------------------------------------------------------------------
# docs/explore.md: the catalogues `hasim explore` prints, the replays of its reproductions, and
# the numbers the prose takes from them. Part "explore" (the explore runs take ten seconds or more
# on two shared cores): checked with the validation tables by the ctest docs_validation.

EXPLORE_P2 = ("explore", "scenarios/demo1-part2.yaml", "--budget", "1000", "--jobs", "2", "--shrink", "20",
              "--out", "@TMP@/explore-part2")
EXPLORE_AUTH = ("explore", "scenarios/split-brain/auth-mismatch.yaml", "--budget", "200", "--jobs", "2", "--shrink", "1")
EXPLORE_D2 = ("explore", "scenarios/demo2/stack.yaml", "--budget", "1000", "--jobs", "2", "--out", "@TMP@/explore-demo2")
EXPLORE_D2_NO_PROMOTE = ("explore", "scenarios/demo2/stack.yaml", "--faults", "@TMP@/demo2-no-promote.yaml",
                         "--budget", "1000", "--jobs", "2", "--out", "@TMP@/explore-no-promote")
IN_TMP = {"@TMP@/explore-part2": "explore-part2", "@TMP@/explore-demo2": "explore-demo2",
          "@TMP@/demo2-no-promote.yaml": "demo2-no-promote.yaml", "@TMP@/explore-no-promote": "explore-no-promote"}


def explored(*args: str) -> Callable:
    """Run an explore (its --out directory under the temporary directory) before a command that
    reads what it wrote; the no-promote profile is written first, as the doc's `sed` does."""
    def prepare(ctx: Context) -> None:
        if "@TMP@/demo2-no-promote.yaml" in args:
            with open(os.path.join(ROOT, "scenarios/faults/demo2.yaml"), encoding="utf-8") as f:
                text = re.sub(r", promote(?=[,\]])", "", f.read())
            with open(os.path.join(ctx.tmp, "demo2-no-promote.yaml"), "w", encoding="utf-8") as f:
                f.write(text)
        ctx.run(*args, replace=IN_TMP)
    return prepare


def explore_excerpt(args: tuple[str, ...], *then: str) -> Callable:
    """An excerpt of an explore's catalogue (stdout), or of a command run on what it wrote."""
    inner = excerpt(*(then or args), replace=IN_TMP)

    def gen(ctx: Context, old: str) -> str:
        explored(*args)(ctx)
        return inner(ctx, old)
    return gen


def explore_summary(args: tuple[str, ...]) -> Callable:
    """The summary line explore prints on stderr, its wall-clock figures (which vary from run to
    run and machine to machine) written as `…`."""
    def gen(ctx: Context, _old: str) -> str:
        explored(*args)(ctx)
        line = next(x for x in ctx.stderr(*args, replace=IN_TMP).splitlines() if x.startswith("hasim: "))
        line = re.sub(r"in [\d.]+ s \([\d.]+/s\)", "in … s (…/s)", line)
        line = re.sub(r"[\d.]+ s wall in all", "… s wall in all", line)
        return f"```\n{line}\n```"
    return gen


def catalogue(args: tuple[str, ...], pattern: str, fn: Callable[[re.Match], str]) -> Callable:
    def gen(ctx: Context, _old: str) -> str:
        explored(*args)(ctx)
        m = re.search(pattern, ctx.run(*args, replace=IN_TMP), re.M)
        if not m:
            raise SystemExit(f"figures: `hasim {' '.join(args)}` no longer prints /{pattern}/")
        return fn(m)
    return gen


def replay_event(args: tuple[str, ...], scenario: str, fn: Callable[[dict], str], *extra: str) -> Callable:
    """A figure from `hasim run REPRODUCTION [extra...] --json` (a file the explore wrote)."""
    def gen(ctx: Context, _old: str) -> str:
        explored(*args)(ctx)
        return fn(json.loads(ctx.run("run", scenario, *extra, "--json", "--quiet", replace=IN_TMP)))
    return gen


def after_fault(d: dict, kind: str) -> tuple[float, str]:
    """The time and node of the first event of `kind` after the run's first fault."""
    t = next(e["t_s"] for e in d["events"] if e["kind"] == "fault")
    return next((e["t_s"], e.get("node", "")) for e in d["events"] if e["kind"] == kind and e["t_s"] > t)


def restreams(node: str) -> Callable[[dict], str]:
    """Seconds from the fault to the node's first walreceiver connection after it."""
    def fn(d: dict) -> str:
        t = next(e["t_s"] for e in d["events"] if e["kind"] == "fault")
        return "{:.1f} s".format(next(e["t_s"] for e in d["events"] if e["kind"] == "pg_walreceiver_connected"
                                      and e["node"] == node and e["t_s"] > t) - t)
    return fn


def holding_range(ctx: Context, _old: str) -> str:
    """The shortest and longest double holding among the single_vip_holder classes."""
    explored(*EXPLORE_P2)(ctx)
    out = ctx.run(*EXPLORE_P2, replace=IN_TMP)
    section = out[out.index("single_vip_holder:"):]
    v = [float(x) for x in re.findall(r"held by .* \(([\d.]+) s\)$", section, re.M)]
    return f"{min(v):.1f} to {max(v):.0f} s" if max(v) >= 0.95 else f"{min(v):.1f} to {max(v):.1f} s"


def pct(kind: str) -> Callable:
    return catalogue(EXPLORE_P2, rf"^{re.escape(kind)}: \d+/\d+ schedules \(([\d.]+)%\)", lambda m: f"{float(m[1]):.0f}%")


def first_streamed(d: dict) -> str:
    """When the promoted standby's walreceiver first connected (streaming began)."""
    promoted = next(e["node"] for e in d["events"] if e["kind"] == "pg_promoted")
    e = next(e for e in d["events"] if e["kind"] == "pg_walreceiver_connected" and e["node"] == promoted)
    return "{} streaming from {:.1f} s".format(promoted, e["t_s"])


NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}
BACKENDS_UP = "@TMP@/explore-part2/liveness-backends_up.yaml"
ONE_PRIMARY = "@TMP@/explore-demo2/liveness-one_primary.yaml"
NO_PROMOTE_LONG = "@TMP@/explore-no-promote/liveness-standbys_streaming.yaml"

EXPLORE: dict[str, Callable] = {
    "explore-part2-output": explore_excerpt(EXPLORE_P2),
    "explore-part2-summary": explore_summary(EXPLORE_P2),
    "explore-replay-output": explore_excerpt(EXPLORE_P2, "run", "@TMP@/explore-part2/single_vip_holder.yaml", "--no-color"),
    "explore-replay-sha": replay_event(EXPLORE_P2, "@TMP@/explore-part2/single_vip_holder.yaml", lambda d: d["trace_sha256"]),
    "explore-vip-pct": pct("single_vip_holder"),
    "explore-vip-classes": catalogue(EXPLORE_P2, r"^single_vip_holder: .*?; (\d+) class\(es\) of minimal schedule among the first (\d+)",
                                     lambda m: f"{NUMBERS.get(int(m[1]), m[1])} classes among the {m[2]}"),
    "explore-vip-holding": holding_range,
    "explore-daemons-pct": pct("liveness/daemons_running"),
    "explore-backends-pct": pct("liveness/backends_up"),
    "explore-addr-change": replay_event(EXPLORE_P2, BACKENDS_UP, lambda d: "{:.1f} s after a crash at {:.0f} s".format(
        after_fault(d, "server_addr_change")[0], next(e["t_s"] for e in d["events"] if e["kind"] == "fault"))),
    "explore-backends-up": replay_event(EXPLORE_P2, BACKENDS_UP, lambda d: "{:.1f} s on {}".format(
        *after_fault(d, "server_up"))),
    "explore-auth-output": explore_excerpt(EXPLORE_AUTH),
    "explore-auth-summary": explore_summary(EXPLORE_AUTH),
    "explore-demo2-output": explore_excerpt(EXPLORE_D2),
    "explore-demo2-summary": explore_summary(EXPLORE_D2),
    "explore-demo2-streamed": replay_event(EXPLORE_D2, ONE_PRIMARY, first_streamed),
    "explore-demo2-no-promote-output": explore_excerpt(EXPLORE_D2_NO_PROMOTE),
    "explore-demo2-no-promote-summary": explore_summary(EXPLORE_D2_NO_PROMOTE),
    "explore-np-pct": catalogue(EXPLORE_D2_NO_PROMOTE, r"^liveness/standbys_streaming: \d+/\d+ schedules \(([\d.]+)%\)",
                                lambda m: f"{float(m[1]):.0f}%"),
    **{f"explore-np-{n}": replay_event(EXPLORE_D2_NO_PROMOTE, NO_PROMOTE_LONG, restreams(f"postgres-{n}"),
                                                "--set", "duration=150s")
       for n in ("replica1", "replica2")},
}

PARTS: dict[str, dict[str, Callable]] = {"figures": BLOCKS, "validation": VALIDATION, "explore": EXPLORE}

DOCS = ["README.md", "docs/exploring-tuning.md", "docs/claims.md", "docs/claims-stateful.md", "docs/validation.md",
        "docs/explore.md"]


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


def render_doc(ctx: Context, path: str, problems: list[str], used: set[str], parts: list[str]) -> str:
    with open(os.path.join(DOCROOT, path), encoding="utf-8") as f:
        text = f.read()
    gens = {k: v for p in parts for k, v in PARTS[p].items()}

    def sub(m: re.Match) -> str:
        name, old = m.group(1), m.group(2)
        if name not in gens:
            if not any(name in blocks for blocks in PARTS.values()):
                problems.append(f"{path}: figure '{name}' has no generator in docs/figures.py")
            return m.group(0)  # a figure of a part not checked this time
        used.add(name)
        new = gens[name](ctx, old)
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
    ap.add_argument("--part", choices=["figures", "validation", "explore", "all"], action="append",
                    help="figures: the sweeps, heatmaps and every figure but the slow parts (`make check`); "
                         "validation: docs/validation.md's generated section (every stored record against today's "
                         "model); explore: docs/explore.md's catalogues (the two are the ctest docs_validation); "
                         "repeatable; default: figures for check, all for regenerate")
    a = ap.parse_args(argv)
    chosen = a.part or ["figures" if a.mode == "check" else "all"]
    parts = list(PARTS) if "all" in chosen else [p for p in PARTS if p in chosen]
    part = "+".join(parts)
    global DOCROOT
    DOCROOT = os.path.abspath(a.docs_root)
    problems: list[str] = []
    used: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="hasim-figures-") as tmp:
        ctx = Context(os.path.abspath(a.hasim), tmp, fresh=a.mode == "check")
        # The data behind each figure: the stored CSV must be what its sweep gives now.
        for name in (SWEEPS if "figures" in parts else {}):
            fresh = ctx.sweep_csv(name)
            stored = os.path.join(DOCROOT, csv_path(name))
            if a.mode == "check":
                if not os.path.exists(stored):
                    problems.append(f"{csv_path(name)} is missing (make docs)")
                elif open(stored, "rb").read() != open(fresh, "rb").read():
                    problems.append(f"{csv_path(name)} differs from what `hasim {' '.join(sweep_argv(name, '...'))}` gives now")
        # The heatmaps: the cells each image shows must be the cells of its sweep.
        for png, h in (HEATMAPS.items() if "figures" in parts else []):
            want = heatmap_cells(ctx.rows(h["sweep"]), h["x"], h["y"], h["metric"])
            if a.mode == "regenerate":
                from hasim_plot import heatmap
                heatmap(ctx.rows(h["sweep"]), x=h["x"], y=h["y"], metric=h["metric"], out=os.path.join(DOCROOT, png))
            path = os.path.join(DOCROOT, png)
            got = png_text(path).get("hasim:cells") if os.path.exists(path) else None
            if got is None or json.loads(got) != want:
                problems.append(f"{png} does not show the cells of its sweep {h['sweep']} (make docs)")
        # The timelines: what each image shows must be what its runs give now.
        for png, t in (TIMELINES.items() if "figures" in parts else []):
            sim, real, sim_label, real_label = timeline_sides(ctx, t)
            want = timeline_summary([side_data(sim, sim_label), side_data(real, real_label)])
            if a.mode == "regenerate":
                from hasim_plot import timeline
                timeline(sim, os.path.join(DOCROOT, png), real_run=real, sim_label=sim_label, real_label=real_label,
                         title=f"{os.path.basename(t['scenario'])}: the writer's commits and the standbys' replay lag "
                               "(the seed with the host the real run measured)")
            path = os.path.join(DOCROOT, png)
            got = png_text(path).get("hasim:timeline") if os.path.exists(path) else None
            if got is None or json.loads(got) != want:
                problems.append(f"{png} does not show what its runs give now (make docs)")
        # Text in the docs.
        for doc in DOCS:
            new, old = render_doc(ctx, doc, problems if a.mode == "check" else [], used, parts)
            if a.mode == "regenerate" and new != old:
                with open(os.path.join(DOCROOT, doc), "w", encoding="utf-8") as f:
                    f.write(new)
                print(f"figures: rewrote {doc}", file=sys.stderr)
    for name in (k for p in parts for k in PARTS[p]):
        if name not in used:
            problems.append(f"figure '{name}' is registered but used in none of {', '.join(DOCS)}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        if a.mode == "check":
            print(f"\n{len(problems)} documented figure(s) no longer match their commands: run `make docs` "
                  "and read the diff (the prose around a changed number may need new words).", file=sys.stderr)
        return 1
    swept = (f"{len(SWEEPS)} sweeps, {len(HEATMAPS)} heatmaps, {len(TIMELINES)} timeline(s) and "
             if "figures" in parts else "")
    print(f"figures ({part}): {swept}{len(used)} documented figures "
          + ("match their commands" if a.mode == "check" else "regenerated"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
