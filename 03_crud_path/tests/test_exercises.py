"""Checks for the exercises in this chapter's README. They fail until you solve them."""

import pytest
from fastapi.testclient import TestClient


@pytest.mark.exercise(1)
def test_list_users_starts_empty(client: TestClient) -> None:
    response = client.get("/users")
    assert response.status_code == 200, "Add GET /users to main.py."
    assert response.json() == {"count": 0, "users": []}


@pytest.mark.exercise(1)
def test_list_users_is_sorted_by_name(client: TestClient) -> None:
    client.post("/users/name/grace/nickname/amazing")
    client.post("/users/name/ada/nickname/countess")
    response = client.get("/users")
    assert response.status_code == 200, "Add GET /users to main.py."
    assert response.json() == {
        "count": 2,
        "users": [
            {"name": "ada", "nickname": "countess"},
            {"name": "grace", "nickname": "amazing"},
        ],
    }


@pytest.mark.exercise(2)
def test_find_by_nickname(client: TestClient) -> None:
    client.post("/users/name/tom/nickname/cat")
    client.post("/users/name/felix/nickname/cat")
    client.post("/users/name/rex/nickname/dog")
    response = client.get("/users/nickname/cat")
    assert response.status_code == 200, "Add GET /users/nickname/{nickname} to main.py."
    assert response.json() == ["felix", "tom"]
    assert client.get("/users/nickname/bird").json() == []
