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
    one_error,
    serve,
    slow,
    usual_round_trip,
)

pytestmark = pytest.mark.slow

CHAPTER_DIR = Path(__file__).resolve().parents[1]


WARM_UP = [
    http("GET", "/items/1"),  # the first call of a `def` route starts the thread pool
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

    then: bytes = http("GET", "/items/1")
    then_status: int = 200
    then_body: Any = field(default_factory=lambda: {"item_id": 1})


def not_an_int(loc: list[str], given: str) -> dict[str, Any]:
    return one_error("int_parsing", loc, NOT_AN_INT, given)


def get_with_body(body: bytes, content_type: str = "application/json", **headers: str) -> bytes:
    """GET /items/7 with a body: this chapter reads none, so the answer is always the same."""
    return http("GET", "/items/7", body, Content_Type=content_type, **headers)


NOT_AN_INT = "Input should be a valid integer, unable to parse string as an integer"
TOO_BIG = "Unable to parse input string as an integer, exceeded maximum size"
ITEM = {"item_id": 7}
ALL_ITEMS = [{"item_name": "Foo"}, {"item_name": "Bar"}, {"item_name": "Baz"}]

CASES = [
    Case("NaN in the body", get_with_body(b'{"item_id": NaN}'), 200, ITEM),
    Case("lone surrogate in the body", get_with_body(b'{"q": "\\ud800"}'), 200, ITEM),
    Case("nested 100 000 deep", get_with_body(b"[" * 100_000 + b"]" * 100_000), 200, ITEM),
    Case("no Content-Type, not UTF-8", http("GET", "/items/7", b"\xff\x00!"), 200, ITEM),
    Case("10 MB body", get_with_body(TEN_MB_LIST), 200, ITEM),
    Case(
        "10 MB chunked",
        http("GET", "/items/7", chunked(TEN_MB_LIST), Transfer_Encoding="chunked"),
        200,
        ITEM,
    ),
    Case("NaN as the id", http("GET", "/items/NaN"), 422, not_an_int(["path", "item_id"], "NaN")),
    Case(
        "Infinity as the id",
        http("GET", "/items/Infinity"),
        422,
        not_an_int(["path", "item_id"], "Infinity"),
    ),
    Case(
        "1e309 as the id",
        http("GET", "/items/1e309"),
        422,
        not_an_int(["path", "item_id"], "1e309"),
    ),
    Case("-0 as the id", http("GET", "/items/-0"), 200, {"item_id": 0}),
    Case("2**64 as the id", http("GET", "/items/18446744073709551616"), 200, {"item_id": 2**64}),
    Case(
        "5000 digits as the id",
        http("GET", "/items/" + "9" * 5000),
        422,
        one_error("int_parsing_size", ["path", "item_id"], TOO_BIG, "9" * 5000),
    ),
    Case(
        "NaN and inf as skip and limit",
        http("GET", "/items/?skip=NaN&limit=inf"),
        422,
        {
            "detail": [
                not_an_int(["query", "skip"], "NaN")["detail"][0],
                not_an_int(["query", "limit"], "inf")["detail"][0],
            ]
        },
    ),
    Case("2**64 as skip", http("GET", "/items/?skip=18446744073709551616"), 200, []),
    Case(
        "10 000 query parameters",
        http("GET", "/items/?" + "&".join(["a=1"] * 10_000)),
        200,
        ALL_ITEMS,
    ),
    Case(
        "percent-encoded lone surrogate",
        http("GET", "/users/1/items/x?q=%ed%a0%80&short=true"),
        200,
        {"item_id": "x", "owner_id": 1, "q": "\ufffd\ufffd\ufffd"},
    ),
    Case(
        "NUL and invalid percent-encoding",
        http("GET", "/needy-items/a%00b?needy=%zz%ff"),
        200,
        {"item_id": "a\x00b", "needy": "%zz\ufffd"},
    ),
    Case(
        "path of 50 000 characters",
        http("GET", "/needy-items/" + "a" * 50_000 + "?needy=x"),
        200,
        {"item_id": "a" * 50_000, "needy": "x"},
    ),
    Case("unknown method", http("BREW", "/items/1"), 405, {"detail": "Method Not Allowed"}),
    Case("non-ASCII header", http("GET", "/items/7", X_Note="\xff"), 200, ITEM),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_request_is_answered_and_the_connection_still_works(
    served: Server, case: Case
) -> None:
    hostile.check(served, case)


def test_a_body_that_never_arrives_does_not_delay_the_answer(served: Server) -> None:
    head = http("GET", "/items/7", Content_Type="application/json", Content_Length=str(10**12))
    with RawConnection(served.port) as connection:
        connection.send(head + b'{"name": ')  # ... and the other 999 999 999 991 bytes never come
        started = time.perf_counter()
        answer = connection.read_response()
        took = time.perf_counter() - started
        usual = usual_round_trip(served.port)
        assert took < answer_limit(usual), slow("the answer", took, usual)
    assert (answer.status, answer.json()) == (200, {"item_id": 7})
