"""A check that needs a container engine, skipped where none runs, takes nothing away from a
task; any other skip counts as not passed."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import grading  # noqa: E402

del sys.path[0]


def result(
    status: str, name: str = "t", task: str | None = "ch06.ex2", engine: bool = True
) -> grading.Result:
    node = f"06_docker/tests/x.py::{name}"
    return grading.Result(node, "06_docker", task, status, None, needs_engine=engine)


def test_a_skipped_check_beside_passing_ones_leaves_the_task_solved() -> None:
    results = [result("pass", "a"), result("skip", "b")]
    assert grading.passed(results, "ch06.ex2")
    assert [r.name for r in grading.skipped(results, "06_docker")] == [results[1].name]


def test_a_failing_check_still_fails_the_task() -> None:
    assert not grading.passed([result("fail", "a"), result("skip", "b")], "ch06.ex2")


def test_a_task_whose_checks_all_skipped_is_not_solved() -> None:
    assert not grading.passed([result("skip", "a"), result("skip", "b")], "ch06.ex2")
    assert not grading.passed([], "ch06.ex2")


def test_a_skip_of_a_check_that_needs_no_engine_fails_the_task() -> None:
    # e.g. code under test raising pytest.skip.Exception to dodge a property check
    results = [result("pass", "a", engine=False), result("skip", "b", engine=False)]
    assert not grading.passed(results, "ch06.ex2")
    assert grading.skipped(results, "06_docker") == []
