"""Checks for the exercises in this chapter's README. They fail until you solve them.

Run one task's checks with pytest -m "task(id='ch04.ex1')", or all of them with `make test-4`.
"""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

Expect = Callable[..., None]


def create_users(client: TestClient, *names: str) -> None:
    for name in names:
        response = client.post("/users", params={"name": name, "nickname": f"{name}-nick"})
        assert response.status_code == 201


def user(name: str) -> dict[str, str]:
    return {"name": name, "nickname": f"{name}-nick"}


@pytest.mark.task(id="ch04.ex1")
def test_list_users_pages_in_name_order(client: TestClient, expect: Expect) -> None:
    create_users(client, "carol", "ada", "bob")
    expect(
        client.get("/users/all?skip=1&limit=1"),
        200,
        {"total": 3, "users": [user("bob")]},
        hint="Add GET /users/all: users sorted by name (created: carol, ada, bob), "
        "skip the first `skip`, return at most `limit`, and count them all in `total`.",
    )


@pytest.mark.task(id="ch04.ex1")
def test_list_users_defaults_to_the_first_ten(client: TestClient, expect: Expect) -> None:
    create_users(client, *(f"user{i:02d}" for i in range(12)))
    expect(
        client.get("/users/all"),
        200,
        {"total": 12, "users": [user(f"user{i:02d}") for i in range(10)]},
        hint="Without skip and limit, GET /users/all answers the first 10 users.",
    )


@pytest.mark.task(id="ch04.ex1")
@pytest.mark.parametrize(("query", "count"), [("skip=0&limit=1", 1), ("limit=100", 12)])
def test_list_users_accepts_the_limits(
    client: TestClient, expect: Expect, query: str, count: int
) -> None:
    create_users(client, *(f"user{i:02d}" for i in range(12)))
    expect(
        client.get(f"/users/all?{query}"),
        200,
        {"total": 12, "users": [user(f"user{i:02d}") for i in range(count)]},
        hint="skip may be 0, and limit anything from 1 to 100.",
    )


@pytest.mark.task(id="ch04.ex1")
@pytest.mark.parametrize(
    ("query", "error"),
    [
        (
            "skip=-1",
            {
                "type": "greater_than_equal",
                "loc": ["query", "skip"],
                "msg": "Input should be greater than or equal to 0",
                "input": "-1",
                "ctx": {"ge": 0},
            },
        ),
        (
            "limit=0",
            {
                "type": "greater_than_equal",
                "loc": ["query", "limit"],
                "msg": "Input should be greater than or equal to 1",
                "input": "0",
                "ctx": {"ge": 1},
            },
        ),
        (
            "limit=101",
            {
                "type": "less_than_equal",
                "loc": ["query", "limit"],
                "msg": "Input should be less than or equal to 100",
                "input": "101",
                "ctx": {"le": 100},
            },
        ),
    ],
)
def test_list_users_refuses_a_page_out_of_bounds(
    client: TestClient, expect: Expect, query: str, error: dict[str, object]
) -> None:
    expect(
        client.get(f"/users/all?{query}"),
        422,
        {"detail": [error]},
        hint="Bound skip (at least 0) and limit (1 to 100) with Query(ge=..., le=...).",
    )


@pytest.mark.task(id="ch04.ex2")
def test_search_by_prefix(client: TestClient, expect: Expect) -> None:
    create_users(client, "adele", "ada", "bob", "mada")
    expect(
        client.get("/users/search?prefix=ad"),
        200,
        ["ada", "adele"],
        hint="Add GET /users/search?prefix=: the names that start with prefix, sorted "
        "(created: adele, ada, bob, mada).",
    )


@pytest.mark.task(id="ch04.ex2")
@pytest.mark.parametrize("prefix", ["a", "a" * 32])
def test_search_accepts_1_to_32_characters(client: TestClient, expect: Expect, prefix: str) -> None:
    create_users(client, "a" * 32)
    expect(
        client.get("/users/search", params={"prefix": prefix}),
        200,
        ["a" * 32],
        hint="A prefix of 1 to 32 characters is allowed.",
    )


@pytest.mark.task(id="ch04.ex2")
@pytest.mark.parametrize(
    ("prefix", "error_type"), [("", "string_too_short"), ("a" * 33, "string_too_long")]
)
def test_search_refuses_an_empty_or_long_prefix(
    client: TestClient, expect: Expect, prefix: str, error_type: str
) -> None:
    response = client.get("/users/search", params={"prefix": prefix})
    expect(response, 422, hint="An empty prefix would match everyone: allow 1 to 32 characters.")
    detail = response.json()["detail"]
    expect(
        response,
        422,
        {"detail": [{**detail[0], "type": error_type, "loc": ["query", "prefix"]}]},
        hint="Limit prefix with Query(min_length=1, max_length=32).",
    )


@pytest.mark.task(id="ch04.ex3")
def test_nicknames_of_several_users_in_the_order_asked(client: TestClient, expect: Expect) -> None:
    create_users(client, "ada", "bob", "carol")
    expect(
        client.get("/users/nicknames?name=carol&name=ada"),
        200,
        {"carol": "carol-nick", "ada": "ada-nick"},
        hint="Add GET /users/nicknames?name=...&name=...: `name` is a list[str] query "
        "parameter; answer each name's nickname.",
    )


@pytest.mark.task(id="ch04.ex3")
def test_nicknames_of_one_user(client: TestClient, expect: Expect) -> None:
    create_users(client, "ada")
    expect(
        client.get("/users/nicknames?name=ada"),
        200,
        {"ada": "ada-nick"},
        hint="One name is a list of one.",
    )


@pytest.mark.task(id="ch04.ex3")
def test_nicknames_with_unknown_names_is_404(client: TestClient, expect: Expect) -> None:
    create_users(client, "ada")
    expect(
        client.get("/users/nicknames?name=x&name=ada&name=y"),
        404,
        {"detail": "Unknown users: 'x', 'y'."},
        hint="Name every unknown user in the 404, in the order asked.",
    )


@pytest.mark.task(id="ch04.ex3")
@pytest.mark.parametrize(("count", "status"), [(20, 200), (21, 422), (0, 422)])
def test_nicknames_takes_1_to_20_names(
    client: TestClient, expect: Expect, count: int, status: int
) -> None:
    names = [f"user{i:02d}" for i in range(21)]
    create_users(client, *names)
    expect(
        client.get("/users/nicknames", params={"name": names[:count]}),
        status,
        hint="Ask for 1 to 20 names at once: Query(min_length=1, max_length=20) on the list.",
    )
