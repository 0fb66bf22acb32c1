"""Fixtures of this chapter's own: settings checked inside the test process.

The shared ones (`client`, `api`, `expect`, `app`) come from tools/testkit/plugin.py. The
checks of `Settings` load the app into the test process with a clean environment: no
setting leaks in from the machine running the tests.

`engine` and `chapter_image` are for the checks that build and run the image for real
(tools/containers.py): the engine and its base image are found once, and this folder's image
is built once per pytest run, then removed.
"""

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import containers
import pytest

from testkit import inprocess

CHAPTER_DIR = Path(__file__).resolve().parents[1]
SETTINGS = ("APP_TITLE", "LOG_LEVEL", "APP_VERSION")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for variable in SETTINGS:
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


@pytest.fixture
def load_app(clean_env: pytest.MonkeyPatch) -> Callable[[], Any]:
    """Load a fresh app; set environment variables with `clean_env.setenv` first."""
    return lambda: inprocess.load_app(CHAPTER_DIR)


@pytest.fixture
def app(load_app: Callable[[], Any]) -> Any:
    return load_app()


@pytest.fixture(scope="session")
def engine() -> containers.Engine:
    return containers.ready()


@pytest.fixture(scope="session")
def chapter_image(engine: containers.Engine) -> Iterator[containers.Built]:
    """This chapter's image, built from this folder as `docker build` builds it."""
    tag = f"localhost/chapter06-api-test:{uuid.uuid4().hex[:8]}"
    built = containers.build(engine, CHAPTER_DIR, tag)
    yield built
    engine.run("rmi", "--force", tag, check=False)
