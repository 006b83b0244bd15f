"""The determinism lint (tests/tidy.py) finds what it bans in each folder it covers."""
import pathlib
import subprocess
import sys

import pytest

TIDY = pathlib.Path(__file__).resolve().parents[1] / "tidy.py"


def run_tidy(root):
    return subprocess.run([sys.executable, str(TIDY), str(root)], capture_output=True, text=True)


@pytest.mark.parametrize("folder", ["sim", "models", "scenarios"])
def test_a_wall_clock_in_any_covered_folder_fails_the_lint(tmp_path, folder):
    (tmp_path / folder).mkdir()
    (tmp_path / folder / "runner.cpp").write_text(
        "auto t = std::chrono::steady_clock::now();  // planted\n")
    result = run_tidy(tmp_path)
    assert result.returncode == 1
    assert f"{folder}/runner.cpp:1: wall clock" in result.stdout


def test_an_unordered_map_in_the_runner_fails_the_lint(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "sweep.cpp").write_text("std::unordered_map<int, int> m;\n")
    result = run_tidy(tmp_path)
    assert result.returncode == 1
    assert "unordered container" in result.stdout


def test_a_banned_word_inside_a_comment_is_not_an_offence(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "ok.cpp").write_text("int x = 1;  // no std::rand here\n")
    result = run_tidy(tmp_path)
    assert result.returncode == 0, result.stdout
