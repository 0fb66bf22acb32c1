"""Fixtures of this chapter's own: settings checked inside the test process.

The shared ones (`client`, `api`, `expect`, `app`) come from tools/testkit/plugin.py. The
checks of `Settings` load the app into the test process with a clean environment: no
setting leaks in from the machine running the tests.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

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
