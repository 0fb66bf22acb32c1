"""Checks for the exercises in this chapter's README. They fail until you solve them.

Run one task's checks with `make test-1`, or pytest -m "task(id='ch01.ex2')".
"""

import inspect
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient


@pytest.mark.task(id="ch01.ex1")
def test_about_names_the_chapter(client: TestClient, expect: Callable[..., None]) -> None:
    expect(
        client.get("/about"),
        200,
        {"chapter": "01", "topic": "First steps"},
        hint="Add a GET /about operation to main.py that returns this dict.",
    )


@pytest.mark.task(id="ch01.ex2")
def test_ping_answers_pong(client: TestClient, expect: Callable[..., None]) -> None:
    expect(
        client.get("/ping"),
        200,
        {"ping": "pong"},
        hint="Add a GET /ping operation to main.py that returns this dict.",
    )


@pytest.mark.task(id="ch01.ex2")
def test_ping_handler_is_async(app: FastAPI) -> None:
    handlers = [r.endpoint for r in app.routes if isinstance(r, APIRoute) and r.path == "/ping"]
    if not handlers:
        pytest.fail("There is no GET /ping operation in main.py yet.", pytrace=False)
    if not inspect.iscoroutinefunction(handlers[0]):
        pytest.fail(
            f"The /ping handler `{handlers[0].__name__}` is a plain `def`; "
            "write it with `async def`.",
            pytrace=False,
        )


@pytest.mark.task(id="ch01.ex3")
def test_hello_txt_is_plain_text(client: TestClient) -> None:
    response = client.get("/hello.txt")
    content_type = response.headers.get("content-type", "(none)")
    if (response.status_code, response.text) != (200, "Hello, World!") or not (
        content_type.startswith("text/plain")
    ):
        pytest.fail(
            "GET /hello.txt must answer the text Hello, World! as text/plain: "
            "use response_class=PlainTextResponse and return a str.\n"
            "  sent:     GET /hello.txt\n"
            "  expected: 200, content-type text/plain, body 'Hello, World!'\n"
            f"  got:      {response.status_code}, content-type {content_type}, "
            f"body {response.text[:200]!r}",
            pytrace=False,
        )
