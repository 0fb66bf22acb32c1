"""Copied as conftest.py into the per-task proof's folder: one pytest run over many variants.

Each variant folder holds `variant.json`, which says which of its tests to run:
`all` (the starter: every test), `solved` (a task alone: the task tests and the snapshot),
`task` (another answer to a task: the tests of its task), or `reject` (an answer that must
fail: the tests of its task, until one fails; the rest are skipped, since one is enough).
Every outcome lands in the JSON file that the environment variable PROOF_OUTCOMES names.
"""

import functools
import json
import os
from pathlib import Path

import pytest

pytest_plugins = ["testkit.plugin"]  # the shared fixtures; tools/testkit is copied beside this
HERE = Path(__file__).resolve().parent
SNAPSHOT_TEST = "test_openapi_schema_matches_snapshot"
outcomes: dict[str, dict[str, object]] = {}


@functools.cache
def variant(folder: str) -> dict[str, str]:
    return json.loads((HERE / folder / "variant.json").read_text())


def task_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("task")
    return marker.kwargs.get("id") if marker else None


def wanted(item: pytest.Item) -> bool:
    if item.get_closest_marker("docker"):
        # A check that builds and runs an image would build one per variant (minutes on 2
        # cores); the proof holds the answers to the checks without an engine, and the engine
        # checks are proven by the chapter's own tests.
        return False
    chosen = variant(item.path.relative_to(HERE).parts[0])
    task = task_of(item)
    if chosen["select"] == "all":
        return True
    if chosen["select"] == "solved":
        return task is not None or item.originalname == SNAPSHOT_TEST
    return task == chosen["task"]


def folder_of(nodeid: str) -> str:
    return nodeid.split("/", 1)[0]


rejected: set[str] = set()  # `reject` variants with a failed test already


def pytest_runtest_setup(item: pytest.Item) -> None:
    if folder_of(item.nodeid) in rejected:
        pytest.skip("this answer already failed a check")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip reading test files that hold none of the tests a variant wants (saves imports)."""
    if collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    chosen = variant(collection_path.relative_to(HERE).parts[0])
    if chosen["select"] == "all":
        return None
    text = collection_path.read_text()
    return "mark.task" not in text and SNAPSHOT_TEST not in text


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept = [item for item in items if wanted(item)]
    config.hook.pytest_deselected(items=[item for item in items if not wanted(item)])
    items[:] = kept
    for item in kept:
        item.user_properties.append(("task", task_of(item)))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    entry = outcomes.setdefault(report.nodeid, {"outcome": "passed", "task": None, "seconds": 0})
    entry["task"] = dict(report.user_properties).get("task", entry["task"])
    entry["seconds"] += report.duration  # type: ignore[operator]  # set-up, call and teardown
    if report.failed:
        entry["outcome"] = "failed"
        if variant(folder_of(report.nodeid))["select"] == "reject":
            rejected.add(folder_of(report.nodeid))
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"


def pytest_sessionfinish(session: pytest.Session) -> None:
    Path(os.environ["PROOF_OUTCOMES"]).write_text(json.dumps(outcomes, indent=1, sort_keys=True))
