"""Plots of hasim sweep results.

A sweep gives one row per run (``hasim sweep ... --out f.csv`` or ``hasim.sweep(...)``); a
heatmap shows one metric over two grid axes, aggregated over the seeds of each cell::

    import hasim, hasim_plot
    rows = hasim.sweep("scenarios/demo1-part1.yaml",
                       grid={"nodes.haproxy.haproxy.backends.nginx_backend.default-server.inter": ["1s", "2s", "5s"],
                             "nodes.haproxy.haproxy.backends.nginx_backend.default-server.fall": [1, 2, 3]},
                       seeds=5, jobs=4)
    hasim_plot.heatmap(rows, x="nodes.haproxy.haproxy.backends.nginx_backend.default-server.inter",
                       y="nodes.haproxy.haproxy.backends.nginx_backend.default-server.fall",
                       metric="nginx_backend.nginx1.detect_down_s", out="detect.png")

From the shell: ``python3 -m hasim_plot heatmap sweep.csv --x COL --y COL --metric COL --out fig.png``.
Only matplotlib's Agg canvas is used (no display, no pyplot state).
"""
from __future__ import annotations

import sys

import csv
import difflib
import json
import math
import os
from typing import Any, Callable, Mapping, Sequence

__all__ = ["AGGREGATES", "PlotError", "aggregate", "cell_labels", "distributions", "heatmap", "heatmap_cells",
           "read_csv", "timeline"]


class PlotError(ValueError):
    """Bad plot input: a missing column, an unknown aggregate, a metric with no numbers."""


