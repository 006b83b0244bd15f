"""python3 -m hasim_plot heatmap SWEEP.csv --x COL --y COL --metric COL [--agg median] --out fig.png
   python3 -m hasim_plot dist VALIDATION.json --out fig.png"""
from __future__ import annotations

import argparse
import sys

from . import AGGREGATES, PlotError, distributions, heatmap


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
    args = parser.parse_args(argv)
    try:
        if args.command == "dist":
            out = distributions(args.json, out=args.out)
        else:
            out = heatmap(args.csv, x=args.x, y=args.y, metric=args.metric, out=args.out, agg=args.agg, title=args.title)
    except (PlotError, OSError) as e:
        print(f"hasim_plot: error: {e}", file=sys.stderr)
        return 2
    print(f"hasim_plot: wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
