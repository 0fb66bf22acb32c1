"""Checks for the exercises in this chapter's README. They fail until you solve them."""

import inspect

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient


@pytest.mark.exercise(1)
def test_about_names_the_chapter(client: TestClient) -> None:
    response = client.get("/about")
    assert response.status_code == 200, "Add a GET /about operation to main.py."
    assert response.json() == {"chapter": "01", "topic": "First steps"}


@pytest.mark.exercise(2)
def test_ping_answers_pong(client: TestClient) -> None:
    response = client.get("/ping")
    assert response.status_code == 200, "Add a GET /ping operation to main.py."
    assert response.json() == {"ping": "pong"}


@pytest.mark.exercise(2)
def test_ping_handler_is_async(app: FastAPI) -> None:
    handlers = [r.endpoint for r in app.routes if isinstance(r, APIRoute) and r.path == "/ping"]
    assert handlers, "Add a GET /ping operation to main.py."
    assert inspect.iscoroutinefunction(handlers[0]), "Write the /ping handler with `async def`."
