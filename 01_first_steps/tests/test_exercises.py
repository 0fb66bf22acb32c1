"""Checks for the exercises in this chapter's README. They fail until you solve them.

Your app is served in a process of its own and asked over HTTP, as a browser would ask it.
Run one task's checks with pytest -m "task(id='ch01.ex2')", or all of them with `make test-1`.
"""

from pathlib import Path

import pytest

from testkit.checks import Api, Mismatch
from testkit.plugin import chapter_of
from testkit.snapshot import check_operation_is_an_exercise
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
    # Without summary=, FastAPI makes one up from the function's name: read_about, "Read About".
    function = str(shown.get("operationId", "")).removesuffix("_about_get")
    made_up = function.replace("_", " ").title()
    if shown.get("summary") in (None, "", made_up) or shown.get("tags") != ["exercises"]:
        api.fail(
            "Give GET /about a summary and the exercises tag, as read_root has its own: "
            '@app.get("/about", summary="...", tags=["exercises"]).',
            expected="a summary of your own, and tags ['exercises']",
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
    blocking = [h for h in found if h.blocking_calls]
    if blocking:
        handler = blocking[0]
        raise Mismatch(
            f"The /ping handler `{handler.name}` is an `async def` that blocks the event loop: "
            f"{', '.join(handler.blocking_calls)} in {handler.file}. While it sleeps, no other "
            "request is answered: this is the one line the lesson says makes async unsafe "
            "(`await asyncio.sleep(...)` would wait without blocking)."
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


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/about", marks=pytest.mark.task(id="ch01.ex1")),
        pytest.param("GET", "/ping", marks=pytest.mark.task(id="ch01.ex2")),
        pytest.param("GET", "/hello.txt", marks=pytest.mark.task(id="ch01.ex3")),
    ],
)
def test_the_operation_is_listed_under_exercises(api: Api, method: str, path: str) -> None:
    check_operation_is_an_exercise(api.get("/openapi.json").json(), method, path)
