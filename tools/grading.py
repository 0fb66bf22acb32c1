"""Run chapters' tests in this process and record, for every test, its task and its outcome."""

import contextlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MESSAGE_LIMIT = 2000


@dataclass
class Result:
    name: str  # pytest's node id, e.g. 03_crud_path/tests/test_exercises.py::test_x
    chapter: str
    task: str | None
    status: str  # "pass", "fail" or "error", as in Exercism's test-runner interface
    message: str | None = None


class Recorder:
    """A pytest plugin: one Result per test, in the order they ran."""

    def __init__(self) -> None:
        self.results: dict[str, Result] = {}
        self.tasks: dict[str, str | None] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("task")
            self.tasks[item.nodeid] = marker.kwargs.get("id") if marker else None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = self.results.get(report.nodeid)
        if result is None:
            chapter = report.nodeid.split("/", 1)[0]
            result = Result(report.nodeid, chapter, self.tasks.get(report.nodeid), "pass")
            self.results[report.nodeid] = result
        if report.failed and result.status == "pass":
            result.status = "fail" if report.when == "call" else "error"
            result.message = report.longreprtext[-MESSAGE_LIMIT:]
        elif report.skipped and report.when != "teardown" and result.status == "pass":
            result.status = "skip"


@dataclass
class Run:
    results: list[Result]
    exit_code: int
    output: str  # pytest's own report, shown only when pytest could not run the tests

    @property
    def broken(self) -> bool:
        """pytest stopped before it could run them all (a test file that does not import)."""
        return self.exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)


def passed(results: list[Result], task: str) -> bool:
    """A task is solved when it has tests and every one of them passes."""
    own = [result for result in results if result.task == task]
    return bool(own) and all(result.status == "pass" for result in own)


def run(
    chapters: list[str], junit: Path | None = None, quick: bool = False, tasks_only: bool = False
) -> Run:
    """Run the tests of `chapters` (folder names, maybe pytest options).

    `quick` leaves out the slow tests, `tasks_only` the tests that grade no task.
    """
    recorder = Recorder()
    arguments = [*chapters, "-q", "-p", "no:cacheprovider", "--tb=short"]
    arguments += [f"--junitxml={junit}"] if junit else []
    selection = ["not slow"] if quick else []
    selection += ["task"] if tasks_only else []
    arguments += ["-m", " and ".join(selection)] if selection else []
    sys.dont_write_bytecode = True
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exit_code = pytest.main(arguments, plugins=[recorder])
    return Run(list(recorder.results.values()), int(exit_code), output.getvalue())
