"""Checks for the exercises in this chapter's README. They fail until you solve them.

Your app is served in a process of its own and asked over HTTP, as a browser would ask it.
Run one task's checks with pytest -m "task(id='ch01.ex2')", or all of them with `make test-1`.
"""

from pathlib import Path

import pytest

from testkit.checks import Api, Mismatch
from testkit.plugin import chapter_of
from testkit.source import handlers

CHAPTER = chapter_of(Path(__file__))


def operation(api: Api, method: str, path: str) -> dict[str, object]:
    """What Swagger UI shows of one operation, from the app's /openapi.json."""
    schema = api.get("/openapi.json").json()
    return schema.get("paths", {}).get(path, {}).get(method.lower(), {})


@pytest.mark.task(id="ch01.ex1")
def test_about_names_the_chapter(api: Api) -> None:
    api.expect(
        api.get("/about"),
        200,
        {"chapter": "01", "topic": "First steps"},
        hint="Add a GET /about operation to main.py that returns this dict.",
    )


@pytest.mark.task(id="ch01.ex1")
def test_about_is_documented_under_exercises(api: Api) -> None:
    shown = operation(api, "GET", "/about")
    got = f"summary {shown.get('summary')!r}, tags {shown.get('tags')}"
    if not shown.get("summary") or shown.get("tags") != ["exercises"]:
        api.fail(
            "Give GET /about a summary and the exercises tag, as read_root has its own: "
            '@app.get("/about", summary="...", tags=["exercises"]).',
            expected="a summary, and tags ['exercises']",
            got=got,
        )


@pytest.mark.task(id="ch01.ex2")
def test_ping_answers_pong(api: Api) -> None:
    api.expect(
        api.get("/ping"),
        200,
        {"ping": "pong"},
        hint="Add a GET /ping operation to main.py that returns this dict.",
    )


@pytest.mark.task(id="ch01.ex2")
def test_ping_handler_is_async() -> None:
    found = handlers(CHAPTER, "GET", "/ping")
    if not found:
        raise Mismatch(
            'No function in main.py is decorated with @app.get("/ping"). Write the operation '
            "as the lesson does: the decorator on the line above an `async def`."
        )
    plain = [h for h in found if not h.is_async]
    if plain:
        handler = plain[0]
        raise Mismatch(
            f"The /ping handler `{handler.name}` ({handler.file}, line {handler.line}) is a "
            "plain `def`; write it with `async def`."
        )


@pytest.mark.task(id="ch01.ex3")
def test_hello_txt_is_plain_text(api: Api) -> None:
    response = api.get("/hello.txt")
    content_type = response.headers.get("content-type", "(none)")
    if (response.status_code, response.text) != (200, "Hello, World!") or not (
        content_type.startswith("text/plain")
    ):
        api.fail(
            "GET /hello.txt must answer the text Hello, World! as text/plain: "
            "use response_class=PlainTextResponse and return a str.",
            expected="200, content-type text/plain, body 'Hello, World!'",
            got=f"{response.status_code}, content-type {content_type}, "
            f"body {response.text[:200]!r}",
        )
