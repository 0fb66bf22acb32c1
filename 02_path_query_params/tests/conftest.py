"""Fixtures for this chapter's tests: the app is loaded by path, fresh for every test.

Chapter folders such as `01_first_steps` are not valid Python package names, so the tests
cannot write `from main import app`. Loading `main.py` from its path also gives every test
a new module, and with it an empty in-memory store.
"""

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient

CHAPTER_DIR = Path(__file__).resolve().parents[1]


def load_app() -> FastAPI:
    module_name = f"chapter_{CHAPTER_DIR.name}_main"
    spec = importlib.util.spec_from_file_location(module_name, CHAPTER_DIR / "main.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


@pytest.fixture
def app() -> FastAPI:
    return load_app()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api_schema(app: FastAPI) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app)
