"""Fixtures for this chapter's tests: the app is loaded by path, fresh for every test.

Chapter folders such as `05_crud_pydantic` are not valid Python package names, so the tests
cannot write `from main import app`. `main.py` imports its neighbour `hostile_input.py` by bare
name, as it does when uvicorn starts it from this folder: the loader puts this folder on
`sys.path` just for the import, then forgets the chapter's modules again, so every test gets a
new module, and with it an empty in-memory store (and another chapter its own `hostile_input`).
"""

import importlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
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


def load_app() -> FastAPI:
    forget_chapter_modules()
    sys.path.insert(0, str(CHAPTER_DIR))
    try:
        return importlib.import_module("main").app
    finally:
        sys.path.remove(str(CHAPTER_DIR))
        forget_chapter_modules()


@pytest.fixture
def app() -> FastAPI:
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
