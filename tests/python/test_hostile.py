"""Hostile input through the Python module (issue 14): each is a located hasim.ScenarioError
naming the key path, never a segfault, a RecursionError or pybind11's "Unable to cast"."""
import pytest

import hasim
from conftest import DEMO, tiny_stack


def nested_list(depth):
    root = node = []
    for _ in range(depth):
        child = []
        node.append(child)
        node = child
    return root


def test_a_20000_deep_list_is_a_scenario_error_not_a_segfault():
    d = tiny_stack()
    d["notes"] = nested_list(20000)
    with pytest.raises(hasim.ScenarioError) as info:
        hasim.run(d)
    assert info.value.file == "<dict>"
    assert info.value.key_path.startswith("notes.0.0.0")
    assert "nested deeper than 64 levels" in info.value.message


def test_a_dict_that_contains_itself_is_a_scenario_error():
    d = tiny_stack()
    d["notes"] = d
    with pytest.raises(hasim.ScenarioError) as info:
        hasim.run(d)
    assert info.value.key_path == "notes"
    assert "contains itself" in info.value.message
    loop = []
    loop.append(loop)
    with pytest.raises(hasim.ScenarioError, match="contains itself"):
        hasim.check(tiny_stack(), overrides={"notes": loop})


def test_the_same_object_twice_is_not_a_cycle():
    shared = ["/"]
    d = tiny_stack()
    d["nodes"]["web1"]["nginx"]["files"] = shared
    d["nodes"]["web2"]["nginx"]["files"] = shared
    assert hasim.check(d)["name"] == "tiny"


@pytest.mark.parametrize("where", ["value", "key", "override", "override key", "grid"])
def test_a_lone_surrogate_is_a_located_scenario_error(where):
    bad = "\ud800"
    with pytest.raises(hasim.ScenarioError) as info:
        if where == "value":
            hasim.run({**tiny_stack(), "name": bad})
        elif where == "key":
            hasim.run({**tiny_stack(), bad: 1})
        elif where == "override":
            hasim.run(tiny_stack(), overrides={"description": bad})
        elif where == "override key":
            hasim.run(tiny_stack(), overrides={bad: 1})
        else:
            hasim.sweep(tiny_stack(), grid={"description": ["ok", bad]})
    assert "not valid Unicode text" in info.value.message
    assert info.value.key_path in ("name", "description", "")


def test_a_scenario_path_that_is_not_utf8_is_opened_by_its_bytes(tmp_path):
    # os.listdir gives such a name with surrogate escapes; the file system wants the bytes.
    raw = tmp_path / "caf\udce9.yaml"
    with pytest.raises(hasim.ScenarioError, match="no such file"):
        hasim.run(raw)
    with open(bytes(raw.as_posix(), "utf-8", "surrogateescape"), "wb") as f:
        f.write(DEMO.read_bytes().split(b"include:")[0] + b"name: latin\n")
    with pytest.raises(hasim.ScenarioError) as info:  # opened: now it is the content's turn
        hasim.check(raw)
    assert "no such file" not in str(info.value)


def test_seeds_take_the_whole_64_bit_range_exactly():
    r = hasim.run(tiny_stack(), seed=2**64 - 1)
    assert r["seed"] == 2**64 - 1
    assert r["events"][0]["seed"] == str(2**64 - 1)
    with pytest.raises(ValueError, match="2\\*\\*64-1"):
        hasim.run(tiny_stack(), seed=2**64)
    rows = hasim.sweep(tiny_stack(), seeds=2, seed=2**63)
    assert [r["seed"] for r in rows] == [2**63, 2**63 + 1]


def test_a_run_past_max_events_is_a_scenario_error_at_its_duration():
    with pytest.raises(hasim.ScenarioError) as info:
        hasim.run(tiny_stack(), max_events=1000)
    assert info.value.key_path == "duration"
    assert "after 1000 events, its budget" in info.value.message
    with pytest.raises(hasim.ScenarioError, match="its budget"):
        hasim.sweep(tiny_stack(), max_events=1000)
    assert hasim.run(tiny_stack(), max_events=0)["trace_sha256"] == hasim.run(tiny_stack())["trace_sha256"]
    with pytest.raises(ValueError):
        hasim.run(tiny_stack(), max_events=-1)


def test_a_bad_grid_value_names_the_grid_axis():
    with pytest.raises(hasim.ScenarioError) as info:
        hasim.sweep(tiny_stack(), grid={"faults.0.at": ["1s", "banana"]})
    assert info.value.file.startswith("grid['faults.0.at']")
    assert info.value.key_path == "faults.0.at"
