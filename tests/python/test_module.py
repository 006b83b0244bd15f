"""The hasim Python module: runs, overrides, dict scenarios, errors, sweeps, threads."""
import json
import re
import sys
import threading

import pytest

import hasim
from conftest import DEFAULT_SERVER, DEMO, SOURCE_DIR, tiny_stack

INTER = DEFAULT_SERVER + ".inter"
TINY_INTER = "nodes.lb.haproxy.backends.web.default-server.inter"
TINY_FALL = "nodes.lb.haproxy.backends.web.default-server.fall"


def test_the_module_reports_the_project_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+", hasim.__version__)


def test_running_the_demo_twice_gives_the_same_trace_hash():
    a = hasim.run(str(DEMO))
    b = hasim.run(DEMO)  # os.PathLike works too
    assert re.fullmatch(r"[0-9a-f]{64}", a["trace_sha256"])
    assert a["trace_sha256"] == b["trace_sha256"]
    assert a["metrics"] == b["metrics"]
    assert a["events"] == b["events"]


def test_a_run_result_has_the_documented_keys_and_types():
    r = hasim.run(DEMO)
    for key in ("scenario", "seed", "trace_sha256", "metrics", "events", "violations", "haproxy_stats",
                "events_processed"):
        assert key in r
    assert "trace_jsonl" not in r
    assert r["scenario"] == "demo1-part1"
    assert r["seed"] == 1  # the scenario's own seed
    assert r["events_processed"] > 0
    assert all(isinstance(v, float) for v in r["metrics"].values())
    times = [e["t_s"] for e in r["events"]]
    assert all(isinstance(t, float) for t in times) and times == sorted(times)
    stops = [e for e in r["events"] if e["kind"] == "fault" and e["action"] == "stop"]
    assert [e["target"] for e in stops] == ["nginx1", "nginx2"]
    downs = [e for e in r["events"] if e["kind"] == "server_down"]
    assert {e["server"] for e in downs} == {"nginx1", "nginx2"}
    assert {(s["node"], s["server"]) for s in r["haproxy_stats"]} == {("haproxy", f"nginx{i}") for i in (1, 2, 3)}


def test_a_different_seed_gives_a_different_trace_hash():
    assert hasim.run(DEMO, seed=1)["trace_sha256"] != hasim.run(DEMO, seed=2)["trace_sha256"]
    assert hasim.run(DEMO, seed=2)["seed"] == 2


def test_the_trace_option_returns_the_jsonl_whose_hash_is_the_run_hash():
    import hashlib

    r = hasim.run(DEMO, trace=True)
    assert hashlib.sha256(r["trace_jsonl"].encode()).hexdigest() == r["trace_sha256"]
    first = json.loads(r["trace_jsonl"].splitlines()[0])
    assert first["kind"] == "run_start"
    assert r["trace_sha256"] == hasim.run(DEMO)["trace_sha256"]


def test_a_longer_check_interval_makes_detection_slower():
    # Keep nginx1 stopped and its DNS name held long enough for `fall` checks at a 10 s interval.
    common = {"faults.2.at": "85s", "nodes.haproxy.haproxy.resolvers.docker.hold nx": "120s"}
    fast = hasim.run(DEMO, overrides={**common, INTER: "2s"})["metrics"]["nginx_backend.nginx1.detect_down_s"]
    slow = hasim.run(DEMO, overrides={**common, INTER: "10s"})["metrics"]["nginx_backend.nginx1.detect_down_s"]
    assert 6 <= fast <= 14
    assert slow > fast + 16  # two more intervals of 8 s at least


def test_overrides_accept_python_numbers_bools_and_lists():
    base = hasim.check(tiny_stack())
    assert base["faults"][0]["at_s"] == 10.0
    c = hasim.check(tiny_stack(), overrides={"faults.0.at": 12.5, "nodes.web2.start": False,
                                             "invariants": ["backend_available", "no_failed_requests"]})
    assert c["faults"][0]["at_s"] == 12.5
    assert [n["start"] for n in c["nodes"] if n["name"] == "web2"] == [False]
    assert c["invariants"] == ["backend_available", "no_failed_requests"]


def test_an_override_string_is_one_string_even_when_it_looks_like_yaml():
    for text in ("*:80", "a: b # c", "[x", "nœud ☃ 😀", "10s"):
        assert hasim.check(tiny_stack(), overrides={"description": text})["description"] == text
    r = hasim.run(tiny_stack(), overrides={"nodes.lb.haproxy.frontends.front.bind": "*:80"})
    assert r["metrics"]["load.served.web2"] > 0


def test_a_dict_scenario_runs_and_detects_the_stopped_server():
    r = hasim.run(tiny_stack())
    assert r["scenario"] == "tiny"
    assert r["file"] == "<dict>"
    assert r["seed"] == 7
    assert [e["server"] for e in r["events"] if e["kind"] == "server_down"] == ["web1"]
    assert 1.0 <= r["metrics"]["web.web1.detect_down_s"] <= 5.0
    assert r["trace_sha256"] == hasim.run(tiny_stack())["trace_sha256"]


