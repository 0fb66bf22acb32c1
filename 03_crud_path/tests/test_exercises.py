"""Checks for the exercises in this chapter's README. They fail until you solve them.

Run one task's checks with pytest -m "task(id='ch03.ex1')", or all of them with `make test-3`.
"""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

Expect = Callable[..., None]
SUCCESS = {"status": "success"}


def create(client: TestClient, *users: tuple[str, str]) -> None:
    for name, nickname in users:
        assert client.post(f"/users/name/{name}/nickname/{nickname}").status_code == 201


@pytest.mark.task(id="ch03.ex1")
def test_list_users_starts_empty(client: TestClient, expect: Expect) -> None:
    expect(
        client.get("/users"),
        200,
        {"count": 0, "users": []},
        hint="Add GET /users to main.py. With no user stored, it answers an empty list.",
    )


@pytest.mark.task(id="ch03.ex1")
def test_list_users_is_sorted_by_name(client: TestClient, expect: Expect) -> None:
    create(client, ("grace", "amazing"), ("ada", "countess"), ("bob", "builder"))
    expect(
        client.get("/users"),
        200,
        {
            "count": 3,
            "users": [
                {"name": "ada", "nickname": "countess"},
                {"name": "bob", "nickname": "builder"},
                {"name": "grace", "nickname": "amazing"},
            ],
        },
        hint="GET /users lists every user sorted by name (created: grace, ada, bob), "
        "and counts them.",
    )


@pytest.mark.task(id="ch03.ex2")
def test_find_by_nickname(client: TestClient, expect: Expect) -> None:
    create(client, ("tom", "cat"), ("felix", "cat"), ("rex", "dog"))
    expect(
        client.get("/users/nickname/cat"),
        200,
        ["felix", "tom"],
        hint="Add GET /users/nickname/{nickname}: the names with this nickname, sorted "
        "(created: tom/cat, felix/cat, rex/dog).",
    )


@pytest.mark.task(id="ch03.ex2")
def test_find_by_nickname_is_exact(client: TestClient, expect: Expect) -> None:
    create(client, ("tom", "cat"), ("kit", "Cat"), ("ann", "catherine"))
    expect(
        client.get("/users/nickname/cat"),
        200,
        ["tom"],
        hint="Only the exact nickname matches: not Cat, not catherine.",
    )


@pytest.mark.task(id="ch03.ex2")
def test_find_by_nickname_without_match_is_an_empty_list(
    client: TestClient, expect: Expect
) -> None:
    create(client, ("rex", "dog"))
    expect(
        client.get("/users/nickname/bird"),
        200,
        [],
        hint="No user with this nickname is not an error: answer an empty list.",
    )


@pytest.mark.task(id="ch03.ex3")
def test_rename_moves_the_nickname(client: TestClient, expect: Expect) -> None:
    create(client, ("ada", "countess"))
    expect(
        client.put("/users/name/ada/rename/lovelace"),
        200,
        SUCCESS,
        hint='Add PUT /users/name/{name}/rename/{new_name} answering {"status": "success"}.',
    )
    expect(
        client.get("/users/name/lovelace"),
        200,
        {"nickname": "countess"},
        hint="After the rename, the new name has the old nickname.",
    )
    expect(
        client.get("/users/name/ada"),
        404,
        {"detail": "User 'ada' not found."},
        hint="After the rename, the old name is gone.",
    )


@pytest.mark.task(id="ch03.ex3")
def test_rename_unknown_is_404(client: TestClient, expect: Expect) -> None:
    expect(
        client.put("/users/name/ghost/rename/spirit"),
        404,
        {"detail": "User 'ghost' not found."},
        hint="Renaming a user that does not exist is a 404, like reading one.",
    )
    expect(
        client.get("/users/name/spirit"),
        404,
        {"detail": "User 'spirit' not found."},
        hint="A refused rename creates no user.",
    )


@pytest.mark.task(id="ch03.ex3")
def test_rename_onto_a_taken_name_is_409_and_changes_nothing(
    client: TestClient, expect: Expect
) -> None:
    create(client, ("ada", "countess"), ("grace", "amazing"))
    expect(
        client.put("/users/name/ada/rename/grace"),
        409,
        {"detail": "User 'grace' already exists."},
        hint="The new name belongs to another user: answer 409 and keep both users.",
    )
    expect(client.get("/users/name/grace"), 200, {"nickname": "amazing"}, hint="grace is kept.")
    expect(client.get("/users/name/ada"), 200, {"nickname": "countess"}, hint="ada is kept.")


@pytest.mark.task(id="ch03.ex3")
def test_rename_to_the_same_name_keeps_the_user(client: TestClient, expect: Expect) -> None:
    create(client, ("ada", "countess"))
    expect(
        client.put("/users/name/ada/rename/ada"),
        200,
        SUCCESS,
        hint="Renaming ada to ada changes nothing, and is not a conflict.",
    )
    expect(
        client.get("/users/name/ada"),
        200,
        {"nickname": "countess"},
        hint="Renaming a user to its own name must not delete it.",
    )