def _percentile_nearest_rank(values: Sequence[float], pct: int) -> float:
    ordered = sorted(values)
    rank = max((pct * len(ordered) + 99) // 100, 1)  # as hasim's own run summaries
    return ordered[rank - 1]


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


AGGREGATES: dict[str, Callable[[Sequence[float]], float]] = {
    "median": _median,
    "mean": lambda v: sum(v) / len(v),
    "min": min,
    "max": max,
    "p95": lambda v: _percentile_nearest_rank(v, 95),
    "count": lambda v: float(len(v)),
}


def read_csv(path: str | os.PathLike) -> list[dict[str, str]]:
    """The rows of a ``hasim sweep --out FILE.csv`` file, as dicts of strings."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _rows_of(rows: Any) -> list[Mapping[str, Any]]:
    if isinstance(rows, (str, os.PathLike)):
        return read_csv(rows)
    if hasattr(rows, "to_dict"):  # a pandas DataFrame
        return rows.to_dict("records")
    return list(rows)


def _number(value: Any) -> float | None:
    """A cell as a float; None for an empty cell, None or NaN (a run without that metric)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise PlotError(f"not a number: {value!r}") from None
    return None if math.isnan(v) else v


def _check_column(rows: Sequence[Mapping[str, Any]], column: str, role: str) -> None:
    columns = list(rows[0].keys())
    if column in columns:
        return
    hint = difflib.get_close_matches(column, columns, n=1, cutoff=0.3)
    msg = f"{role} column '{column}' is not in the data"
    msg += f" (did you mean '{hint[0]}'?)" if hint else ""
    raise PlotError(msg + "; columns: " + ", ".join(columns))


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def aggregate(rows: Any, x: str, y: str, metric: str, agg: str = "median"):
    """Groups rows by (x, y) and aggregates `metric` over each group.

    Axis values keep the order in which they first appear (a sweep's grid order). Returns
    (xs, ys, values, counts): values[i][j] and counts[i][j] are for ys[i] and xs[j]; a cell
    with no numbers has value None and count 0.
    """
    rows = _rows_of(rows)
    if not rows:
        raise PlotError("no rows to plot")
    if agg not in AGGREGATES:
        raise PlotError(f"unknown aggregate '{agg}' (one of: {', '.join(AGGREGATES)})")
    for column, role in ((x, "x"), (y, "y"), (metric, "metric")):
        _check_column(rows, column, role)
    xs: list[str] = []
    ys: list[str] = []
    cells: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        xv, yv = _label(row[x]), _label(row[y])
        if xv not in xs:
            xs.append(xv)
        if yv not in ys:
            ys.append(yv)
        try:
            v = _number(row[metric])
        except PlotError as e:
            raise PlotError(f"column '{metric}': {e}") from None
        bucket = cells.setdefault((yv, xv), [])
        if v is not None:
            bucket.append(v)
    values = [[None] * len(xs) for _ in ys]
    counts = [[0] * len(xs) for _ in ys]
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            bucket = cells.get((yv, xv), [])
            counts[i][j] = len(bucket)
            if bucket:
                values[i][j] = AGGREGATES[agg](bucket)
    if all(v is None for line in values for v in line):
        raise PlotError(f"column '{metric}' has no numbers (no run produced that metric)")
    return xs, ys, values, counts


def _short(column: str, width: int = 42) -> str:
    """A long key path as its last components: '...default-server.inter'."""
    if len(column) <= width:
        return column
    parts = column.split(".")
    out = parts[-1]
    for p in reversed(parts[:-1]):
        if len(p) + 1 + len(out) + 1 > width:
            break
        out = p + "." + out
    return "…" + out


def _cell_format(finite: Sequence[float], integral: bool) -> Callable[[float], str]:
    """One number format for every cell, chosen from the largest value."""
    largest = max((abs(float(v)) for v in finite), default=0.0)
    if integral or largest >= 1000:
        return lambda v: f"{v:.0f}"
    if largest >= 100:
        return lambda v: f"{v:.1f}"
    if largest >= 0.1:
        return lambda v: f"{v:.2f}"
    return lambda v: f"{v:.2g}"


def cell_labels(values: Sequence[Sequence[float | None]], counts: Sequence[Sequence[int]]) -> list[list[str]]:
    """The text of each heatmap cell (aggregate()'s values and counts): one number format for
    all, "(n=K)" under a cell with fewer values than the fullest one, "n/a" for a cell with none."""
    finite = [float(v) for line in values for v in line if v is not None]
    cell_text = _cell_format(finite, all(v.is_integer() for v in finite))
    most = max(c for line in counts for c in line)
    labels = []
    for line, line_counts in zip(values, counts):
        row = []
        for v, n in zip(line, line_counts):
            if v is None:
                row.append("n/a")
                continue
            text = cell_text(float(v))
            if n != most:  # fewer runs than other cells produced the metric here
                text += f"\n(n={n})"
            row.append(text)
        labels.append(row)
    return labels


def heatmap_cells(rows: Any, x: str, y: str, metric: str, agg: str = "median") -> dict:
    """What a heatmap shows, as data: the axes, the metric, the aggregate and each cell's text.
    heatmap() stores it in a PNG's `hasim:cells` text chunk, so a test can tell which numbers an
    image shows without reading its pixels (docs/figures.py)."""
    xs, ys, values, counts = aggregate(rows, x, y, metric, agg)
    return {"x": x, "y": y, "metric": metric, "agg": agg, "xs": xs, "ys": ys, "cells": cell_labels(values, counts)}


def heatmap(rows: Any, x: str, y: str, metric: str, out: str | os.PathLike, agg: str = "median",
            title: str | None = None, cmap: str = "viridis") -> str:
    """Writes a heatmap of `metric` over columns `x` and `y` to `out` (.png, .svg or .pdf).

    rows: the list of dicts from ``hasim.sweep``, ``csv.DictReader`` rows, a pandas DataFrame,
    or the path of a ``hasim sweep`` CSV file. Each cell shows `agg` (median, mean, min, max,
    p95 or count) of the metric over the runs with that x and y, annotated with its value;
    runs without the metric are left out ("n=K" marks a cell with fewer values than the fullest
    one) and a cell with none says "n/a". Returns `out`.
    """
    try:
        import matplotlib
        import numpy as np
        from matplotlib.figure import Figure
    except ImportError as e:
        raise PlotError(f"{e.name} is not installed for {sys.executable}: use Debian's /usr/bin/python3 "
                        "with python3-matplotlib and python3-numpy (make deps installs them)") from None

    rows = _rows_of(rows)
    xs, ys, values, counts = aggregate(rows, x, y, metric, agg)
    labels = cell_labels(values, counts)
    data = np.array([[np.nan if v is None else v for v in line] for line in values], dtype=float)

    fig = Figure(figsize=(max(5.5, 1.1 * len(xs) + 3.0), max(3.8, 0.65 * len(ys) + 2.2)), dpi=120,
                 layout="constrained")
    ax = fig.add_subplot()
    masked = np.ma.masked_invalid(data)
    image = ax.imshow(masked, cmap=cmap, aspect="auto", origin="lower")
    ax.set_facecolor("#d9d9d9")  # cells without data
    colormap = image.get_cmap()
    for i in range(len(ys)):
        for j in range(len(xs)):
            v = values[i][j]
            if v is None:
                ax.text(j, i, labels[i][j], ha="center", va="center", fontsize=9, color="#555555")
                continue
            r, g, b, _ = colormap(image.norm(v))
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.55
            ax.text(j, i, labels[i][j], ha="center", va="center", fontsize=10, color="white" if dark else "black")
    ax.set_xticks(range(len(xs)), labels=xs)
    ax.set_yticks(range(len(ys)), labels=ys)
    ax.set_xlabel(_short(x))
    ax.set_ylabel(_short(y))
    n = sorted({c for line in counts for c in line if c})
    runs = f"{n[0]} run{'s' if n[0] != 1 else ''}" if len(n) == 1 else f"{n[0]}–{n[-1]} runs"
    ax.set_title(title or f"{metric}\n{agg} over {runs} per cell", fontsize=11)
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(f"{agg} {_short(metric, 30)}")
    out = os.fspath(out)
    ext = os.path.splitext(out)[1].lower()
    if ext not in (".png", ".svg", ".pdf"):
        raise PlotError(f"cannot tell the format of '{out}': use .png, .svg or .pdf")
    # No creation date and fixed SVG ids (random by default), so the same data gives the same bytes.
    if ext == ".png":  # the cells as text, for tests of documented figures (heatmap_cells)
        cells = {"x": x, "y": y, "metric": metric, "agg": agg, "xs": xs, "ys": ys, "cells": labels}
        metadata = {"hasim:cells": json.dumps(cells, sort_keys=True)}
    else:
        metadata = {"Date": None}
    with matplotlib.rc_context({"svg.hashsalt": "hasim_plot"}):
        fig.savefig(out, metadata=metadata)
    return out


from .validation import distributions  # noqa: E402  (needs PlotError above)
from .timeline import timeline  # noqa: E402
