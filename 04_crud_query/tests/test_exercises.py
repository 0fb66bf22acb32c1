"""Checks for the exercises in this chapter's README. They fail until you solve them."""

import pytest
from fastapi.testclient import TestClient


def create_users(client: TestClient, *names: str) -> None:
    for name in names:
        client.post("/users", params={"name": name, "nickname": f"{name}-nick"})


@pytest.mark.exercise(1)
def test_list_users_pages_in_name_order(client: TestClient) -> None:
    create_users(client, "carol", "ada", "bob")
    response = client.get("/users/all?skip=1&limit=1")
    assert response.status_code == 200, "Add GET /users/all to main.py."
    assert response.json() == {"total": 3, "users": [{"name": "bob", "nickname": "bob-nick"}]}


@pytest.mark.exercise(1)
def test_list_users_defaults(client: TestClient) -> None:
    create_users(client, *(f"user{i:02d}" for i in range(12)))
    response = client.get("/users/all")
    assert response.status_code == 200, "Add GET /users/all to main.py."
    body = response.json()
    assert body["total"] == 12
    assert [u["name"] for u in body["users"]] == [f"user{i:02d}" for i in range(10)]


@pytest.mark.exercise(1)
@pytest.mark.parametrize("query", ["skip=-1", "limit=0", "limit=101"])
def test_list_users_validates_the_page(client: TestClient, query: str) -> None:
    response = client.get(f"/users/all?{query}")
    assert response.status_code == 422, "Bound skip and limit with Query(ge=..., le=...)."


@pytest.mark.exercise(2)
def test_search_by_prefix(client: TestClient) -> None:
    create_users(client, "adele", "ada", "bob")
    response = client.get("/users/search?prefix=ad")
    assert response.status_code == 200, "Add GET /users/search?prefix= to main.py."
    assert response.json() == ["ada", "adele"]


@pytest.mark.exercise(2)
def test_search_needs_a_prefix(client: TestClient) -> None:
    response = client.get("/users/search?prefix=")
    assert response.status_code == 422, "An empty prefix would match everyone: refuse it."