def test_a_dict_scenario_behaves_as_the_same_scenario_written_in_yaml(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(json.dumps(tiny_stack(), indent=2))  # JSON is YAML
    from_dict = hasim.run(tiny_stack(), seed=3)
    from_file = hasim.run(path, seed=3)
    assert from_dict["metrics"] == from_file["metrics"]
    # Fault records name their source ("<dict>" or the file), otherwise the events are the same.
    strip = lambda events: [{k: v for k, v in e.items() if k != "source"} for e in events]
    assert strip(from_dict["events"]) == strip(from_file["events"])


def test_a_bad_scenario_file_raises_scenario_error_with_line_column_and_key_path(tmp_path):
    path = tmp_path / "bad.yaml"
    # The copy includes the profile by its absolute path: it lives in a temporary directory.
    text = DEMO.read_text().replace("inter: 2s", "inter: -2s").replace(
        "include: [calibration/podman.yaml, calibration/podman-fitted.yaml]",
        f"include: [{DEMO.parent / 'calibration' / 'podman.yaml'}, {DEMO.parent / 'calibration' / 'podman-fitted.yaml'}]")
    path.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "inter: -2s" in l)
    column = text.splitlines()[line - 1].index("-2s") + 1
    with pytest.raises(hasim.ScenarioError) as info:
        hasim.run(path)
    e = info.value
    assert isinstance(e, ValueError)
    assert (e.file, e.line, e.column) == (str(path), line, column)
    assert e.key_path == INTER
    assert "negative" in e.message
    assert str(e) == f"{path}:{line}:{column}: {INTER}: {e.message}"


def test_a_bad_dict_scenario_names_the_key_path():
    d = tiny_stack()
    d["nodes"]["lb"]["haproxy"]["backends"]["web"]["default-server"]["fall"] = 0
    with pytest.raises(hasim.ScenarioError) as info:
        hasim.run(d)
    assert info.value.file == "<dict>"
    assert info.value.line is None
    assert info.value.key_path == TINY_FALL
    assert str(info.value).startswith("<dict>: " + TINY_FALL + ": ")


def test_an_override_of_a_missing_key_suggests_the_closest_one():
    with pytest.raises(hasim.ScenarioError) as info:
        hasim.run(tiny_stack(), overrides={"nodes.lb.hapoxy.backends": {}})
    assert info.value.key_path == "nodes.lb.hapoxy"
    assert "did you mean 'haproxy'" in str(info.value)


def test_a_missing_file_and_a_wrong_argument_type_raise():
    with pytest.raises(hasim.ScenarioError, match="cannot read"):
        hasim.run("/nonexistent/scenario.yaml")
    with pytest.raises(TypeError):
        hasim.run(42)
    with pytest.raises(TypeError, match="faults.0.at"):
        hasim.run({**tiny_stack(), "faults": [{"at": object(), "stop": "web1"}]})
    with pytest.raises(ValueError):
        hasim.run(tiny_stack(), seed=-1)


def test_check_describes_the_scenario():
    c = hasim.check(DEMO)
    assert c["name"] == "demo1-part1"
    assert c["duration_s"] == 90.0
    assert [n["name"] for n in c["nodes"]] == ["haproxy", "nginx1", "nginx2", "nginx3", "client"]
    assert c["nodes"][0]["components"] == ["haproxy"]
    assert [(f["at_s"], f["action"], f["target"]) for f in c["faults"]] == [
        (20.0, "stop", "nginx1"), (35.0, "stop", "nginx2"), (50.0, "start", "nginx1"), (65.0, "start", "nginx2")]
    with pytest.raises(hasim.ScenarioError):
        hasim.check(DEMO, overrides={"faults.0.stop": "nginx9"})


GRID = {TINY_INTER: ["500ms", "1s", 2000], TINY_FALL: [1, 3]}


def test_sweep_gives_one_row_per_combination_and_seed():
    rows = hasim.sweep(tiny_stack(), grid=GRID, seeds=2)
    assert len(rows) == 3 * 2 * 2
    assert [r["run"] for r in rows] == list(range(12))
    # First axis slowest, values as given, seeds from the scenario's own.
    assert [(r[TINY_INTER], r[TINY_FALL], r["seed"]) for r in rows[:5]] == [
        ("500ms", 1, 7), ("500ms", 1, 8), ("500ms", 3, 7), ("500ms", 3, 8), ("1s", 1, 7)]
    assert rows[-1][TINY_INTER] == 2000
    keys = set(rows[0])
    assert all(set(r) == keys for r in rows)
    assert {"run", "seed", "violations", "trace_sha256", "web.web1.detect_down_s"} <= keys
    # Fewer failed checks needed: faster detection, for every interval and seed.
    for i in range(0, 12, 4):
        for s in (0, 1):
            assert rows[i + s]["web.web1.detect_down_s"] < rows[i + 2 + s]["web.web1.detect_down_s"]


