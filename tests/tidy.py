#!/usr/bin/env python3
"""Determinism lint: sim/, models/ and scenarios/ (the runner draws random numbers and schedules
events too) must not use wall clocks, unseeded randomness, the standard library's distributions,
or unordered containers (whose iteration order can reach the trace). And a test's name in tests/
must not hold a `;`: catch_discover_tests splits its list of names at semicolons, so such a test
becomes ctest entries that match no test case and "pass" without running (15 did, until
2026-12-03). Exit 1 listing every offending line."""
import pathlib
import re
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
BANNED = [
    (r"std::chrono::(system_clock|steady_clock|high_resolution_clock)", "wall clock"),
    (r"\b(time|clock|gettimeofday|clock_gettime)\s*\(", "wall clock"),
    (r"\bstd::(rand|srand)\b|\brand\s*\(\s*\)|\bsrand\s*\(", "unseeded randomness"),
    (r"random_device", "unseeded randomness"),
    (r"std::(mt19937|mt19937_64|default_random_engine|minstd_rand)", "standard engine (use sim::Rng)"),
    (r"std::\w+_distribution", "standard distribution (implementation-defined results)"),
    (r"unordered_(map|set|multimap|multiset)", "unordered container (iteration order)"),
    (r"std::hash\b", "std::hash (differs between builds)"),
]


FOLDERS = ("sim", "models", "scenarios")
# The one place an unordered container may live: sim::LookupMap wraps it behind an interface with
# no iteration (lookups only, and visits in key order), so its order cannot reach the trace.
EXEMPT = {("sim/lookup_map.hpp", "unordered container (iteration order)")}


def main() -> int:
    bad = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".cpp", ".hpp", ".h", ".cc"):
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                code = line.split("//", 1)[0]
                for pattern, why in BANNED:
                    if (path.relative_to(ROOT).as_posix(), why) in EXEMPT:
                        continue
                    if re.search(pattern, code):
                        bad.append(f"{path.relative_to(ROOT)}:{n}: {why}: {line.strip()}")
    for path in sorted((ROOT / "tests").rglob("*.cpp")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r'\bTEST_CASE\(\s*"[^"]*;', line):
                bad.append(f"{path.relative_to(ROOT)}:{n}: a test name with ';' never runs under ctest: {line.strip()}")
    for b in bad:
        print(b)
    checked = sum(1 for f in FOLDERS for p in (ROOT / f).rglob("*") if p.suffix in (".cpp", ".hpp"))
    print(f"tidy: {checked} files checked, {len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
