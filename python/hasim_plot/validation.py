"""Real against simulated distributions, from ``hasim validate``'s validation.json.

One panel per metric: the simulated values (grey dots, their min..max as a bar, the median as a
black tick), the real runs (red diamonds) and the band the simulated median must fall in (the
real median ± max(10%, 0.3)). The panel title carries the verdict, so a missed target is read
off the picture without the table.
"""
from __future__ import annotations

import json
import math
import os
import sys
from typing import Any

from . import PlotError


def _load(data: Any) -> dict:
    if isinstance(data, (str, os.PathLike)):
        try:
            with open(data, encoding="utf-8") as f:
                return json.load(f)
        except json.JSONDecodeError as e:
            raise PlotError(f"{os.fspath(data)}: not JSON ({e})") from None
    return data


def distributions(data: Any, out: str | os.PathLike, columns: int = 3) -> str:
    """Writes the real-vs-simulated panels of a validation record (path or dict) to `out`."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError as e:
        raise PlotError(f"{e.name} is not installed for {sys.executable}: use Debian's /usr/bin/python3 "
                        "with python3-matplotlib (make deps installs it)") from None
    record = _load(data)
    metrics = record.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        raise PlotError("no metrics in the validation record (is it hasim validate's validation.json?)")
    out = os.fspath(out)
    ext = os.path.splitext(out)[1].lower()
    if ext not in (".png", ".svg", ".pdf"):
        raise PlotError(f"cannot tell the format of '{out}': use .png, .svg or .pdf")
    rows = math.ceil(len(metrics) / columns)
    fig = Figure(figsize=(4.2 * columns, 1.9 * rows + 0.8), dpi=110, layout="constrained")
    fig.suptitle(f"{record.get('scenario', '?')}: {record.get('real_runs', '?')} real runs (red) vs "
                 f"{record.get('sim_runs', '?')} simulated (grey) — {'PASS' if record.get('pass') else 'FAIL'}",
                 fontsize=11)
    for i, m in enumerate(metrics):
        ax = fig.add_subplot(rows, columns, i + 1)
        sim = [float(v) for v in m.get("sim_values", [])]
        real = [float(v) for v in m.get("real_values", [])]
        # A fixed spread per index (no random jitter) keeps the picture identical run to run.
        if sim:
            ys = [0.35 + 0.3 * ((k * 0.618034) % 1.0) for k in range(len(sim))]
            ax.scatter(sim, ys, s=6, color="#888888", alpha=0.5, linewidths=0)
            ax.plot([min(sim), max(sim)], [0.2, 0.2], color="#555555", linewidth=2)
            ax.plot([m["sim"]["median"]] * 2, [0.1, 0.3], color="black", linewidth=2)
        if real:
            ax.scatter(real, [-0.3] * len(real), s=36, marker="D", color="#d62728", zorder=3)
            med, tol = m["real"]["median"], m["tolerance"]
            ax.axvspan(med - tol, med + tol, color="#d62728", alpha=0.12, linewidth=0)
        ax.set_ylim(-0.7, 0.9)
        ax.set_yticks([-0.3, 0.45], labels=["real", "sim"])
        ax.tick_params(labelsize=8)
        verdict = "ok" if m.get("pass") else "MISS: " + ", ".join(
            w for w, ok in (("median", m.get("median_ok")), ("range", m.get("range_ok"))) if not ok)
        name = m["metric"] if len(m["metric"]) <= 40 else "…" + m["metric"][-39:]
        ax.set_title(f"{name}\n{verdict}", fontsize=9, color="black" if m.get("pass") else "#b00000")
    metadata = {"Date": None} if ext in (".svg", ".pdf") else None
    with matplotlib.rc_context({"svg.hashsalt": "hasim_plot"}):
        fig.savefig(out, metadata=metadata)
    return out
