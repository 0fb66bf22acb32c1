"""Fixtures for this chapter's tests: the app is loaded by path, fresh for every test.

`main.py` imports its neighbours by bare name (`from config import Settings`), as it does when
uvicorn starts it from this folder. The loader puts this folder on `sys.path` just for the
import, then forgets the chapter's modules again, so the next test (or another chapter with
its own `config.py`) gets a fresh copy, an empty store and the settings of its environment.
"""

import importlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

CHAPTER_DIR = Path(__file__).resolve().parents[1]


def forget_chapter_modules() -> None:
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None) or ""
        if origin.startswith(str(CHAPTER_DIR)) and "tests" not in Path(origin).parts:
            del sys.modules[name]


def load_main() -> ModuleType:
    forget_chapter_modules()
    sys.path.insert(0, str(CHAPTER_DIR))
    try:
        return importlib.import_module("main")
    finally:
        sys.path.remove(str(CHAPTER_DIR))
        forget_chapter_modules()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No setting leaks in from the machine running the tests."""
    for variable in ("APP_TITLE", "LOG_LEVEL", "APP_VERSION"):
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


@pytest.fixture
def load_app(clean_env: pytest.MonkeyPatch) -> Callable[[], FastAPI]:
    """Load a fresh app; set environment variables with `clean_env.setenv` first."""
    return lambda: load_main().app


@pytest.fixture
def app(load_app: Callable[[], FastAPI]) -> FastAPI:
    return load_app()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def shown(response: httpx.Response) -> str:
    """What came back, as a student would read it: the status, then the body."""
    try:
        body = json.dumps(response.json(), ensure_ascii=False)
    except ValueError:
        body = repr(response.text)
    return f"{response.status_code} {body[:500]}"


def sent(response: httpx.Response) -> str:
    request = response.request
    line = f"{request.method} {request.url.raw_path.decode()}"
    if request.content:
        line += f" with the body {request.content.decode(errors='replace')[:300]}"
    return line


def check(response: httpx.Response, status: int, body: Any = ..., *, hint: str) -> None:
    """Fail with what was sent, what was expected and what came back, unless they agree.

    Leave out `body` to check only the status.
    """
    if response.status_code == status:
        if body is ...:
            return
        try:
            if response.json() == body:
                return
        except ValueError:
            pass
    expected = str(status) if body is ... else f"{status} {json.dumps(body, ensure_ascii=False)}"
    pytest.fail(
        f"{hint}\n  sent:     {sent(response)}\n  expected: {expected}\n"
        f"  got:      {shown(response)}",
        pytrace=False,
    )


@pytest.fixture
def expect() -> Callable[..., None]:
    """`expect(response, 200, {...}, hint="...")`: a check whose failure a beginner can read."""
    return check
