"""API_KEY: unset, the server is open; set, every route but the probes (/health, /ready) and
/metrics needs the key."""

from collections.abc import Callable, Iterator

import httpx
import openai
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

KEY = "s3cret-key"
OPEN = ("/health", "/ready", "/metrics")  # asked by orchestrators and scrapers, which hold no key
WRONG = {"detail": "Missing or wrong API key: send `Authorization: Bearer <key>`."}
KEYED = [
    ("POST", "/generate", {"prompt": "def ", "max_new_tokens": 2}),
    ("POST", "/jobs", {"prompt": "def ", "max_new_tokens": 2}),
    ("GET", "/generations", None),
    ("GET", "/generations/1", None),
    ("POST", "/generations/1/replay", None),
    ("GET", "/stats", None),
    ("GET", "/v1/models", None),
    (
        "POST",
        "/v1/chat/completions",
        {"model": "code-gpt-char", "messages": [{"role": "user", "content": "x"}], "max_tokens": 2},
    ),
]


@pytest.fixture
def keyed_client(env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]) -> Iterator[TestClient]:
    env.setenv("API_KEY", KEY)
    with TestClient(load_app()) as client:
        yield client


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong", f"Bearer {KEY}x", f"Bearer {KEY[:-1]}", f"Basic {KEY}", KEY],
    ids=["none", "wrong", "longer", "shorter", "basic", "no-scheme"],
)
def test_without_the_right_key_every_keyed_route_is_a_401(
    keyed_client: TestClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for method, path, body in KEYED:
        response = keyed_client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"
        if not path.startswith("/v1/"):
            assert response.json() == WRONG
    assert keyed_client.get("/generations", headers={"Authorization": f"Bearer {KEY}"}).json() == []


def test_with_the_key_it_answers_and_probes_never_need_it(keyed_client: TestClient) -> None:
    auth = {"Authorization": f"Bearer {KEY}"}
    made = keyed_client.post(
        "/generate", json={"prompt": "def ", "max_new_tokens": 3}, headers=auth
    )
    assert made.status_code == 200
    assert keyed_client.get(f"/generations/{made.json()['id']}", headers=auth).status_code == 200
    for path in OPEN:
        assert keyed_client.get(path).status_code == 200, path
    assert keyed_client.get("/docs").status_code == 200


def test_the_openai_client_gets_an_authentication_error_then_a_completion(
    env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI], serve: Callable[[FastAPI], str]
) -> None:
    env.setenv("API_KEY", KEY)
    base_url = f"{serve(load_app())}/v1"
    wrong = openai.OpenAI(base_url=base_url, api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as raised:
        wrong.completions.create(model="code-gpt-char", prompt="def ", max_tokens=2)
    assert raised.value.body == {
        "message": WRONG["detail"],
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",  # as OpenAI answers a wrong key
    }
    right = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0)
    completion = right.completions.create(model="code-gpt-char", prompt="def ", max_tokens=2)
    assert completion.usage is not None and completion.usage.completion_tokens == 2
    assert httpx.get(f"{base_url.removesuffix('/v1')}/ready").status_code == 200


def test_unset_the_server_is_open(client: TestClient) -> None:
    for method, path, body in KEYED:
        assert client.request(method, path, json=body).status_code in (200, 202, 404), path


def test_swagger_ui_offers_the_authorize_button_on_keyed_routes_only(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"] == {
        "HTTPBearer": {
            "type": "http",
            "description": "Needed only when the server was started with API_KEY.",
            "scheme": "bearer",
        }
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            keyed = path not in OPEN
            assert ("security" in operation) == keyed, (method, path)
            assert ("401" in operation["responses"]) == keyed, (method, path)
