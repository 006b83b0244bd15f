"""A PostgreSQL run over time: the writer's commits (acknowledged, with their latency, and failed),
its longest write gap, and each standby's replay lag as the primary's pg_stat_replication showed
it, with the faults marked; a simulated run and a real one on the same axes.

Both sides are the same records: a simulated run is `hasim run SCENARIO --json --events
pg_commit_acked,pg_commit_failed,pg_stat_replication` (its `events`), a real one a run of a
`hasim validate` record (real.json's `runs[N]`, whose `events` run_real.py stores with the
simulator's kinds and fields)."""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Mapping

from . import PlotError

KINDS = ("pg_commit_acked", "pg_commit_failed", "pg_stat_replication", "fault")


def _events(run: Mapping[str, Any], what: str) -> list[Mapping[str, Any]]:
    ev = run.get("events") if isinstance(run, Mapping) else None
    if not isinstance(ev, list):
        raise PlotError(f"{what} has no 'events' list (a `hasim run --json --events ...` object or a real run)")
    out = []
    for i, e in enumerate(ev):
        if not isinstance(e, Mapping) or not isinstance(e.get("kind"), str) or not isinstance(e.get("t_s"), (int, float)):
            raise PlotError(f"{what}: event {i} has no kind and t_s")
        out.append(e)
    return out


def side_data(run: Mapping[str, Any], label: str) -> dict:
    """One run's points: acknowledged commits (t, latency ms), failed attempts (t), the longest
    gap between two acknowledgements ([start, end], None with fewer than two), each standby's
    replay lag (t, s) by application_name, and the faults (t, "action target")."""
    ev = _events(run, label)
    acks = [[round(e["t_s"], 6), round(e.get("latency_us", 0) / 1000.0, 3)] for e in ev if e["kind"] == "pg_commit_acked"]
    failed = [round(e["t_s"], 6) for e in ev if e["kind"] == "pg_commit_failed"]
    gap = None
    for a, b in zip(acks, acks[1:]):
        if gap is None or b[0] - a[0] > gap[1] - gap[0]:
            gap = [a[0], b[0]]
    lag: dict[str, list[list[float]]] = {}
    for e in ev:
        if e["kind"] == "pg_stat_replication" and isinstance(e.get("replay_lag_us"), (int, float)):
            lag.setdefault(str(e.get("application_name", "?")), []).append([round(e["t_s"], 6), e["replay_lag_us"] / 1e6])
    faults = [[round(e["t_s"], 3), f"{e.get('action', '?')} {e.get('target', '')}".strip()] for e in ev if e["kind"] == "fault"]
    if not acks and not failed:
        raise PlotError(f"{label}: no pg_commit_acked or pg_commit_failed event (run it with --events {','.join(KINDS[:3])})")
    return {"label": label, "acks": acks, "failed": failed, "gap": gap, "lag": dict(sorted(lag.items())), "faults": faults}


def summary(sides: list[dict]) -> list[dict]:
    """What an image shows, as text (its `hasim:timeline` PNG chunk): per side the counts, the
    gap and the faults, for tests of documented figures."""
    out = []
    for s in sides:
        gap = None if s["gap"] is None else [round(s["gap"][0], 3), round(s["gap"][1], 3)]
        out.append({"label": s["label"], "acked": len(s["acks"]), "failed": len(s["failed"]), "gap": gap,
                    "lag_rows": {k: len(v) for k, v in s["lag"].items()}, "faults": [f[1] for f in s["faults"]]})
    return out


def timeline(sim_run: Mapping[str, Any], out: str | os.PathLike, real_run: Mapping[str, Any] | None = None,
             sim_label: str = "simulated", real_label: str = "real", title: str | None = None) -> str:
    """Writes the timeline of `sim_run` (and `real_run`, if given) to `out` (.png, .svg or .pdf):
    two panels over scenario time, the writer's commits above (latency of each acknowledged one on
    a log scale, failed attempts as crosses, the longest write gap shaded) and the standbys'
    replay lag below (log scale), each fault a dashed line. Returns `out`."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError as e:
        raise PlotError(f"{e.name} is not installed for {sys.executable}: use Debian's /usr/bin/python3 "
                        "with python3-matplotlib (make deps installs it)") from None
    out = os.fspath(out)
    ext = os.path.splitext(out)[1].lower()
    if ext not in (".png", ".svg", ".pdf"):
        raise PlotError(f"cannot tell the format of '{out}': use .png, .svg or .pdf")
    sides = [side_data(sim_run, sim_label)]
    if real_run is not None:
        sides.append(side_data(real_run, real_label))
    colours = ["#1f77b4", "#e6550d"]
    fig = Figure(figsize=(10, 6.2), dpi=110, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    floor = 0.05  # ms: where a failed attempt's cross sits (below any commit's latency)
    for n, (s, c) in enumerate(zip(sides, colours)):
        if s["gap"] is not None:
            g = s["gap"]
            top.axvspan(g[0], g[1], ymin=0.5 * n, ymax=0.5 * (n + 1), color=c, alpha=0.15, lw=0)
            # Just inside the gap's start, clear of the crosses below and of the faults' labels.
            top.annotate(f"write gap {g[1] - g[0]:.1f} s", xy=(g[0], 0.3 + 0.23 * n), xytext=(4, 0),
                         textcoords="offset points", xycoords=("data", "axes fraction"), ha="left", color=c, fontsize=8,
                         bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 1.5}, zorder=5)
        if s["acks"]:
            top.scatter([a[0] for a in s["acks"]], [max(a[1], floor * 4) for a in s["acks"]], s=10, color=c,
                        label=f"{s['label']}: {len(s['acks'])} acknowledged")
        if s["failed"]:
            # Each side's crosses on their own line, so one does not hide the other.
            top.scatter(s["failed"], [floor * (1.8 ** n)] * len(s["failed"]), marker="x", s=18, color=c,
                        label=f"{s['label']}: {len(s['failed'])} failed")
        for k, (standby, pts) in enumerate(s["lag"].items()):
            # A zero lag (caught up) has no place on a log scale: such rows are left out.
            shown = [p for p in pts if p[1] > 0]
            bottom.plot([p[0] for p in shown], [p[1] for p in shown], marker="o^sv"[k % 4], ms=3.5, lw=0.8,
                        color=c, alpha=0.9, linestyle=["-", "--", ":", "-."][k % 4], label=f"{s['label']}: {standby}")
    for f in sides[0]["faults"]:
        for ax in (top, bottom):
            ax.axvline(f[0], color="#555555", lw=0.8, ls="--")
        top.annotate(f[1], xy=(f[0], 1.0), xycoords=("data", "axes fraction"), rotation=90, va="top", ha="right",
                     fontsize=8, color="#333333")
    top.set_yscale("log")
    top.set_ylabel("commit latency (ms)\nfailed attempts at the bottom")
    top.legend(loc="lower right", fontsize=8)
    bottom.set_yscale("log")
    bottom.set_ylabel("replay lag (s)\nzero (caught up) not drawn")
    bottom.set_xlabel("scenario time (s)")
    if any(s["lag"] for s in sides):
        bottom.legend(loc="upper left", fontsize=7, ncol=2)
    top.set_title(title or "the writer's commits and the standbys' replay lag", fontsize=11)
    metadata = {"hasim:timeline": json.dumps(summary(sides), sort_keys=True)} if ext == ".png" else {"Date": None}
    with matplotlib.rc_context({"svg.hashsalt": "hasim_plot"}):
        fig.savefig(out, metadata=metadata)
    return out
