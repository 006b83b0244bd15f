"""python3 -m hasim_plot heatmap SWEEP.csv --x COL --y COL --metric COL [--agg median] --out fig.png
   python3 -m hasim_plot dist VALIDATION.json --out fig.png
   python3 -m hasim_plot timeline RUN.json [--real REAL.json --run N] --out fig.png"""
from __future__ import annotations

import argparse
import json
import sys

from . import AGGREGATES, PlotError, distributions, heatmap, timeline


def timeline_command(args) -> str:
    with open(args.run, encoding="utf-8") as f:
        sim = json.load(f)
    if isinstance(sim, dict) and "runs" in sim and "events" not in sim:
        raise PlotError(f"{args.run} holds several runs: give one (hasim run without --runs)")
    real = None
    label = "real"
    if args.real:
        with open(args.real, encoding="utf-8") as f:
            record = json.load(f)
        runs = record.get("runs") if isinstance(record, dict) else None
        if not isinstance(runs, list) or not runs:
            raise PlotError(f"{args.real} has no 'runs' list (is it hasim validate's real.json?)")
        if not 0 <= args.run_index < len(runs):
            raise PlotError(f"--run {args.run_index}: {args.real} has runs 0..{len(runs) - 1}")
        real = runs[args.run_index]
        label = f"real run {args.run_index}"
    seed = sim.get("seed") if isinstance(sim, dict) else None
    return timeline(sim, args.out, real_run=real, sim_label=f"simulated (seed {seed})" if seed is not None else "simulated",
                    real_label=label, title=args.title)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m hasim_plot",
                                     description="Plots of hasim sweep results (hasim sweep ... --out FILE.csv).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    h = sub.add_parser("heatmap", help="one metric over two grid columns, aggregated over seeds",
                       description="Draws METRIC over columns X and Y of a sweep CSV, one cell per (x, y), "
                                   "aggregated over the cell's runs and annotated with its value.")
    h.add_argument("csv", metavar="SWEEP.csv", help="the output of hasim sweep --out FILE.csv")
    h.add_argument("--x", required=True, metavar="COL", help="column for the horizontal axis (a grid key path)")
    h.add_argument("--y", required=True, metavar="COL", help="column for the vertical axis")
    h.add_argument("--metric", required=True, metavar="COL", help="column to show in the cells")
    h.add_argument("--agg", default="median", choices=list(AGGREGATES), help="aggregate over runs (default: median)")
    h.add_argument("--title", help="figure title (default: the metric and the aggregate)")
    h.add_argument("--out", required=True, metavar="FILE", help="output file: .png, .svg or .pdf")
    d = sub.add_parser("dist", help="real vs simulated distributions of a hasim validate record",
                       description="One panel per metric of VALIDATION.json (hasim validate's record): simulated "
                                   "values, real values, the tolerance band and the verdict.")
    d.add_argument("json", metavar="VALIDATION.json", help="hasim validate's validation.json")
    d.add_argument("--out", required=True, metavar="FILE", help="output file: .png, .svg or .pdf")
    t = sub.add_parser("timeline", help="a PostgreSQL run over time, simulated beside real",
                       description="The writer's commits (latency of each acknowledged one, failed attempts, the "
                                   "longest write gap) and the standbys' replay lag over scenario time, faults "
                                   "marked: RUN.json is `hasim run SCENARIO --json --events "
                                   "pg_commit_acked,pg_commit_failed,pg_stat_replication`; --real adds run N of a "
                                   "hasim validate record (real.json).")
    t.add_argument("run", metavar="RUN.json", help="hasim run's --json output (one run)")
    t.add_argument("--real", metavar="REAL.json", help="a real record (hasim validate's real.json)")
    t.add_argument("--run", dest="run_index", type=int, default=0, metavar="N", help="which real run (default 0)")
    t.add_argument("--title", help="figure title")
    t.add_argument("--out", required=True, metavar="FILE", help="output file: .png, .svg or .pdf")
    args = parser.parse_args(argv)
    try:
        if args.command == "dist":
            out = distributions(args.json, out=args.out)
        elif args.command == "timeline":
            out = timeline_command(args)
        else:
            out = heatmap(args.csv, x=args.x, y=args.y, metric=args.metric, out=args.out, agg=args.agg, title=args.title)
    except (PlotError, OSError, json.JSONDecodeError) as e:
        print(f"hasim_plot: error: {e}", file=sys.stderr)
        return 2
    print(f"hasim_plot: wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