def test_sweep_rows_are_the_same_for_one_and_two_jobs():
    one = hasim.sweep(tiny_stack(), grid=GRID, seeds=2, jobs=1)
    two = hasim.sweep(tiny_stack(), grid=GRID, seeds=2, jobs=2)
    assert one == two
    assert len({r["trace_sha256"] for r in one}) == len(one)


def test_sweep_seed_and_overrides_apply_to_every_run():
    rows = hasim.sweep(tiny_stack(), grid={TINY_FALL: [1, 2]}, seeds=2, seed=0,
                       overrides={"nodes.web2.start": False})
    assert [r["seed"] for r in rows] == [0, 1, 0, 1]
    assert "load.served.web2" not in rows[0]  # web2 never started, never served
    assert all(r["load.served.web1"] > 0 for r in rows)
    same = hasim.run(tiny_stack(), seed=0, overrides={"nodes.web2.start": False, TINY_FALL: 1})
    assert rows[0]["web.web1.detect_down_s"] == same["metrics"]["web.web1.detect_down_s"]


def test_sweep_rows_hold_none_for_a_metric_a_run_did_not_produce():
    rows = hasim.sweep(tiny_stack(), grid={"nodes.web1.start": [True, False]})
    assert [r["nodes.web1.start"] for r in rows] == [True, False]
    assert rows[0]["load.served.web1"] > 0
    assert rows[1]["load.served.web1"] is None


def test_sweep_validates_every_combination_before_running():
    with pytest.raises(hasim.ScenarioError) as info:
        hasim.sweep(tiny_stack(), grid={TINY_FALL: [1, 0]})
    assert info.value.key_path == TINY_FALL
    with pytest.raises(ValueError):
        hasim.sweep(tiny_stack(), seeds=0)


def test_two_threads_running_scenarios_at_once_both_finish_with_the_right_results():
    expected = {s: hasim.run(DEMO, seed=s)["trace_sha256"] for s in (1, 2)}
    results = {}

    def work(seed):
        results[seed] = hasim.run(DEMO, seed=seed)["trace_sha256"]

    threads = [threading.Thread(target=work, args=(s,)) for s in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert results == expected


@pytest.mark.parametrize("call", [
    lambda: hasim.run(tiny_stack("1800s")),
    lambda: hasim.sweep(tiny_stack("600s"), grid={TINY_FALL: [1, 2, 3]}, jobs=1),
], ids=["run", "sweep"])
def test_the_gil_is_released_while_simulating(call):
    # With a huge switch interval a thread keeps the GIL until it gives it up itself. The main
    # thread, woken as the worker starts, can therefore only run before the worker finishes if
    # the simulation releases the GIL. A dict scenario: no file is read (which also releases it).
    done = []
    seen_while_running = []
    started = threading.Event()

    def work():
        started.set()
        call()
        done.append(True)

    call()  # warm up any first-call imports
    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        t = threading.Thread(target=work)
        t.start()
        started.wait()
        seen_while_running.append(not done)
        t.join(timeout=120)
    finally:
        sys.setswitchinterval(old)
    assert done == [True]
    assert seen_while_running == [True]


def test_a_sweep_rows_trace_hash_is_the_one_hasim_run_gives_for_that_seed_and_values():
    inter = DEFAULT_SERVER + ".inter"
    rows = hasim.sweep(DEMO, grid={inter: ["1s", "2s"]}, seeds=2, jobs=2)
    assert [(r[inter], r["seed"]) for r in rows] == [("1s", 1), ("1s", 2), ("2s", 1), ("2s", 2)]  # first axis slowest
    for r in rows:
        assert r["trace_sha256"] == hasim.run(DEMO, seed=r["seed"], overrides={inter: r[inter]})["trace_sha256"]


def test_a_dict_scenario_includes_files_relative_to_base_dir_or_else_the_current_directory(monkeypatch):
    scen = SOURCE_DIR / "scenarios"
    from_file = hasim.run(scen / "demo1-part1.yaml", seed=3)
    d = {"include": ["demo1-part1.yaml"], "seed": 3}
    a = hasim.run(d, base_dir=scen)
    assert a["scenario"] == "demo1-part1" and a["metrics"] == from_file["metrics"]
    assert hasim.check(d, base_dir=str(scen))["name"] == "demo1-part1"
    rows = hasim.sweep(d, base_dir=scen, seeds=1)
    assert rows[0]["load.failed"] == from_file["metrics"]["load.failed"]
    monkeypatch.chdir(scen)
    assert hasim.run(d)["metrics"] == from_file["metrics"]
    monkeypatch.chdir(SOURCE_DIR)
    with pytest.raises(hasim.ScenarioError) as info:
        hasim.run(d)  # no demo1-part1.yaml in the checkout's root
    assert info.value.key_path == "include.0"
    assert info.value.message == "demo1-part1.yaml: no such file"
    assert str(info.value).startswith("<dict>")


def test_base_dir_is_refused_for_a_scenario_file():
    with pytest.raises(TypeError, match="base_dir is for dict scenarios"):
        hasim.run(DEMO, base_dir="scenarios")
