"""Every bad input is a 422 in FastAPI's standard format, never a 5xx."""

import pytest
from fastapi.testclient import TestClient


def errors_for(client: TestClient, body: dict[str, object]) -> list[dict[str, object]]:
    response = client.post("/generate", json=body)
    assert response.status_code == 422, response.text
    return response.json()["detail"]


def test_empty_prompt_full_body(client: TestClient) -> None:
    response = client.post("/generate", json={"prompt": ""})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "string_too_short",
                "loc": ["body", "prompt"],
                "msg": "String should have at least 1 character",
                "input": "",
                "ctx": {"min_length": 1},
            }
        ]
    }


def test_prompt_longer_than_the_context(client: TestClient) -> None:
    prompt = "x" * 129
    assert errors_for(client, {"prompt": prompt}) == [
        {
            "type": "string_too_long",
            "loc": ["body", "prompt"],
            "msg": "String should have at most 128 characters (the model's context)",
            "input": prompt,
            "ctx": {"max_length": 128},
        }
    ]


def test_characters_outside_the_vocabulary(client: TestClient) -> None:
    assert errors_for(client, {"prompt": "print('héllo')\t"}) == [
        {
            "type": "vocabulary",
            "loc": ["body", "prompt"],
            "msg": "Characters outside the model's vocabulary: 'é\\t'",
            "input": "print('héllo')\t",
            "ctx": {"characters": ["é", "\t"]},
        }
    ]


def test_max_new_tokens_above_the_limit(client: TestClient) -> None:
    assert errors_for(client, {"prompt": "def ", "max_new_tokens": 257}) == [
        {
            "type": "less_than_equal",
            "loc": ["body", "max_new_tokens"],
            "msg": "Input should be less than or equal to 256",
            "input": 257,
            "ctx": {"le": 256},
        }
    ]


@pytest.mark.parametrize(
    ("field", "value", "error_type"),
    [
        ("max_new_tokens", 0, "greater_than_equal"),
        ("temperature", -0.1, "greater_than_equal"),
        ("temperature", 2.01, "less_than_equal"),
        ("top_k", 0, "greater_than_equal"),
        ("seed", -1, "greater_than_equal"),
        ("max_new_tokens", "many", "int_type"),
        ("max_new_tokens", "64", "int_type"),
        ("seed", True, "int_type"),
        ("temperature", "hot", "float_type"),
        ("prompt", 42, "string_type"),
        ("colour", "blue", "extra_forbidden"),
    ],
)
def test_bad_fields(client: TestClient, field: str, value: object, error_type: str) -> None:
    body = {"prompt": "def ", field: value}
    (error,) = errors_for(client, body)
    assert (error["type"], error["loc"]) == (error_type, ["body", field])


def test_missing_body(client: TestClient) -> None:
    (error,) = errors_for(client, {})
    assert (error["type"], error["loc"]) == ("missing", ["body", "prompt"])


@pytest.mark.parametrize("path", ["/generate", "/jobs"])
def test_jobs_and_generate_validate_alike(client: TestClient, path: str) -> None:
    response = client.post(path, json={"prompt": "é"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "vocabulary"
    assert client.get("/generations").json() == [], "a refused request stores nothing"


def test_a_whole_float_counts_as_an_integer_as_in_json_schema(client: TestClient) -> None:
    response = client.post("/generate", json={"prompt": "def ", "max_new_tokens": 8.0, "seed": 3.0})
    assert response.status_code == 200, response.text
    assert (response.json()["tokens"], response.json()["seed"]) == (8, 3)
    (error,) = errors_for(client, {"prompt": "def ", "max_new_tokens": 8.5})
    assert (error["type"], error["loc"]) == ("int_type", ["body", "max_new_tokens"])


def test_a_temperature_below_the_floor_full_body(client: TestClient) -> None:
    response = client.post("/generate", json={"prompt": "def ", "temperature": 0.001})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "value_error",
                "loc": ["body", "temperature"],
                "msg": "Value error, temperature must be 0 (greedy) or at least 0.01",
                "input": 0.001,
                "ctx": {"error": "temperature must be 0 (greedy) or at least 0.01"},
            }
        ]
    }


def test_every_mistake_of_a_body_comes_back_in_one_answer(client: TestClient) -> None:
    body = {"prompt": "x = 'é'", "max_new_tokens": 999, "temperature": -1}
    assert errors_for(client, body) == [
        {
            "type": "greater_than_equal",
            "loc": ["body", "temperature"],
            "msg": "Input should be greater than or equal to 0",
            "input": -1,
            "ctx": {"ge": 0.0},
        },
        {
            "type": "vocabulary",
            "loc": ["body", "prompt"],
            "msg": "Characters outside the model's vocabulary: 'é'",
            "input": "x = 'é'",
            "ctx": {"characters": ["é"]},
        },
        {
            "type": "less_than_equal",
            "loc": ["body", "max_new_tokens"],
            "msg": "Input should be less than or equal to 256",
            "input": 999,
            "ctx": {"le": 256},
        },
    ]
