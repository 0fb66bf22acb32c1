"""Hostile input, sent as raw bytes over a real socket to this chapter served by uvicorn.

Schemathesis (test_fuzz.py) only ever sends valid JSON. A careless or hostile client sends
anything: `NaN`, lone surrogates, 10 MB bodies, a `Content-Length` that never arrives. Each case
below is written byte for byte onto a TCP connection to `uvicorn main:app`, and must get a 4xx
(or the documented 2xx) with a JSON body, quickly, without holding up a concurrent request, and
leave the keep-alive connection usable for the next request.

Starting a server takes about a second, so this module is marked `slow`: a quick run can leave
it out with `-m "not slow"`; `make test` and CI run it.
"""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testkit import hostile
from testkit.hostile import (
    TEN_MB,
    TEN_MB_LIST,
    RawConnection,
    Response,
    Server,
    answer_limit,
    chunked,
    http,
    one_error,
    post_json,
    serve,
    slow,
    usual_round_trip,
)

pytestmark = pytest.mark.slow

CHAPTER_DIR = Path(__file__).resolve().parents[1]
# No setting leaks in from the machine running the tests (see config.py).
SETTINGS = {"APP_TITLE", "LOG_LEVEL", "APP_VERSION"}
LIMIT = 4096  # MAX_BODY_BYTES in hostile_input.py, as the lesson documents it


WARM_UP = [
    http("GET", "/users?name=nobody"),  # the first call of a `def` route starts the thread pool
    http("GET", "/docs"),
    http("GET", "/openapi.json"),
    http("POST", "/users", b"{}", Content_Type="application/json"),
]


@pytest.fixture(scope="module")
def served() -> Iterator[Server]:
    """`uvicorn main:app` in this chapter's folder, as the lesson starts it."""
    with serve(CHAPTER_DIR, WARM_UP, unset=tuple(SETTINGS)) as server:
        yield server


# -- the corpus ---------------------------------------------------------------------------------


@dataclass
class Case(hostile.Case):
    """A case of this chapter; the request after it, and its answer, by default:"""

    then: bytes = http("GET", "/users?name=nobody")
    then_status: int = 404
    then_body: Any = field(default_factory=lambda: {"detail": "User 'nobody' not found."})


def not_a_string(given: Any) -> dict[str, Any]:
    return one_error("string_type", ["body", "name"], "Input should be a valid string", given)


def not_a_user(given: Any) -> dict[str, Any]:
    return one_error("model_attributes_type", ["body"], NOT_AN_OBJECT, given)


def not_json(position: int, reason: str) -> dict[str, Any]:
    return one_error("json_invalid", ["body", position], "JSON decode error", {}, error=reason)


def created_then_read(name: str) -> dict[str, Any]:
    """201, then GET /users?name=... on the same connection finds the stored user."""
    return {
        "status": 201,
        "body": {"status": "success", "id": ANY},  # ids follow the order the cases run in
        "then": http("GET", f"/users?name={name}"),
        "then_status": 200,
        "then_body": {"nickname": "x"},
    }


NOT_AN_OBJECT = "Input should be a valid dictionary or object to extract fields from"
NOT_UNICODE = "Input should be a valid string, unable to parse raw data as a unicode string"
TOO_LONG = "String should have at most 32 characters"
UNREADABLE = {"detail": "There was an error parsing the body"}
TOO_LARGE = {"detail": f"Request body too large: the limit is {LIMIT} bytes."}
USER = '{"name": "padded", "nickname": "x"}'

