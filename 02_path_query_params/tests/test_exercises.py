"""Checks for the exercises in this chapter's README. They fail until you solve them.

Run one task's checks with pytest -m "task(id='ch02.ex1')", or all of them with `make test-2`.
"""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

Expect = Callable[..., None]


@pytest.mark.task(id="ch02.ex1")
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("alexnet", "Deep Learning FTW!"),
        ("resnet", "Residual connections all the way down."),
        ("lenet", "LeCNN all the images."),
    ],
)
def test_models_answers_for_each_known_model(
    client: TestClient, expect: Expect, name: str, message: str
) -> None:
    expect(
        client.get(f"/models/{name}"),
        200,
        {"model_name": name, "message": message},
        hint="Add GET /models/{model_name} to main.py, with one message per model.",
    )


@pytest.mark.task(id="ch02.ex1")
@pytest.mark.parametrize("name", ["vgg", "AlexNet", "alexnet2"])
def test_models_refuses_an_unknown_model(client: TestClient, expect: Expect, name: str) -> None:
    response = client.get(f"/models/{name}")
    expect(
        response,
        422,
        hint="Only alexnet, resnet and lenet are models: type model_name with an Enum "
        "(or a Literal) so that FastAPI refuses any other value.",
    )
    # An Enum answers "enum", a Literal "literal_error": both are right.
    expect(
        response,
        422,
        {
            "detail": [
                {**error, "loc": ["path", "model_name"], "input": name}
                for error in response.json()["detail"][:1]
            ]
        },
        hint="The 422 must point at the path parameter model_name.",
    )


@pytest.mark.task(id="ch02.ex2")
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ba", [{"item_name": "Bar"}, {"item_name": "Baz"}]),
        ("FOO", [{"item_name": "Foo"}]),
        ("a", [{"item_name": "Bar"}, {"item_name": "Baz"}]),
        ("qux", []),
        ("x" * 20, []),
    ],
)
def test_search_matches_names_case_insensitively(
    client: TestClient, expect: Expect, q: str, expected: list[dict[str, str]]
) -> None:
    expect(
        client.get("/search", params={"q": q}),
        200,
        expected,
        hint="Add GET /search?q= to main.py: the items whose name contains q, ignoring case. "
        "q may be 1 to 20 characters long.",
    )


@pytest.mark.task(id="ch02.ex2")
@pytest.mark.parametrize(
    ("q", "error_type"), [("", "string_too_short"), ("x" * 21, "string_too_long")]
)
def test_search_refuses_an_empty_or_long_query(
    client: TestClient, expect: Expect, q: str, error_type: str
) -> None:
    response = client.get("/search", params={"q": q})
    expect(response, 422, hint="Limit q to 1 to 20 characters with Query(...).")
    first = response.json()["detail"][0]
    expect(
        response,
        422,
        {"detail": [{**first, "type": error_type, "loc": ["query", "q"]}]},
        hint="Limit q to 1 to 20 characters with Query(min_length=..., max_length=...).",
    )


@pytest.mark.task(id="ch02.ex2")
def test_search_requires_q(client: TestClient, expect: Expect) -> None:
    expect(
        client.get("/search"),
        422,
        {
            "detail": [
                {"type": "missing", "loc": ["query", "q"], "msg": "Field required", "input": None}
            ]
        },
        hint="q has no default value, so FastAPI must refuse a request without it.",
    )


@pytest.mark.task(id="ch02.ex3")
@pytest.mark.parametrize(("item_id", "name"), [(0, "Foo"), (1, "Bar"), (2, "Baz")])
def test_item_name_by_position(client: TestClient, expect: Expect, item_id: int, name: str) -> None:
    expect(
        client.get(f"/items/{item_id}/name"),
        200,
        {"item_name": name},
        hint="Add GET /items/{item_id}/name: the name of FAKE_ITEMS_DB[item_id].",
    )


@pytest.mark.task(id="ch02.ex3")
@pytest.mark.parametrize("item_id", [3, 99, -1, -3])
def test_item_name_outside_the_list_is_404(
    client: TestClient, expect: Expect, item_id: int
) -> None:
    expect(
        client.get(f"/items/{item_id}/name"),
        404,
        {"detail": f"Item {item_id} not found."},
        hint="Only positions 0, 1 and 2 exist. Careful: in Python FAKE_ITEMS_DB[-1] is the "
        "last item, so check 0 <= item_id < len(FAKE_ITEMS_DB) before you index.",
    )


@pytest.mark.task(id="ch02.ex3")
def test_item_name_needs_an_integer(client: TestClient, expect: Expect) -> None:
    expect(
        client.get("/items/first/name"),
        422,
        {
            "detail": [
                {
                    "type": "int_parsing",
                    "loc": ["path", "item_id"],
                    "msg": "Input should be a valid integer, unable to parse string as an integer",
                    "input": "first",
                }
            ]
        },
        hint="Type item_id as int, so that FastAPI refuses a word.",
    )
