"""The pytest plugin every chapter's tests share (the root conftest.py loads it).

- `client` (also called `api`): a fresh copy of the chapter's app in the app host's process,
  and a client that logs the test's requests (`testkit.checks.Api`). Chapters override
  `app_spec` to set the environment or the app factory the host uses.
- `fresh_api(spec)`: the same, for Hypothesis, which runs one test body many times and needs
  a fresh app for each example (a function-scoped fixture would be shared by all of them).
- `expect(response, status, body, hint=...)`: one response checked on its own.
- `app`: the app loaded into the test process (`testkit.inprocess`), for Schemathesis.
- The Hypothesis profile "course": derandomized and without a database, so a run gives the
  same examples on every machine and every time; no deadline, since a busy machine is slow.
- A failed check (`Mismatch`) or an app that does not load (`HostError`) is reported by its
  message alone: it already says what was sent, expected and received.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.internal.conjecture import engine

from testkit import apphost
from testkit.checks import Api, Mismatch, check

settings.register_profile(
    "course",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    max_examples=30,
    stateful_step_count=10,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
# `make test-N` and `make watch-N` are the student's loop, answered in seconds: a third of the
# generated runs. `make check`, `make grade`, `make test` and CI make them all.
settings.register_profile("course-quick", parent=settings.get_profile("course"), max_examples=8)
# The per-task proof and mutation testing only need to know that a wrong answer fails: the
# shortest example (Hypothesis' shrinking, seconds per failure) is for a student to read.
NO_SHRINKING = [Phase.explicit, Phase.reuse, Phase.generate]
settings.register_profile(
    "course-no-shrink", parent=settings.get_profile("course"), phases=NO_SHRINKING
)
# `make progress` says which tasks pass, not why the others fail: the quick loop, unshrunk.
settings.register_profile(
    "course-progress", parent=settings.get_profile("course-quick"), phases=NO_SHRINKING
)
settings.load_profile(os.environ.get("COURSE_HYPOTHESIS_PROFILE", "course"))
# Hypothesis shrinks a failure for up to 300 s; each step here is an HTTP request, so that can
# be minutes. After 15 s the shortest run found so far is shown: short enough to read.
if hasattr(engine, "MAX_SHRINKING_SECONDS"):
    engine.MAX_SHRINKING_SECONDS = 15

Spec = dict[str, Any]


def chapter_of(path: Path) -> Path:
    """The chapter folder a test file belongs to: the nearest folder above it with main.py."""
    for folder in path.resolve().parents:
        if (folder / "main.py").is_file():
            return folder
    raise LookupError(f"{path} is not inside a chapter folder")


def fresh(chapter: Path, spec: Spec | None = None) -> Api:
    """A fresh app of `chapter` in the shared host, and a logging client to it."""
    host = apphost.shared()
    host.reset(chapter, **(spec or {}))
    assert host.client is not None
    return Api(host.client, host.errors)


def copy_chapter(chapter: Path, destination: Path) -> Path:
    """The chapter's code without its tests, to serve with files a test adds (a `.env`)."""
    ignored = shutil.ignore_patterns("tests", "__pycache__", "*.db", "data", ".env")
    shutil.copytree(chapter, destination, ignore=ignored)
    return destination


@pytest.fixture
def chapter_dir(request: pytest.FixtureRequest) -> Path:
    return chapter_of(Path(request.path))


@pytest.fixture
def app_spec() -> Spec:
    """How the host loads the app: `env`, `app` ("main:app"), `reload`, `plugin`."""
    return {}


@pytest.fixture
def api(chapter_dir: Path, app_spec: Spec) -> Api:
    return fresh(chapter_dir, app_spec)


@pytest.fixture
def client(api: Api) -> Api:
    return api


@pytest.fixture
def expect() -> Callable[..., None]:
    """`expect(response, 200, {...}, hint="...")`: a check whose failure a beginner can read."""
    return check


@pytest.fixture
def app(chapter_dir: Path) -> Any:
    from testkit import inprocess  # imports FastAPI: only the checks that need it pay for it

    return inprocess.load_app(chapter_dir)


@pytest.fixture
def fresh_api(chapter_dir: Path, app_spec: Spec) -> Callable[..., Api]:
    def make(**changes: Any) -> Api:
        return fresh(chapter_dir, {**app_spec, **changes})

    return make


@pytest.fixture(scope="session", autouse=True)
def _stop_the_host() -> Iterator[None]:
    yield
    apphost.shared().close()


def pytest_configure(config: pytest.Config) -> None:
    """Start the host's process as soon as pytest knows it will test a chapter: it boots while
    pytest collects, and is ready by the first check."""
    for argument in config.args:
        path = Path(argument.split("::", 1)[0])
        if (path / "main.py").is_file() or (path.parent.parent / "main.py").is_file():
            apphost.shared().launch()
            return


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> None:
    if file_path.name == "test_exercises.py":
        apphost.shared().launch()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if os.environ.get("COURSE_HYPOTHESIS_PROFILE") == "course-quick":
        quick = settings.get_profile("course-quick").max_examples
        full = settings.get_profile("course").max_examples
        terminalreporter.write_line(
            f"Quick run: {quick} generated runs per check. `make check TASK=...` and "
            f"`make grade` make {full}, so they may find what this run did not."
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[None] | Any:
    report = yield
    if call.excinfo is not None and isinstance(call.excinfo.value, Mismatch | apphost.HostError):
        report.longrepr = str(call.excinfo.value)
    return report
