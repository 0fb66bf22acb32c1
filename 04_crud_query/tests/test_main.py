import pytest
from fastapi.testclient import TestClient

SUCCESS = {"status": "success"}


def create(client: TestClient, name: str = "hello", nickname: str = "world") -> None:
    response = client.post("/users", params={"name": name, "nickname": nickname})
    assert response.status_code == 201


def test_create_then_read(client: TestClient) -> None:
    created = client.post("/users?name=hello&nickname=world")
    assert created.status_code == 201
    assert created.json() == SUCCESS

    read = client.get("/users?name=hello")
    assert read.status_code == 200
    assert read.json() == {"nickname": "world"}


def test_create_existing_name_is_409_and_keeps_the_old_nickname(client: TestClient) -> None:
    create(client)

    again = client.post("/users?name=hello&nickname=other")
    assert again.status_code == 409
    assert again.json() == {"detail": "User 'hello' already exists."}
    assert client.get("/users?name=hello").json() == {"nickname": "world"}


def test_read_unknown_is_404(client: TestClient) -> None:
    response = client.get("/users?name=ghost")
    assert response.status_code == 404
    assert response.json() == {"detail": "User 'ghost' not found."}


def test_update_changes_the_nickname(client: TestClient) -> None:
    create(client)

    updated = client.put("/users?name=hello&nickname=world2")
    assert updated.status_code == 200
    assert updated.json() == SUCCESS
    assert client.get("/users?name=hello").json() == {"nickname": "world2"}


def test_update_unknown_is_404(client: TestClient) -> None:
    response = client.put("/users?name=ghost&nickname=boo")
    assert response.status_code == 404
    assert response.json() == {"detail": "User 'ghost' not found."}


def test_delete_removes_the_user(client: TestClient) -> None:
    create(client)

    deleted = client.delete("/users?name=hello")
    assert deleted.status_code == 200
    assert deleted.json() == SUCCESS
    assert client.get("/users?name=hello").status_code == 404


def test_delete_unknown_is_404(client: TestClient) -> None:
    response = client.delete("/users?name=ghost")
    assert response.status_code == 404
    assert response.json() == {"detail": "User 'ghost' not found."}


def test_special_characters_are_url_encoded_by_the_client(client: TestClient) -> None:
    create(client, name="a&b=c", nickname="100% sure")
    assert client.get("/users", params={"name": "a&b=c"}).json() == {"nickname": "100% sure"}


def test_create_without_nickname_is_422(client: TestClient) -> None:
    response = client.post("/users?name=hello")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "missing",
                "loc": ["query", "nickname"],
                "msg": "Field required",
                "input": None,
            }
        ]
    }


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_missing_name_is_422(client: TestClient, method: str) -> None:
    response = client.request(method, "/users", params={"nickname": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0] == {
        "type": "missing",
        "loc": ["query", "name"],
        "msg": "Field required",
        "input": None,
    }
