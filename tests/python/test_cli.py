"""The built hasim binary (HASIM_BIN): help, version, JSON output, located errors, sweeps."""
import csv
import io
import json
import os
import pathlib
import re
import subprocess
import time

import pytest

from conftest import DEMO, HASIM_BIN

BASE = """\
name: tiny
seed: 7
duration: 30s
networks:
  net: {subnet: 10.1.0.0/24}
nodes:
  lb:
    networks: [net]
    haproxy:
      defaults: {mode: http, timeout connect: 1s, timeout check: 1s}
      resolvers:
        dns: {hold valid: 10s}
      frontends:
        front: {bind: "*:80", default_backend: web}
      backends:
        web:
          option httpchk: GET /
          default-server:
            check: true
            inter: 1s
            fall: 2
            rise: 2
            resolvers: dns
            init-addr: libc,none
          servers:
            web1: {address: "web1:80"}
            web2: {address: "web2:80"}
  web1:
    networks: [net]
    nginx: {files: [/]}
  web2:
    networks: [net]
    nginx: {files: [/]}
  client:
    networks: [net]
workloads:
  load: {node: client, url: "http://lb:80/", interval: 250ms, start: 2s}
faults:
  - {at: 10s, stop: web1}
invariants: [backend_available]
"""
SERVER = "nodes.lb.haproxy.backends.web.default-server"


