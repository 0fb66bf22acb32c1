"""Every limit of the given operations, checked just inside and just outside its edge.

Names and nicknames are 1 to 32 characters, in a body and in the `name` query alike.
"""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

Error = Callable[[str, str], dict[str, object]]


def too_short(where: str, field: str) -> dict[str, object]:
    return {
        "type": "string_too_short",
        "loc": [where, field],
        "msg": "String should have at least 1 character",
        "input": "",
        "ctx": {"min_length": 1},
    }


def too_long(where: str, field: str) -> dict[str, object]:
    return {
        "type": "string_too_long",
        "loc": [where, field],
        "msg": "String should have at most 32 characters",
        "input": "x" * 33,
        "ctx": {"max_length": 32},
    }


@pytest.mark.parametrize("length", [1, 32])
def test_names_and_nicknames_of_1_and_32_characters_are_stored(
    client: TestClient, length: int
) -> None:
    name, nickname = "n" * length, "k" * length
    created = client.post("/users", json={"name": name, "nickname": nickname})
    assert (created.status_code, created.json()) == (201, {"status": "success", "id": 1})
    assert client.get("/users", params={"name": name}).json() == {"nickname": nickname}
    updated = client.put("/users", json={"name": name, "nickname": "m" * length})
    assert updated.status_code == 200
    assert client.delete("/users", params={"name": name}).json() == {"status": "success"}


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("field", ["name", "nickname"])
@pytest.mark.parametrize(("value", "error"), [("", too_short), ("x" * 33, too_long)])
def test_body_fields_past_the_edges_are_422(
    client: TestClient, method: str, field: str, value: str, error: Error
) -> None:
    body = {"name": "hello", "nickname": "world", field: value}
    response = client.request(method, "/users", json=body)
    assert response.status_code == 422
    assert response.json() == {"detail": [error("body", field)]}


@pytest.mark.parametrize("method", ["GET", "DELETE"])
@pytest.mark.parametrize(("value", "error"), [("", too_short), ("x" * 33, too_long)])
def test_the_name_query_past_the_edges_is_422(
    client: TestClient, method: str, value: str, error: Error
) -> None:
    response = client.request(method, "/users", params={"name": value})
    assert response.status_code == 422
    assert response.json() == {"detail": [error("query", "name")]}


def test_a_32_character_name_query_is_looked_up(client: TestClient) -> None:
    response = client.get("/users", params={"name": "x" * 32})
    assert response.status_code == 404
    assert response.json() == {"detail": f"User {'x' * 32!r} not found."}
