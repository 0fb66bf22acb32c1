"""`make chapter-N` serves each chapter with /docs and /redoc that need no internet."""

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]


def load_wrapper(chapter: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import chapter_app.py and build one chapter's served app as `.app`, then forget that
    chapter's modules again."""
    chapter_dir = ROOT / chapter
    monkeypatch.setenv("COURSE_CHAPTER_DIR", str(chapter_dir))
    monkeypatch.setattr(sys, "path", [str(ROOT / "tools"), *sys.path])
    module = importlib.import_module("chapter_app")
    try:
        monkeypatch.setattr(module, "app", module.from_environment(), raising=False)
    finally:
        for name, loaded in list(sys.modules.items()):
            if str(getattr(loaded, "__file__", "") or "").startswith(str(chapter_dir)):
                del sys.modules[name]
    return module


def local_assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_use_only_local_assets(monkeypatch: pytest.MonkeyPatch, page: str) -> None:
    wrapper = load_wrapper("05_crud_pydantic", monkeypatch)
    client = TestClient(wrapper.app)
    response = client.get(page)
    assert response.status_code == 200
    assert "Chapter 05 - CRUD with Pydantic models" in response.text
    assets = local_assets(response.text)
    assert assets and all(a.startswith("/__course-docs-assets/") for a in assets), assets
    assert "cdn." not in response.text
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 500, asset


def test_everything_else_reaches_the_chapter_app(monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(load_wrapper("05_crud_pydantic", monkeypatch).app)
    created = client.post("/users", json={"name": "hello", "nickname": "world"})
    assert (created.status_code, created.json()) == (201, {"status": "success", "id": 1})
    assert client.get("/openapi.json").json()["info"]["title"].startswith("Chapter 05")
    assert client.get("/__course-docs-assets/nothing.js").status_code == 404


def test_the_chapter_lifespan_still_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("APP_TITLE", "LOG_LEVEL", "APP_VERSION"):
        monkeypatch.delenv(variable, raising=False)
    with TestClient(load_wrapper("06_docker", monkeypatch).app) as client:
        created = client.post("/users", json={"name": "hello", "nickname": "world"})
        assert created.status_code == 201, "the store is created by chapter 06's lifespan"
        assert client.get("/docs").status_code == 200


def test_an_app_with_its_own_docs_routes_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    load_wrapper("01_first_steps", monkeypatch)  # puts tools/ on sys.path
    own = FastAPI(docs_url=None, redoc_url=None)

    @own.get("/docs", include_in_schema=False)
    def custom_docs() -> dict[str, str]:
        return {"docs": "mine"}

    client = TestClient(importlib.import_module("offline_docs").OfflineDocs(own))
    assert client.get("/docs").json() == {"docs": "mine"}
    assert client.get("/redoc").status_code == 404