def hasim(*args, cwd=None):
    return subprocess.run([str(HASIM_BIN), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_help_prints_the_usage_and_exits_0():
    p = hasim("--help")
    assert p.returncode == 0
    assert "Usage:" in p.stdout and "hasim run SCENARIO" in p.stdout and "hasim sweep SCENARIO" in p.stdout
    assert hasim("run", "--help").stdout.startswith("hasim run SCENARIO")


def test_version_prints_the_version_and_exits_0():
    p = hasim("--version")
    assert p.returncode == 0
    assert re.fullmatch(r"hasim \d+\.\d+\.\d+\n", p.stdout)


def test_no_command_and_an_unknown_option_exit_2():
    assert hasim().returncode == 2
    p = hasim("run", DEMO, "--sed", "3")
    assert p.returncode == 2
    assert "unknown option '--sed'" in p.stderr


def test_the_base_scenario_of_these_tests_is_valid(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text(BASE)
    p = hasim("check", path)
    assert p.returncode == 0, p.stderr
    assert "scenario tiny" in p.stdout


def test_run_json_has_the_documented_keys():
    p = hasim("run", DEMO, "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    for key in ("scenario", "seed", "trace_sha256", "metrics", "events", "violations"):
        assert key in r
    assert r["scenario"] == "demo1-part1" and r["seed"] == 1
    assert re.fullmatch(r"[0-9a-f]{64}", r["trace_sha256"])
    assert r["metrics"]["nginx_backend.nginx1.detect_down_s"] > 0
    assert r["events"][0]["kind"] == "run_start"


def test_run_json_matches_the_python_module():
    import hasim as module

    cli = json.loads(hasim("run", DEMO, "--json", "--seed", 4).stdout)
    py = module.run(DEMO, seed=4)
    assert cli["trace_sha256"] == py["trace_sha256"]
    assert cli["metrics"] == py["metrics"]


def located(text, marker, token):
    """(line, column) of `token` on the first line of `text` containing `marker`, 1-based."""
    lines = text.splitlines()
    n = next(i for i, l in enumerate(lines) if marker in l)
    return n + 1, lines[n].index(token) + 1


# (id, text replaced, replacement, token the error points at, key path, message fragment)
MALFORMED = [
    ("unknown-key", "inter: 1s", "intre: 1s", "intre", SERVER + ".intre", "unknown key (did you mean 'inter'?)"),
    ("negative-interval", "inter: 1s", "inter: -2s", "-2s", SERVER + ".inter", "must not be negative"),
    ("fall-zero", "fall: 2", "fall: 0", "0", SERVER + ".fall", "must be between 1 and"),
    ("unknown-node-in-fault", "stop: web1}", "stop: web9}", "web9", "faults.0.stop", "no node named 'web9'"),
    ("wrong-type", "rise: 2", "rise: [2, 3]", "[2, 3]", SERVER + ".rise", "expected a single value, found a list"),
    ("not-a-number", "rise: 2", "rise: two", "two", SERVER + ".rise", "expected a whole number, found 'two'"),
]


@pytest.mark.parametrize("case", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_a_malformed_scenario_exits_2_naming_file_line_column_and_key_path(tmp_path, case):
    _, old, new, token, key_path, fragment = case
    assert old in BASE
    text = BASE.replace(old, new, 1)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    line, column = located(text, new, token)
    p = hasim("run", path)
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.startswith(f"hasim: error: {path}:{line}:{column}: {key_path}: ")
    assert fragment in p.stderr
    assert len(p.stderr.splitlines()) == 1  # one message, no traceback or abort noise


def test_a_yaml_syntax_error_exits_2_naming_where_the_parser_stopped(tmp_path):
    # The flow mapping is never closed; the parser notices at the next key, line 6 column 6.
    text = BASE.replace("net: {subnet: 10.1.0.0/24}", "net: {subnet: 10.1.0.0/24", 1)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    p = hasim("check", path)
    assert p.returncode == 2
    assert p.stderr.startswith(f"hasim: error: {path}:6:6: YAML syntax error: ")
    assert len(p.stderr.splitlines()) == 1


def test_a_bad_override_exits_2_naming_the_key_path(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text(BASE)
    p = hasim("run", path, "--set", SERVER + ".fall=0")
    assert p.returncode == 2
    assert f"{SERVER}.fall: must be between 1 and" in p.stderr
    p = hasim("run", path, "--set", "nodes.lb.hapoxy.x=1")
    assert p.returncode == 2
    assert "nodes.lb.hapoxy: no such key (did you mean 'haproxy'?)" in p.stderr


def test_a_bad_scenario_with_trace_leaves_no_file_behind(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.replace("inter: 1s", "inter: -2s"))
    out = tmp_path / "out.jsonl"
    p = hasim("run", path, "--trace", out)
    assert p.returncode == 2
    assert sorted(f.name for f in tmp_path.iterdir()) == ["bad.yaml"]


def test_a_good_run_with_trace_writes_the_jsonl_whose_hash_is_the_run_hash(tmp_path):
    import hashlib

    out = tmp_path / "out.jsonl"
    p = hasim("run", DEMO, "--json", "--trace", out)
    assert p.returncode == 0, p.stderr
    assert hashlib.sha256(out.read_bytes()).hexdigest() == json.loads(p.stdout)["trace_sha256"]
    assert sorted(f.name for f in tmp_path.iterdir()) == ["out.jsonl"]


def sweep(tmp_path, jobs, name):
    path = tmp_path / "base.yaml"
    path.write_text(BASE)
    out = tmp_path / name
    p = hasim("sweep", path, "--grid", f"{SERVER}.inter=500ms,1s,2s", "--grid", f"{SERVER}.fall=1,3",
              "--seeds", 2, "--jobs", jobs, "--out", out, "--quiet")
    assert p.returncode == 0, p.stderr
    return out.read_bytes()


def test_sweep_writes_a_csv_with_a_header_and_one_row_per_run(tmp_path):
    data = sweep(tmp_path, 2, "s.csv").decode()
    rows = list(csv.DictReader(io.StringIO(data)))
    header = data.splitlines()[0].split(",")
    assert header[:4] == ["run", "seed", f"{SERVER}.inter", f"{SERVER}.fall"]
    assert header[-2:] == ["violations", "trace_sha256"]
    assert "web.web1.detect_down_s" in header
    assert len(rows) == 3 * 2 * 2
    assert [r["run"] for r in rows] == [str(i) for i in range(12)]
    assert [(r[f"{SERVER}.inter"], r[f"{SERVER}.fall"], r["seed"]) for r in rows[:3]] == [
        ("500ms", "1", "7"), ("500ms", "1", "8"), ("500ms", "3", "7")]


def test_sweep_csv_is_the_same_bytes_for_one_and_two_jobs(tmp_path):
    assert sweep(tmp_path, 1, "one.csv") == sweep(tmp_path, 2, "two.csv")


def test_sweep_csv_matches_the_python_module(tmp_path):
    import hasim as module

    rows = list(csv.DictReader(io.StringIO(sweep(tmp_path, 2, "s.csv").decode())))
    py = module.sweep(tmp_path / "base.yaml", grid={f"{SERVER}.inter": ["500ms", "1s", "2s"], f"{SERVER}.fall": [1, 3]},
                      seeds=2, jobs=2)
    assert [r["trace_sha256"] for r in rows] == [r["trace_sha256"] for r in py]
    assert [float(r["web.web1.detect_down_s"]) for r in rows] == pytest.approx([r["web.web1.detect_down_s"] for r in py],
                                                                               rel=1e-9)


def test_sweep_with_a_bad_grid_value_exits_2_and_writes_nothing(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text(BASE)
    out = tmp_path / "s.csv"
    p = hasim("sweep", path, "--grid", f"{SERVER}.fall=1,0", "--out", out, "--quiet")
    assert p.returncode == 2
    assert f"{SERVER}.fall: must be between 1 and" in p.stderr
    assert not out.exists()


def run_json(path, *args):
    p = hasim("run", path, "--json", *args)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_run_events_all_adds_every_request_and_check_record_and_changes_nothing_else(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text(BASE)
    plain, full = run_json(path), run_json(path, "--events", "all")
    kinds = [e["kind"] for e in full["events"]]
    assert "request" not in [e["kind"] for e in plain["events"]]
    # every request and every health check is there, in time order
    assert kinds.count("request") == full["metrics"]["load.requests"] > 50
    assert kinds.count("check") == sum(row["checks"] for row in full["haproxy_stats"]) > 40
    assert [e["t_s"] for e in full["events"]] == sorted(e["t_s"] for e in full["events"])
    # the notable ones are all still there, and the run is the same
    assert [e for e in full["events"] if e["kind"] in {e2["kind"] for e2 in plain["events"]}][:5] == plain["events"][:5]
    assert (full["trace_sha256"], full["metrics"]) == (plain["trace_sha256"], plain["metrics"])
    only = run_json(path, "--events", "request")
    assert {e["kind"] for e in only["events"]} == {e["kind"] for e in plain["events"]} | {"request"}


def test_run_events_needs_json_and_a_selection(tmp_path):
    path = tmp_path / "base.yaml"
    path.write_text(BASE)
    p = hasim("run", path, "--events", "all")
    assert p.returncode == 2 and "--events selects what --json prints" in p.stderr
    p = hasim("run", path, "--json", "--events", "request,")
    assert p.returncode == 2 and "--events: expected notable, all or a list of event kinds" in p.stderr


def test_sweep_events_writes_each_runs_records_beside_the_csv_joined_by_run(tmp_path):
    import hasim as module

    path = tmp_path / "base.yaml"
    path.write_text(BASE)
    out = tmp_path / "s.csv"
    p = hasim("sweep", path, "--grid", f"{SERVER}.fall=1,3", "--seeds", 2, "--jobs", 2, "--out", out, "--quiet",
              "--events", "request")
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    lines = [dict(json.loads(x)["event"], run=json.loads(x)["run"], row_seed=json.loads(x)["seed"])
             for x in (tmp_path / "s.events.jsonl").read_text().splitlines()]
    for row in rows:
        mine = [e for e in lines if e["run"] == int(row["run"])]
        assert {e["row_seed"] for e in mine} == {int(row["seed"])}
        assert sum(e["kind"] == "request" for e in mine) == float(row["load.requests"])
    # the same records as hasim.run's for that seed and those values
    one = module.run(path, seed=int(rows[3]["seed"]), overrides={f"{SERVER}.fall": rows[3][f"{SERVER}.fall"]},
                     events=["request"])
    key = lambda e: (e["kind"], e.get("seq"), e.get("status"), e.get("served_by"), e.get("node"))  # noqa: E731
    mine = [e for e in lines if e["run"] == 3]
    assert [key(e) for e in mine] == [key(e) for e in one["events"]]
    assert [e["t_s"] for e in mine] == pytest.approx([e["t_s"] for e in one["events"]], abs=1e-9)
    py = module.sweep(path, grid={f"{SERVER}.fall": [1, 3]}, seeds=2, jobs=2, events="request")
    assert [len(r["events"]) for r in py] == [sum(e["run"] == i for e in lines) for i in range(4)]


# Fault profiles (scenarios/faults/) are not scenarios: `hasim explore` reads them (test_explore.py).
SHIPPED = sorted(p for p in (DEMO.parent).rglob("*.yaml") if "faults" not in p.relative_to(DEMO.parent).parts)


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(DEMO.parent)) for p in SHIPPED])
def test_the_module_and_the_binary_agree_on_every_shipped_scenario(path):
    # Both succeed with the same trace, or both reject the scenario with the same message.
    import hasim as module

    p = hasim("run", path, "--json")
    try:
        py = module.run(path)
    except module.ScenarioError as e:
        assert p.returncode == 2
        assert p.stderr == f"hasim: error: {e}\n"
        return
    assert p.returncode == 0, p.stderr
    cli = json.loads(p.stdout)
    if "runs" in cli:  # a scenario with `runs: N` runs N seeds; the first is the module's run
        cli = cli["runs"][0]
    assert cli["seed"] == py["seed"]
    assert cli["trace_sha256"] == py["trace_sha256"]
    assert cli["metrics"] == py["metrics"]
    assert len(cli["events"]) == len(py["events"])


def _environment_seen(tmp_path, env, want, within_s=20.0):
    """Starts a long sweep and reads its /proc environment (the one its program image started
    with) until `want` is in it or `within_s` passes; stops the sweep either way. Returns that
    environment and the process's name then."""
    p = subprocess.Popen([str(HASIM_BIN), "sweep", str(DEMO), "--seeds", "100000", "--jobs", "1",
                          "--out", str(tmp_path / "long.csv"), "-q"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen, name = b"", b""
    try:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline and p.poll() is None:
            try:
                seen = pathlib.Path(f"/proc/{p.pid}/environ").read_bytes()
                name = pathlib.Path(f"/proc/{p.pid}/comm").read_bytes().strip()
            except OSError:
                break
            if want in seen.split(b"\0"):
                break
            time.sleep(0.02)
    finally:
        p.kill()
        p.wait(timeout=30)
    return seen.split(b"\0"), name


# What /proc shows of it: glibc's loader cuts the variable in place at the first tunable's end
# (getenv still reads it whole), so the first tunable is what can be seen from outside.
TUNED = b"GLIBC_TUNABLES=glibc.malloc.tcache_count=1000"


def test_hasim_restarts_itself_with_glibcs_malloc_tuned(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    seen, name = _environment_seen(tmp_path, env, TUNED)
    assert TUNED in seen
    assert name == b"hasim"  # ps and pkill still know it by its name


def test_hasim_leaves_a_glibc_tunables_the_caller_set_alone(tmp_path):
    env = dict(os.environ, GLIBC_TUNABLES="glibc.malloc.tcache_count=7")
    seen, _ = _environment_seen(tmp_path, env, TUNED, within_s=1.0)
    assert b"GLIBC_TUNABLES=glibc.malloc.tcache_count=7" in seen
    assert not any(e.startswith(TUNED) for e in seen)
