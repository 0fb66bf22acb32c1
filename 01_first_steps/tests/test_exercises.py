"""Checks for the exercises in this chapter's README. They fail until you solve them.

Your app is served in a process of its own and asked over HTTP, as a browser would ask it.
Run one task's checks with pytest -m "task(id='ch01.ex2')", or all of them with `make test-1`.
"""

from pathlib import Path

import pytest

from testkit.bilingual import message
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
        hint=message(
            "Add a GET /about operation to main.py that returns this dict.",
            "main.py에 이 dict를 반환하는 GET /about 경로 작동을 추가하세요.",
        ),
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
            message(
                "Give GET /about a summary and the exercises tag, as read_root has its own: "
                '@app.get("/about", summary="...", tags=["exercises"]).',
                "read_root처럼 GET /about에도 summary와 exercises 태그를 붙이세요: "
                '@app.get("/about", summary="...", tags=["exercises"]).',
            ),
            expected=message(
                "a summary of your own, and tags ['exercises']",
                "직접 쓴 summary, 그리고 tags ['exercises']",
            ),
            got=got,
        )


@pytest.mark.task(id="ch01.ex2")
def test_ping_answers_pong(api: Api) -> None:
    api.expect(
        api.get("/ping"),
        200,
        {"ping": "pong"},
        hint=message(
            "Add a GET /ping operation to main.py that returns this dict.",
            "main.py에 이 dict를 반환하는 GET /ping 경로 작동을 추가하세요.",
        ),
    )


@pytest.mark.task(id="ch01.ex2")
def test_ping_handler_is_async() -> None:
    found = handlers(CHAPTER, "GET", "/ping")
    if not found:
        raise Mismatch(
            message(
                'No function in main.py is decorated with @app.get("/ping"). Write the '
                "operation as the lesson does: the decorator on the line above an `async def`.",
                'main.py에 @app.get("/ping") 데코레이터가 붙은 함수가 없습니다. 레슨처럼 '
                "`async def` 바로 윗줄에 데코레이터를 붙여 경로 작동을 쓰세요.",
            )
        )
    plain = [h for h in found if not h.is_async]
    if plain:
        handler = plain[0]
        raise Mismatch(
            message(
                f"The /ping handler `{handler.name}` ({handler.file}, line {handler.line}) is "
                "a plain `def`; write it with `async def`.",
                f"/ping 핸들러({handler.file} {handler.line}번째 줄의 `{handler.name}`)가 "
                "일반 `def`입니다. `async def`로 쓰세요.",
            )
        )
    blocking = [h for h in found if h.blocking_calls]
    if blocking:
        handler = blocking[0]
        calls = ", ".join(handler.blocking_calls)
        raise Mismatch(
            message(
                f"The /ping handler `{handler.name}` is an `async def` that blocks the event "
                f"loop: {calls} in {handler.file}. While it sleeps, no other request is "
                "answered: this is the one line the lesson says makes async unsafe "
                "(`await asyncio.sleep(...)` would wait without blocking).",
                f"/ping 핸들러(`{handler.name}`)는 이벤트 루프를 블로킹하는 `async def`입니다: "
                f"{handler.file}의 {calls}. 이 호출이 멈춰 있는 동안에는 다른 요청에 전혀 "
                "응답하지 못합니다. 레슨에서 async를 안전하지 않게 만든다고 한 바로 그 한 "
                "줄입니다(`await asyncio.sleep(...)`은 블로킹하지 않고 기다립니다).",
            )
        )


@pytest.mark.task(id="ch01.ex3")
def test_hello_txt_is_plain_text(api: Api) -> None:
    response = api.get("/hello.txt")
    content_type = response.headers.get("content-type", "(none)")
    if (response.status_code, response.text) != (200, "Hello, World!") or not (
        content_type.startswith("text/plain")
    ):
        body = response.text[:200]
        api.fail(
            message(
                "GET /hello.txt must answer the text Hello, World! as text/plain: "
                "use response_class=PlainTextResponse and return a str.",
                "GET /hello.txt는 텍스트 Hello, World!를 text/plain으로 응답해야 합니다: "
                "response_class=PlainTextResponse를 쓰고 str을 반환하세요.",
            ),
            expected=message(
                "200, content-type text/plain, body 'Hello, World!'",
                "200, content-type text/plain, 본문 'Hello, World!'",
            ),
            got=message(
                f"{response.status_code}, content-type {content_type}, body {body!r}",
                f"{response.status_code}, content-type {content_type}, 본문 {body!r}",
            ),
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
