"""Checks for the exercises in this chapter's README. They fail until you solve them."""

import pytest
from fastapi.testclient import TestClient


@pytest.mark.exercise(1)
def test_read_user_by_id(client: TestClient) -> None:
    client.post("/users", json={"name": "ada", "nickname": "countess"})
    client.post("/users", json={"name": "grace", "nickname": "amazing"})
    response = client.get("/users/2")
    assert response.status_code == 200, "Add GET /users/{user_id} to main.py."
    assert response.json() == {"id": 2, "name": "grace", "nickname": "amazing"}


@pytest.mark.exercise(1)
def test_read_unknown_id_is_404(client: TestClient) -> None:
    response = client.get("/users/7")
    assert response.status_code == 404, "Answer 404 when no user has this id."
    assert response.json() == {"detail": "User 7 not found."}


@pytest.mark.exercise(2)
def test_list_all_users_in_id_order(client: TestClient) -> None:
    for name in ["zoe", "adam", "mia"]:
        client.post("/users", json={"name": name, "nickname": name.upper()})
    client.delete("/users?name=adam")
    response = client.get("/users/all")
    assert response.status_code == 200, (
        "Add GET /users/all, declared before /users/{user_id} (routes match in order)."
    )
    assert response.json() == {
        "users": [
            {"id": 1, "name": "zoe", "nickname": "ZOE"},
            {"id": 3, "name": "mia", "nickname": "MIA"},
        ]
    }
