from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

SUCCESS = {"status": "success"}


def create(client: TestClient, name: str = "hello", nickname: str = "world") -> int:
    response = client.post("/users", json={"name": name, "nickname": nickname})
    assert response.status_code == 201
    return response.json()["id"]


def test_create_answers_201_with_an_id(client: TestClient) -> None:
    response = client.post("/users", json={"name": "hello", "nickname": "world"})
    assert response.status_code == 201
    assert response.json() == {"status": "success", "id": 1}
    assert client.get("/users?name=hello").json() == {"nickname": "world"}


def test_ids_are_never_reused_after_a_delete(client: TestClient) -> None:
    first = create(client, "a")
    second = create(client, "b")
    client.delete("/users?name=a")
    third = create(client, "c")
    assert (first, second, third) == (1, 2, 3)


def test_create_existing_name_is_409_and_keeps_the_old_user(client: TestClient) -> None:
    create(client)
    again = client.post("/users", json={"name": "hello", "nickname": "other"})
    assert again.status_code == 409
    assert again.json() == {"detail": "User 'hello' already exists."}
    assert client.get("/users?name=hello").json() == {"nickname": "world"}


def test_read_unknown_is_404(client: TestClient) -> None:
    response = client.get("/users?name=ghost")
    assert response.status_code == 404
    assert response.json() == {"detail": "User 'ghost' not found."}


def test_update_changes_the_nickname(client: TestClient) -> None:
    create(client)
    updated = client.put("/users", json={"name": "hello", "nickname": "world2"})
    assert updated.status_code == 200
    assert updated.json() == SUCCESS
    assert client.get("/users?name=hello").json() == {"nickname": "world2"}


def test_update_unknown_is_404(client: TestClient) -> None:
    response = client.put("/users", json={"name": "ghost", "nickname": "boo"})
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


def test_a_number_is_not_a_name(client: TestClient) -> None:
    response = client.post("/users", json={"name": 123, "nickname": "world"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "string_type",
                "loc": ["body", "name"],
                "msg": "Input should be a valid string",
                "input": 123,
            }
        ]
    }


def test_missing_and_empty_fields_are_reported_together(client: TestClient) -> None:
    response = client.post("/users", json={"name": ""})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "string_too_short",
                "loc": ["body", "name"],
                "msg": "String should have at least 1 character",
                "input": "",
                "ctx": {"min_length": 1},
            },
            {
                "type": "missing",
                "loc": ["body", "nickname"],
                "msg": "Field required",
                "input": {"name": ""},
            },
        ]
    }


def test_too_long_nickname_is_422(client: TestClient) -> None:
    response = client.put("/users", json={"name": "hello", "nickname": "x" * 33})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "string_too_long",
                "loc": ["body", "nickname"],
                "msg": "String should have at most 32 characters",
                "input": "x" * 33,
                "ctx": {"max_length": 32},
            }
        ]
    }


@pytest.mark.parametrize(
    ("kwargs", "error_type"),
    [
        ({"content": b"not json", "headers": {"content-type": "application/json"}}, "json_invalid"),
        ({"json": ["hello", "world"]}, "model_attributes_type"),
        ({}, "missing"),
    ],
)
def test_a_body_that_is_not_a_user_is_422(
    client: TestClient, kwargs: dict[str, object], error_type: str
) -> None:
    response = client.post("/users", **kwargs)
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == error_type


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_name_query_is_validated_like_the_body(client: TestClient, method: str) -> None:
    response = client.request(method, "/users", params={"name": ""})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "name"]


def test_undecodable_bytes_are_400_not_500(client: TestClient) -> None:
    response = client.post(
        "/users", content=b'{"name": "\xe9"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}


# Hostile input, in process; tests/test_hostile_input.py sends it over a real socket.
JSON = {"content-type": "application/json"}


def test_nan_is_a_422_that_shows_it_as_text(client: TestClient) -> None:
    response = client.post("/users", content=b'{"name": NaN, "nickname": "world"}', headers=JSON)
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "string_type",
                "loc": ["body", "name"],
                "msg": "Input should be a valid string",
                "input": "NaN",
            }
        ]
    }


def test_a_lone_surrogate_is_a_422_that_shows_its_escape(client: TestClient) -> None:
    response = client.post("/users", content=b'{"name": "\\ud800", "nickname": "w"}', headers=JSON)
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "string_unicode",
                "loc": ["body", "name"],
                "msg": (
                    "Input should be a valid string, unable to parse raw data as a unicode string"
                ),
                "input": "\\ud800",
            }
        ]
    }


def test_a_long_input_is_echoed_cut_short(client: TestClient) -> None:
    response = client.post("/users", json={"name": "x" * 1000, "nickname": "world"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["input"] == "x" * 64 + "..."


@pytest.mark.parametrize(
    ("size", "status_code"), [(4096, 201), (4097, 413)], ids=["at the limit", "one byte over"]
)
def test_the_body_limit_is_4_kib(client: TestClient, size: int, status_code: int) -> None:
    body = '{"name": "hello", "nickname": "world"}'.ljust(size)
    response = client.post("/users", content=body, headers=JSON)
    assert response.status_code == status_code
    if status_code == 413:
        assert response.json() == {"detail": "Request body too large: the limit is 4096 bytes."}


def test_a_chunked_body_is_refused_once_it_passes_the_limit(client: TestClient) -> None:
    def one_mib_in_chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(1024):
            yield b" " * 1024

    response = client.post("/users", content=one_mib_in_chunks(), headers=JSON)
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large: the limit is 4096 bytes."}
