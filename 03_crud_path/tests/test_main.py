from fastapi.testclient import TestClient

SUCCESS = {"status": "success"}


def test_create_then_read(client: TestClient) -> None:
    created = client.post("/users/name/hello/nickname/world")
    assert created.status_code == 201
    assert created.json() == SUCCESS

    read = client.get("/users/name/hello")
    assert read.status_code == 200
    assert read.json() == {"nickname": "world"}


def test_create_existing_name_is_409_and_keeps_the_old_nickname(client: TestClient) -> None:
    client.post("/users/name/hello/nickname/world")

    again = client.post("/users/name/hello/nickname/other")
    assert again.status_code == 409
    assert again.json() == {"detail": "User 'hello' already exists."}
    assert client.get("/users/name/hello").json() == {"nickname": "world"}


def test_read_unknown_is_404(client: TestClient) -> None:
    response = client.get("/users/name/ghost")
    assert response.status_code == 404
    assert response.json() == {"detail": "User 'ghost' not found."}


def test_update_changes_the_nickname(client: TestClient) -> None:
    client.post("/users/name/hello/nickname/world")

    updated = client.put("/users/name/hello/nickname/world2")
    assert updated.status_code == 200
    assert updated.json() == SUCCESS
    assert client.get("/users/name/hello").json() == {"nickname": "world2"}


def test_update_unknown_is_404_and_creates_nothing(client: TestClient) -> None:
    response = client.put("/users/name/ghost/nickname/boo")
    assert response.status_code == 404
    assert response.json() == {"detail": "User 'ghost' not found."}
    assert client.get("/users/name/ghost").status_code == 404


def test_delete_removes_the_user(client: TestClient) -> None:
    client.post("/users/name/hello/nickname/world")

    deleted = client.delete("/users/name/hello")
    assert deleted.status_code == 200
    assert deleted.json() == SUCCESS
    assert client.get("/users/name/hello").status_code == 404


def test_delete_unknown_is_404(client: TestClient) -> None:
    response = client.delete("/users/name/ghost")
    assert response.status_code == 404
    assert response.json() == {"detail": "User 'ghost' not found."}


def test_names_with_spaces_and_unicode_survive_the_round_trip(client: TestClient) -> None:
    assert client.post("/users/name/Jiwoo Kim/nickname/지우").status_code == 201
    assert client.get("/users/name/Jiwoo Kim").json() == {"nickname": "지우"}


def test_missing_path_segment_is_not_a_route(client: TestClient) -> None:
    response = client.post("/users/name/hello/nickname/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_wrong_method_is_405(client: TestClient) -> None:
    response = client.patch("/users/name/hello")
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
