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
    http("GET", "/users/name/nobody"),  # the first call of a `def` route starts the thread pool
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

    then: bytes = http("GET", "/users/name/nobody")
    then_status: int = 404
    then_body: Any = field(default_factory=lambda: {"detail": "User 'nobody' not found."})


def created_then_read(path_name: str, nickname: str = "x") -> dict[str, Any]:
    """201, then GET /users/name/... on the same connection finds the stored nickname."""
    return {
        "status": 201,
        "body": {"status": "success"},
        "then": http("GET", f"/users/name/{path_name}"),
        "then_status": 200,
        "then_body": {"nickname": nickname},
    }


def get_with_body(body: bytes, content_type: str = "application/json", **headers: str) -> bytes:
    """GET /users/name/ghost with a body: this chapter reads none, the answer is always 404."""
    return http("GET", "/users/name/ghost", body, Content_Type=content_type, **headers)


GHOST = {"detail": "User 'ghost' not found."}

CASES = [
    Case("NaN in the body", get_with_body(b'{"name": NaN}'), 404, GHOST),
    Case("lone surrogate in the body", get_with_body(b'{"name": "\\ud800"}'), 404, GHOST),
    Case("nested 100 000 deep", get_with_body(b"[" * 100_000 + b"]" * 100_000), 404, GHOST),
    Case("no Content-Type, not UTF-8", http("GET", "/users/name/ghost", b"\xff\x00!"), 404, GHOST),
    Case("10 MB body", get_with_body(TEN_MB_LIST), 404, GHOST),
    Case(
        "10 MB chunked",
        http("GET", "/users/name/ghost", chunked(TEN_MB_LIST), Transfer_Encoding="chunked"),
        404,
        GHOST,
    ),
    Case("NaN as a name", http("POST", "/users/name/NaN/nickname/x"), **created_then_read("NaN")),
    Case(
        "NUL in a name",
        http("POST", "/users/name/nul%00/nickname/x"),
        **created_then_read("nul%00"),
    ),
    Case(
        "percent-encoded lone surrogate",
        http("POST", "/users/name/%ed%a0%80/nickname/x"),
        **created_then_read("%ef%bf%bd%ef%bf%bd%ef%bf%bd"),  # stored as three U+FFFD
    ),
    Case(
        "invalid percent-encoding",
        http("GET", "/users/name/%zz"),
        404,
        {"detail": "User '%zz' not found."},
    ),
    Case("encoded slash", http("GET", "/users/name/a%2Fb"), 404, {"detail": "Not Found"}),
    Case(
        "name of 50 000 characters",
        http("POST", "/users/name/" + "a" * 50_000 + "/nickname/x"),
        **created_then_read("a" * 50_000),
    ),
    Case(
        "10 000 query parameters",
        http("GET", "/users/name/ghost?" + "&".join(["a=1"] * 10_000)),
        404,
        GHOST,
    ),
    Case(
        "unknown method", http("BREW", "/users/name/ghost"), 405, {"detail": "Method Not Allowed"}
    ),
    Case("non-ASCII header", http("GET", "/users/name/ghost", X_Note="\xff"), 404, GHOST),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_request_is_answered_and_the_connection_still_works(
    served: Server, case: Case
) -> None:
    hostile.check(served, case)


def test_a_body_that_never_arrives_does_not_delay_the_answer(served: Server) -> None:
    head = http(
        "GET", "/users/name/ghost", Content_Type="application/json", Content_Length=str(10**12)
    )
    with RawConnection(served.port) as connection:
        connection.send(head + b'{"name": ')  # ... and the other 999 999 999 991 bytes never come
        started = time.perf_counter()
        answer = connection.read_response()
        took = time.perf_counter() - started
        usual = usual_round_trip(served.port)
        assert took < answer_limit(usual), slow("the answer", took, usual)
    assert (answer.status, answer.json()) == (404, GHOST)
