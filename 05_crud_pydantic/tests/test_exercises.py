"""Checks for the exercises in this chapter's README. They fail until you solve them.

Run one task's checks with pytest -m "task(id='ch05.ex1')", or all of them with `make test-5`.
"""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

Expect = Callable[..., None]


def create(client: TestClient, *names: str) -> None:
    for name in names:
        response = client.post("/users", json={"name": name, "nickname": name.upper()})
        assert response.status_code == 201


def user(user_id: int, name: str, nickname: str | None = None) -> dict[str, object]:
    return {"id": user_id, "name": name, "nickname": nickname or name.upper()}


@pytest.mark.task(id="ch05.ex1")
def test_read_user_by_id(client: TestClient, expect: Expect) -> None:
    create(client, "ada", "grace")
    expect(
        client.get("/users/2"),
        200,
        user(2, "grace"),
        hint="Add GET /users/{user_id} answering the whole stored user (created: ada, grace).",
    )


@pytest.mark.task(id="ch05.ex1")
def test_read_by_id_after_a_delete(client: TestClient, expect: Expect) -> None:
    create(client, "ada", "bob", "carol")
    client.delete("/users?name=ada")
    expect(
        client.get("/users/2"),
        200,
        user(2, "bob"),
        hint="Find the user whose `id` is user_id (created: ada, bob, carol; ada deleted). "
        "A position in a list is not an id: after a delete, they differ.",
    )
    expect(
        client.get("/users/3"),
        200,
        user(3, "carol"),
        hint="Find the user whose `id` is user_id, not the one at a position.",
    )
    expect(
        client.get("/users/-1"),
        404,
        hint="No user has a negative id: answer 404 (in Python, users[-1] is the last one).",
    )


@pytest.mark.task(id="ch05.ex1")
@pytest.mark.parametrize("user_id", [7, 1, 0])
def test_read_unknown_id_is_404(client: TestClient, expect: Expect, user_id: int) -> None:
    create(client, "ada", "bob")
    client.delete("/users?name=ada")
    expect(
        client.get(f"/users/{user_id}"),
        404,
        {"detail": f"User {user_id} not found."},
        hint="Answer 404 when no user has this id (ada had id 1 and was deleted).",
    )


@pytest.mark.task(id="ch05.ex2")
def test_list_all_users_in_id_order(client: TestClient, expect: Expect) -> None:
    create(client, "zoe", "adam", "mia")
    client.delete("/users?name=adam")
    expect(
        client.get("/users/all"),
        200,
        {"users": [user(1, "zoe"), user(3, "mia")]},
        hint="Add GET /users/all answering every user in id order (created: zoe, adam, mia; "
        "adam deleted). Declare it before /users/{user_id}: routes match in order.",
    )


@pytest.mark.task(id="ch05.ex2")
def test_list_all_users_when_there_are_none(client: TestClient, expect: Expect) -> None:
    expect(
        client.get("/users/all"),
        200,
        {"users": []},
        hint="With no user stored, GET /users/all answers an empty list.",
    )


@pytest.mark.task(id="ch05.ex3")
def test_patch_only_the_nickname(client: TestClient, expect: Expect) -> None:
    create(client, "ada")
    expect(
        client.patch("/users/1", json={"nickname": "countess"}),
        200,
        user(1, "ada", "countess"),
        hint="Add PATCH /users/{user_id}: change only the fields in the body, answer the user.",
    )
    expect(
        client.get("/users?name=ada"),
        200,
        {"nickname": "countess"},
        hint="The change must be stored, not only answered.",
    )


@pytest.mark.task(id="ch05.ex3")
def test_patch_the_name_keeps_id_and_nickname(client: TestClient, expect: Expect) -> None:
    create(client, "ada", "bob", "carol")
    client.delete("/users?name=ada")
    expect(
        client.patch("/users/3", json={"name": "caroline"}),
        200,
        user(3, "caroline", "CAROL"),
        hint="A new name changes only the name (created: ada, bob, carol; ada deleted).",
    )
    expect(
        client.get("/users?name=caroline"),
        200,
        {"nickname": "CAROL"},
        hint="USER_DB is keyed by name: store the user under its new name.",
    )
    expect(
        client.get("/users?name=carol"),
        404,
        {"detail": "User 'carol' not found."},
        hint="USER_DB is keyed by name: remove the old name.",
    )


@pytest.mark.task(id="ch05.ex3")
def test_patch_onto_a_taken_name_is_409(client: TestClient, expect: Expect) -> None:
    create(client, "ada", "grace")
    expect(
        client.patch("/users/1", json={"name": "grace", "nickname": "x"}),
        409,
        {"detail": "User 'grace' already exists."},
        hint="Another user has this name: answer 409 and change nothing.",
    )
    expect(client.get("/users?name=grace"), 200, {"nickname": "GRACE"}, hint="grace is kept.")
    expect(client.get("/users?name=ada"), 200, {"nickname": "ADA"}, hint="ada is unchanged.")


@pytest.mark.task(id="ch05.ex3")
@pytest.mark.parametrize("body", [{}, {"name": "ada"}])
def test_patch_without_a_change_is_fine(
    client: TestClient, expect: Expect, body: dict[str, str]
) -> None:
    create(client, "ada")
    expect(
        client.patch("/users/1", json=body),
        200,
        user(1, "ada"),
        hint="An empty body, or the user's own name, changes nothing and is no conflict.",
    )


@pytest.mark.task(id="ch05.ex3")
def test_patch_unknown_id_is_404(client: TestClient, expect: Expect) -> None:
    expect(
        client.patch("/users/7", json={"nickname": "x"}),
        404,
        {"detail": "User 7 not found."},
        hint="Answer 404 when no user has this id.",
    )


@pytest.mark.task(id="ch05.ex3")
@pytest.mark.parametrize("field", ["name", "nickname"])
def test_patch_accepts_32_characters(client: TestClient, expect: Expect, field: str) -> None:
    create(client, "ada")
    response = client.patch("/users/1", json={field: "x" * 32})
    expect(
        response,
        200,
        {**user(1, "ada"), field: "x" * 32},
        hint=f"A {field} of 32 characters is allowed, as when creating a user.",
    )


@pytest.mark.task(id="ch05.ex3")
@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        (
            "name",
            "",
            {
                "type": "string_too_short",
                "msg": "String should have at least 1 character",
                "ctx": {"min_length": 1},
            },
        ),
        (
            "nickname",
            "x" * 33,
            {
                "type": "string_too_long",
                "msg": "String should have at most 32 characters",
                "ctx": {"max_length": 32},
            },
        ),
    ],
)
def test_patch_validates_like_create(
    client: TestClient, expect: Expect, field: str, value: str, error: dict[str, object]
) -> None:
    create(client, "ada")
    expect(
        client.patch("/users/1", json={field: value}),
        422,
        {"detail": [{**error, "loc": ["body", field], "input": value}]},
        hint="Reuse NameStr and NicknameStr: the same 1 to 32 characters as when creating.",
    )
    expect(client.get("/users?name=ada"), 200, {"nickname": "ADA"}, hint="ada is unchanged.")
