"""run_real.host_froze against real runs: the CI run of 2026-12-05 03:07 whose host stopped every
process for 24.9 s (the three parallel demo1-part1 runs at the same moment: run 0's tick log and
fault records here), and a run of the evening before on the same machine that did not stop."""
import json
import os
import sys

ROOT = os.environ.get("HASIM_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "validation"))
import parse_logs  # noqa: E402
import run_real  # noqa: E402

FIX = os.path.join(ROOT, "tests", "validation", "fixtures")


def ticks(name):
    with open(os.path.join(FIX, name)) as f:
        return parse_logs.tick_wakeups(f)


# run 0's fault records of that CI run (real.json): stop nginx2 was due at 35.605 s.
FROZEN_FAULTS = [
    {"kind": "fault", "t_s": 20.462, "action": "stop", "target": "nginx1", "planned_s": 20.0, "phase_offset_s": 0.461},
    {"kind": "fault", "t_s": 60.339, "action": "stop", "target": "nginx2", "planned_s": 35.0, "phase_offset_s": 0.605},
    {"kind": "fault", "t_s": 60.346, "action": "start", "target": "nginx1", "planned_s": 50.0, "phase_offset_s": 1.508},
    {"kind": "fault_end", "t_s": 61.0, "action": "stop", "target": "nginx1"},
]


def test_a_run_whose_host_stopped_for_25_s_is_no_measurement():
    why = run_real.host_froze(ticks("demo1-part1-host-freeze-ticks.log"), FROZEN_FAULTS)
    assert why is not None
    assert "timer woke 24.9s late" in why
    assert "'stop nginx2' ran 24.7s after its time" in why


def test_the_in_stack_timer_decides_and_a_late_fault_alone_does_not():
    assert "timer woke 24.9s late" in run_real.host_froze(ticks("demo1-part1-host-freeze-ticks.log"), [])
    # The runner's loop may wait by itself (an undo waits for the command before it on its
    # container), so a late fault without a late timer is no stopped host.
    assert run_real.host_froze([0.005, 0.009], FROZEN_FAULTS) is None


def test_an_undisturbed_run_on_the_same_machine_is_kept():
    with open(os.path.join(FIX, "demo1-part1-run.json")) as f:
        faults = json.load(f)["faults"]
    samples = ticks("demo1-part1-ticks.log")
    assert len(samples) > 600 and max(samples) < 0.05  # woke at most ~9 ms late
    assert run_real.host_froze(samples, faults) is None


def test_the_bound_is_a_second_not_a_scheduling_delay():
    assert run_real.host_froze([0.999], []) is None
    assert run_real.host_froze([1.0], []) is not None
    late = [{"kind": "fault", "t_s": 21.9, "action": "kill", "target": "a", "planned_s": 20.0, "phase_offset_s": 0.95}]
    assert "ran" not in run_real.host_froze([1.5], late)  # 0.95 s late: not named
    late[0]["t_s"] = 22.0
    assert "'kill a' ran 1.1s after its time" in run_real.host_froze([1.5], late)