CASES = [
    Case("NaN", post_json('{"name": NaN, "nickname": "x"}'), 422, not_a_string("NaN")),
    Case(
        "Infinity", post_json('{"name": Infinity, "nickname": "x"}'), 422, not_a_string("Infinity")
    ),
    Case(
        "-Infinity",
        post_json('{"name": -Infinity, "nickname": "x"}'),
        422,
        not_a_string("-Infinity"),
    ),
    Case("1e309", post_json('{"name": 1e309, "nickname": "x"}'), 422, not_a_string("Infinity")),
    Case("-0", post_json('{"name": -0, "nickname": "x"}'), 422, not_a_string(0)),
    Case(
        "2**64",
        post_json('{"name": 18446744073709551616, "nickname": "x"}'),
        422,
        not_a_string(2**64),
    ),
    Case(
        "4000 digits",
        post_json('{"name": ' + "9" * 4000 + ', "nickname": "x"}'),
        422,
        not_a_string("9" * 64 + "..."),
    ),
    Case(
        "PUT with NaN",
        post_json('{"name": NaN, "nickname": "x"}', method="PUT"),
        422,
        not_a_string("NaN"),
    ),
    Case(
        "lone surrogate",
        post_json('{"name": "\\ud800", "nickname": "x"}'),
        422,
        one_error("string_unicode", ["body", "name"], NOT_UNICODE, "\\ud800"),
    ),
    Case(
        "lone surrogate as a key",
        post_json('{"\\udc00": "x", "nickname": "x"}'),
        422,
        one_error("missing", ["body", "name"], "Field required", {"\\udc00": "x", "nickname": "x"}),
    ),
    Case(
        "NUL escaped",
        post_json('{"name": "nul\\u0000", "nickname": "x"}'),
        **created_then_read("nul%00"),
    ),
    Case(
        "NUL raw",
        post_json(b'{"name": "nul\x00"}'),
        422,
        not_json(13, "Invalid control character at"),
    ),
    Case("nested 2000 deep", post_json("[" * 2000 + "]" * 2000), 400, UNREADABLE),
    Case("nested 500 deep", post_json("[" * 500 + "]" * 500), 422, not_a_user([[["..."]]])),
    Case(
        "nested in a field",
        post_json('{"name": ' + "[" * 500 + "]" * 500 + ', "nickname": "x"}'),
        422,
        not_a_string([[["..."]]]),
    ),
    Case(
        "long list",
        post_json(json.dumps(list(range(100)))),
        422,
        not_a_user([*range(8), "... 92 more"]),
    ),
    Case(
        "duplicate keys",
        post_json('{"name": "first", "name": "last", "nickname": "x"}'),
        **created_then_read("last"),
    ),
    Case("JSON null", post_json("null"), 422, not_a_user(None)),
    Case("empty body", post_json(""), 422, one_error("missing", ["body"], "Field required", None)),
    Case("not JSON", post_json("not json"), 422, not_json(0, "Expecting value")),
    Case(
        "UTF-8 byte order mark",
        post_json(b'\xef\xbb\xbf{"name": "bom", "nickname": "x"}'),
        **created_then_read("bom"),
    ),
    Case(
        "UTF-16",
        post_json('{"name": "utf16", "nickname": "x"}'.encode("utf-16")),
        **created_then_read("utf16"),
    ),
    Case(
        "bytes that are not UTF-8", post_json(b'{"name": "\xe9", "nickname": "x"}'), 400, UNREADABLE
    ),
    Case(
        "text/plain",
        http("POST", "/users", USER.encode(), Content_Type="text/plain"),
        422,
        not_a_user(USER),
    ),
    Case("no Content-Type", http("POST", "/users", USER.encode()), 422, not_a_user(USER)),
    Case(
        "no Content-Type, not UTF-8",
        http("POST", "/users", b"\xff\x00!"),
        422,
        not_a_user("\\xff\x00!"),
    ),
    Case("body at the limit", post_json(USER.ljust(LIMIT)), **created_then_read("padded")),
    Case("body 1 byte over the limit", post_json(USER.ljust(LIMIT + 1)), 413, TOO_LARGE),
    Case("10 MB string", post_json(b'{"name": "' + b"x" * TEN_MB + b'"}'), 413, TOO_LARGE),
    Case("10 MB list", post_json(TEN_MB_LIST), 413, TOO_LARGE),
    Case(
        "10 MB chunked",
        http(
            "POST",
            "/users",
            chunked(TEN_MB_LIST),
            Content_Type="application/json",
            Transfer_Encoding="chunked",
        ),
        413,
        TOO_LARGE,
    ),
    Case(
        "small chunked",
        http(
            "POST",
            "/users",
            chunked(b'{"name": "chunks", "nickname": "x"}', 5),
            Content_Type="application/json",
            Transfer_Encoding="chunked",
        ),
        **created_then_read("chunks"),
    ),
    Case(
        "10 000 query parameters",
        http("GET", "/users?" + "&".join(["a=1"] * 10_000)),
        422,
        one_error("missing", ["query", "name"], "Field required", None),
    ),
    Case(
        "long query value",
        http("GET", "/users?name=" + "x" * 50_000),
        422,
        one_error("string_too_long", ["query", "name"], TOO_LONG, "x" * 64 + "...", max_length=32),
    ),
    Case(
        "path of 50 000 characters", http("GET", "/" + "a" * 50_000), 404, {"detail": "Not Found"}
    ),
    Case("bad percent-encoding, path", http("GET", "/users%zz"), 404, {"detail": "Not Found"}),
    Case(
        "bad percent-encoding, query",
        http("GET", "/users?name=%zz"),
        404,
        {"detail": "User '%zz' not found."},
    ),
    Case(
        "percent-encoded non-UTF-8",
        http("GET", "/users?name=%ff%ed%a0%80"),
        404,
        {"detail": "User '\ufffd\ufffd\ufffd\ufffd' not found."},
    ),
    Case("unknown method", http("BREW", "/users"), 405, {"detail": "Method Not Allowed"}),
    Case(
        "non-ASCII header",
        http("GET", "/users?name=ghost", X_Note="\xff"),
        404,
        {"detail": "User 'ghost' not found."},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_request_is_answered_and_the_connection_still_works(
    served: Server, case: Case
) -> None:
    hostile.check(served, case)


def test_a_declared_body_over_the_limit_is_refused_before_it_arrives(served: Server) -> None:
    with RawConnection(served.port) as connection:
        connection.send(
            http("POST", "/users", Content_Type="application/json", Content_Length=str(10**12))
        )
        connection.send(b'{"name": ')  # ... and the other 999 999 999 991 bytes never come
        started = time.perf_counter()
        answer = connection.read_response()
        took = time.perf_counter() - started
        usual = usual_round_trip(served.port)
        assert took < answer_limit(usual), slow("the answer", took, usual)
    assert (answer.status, answer.json()) == (413, TOO_LARGE)


def test_expect_100_continue_gets_413_instead_of_an_invitation_to_send(served: Server) -> None:
    head = http(
        "POST",
        "/users",
        Content_Type="application/json",
        Content_Length=str(TEN_MB),
        Expect="100-continue",
    )
    with RawConnection(served.port) as connection:
        connection.send(head)
        answer = connection.read_response()  # a 100 Continue here would fail the status check
    assert (answer.status, answer.json()) == (413, TOO_LARGE)


def test_head_is_answered_without_a_body(served: Server) -> None:
    with RawConnection(served.port) as connection:
        connection.send(http("HEAD", "/users?name=nobody"))
        answer = connection.read_response(head_only=True)
        connection.send(http("GET", "/users?name=nobody"))
        then = connection.read_response()
    assert (answer.status, answer.headers["content-type"]) == (405, "application/json")
    assert (then.status, then.json()) == (404, {"detail": "User 'nobody' not found."})


# -- any JSON-like value, NaN and lone surrogates included, in process --------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**80), max_value=10**80)
    | st.floats()  # NaN and the infinities included
    # Any character, with lone surrogates (Cs) and control characters (Cc) made frequent.
    | st.text(st.characters(codec=None) | st.characters(categories=["Cs", "Cc"]), max_size=80),
    lambda children: (
        st.lists(children, max_size=12)
        | st.dictionaries(st.text(max_size=5), children, max_size=12)
    ),
    max_leaves=40,
)


@given(value=json_values)
@settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_json_value_in_any_place_gets_a_readable_answer(client: TestClient, value: Any) -> None:
    for body in (value, {"name": value, "nickname": value}):
        # ensure_ascii writes a lone surrogate as the escape \ud800; NaN stays the token NaN.
        text = json.dumps(body, ensure_ascii=True)
        response = client.post("/users", content=text, headers={"content-type": "application/json"})
        assert response.status_code in {201, 409, 413, 422}, response.text
        answer = json.loads(response.content, parse_constant=Response.refuse)
        assert "detail" in answer or response.status_code == 201
