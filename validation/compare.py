#!/usr/bin/python3
"""Side by side: real runs (run_real.py's results.json) against simulated ones
(`hasim run SCENARIO --runs N --json`), metric by metric, with the real values' position in
the simulated distribution.

  build/hasim run scenarios/demo1-part1.yaml --runs 20 --json > sim.json
  validation/compare.py results.json sim.json [--json]

Standard library only.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parse_logs  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("real")
    ap.add_argument("sim")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    real = json.load(open(a.real))
    sim = json.load(open(a.sim))
    sim_runs = sim["runs"] if "runs" in sim else [sim]
    rows = []
    keys = sorted({k for r in real["runs"] for k in r["metrics"]} | {k for r in sim_runs for k in r["metrics"]})
    for k in keys:
        rv = [r["metrics"][k] for r in real["runs"] if k in r["metrics"]]
        sv = sorted(r["metrics"][k] for r in sim_runs if k in r["metrics"])
        rs, ss = parse_logs.summarize(rv), parse_logs.summarize(sv)
        inside = None
        if rv and sv:
            inside = sum(1 for x in rv if sv[0] <= x <= sv[-1]) / len(rv)
        rows.append({"metric": k, "real": rs, "sim": ss, "real_in_sim_range": inside})
    if a.json:
        json.dump(rows, sys.stdout, indent=1)
        print()
        return 0
    print(f"{'metric':42} {'real n':>6} {'real min':>9} {'real med':>9} {'real max':>9} | {'sim n':>5} {'sim min':>9} {'sim med':>9} {'sim max':>9} | in range")
    f = lambda s, k: f"{s[k]:9.3f}" if s else f"{'-':>9}"
    for r in rows:
        rs, ss = r["real"], r["sim"]
        inside = "-" if r["real_in_sim_range"] is None else f"{r['real_in_sim_range'] * 100:.0f}%"
        print(f"{r['metric']:42} {rs.get('n', 0):6} {f(rs, 'min')} {f(rs, 'median')} {f(rs, 'max')} | "
              f"{ss.get('n', 0):5} {f(ss, 'min')} {f(ss, 'median')} {f(ss, 'max')} | {inside}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
