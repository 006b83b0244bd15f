"""hasim explore, from the command line and from Python: the catalogue, its reproductions (replayed
by `hasim run` with the same trace hash), --jobs, bad profiles, Ctrl-C."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import DEMO, HASIM_BIN

SCENARIOS = DEMO.parent
PART2 = SCENARIOS / "demo1-part2.yaml"


def module_env():
    """This interpreter's module path for a child Python: the one that imports hasim here."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))


def hasim(*args, cwd=None):
    return subprocess.run([str(HASIM_BIN), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_explore_help_names_every_option():
    p = hasim("explore", "--help")
    assert p.returncode == 0
    for option in ("--faults", "--budget", "--time", "--jobs", "--seed", "--out"):
        assert option in p.stdout


def test_explore_finds_a_split_brain_on_demo1_part2_whose_reproduction_replays_with_the_same_hash(tmp_path):
    out = tmp_path / "out"
    p = hasim("explore", PART2, "--budget", 100, "--jobs", 2, "--out", out, "--quiet")
    assert p.returncode == 0, p.stderr
    cat = json.loads((out / "catalogue.json").read_text())
    assert cat["schedules"] == 100
    assert cat["profile_file"].endswith("scenarios/faults/demo1-part2.yaml")
    kinds = {f["kind"]: f for f in cat["findings"]}
    assert "single_vip_holder" in kinds
    assert "single_vip_holder:" in p.stdout
    for f in cat["findings"]:
        assert f["replayed"]
        assert 1 <= len(f["minimal_faults"]) <= len(f["original_faults"])
        run = hasim("run", out / f["file"], "--json")
        assert run.returncode == 0, run.stderr
        replay = json.loads(run.stdout)
        assert replay["trace_sha256"] == f["trace_sha256"]
        assert (out / f["chrome_trace"]).exists()
    # Run from another folder, the reproduction gives the same trace.
    f = kinds["single_vip_holder"]
    again = hasim("run", os.path.relpath(out / f["file"], tmp_path), "--json", cwd=tmp_path)
    assert json.loads(again.stdout)["trace_sha256"] == f["trace_sha256"]


def test_the_catalogue_is_the_same_for_one_job_and_two(tmp_path):
    one = hasim("explore", PART2, "--budget", 60, "--jobs", 1, "--seed", 5, "--json", "--quiet")
    two = hasim("explore", PART2, "--budget", 60, "--jobs", 2, "--seed", 5, "--json", "--quiet")
    assert one.returncode == 0 and two.returncode == 0
    assert one.stdout == two.stdout
    assert json.loads(one.stdout)["findings"]


def test_a_bad_profile_is_a_located_error_and_nothing_is_written(tmp_path):
    profile = tmp_path / "bad.yaml"
    profile.write_text("name: bad\nkinds: [partition, freez]\nconverge: {within: 10s, holds: [vip_held]}\n")
    out = tmp_path / "out"
    p = hasim("explore", PART2, "--faults", profile, "--out", out)
    assert p.returncode == 2
    assert p.stderr.startswith(f"hasim: error: {profile}:2:")
    assert "kinds.1: unknown fault kind 'freez' (did you mean 'freeze'?)" in p.stderr
    assert not out.exists()


def test_a_scenario_without_a_default_profile_asks_for_one():
    p = hasim("explore", DEMO, "--budget", 1)
    assert p.returncode == 2
    assert "no default fault profile" in p.stderr and "--faults" in p.stderr


def test_budget_and_time_are_exclusive():
    p = hasim("explore", PART2, "--budget", 5, "--time", "1s")
    assert p.returncode == 2
    assert "--budget or --time" in p.stderr


def test_a_time_budget_ends_the_search_and_says_how_many_schedules_ran():
    p = hasim("explore", PART2, "--time", "1s", "--jobs", 1, "--shrink", 1, "--json", "--quiet")
    assert p.returncode == 0, p.stderr
    cat = json.loads(p.stdout)
    assert 0 < cat["schedules"] < 1000000
    assert cat["interrupted"] is False
    # The catalogue of the schedules done is the one a --budget of that many gives.
    again = hasim("explore", PART2, "--budget", cat["schedules"], "--jobs", 2, "--shrink", 1, "--json", "--quiet")
    assert json.loads(again.stdout)["findings"] == cat["findings"]


def test_a_budget_beyond_the_limit_is_refused():
    p = hasim("explore", PART2, "--budget", 1000001)
    assert p.returncode == 2
    assert "--budget expects a whole number from 1 to 1000000" in p.stderr


def test_ctrl_c_keeps_what_was_found(tmp_path):
    out = tmp_path / "out"
    args = ["explore", PART2, "--budget", 1000000, "--jobs", 1, "--out", out, "--json", "--quiet"]
    proc = subprocess.Popen([str(HASIM_BIN), *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    cat = json.loads((out / "catalogue.json").read_text())
    assert cat["interrupted"] is True
    assert 0 < cat["schedules"] < 1000000
    assert json.loads(stdout) == cat
    assert not [p for p in out.iterdir() if ".tmp" in p.name]


def test_ctrl_c_stops_the_module_s_search_and_keeps_what_was_found(tmp_path):
    # hasim.explore in a Python process that gets SIGINT: KeyboardInterrupt, carrying the
    # catalogue of the schedules done, soon after the signal (not after the million schedules).
    out = tmp_path / "out"
    script = (
        "import json, sys, hasim\n"
        "print('started', flush=True)\n"
        "try:\n"
        f"    hasim.explore({str(PART2)!r}, budget=1000000, jobs=1, out={str(out)!r})\n"
        "except KeyboardInterrupt as e:\n"
        "    print(json.dumps(e.catalogue))\n"
        "    sys.exit(7)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=module_env())
    assert proc.stdout.readline().strip() == "started"
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 7, stderr
    cat = json.loads(stdout)
    assert cat["interrupted"] is True
    assert 0 < cat["schedules"] < 1000000
    assert json.loads((out / "catalogue.json").read_text()) == cat


def test_the_module_returns_the_catalogue_as_a_dict(tmp_path):
    import hasim

    cat = hasim.explore(str(PART2), budget=40, jobs=2, seed=5, out=tmp_path)
    assert cat["schedules"] == 40
    assert cat["seed"] == 5
    assert isinstance(cat["findings"], list) and cat["findings"]
    f = cat["findings"][0]
    assert set(f) >= {"kind", "schedules", "minimal_faults", "file", "trace_sha256", "explanation"}
    assert (tmp_path / f["file"]).exists()
    # The same as the command line's catalogue for the same search.
    cli = hasim_cli_json(PART2, 40, 5)
    assert [x["trace_sha256"] for x in cli["findings"]] == [x["trace_sha256"] for x in cat["findings"]]
    with pytest.raises(hasim.ScenarioError):
        hasim.explore(str(PART2), faults=str(tmp_path / "missing.yaml"), budget=1)


def hasim_cli_json(scenario, budget, seed):
    p = hasim("explore", scenario, "--budget", budget, "--seed", seed, "--json", "--quiet")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_overrides_are_kept_in_the_reproductions(tmp_path):
    # haproxy2 at priority 95: its reproductions carry the setting and replay with their hashes.
    out = tmp_path / "out"
    p = hasim("explore", PART2, "--budget", 40, "--shrink", 1, "--out", out, "--quiet",
              "--set", "nodes.haproxy2.keepalived.vrrp_instance.VI_1.priority=95")
    assert p.returncode == 0, p.stderr
    cat = json.loads((out / "catalogue.json").read_text())
    assert cat["findings"]
    f = cat["findings"][0]
    text = (out / f["file"]).read_text()
    assert "priority: 95" in text and "priority: 90" not in text
    assert "include:" not in text
    replay = json.loads(hasim("run", out / f["file"], "--json").stdout)
    assert replay["trace_sha256"] == f["trace_sha256"]


@pytest.mark.parametrize("text", [
    b"name: p\nkinds: [freeze]\ncount: {min: 1, max: 1000}\nconverge: {within: 5s, holds: [vip_held]}\n",
    b"name: p\nkinds: [freeze]\nwindow: {from: 20s, to: 10s}\nconverge: {within: 5s, holds: [vip_held]}\n",
    b"name: p\nkinds: [freeze]\nfor: {min: -1s}\nconverge: {within: 5s, holds: [vip_held]}\n",
    b"name: p\nkinds: freeze\x00\n",
    b"a: &a [*a]\n",
    b"- just\n- a list\n",
    b"",
    b"name: p\nkinds: [freeze]\nconverge: {within: 5s, holds: [vip_held]}\nname: q\n",
], ids=["count", "window", "negative", "nul", "alias", "list", "empty", "duplicate"])
def test_hostile_profiles_are_located_errors(tmp_path, text):
    profile = tmp_path / "p.yaml"
    profile.write_bytes(text)
    p = hasim("explore", PART2, "--faults", profile, "--budget", 1, "--out", tmp_path / "out")
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith(f"hasim: error: {profile}:"), p.stderr
    assert not (tmp_path / "out").exists()
