"""Checks for the exercises in this chapter's README. They fail until you solve them."""

import pytest
from fastapi.testclient import TestClient


@pytest.mark.exercise(1)
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("alexnet", "Deep Learning FTW!"),
        ("resnet", "Residual connections all the way down."),
        ("lenet", "LeCNN all the images."),
    ],
)
def test_models_answers_for_each_known_model(client: TestClient, name: str, message: str) -> None:
    response = client.get(f"/models/{name}")
    assert response.status_code == 200, "Add GET /models/{model_name} to main.py."
    assert response.json() == {"model_name": name, "message": message}


@pytest.mark.exercise(1)
def test_models_refuses_an_unknown_model(client: TestClient) -> None:
    response = client.get("/models/vgg")
    assert response.status_code == 422, "Type model_name with an Enum so that FastAPI checks it."
    assert response.json()["detail"][0]["loc"] == ["path", "model_name"]
    assert response.json()["detail"][0]["type"] == "enum"


@pytest.mark.exercise(2)
@pytest.mark.parametrize(
    ("q", "expected"),
    [("ba", [{"item_name": "Bar"}, {"item_name": "Baz"}]), ("FOO", [{"item_name": "Foo"}])],
)
def test_search_matches_names_case_insensitively(
    client: TestClient, q: str, expected: list[dict[str, str]]
) -> None:
    response = client.get("/search", params={"q": q})
    assert response.status_code == 200, "Add GET /search?q= to main.py."
    assert response.json() == expected


@pytest.mark.exercise(2)
@pytest.mark.parametrize("q", ["", "x" * 21])
def test_search_refuses_an_empty_or_long_query(client: TestClient, q: str) -> None:
    response = client.get("/search", params={"q": q})
    assert response.status_code == 422, "Limit q to 1..20 characters with Query(...)."
    assert response.json()["detail"][0]["loc"] == ["query", "q"]


@pytest.mark.exercise(2)
def test_search_requires_q(client: TestClient) -> None:
    response = client.get("/search")
    assert response.status_code == 422, "q has no default, so it must be required."
