"""Every example Swagger UI offers for the OpenAI routes works as the instructor picks it: it
answers 200 (a demo that fails in front of a class is worse than none)."""

import pytest
from fastapi.testclient import TestClient

ROUTES = ["/v1/completions", "/v1/chat/completions"]


@pytest.mark.parametrize("path", ROUTES)
def test_every_offered_example_answers_200(client: TestClient, path: str) -> None:
    operation = client.get("/openapi.json").json()["paths"][path]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert len(examples) >= 3, "a plain example, and the new features' own"
    for name, example in examples.items():
        response = client.post(path, json=example["value"])
        assert response.status_code == 200, (name, response.text)
        assert example["summary"], name
