"""A check skipped where it cannot run (no container engine) takes nothing away from a task."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import grading  # noqa: E402

del sys.path[0]


def result(status: str, name: str = "t", task: str | None = "ch06.ex2") -> grading.Result:
    return grading.Result(f"06_docker/tests/x.py::{name}", "06_docker", task, status, None)


def test_a_skipped_check_beside_passing_ones_leaves_the_task_solved() -> None:
    results = [result("pass", "a"), result("skip", "b")]
    assert grading.passed(results, "ch06.ex2")
    assert [r.name for r in grading.skipped(results, "06_docker")] == [results[1].name]


def test_a_failing_check_still_fails_the_task() -> None:
    assert not grading.passed([result("fail", "a"), result("skip", "b")], "ch06.ex2")


def test_a_task_whose_checks_all_skipped_is_not_solved() -> None:
    assert not grading.passed([result("skip", "a"), result("skip", "b")], "ch06.ex2")
    assert not grading.passed([], "ch06.ex2")
