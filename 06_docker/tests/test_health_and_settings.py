import logging
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError


def test_health_answers_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_defaults_without_environment(load_app: Callable[[], FastAPI]) -> None:
    with TestClient(load_app()) as client:
        info = client.get("/openapi.json").json()["info"]
        assert info["title"] == "Chapter 06 - The API on Docker"
        assert logging.getLogger("chapter06").level == logging.INFO


def test_title_and_log_level_come_from_the_environment(
    clean_env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]
) -> None:
    clean_env.setenv("APP_TITLE", "Users API (staging)")
    clean_env.setenv("LOG_LEVEL", "debug")
    with TestClient(load_app()) as client:
        assert client.get("/openapi.json").json()["info"]["title"] == "Users API (staging)"
        assert logging.getLogger("chapter06").level == logging.DEBUG
        assert logging.getLogger("uvicorn.access").level == logging.DEBUG


def test_an_invalid_log_level_stops_the_start_with_a_clear_error(
    clean_env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]
) -> None:
    clean_env.setenv("LOG_LEVEL", "loud")
    with pytest.raises(ValidationError) as error:
        load_app()
    assert error.value.errors()[0]["loc"] == ("log_level",)
    assert error.value.errors()[0]["type"] == "literal_error"


def test_routers_are_mounted_with_their_prefixes_and_tags(app: FastAPI) -> None:
    operations = {
        (method, path, tuple(operation["tags"]))
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
    }
    assert {
        ("post", "/users", ("users",)),
        ("get", "/users", ("users",)),
        ("put", "/users", ("users",)),
        ("delete", "/users", ("users",)),
        ("get", "/health", ("health",)),
    } <= operations


def test_the_app_does_not_depend_on_the_working_directory(
    tmp_path: pytest.TempPathFactory, clean_env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]
) -> None:
    clean_env.chdir(tmp_path)
    with TestClient(load_app()) as client:
        assert client.get("/health").json() == {"status": "ok"}
