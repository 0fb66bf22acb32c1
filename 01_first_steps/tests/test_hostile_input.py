"""Hostile input, sent as raw bytes over a real socket to this chapter served by uvicorn.

Schemathesis (test_fuzz.py) only ever sends valid JSON. A careless or hostile client sends
anything: `NaN`, lone surrogates, 10 MB bodies, a `Content-Length` that never arrives. Each case
below is written byte for byte onto a TCP connection to `uvicorn main:app`, and must get a 2xx
or 4xx with a JSON body, quickly, without holding up a concurrent request, and leave the
keep-alive connection usable for the next request.

This chapter reads no request body: whatever body a request carries, FastAPI never parses it,
the route answers as it always does, and uvicorn discards the rest of the body unread.

Starting a server takes about a second, so this module is marked `slow`: a quick run can leave
it out with `-m "not slow"`; `make test` and CI run it.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from testkit import hostile
from testkit.hostile import (
    TEN_MB_LIST,
    RawConnection,
    Server,
    answer_limit,
    chunked,
    http,
    serve,
    slow,
    usual_round_trip,
)

pytestmark = pytest.mark.slow

CHAPTER_DIR = Path(__file__).resolve().parents[1]


WARM_UP = [
    http("GET", "/"),  # the first call of a `def` route starts the thread pool
    http("GET", "/docs"),
    http("GET", "/openapi.json"),
    http("POST", "/users", b"{}", Content_Type="application/json"),
]


@pytest.fixture(scope="module")
def served() -> Iterator[Server]:
    """`uvicorn main:app` in this chapter's folder, as the lesson starts it."""
    with serve(CHAPTER_DIR, WARM_UP) as server:
        yield server


# -- the corpus ---------------------------------------------------------------------------------


@dataclass
class Case(hostile.Case):
    """A case of this chapter; the request after it, and its answer, by default:"""

    then: bytes = http("GET", "/")
    then_status: int = 200
    then_body: Any = field(default_factory=lambda: {"Hello": "World"})


HELLO = {"Hello": "World"}


def get_with_body(body: bytes, content_type: str = "application/json", **headers: str) -> bytes:
    """GET / with a body: this chapter reads none, so the answer is always the same."""
    return http("GET", "/", body, Content_Type=content_type, **headers)


CASES = [
    Case("NaN", get_with_body(b'{"name": NaN}'), 200, HELLO),
    Case("Infinity", get_with_body(b'{"name": Infinity}'), 200, HELLO),
    Case("-Infinity", get_with_body(b'{"name": -Infinity}'), 200, HELLO),
    Case("1e309", get_with_body(b'{"name": 1e309}'), 200, HELLO),
    Case("-0", get_with_body(b'{"name": -0}'), 200, HELLO),
    Case("2**64", get_with_body(b'{"name": 18446744073709551616}'), 200, HELLO),
    Case("lone surrogate", get_with_body(b'{"name": "\\ud800"}'), 200, HELLO),
    Case("NUL", get_with_body(b'{"name": "\x00"}'), 200, HELLO),
    Case("nested 100 000 deep", get_with_body(b"[" * 100_000 + b"]" * 100_000), 200, HELLO),
    Case("duplicate keys", get_with_body(b'{"a": 1, "a": 2}'), 200, HELLO),
    Case("text/plain", get_with_body(b'{"a": 1}', "text/plain"), 200, HELLO),
    Case("no Content-Type, not UTF-8", http("GET", "/", b"\xff\x00!"), 200, HELLO),
    Case("empty body", get_with_body(b""), 200, HELLO),
    Case("10 MB body", get_with_body(TEN_MB_LIST), 200, HELLO),
    Case(
        "10 MB chunked",
        http("GET", "/", chunked(TEN_MB_LIST), Transfer_Encoding="chunked"),
        200,
        HELLO,
    ),
    Case("10 000 query parameters", http("GET", "/?" + "&".join(["a=1"] * 10_000)), 200, HELLO),
    Case(
        "path of 50 000 characters", http("GET", "/" + "a" * 50_000), 404, {"detail": "Not Found"}
    ),
    Case("bad percent-encoding", http("GET", "/%zz?%zz=%ff"), 404, {"detail": "Not Found"}),
    Case("NUL in the path", http("GET", "/%00"), 404, {"detail": "Not Found"}),
    Case("unknown method", http("BREW", "/"), 405, {"detail": "Method Not Allowed"}),
    Case(
        "POST to a GET route",
        get_with_body(b"{}").replace(b"GET", b"POST", 1),
        405,
        {"detail": "Method Not Allowed"},
    ),
    Case("non-ASCII header", http("GET", "/", X_Note="\xff"), 200, HELLO),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_request_is_answered_and_the_connection_still_works(
    served: Server, case: Case
) -> None:
    hostile.check(served, case)


def test_a_body_that_never_arrives_does_not_delay_the_answer(served: Server) -> None:
    head = http("GET", "/", Content_Type="application/json", Content_Length=str(10**12))
    with RawConnection(served.port) as connection:
        connection.send(head + b'{"name": ')  # ... and the other 999 999 999 991 bytes never come
        started = time.perf_counter()
        answer = connection.read_response()
        took = time.perf_counter() - started
        usual = usual_round_trip(served.port)
        assert took < answer_limit(usual), slow("the answer", took, usual)
    assert (answer.status, answer.json()) == (200, {"Hello": "World"})
