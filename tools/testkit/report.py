"""A pytest plugin for the grader: one JSON line per test, written to a pipe the grader holds.

The grader starts pytest with `-p testkit.report` and hands it the pipe's writing end (its
number in COURSE_REPORT_FD, passed with `pass_fds`); nothing else inherits that pipe, and the
app under test runs in a process of its own that never sees it. Each line:
`{"name", "chapter", "task", "status": "pass" | "fail" | "error" | "skip", "message",
"needs_engine"}` (`needs_engine`: the check is marked `docker`).
"""

import json
import os
from typing import Any

import pytest

MESSAGE_LIMIT = 2000
_stream: Any = None
_results: dict[str, dict[str, Any]] = {}
_tasks: dict[str, str | None] = {}
_engine_checks: set[str] = set()


def pytest_configure(config: pytest.Config) -> None:
    global _stream
    number = os.environ.get("COURSE_REPORT_FD")
    if number is not None:
        _stream = os.fdopen(int(number), "w", encoding="utf-8", buffering=1)
        os.environ.pop("COURSE_REPORT_FD")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("task")
        _tasks[item.nodeid] = marker.kwargs.get("id") if marker else None
        if item.get_closest_marker("docker"):
            _engine_checks.add(item.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    result = _results.get(report.nodeid)
    if result is None:
        result = {
            "name": report.nodeid,
            "chapter": report.nodeid.split("/", 1)[0],
            "task": _tasks.get(report.nodeid),
            "status": "pass",
            "message": None,
            "needs_engine": report.nodeid in _engine_checks,
        }
        _results[report.nodeid] = result
    if report.failed and result["status"] == "pass":
        result["status"] = "fail" if report.when == "call" else "error"
        result["message"] = report.longreprtext[-MESSAGE_LIMIT:]
    elif report.skipped and report.when != "teardown" and result["status"] == "pass":
        result["status"] = "skip"
        result["message"] = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else None
    if report.when == "teardown" and _stream is not None:
        _stream.write(json.dumps(result, ensure_ascii=False) + "\n")


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A test file that does not even import is reported as an error of its own."""
    if report.failed and _stream is not None:
        message = report.longreprtext[-MESSAGE_LIMIT:]
        entry = {
            "name": report.nodeid,
            "chapter": report.nodeid.split("/", 1)[0],
            "task": None,
            "status": "error",
            "message": message,
        }
        _stream.write(json.dumps(entry, ensure_ascii=False) + "\n")
