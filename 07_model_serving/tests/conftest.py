"""Fixtures for this chapter's tests: a fresh app for every test, from modules loaded by path.

The chapter's modules are imported once per session (SQLModel registers its tables globally,
so importing `database.py` twice would redefine them); each test then builds its own app with
`create_app()`, which reads the environment. Every test gets its own SQLite file and runs on
the CPU with the committed model, unless it sets other variables through `env` first.
"""

import functools
import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient

CHAPTER_DIR = Path(__file__).resolve().parents[1]
SETTINGS = (
    "MODEL_PATH",
    "DEVICE",
    "DATABASE_URL",
    "MAX_NEW_TOKENS_LIMIT",
    "REQUEST_TIMEOUT_S",
    "QUEUE_SIZE",
    "CPU_THREADS",
    "LOG_LEVEL",
)


def forget_chapter_modules() -> None:
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None) or ""
        if origin.startswith(str(CHAPTER_DIR)) and "tests" not in Path(origin).parts:
            del sys.modules[name]


def load_module(name: str) -> ModuleType:
    """Import one of the chapter's modules with this folder on sys.path, then forget them."""
    forget_chapter_modules()
    sys.path.insert(0, str(CHAPTER_DIR))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(CHAPTER_DIR))
        forget_chapter_modules()


@functools.cache
def chapter_module(name: str) -> ModuleType:
    return load_module(name)


@pytest.fixture
def model_package() -> ModuleType:
    """The data scientist's `model` package, as the service imports it."""
    return chapter_module("model")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean environment: CPU, a fresh database, short limits; tests may set more."""
    for variable in SETTINGS:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DEVICE", "cpu")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'generations.db'}")
    monkeypatch.setenv("CPU_THREADS", "2")
    return monkeypatch


@pytest.fixture
def load_app(env: pytest.MonkeyPatch) -> Callable[[], FastAPI]:
    return lambda: chapter_module("main").create_app()


@pytest.fixture
def app(load_app: Callable[[], FastAPI]) -> FastAPI:
    return load_app()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api_schema(client: TestClient) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)
