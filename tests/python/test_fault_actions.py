"""Fault actions are declared once, in C++ (scenarios/fault_actions.hpp, given to Python by
hasim.fault_actions()); the real side's copies of what it needs from them must agree."""
import os
import sys

import hasim
from conftest import SOURCE_DIR

sys.path.insert(0, os.path.join(SOURCE_DIR, "validation"))
import parse_logs  # noqa: E402


def test_fault_actions_are_listed_in_the_loaders_order_with_the_operator_steps_last():
    names = list(hasim.fault_actions())
    assert names[:18] == ["stop", "kill", "freeze", "thaw", "start", "restart", "recreate", "crash", "disconnect",
                          "connect", "link_down", "link_up", "partition", "heal", "drop", "delay", "loss", "repoint"]
    assert "promote" in names[18:]
    assert hasim.fault_actions()["promote"]["operator_step"]


def test_the_real_runs_time_each_whole_node_command_by_the_entrypoint_stamp_its_action_declares():
    declared = {name: a["entry_stamp"] for name, a in hasim.fault_actions().items() if a["entry_stamp"]}
    assert parse_logs.COMMAND_EFFECT == declared


def test_each_action_says_which_detection_it_opens_and_what_undoes_it():
    a = hasim.fault_actions()
    assert [n for n in a if a[n]["detection"] == "down"] == ["stop", "kill", "freeze", "crash", "disconnect", "link_down"]
    assert [n for n in a if a[n]["detection"] == "up"] == ["thaw", "start", "restart", "recreate", "connect", "link_up"]
    assert (a["stop"]["command"], a["stop"]["undo_command"]) == ("stop", "start")
    assert (a["freeze"]["command"], a["freeze"]["undo_command"]) == ("pause", "unpause")
    assert a["link_down"]["exec"] and a["link_down"]["undoable"] and not a["link_up"]["undoable"]


def test_every_kind_a_fault_profile_may_draw_belongs_to_one_action():
    kinds = [k for a in hasim.fault_actions().values() for k, _ in a["explore"]]
    assert len(kinds) == len(set(kinds))
    assert {"container_stop", "container_pause", "drop_proto", "repoint", "promote"} <= set(kinds)
