import time
from collections.abc import Callable
from datetime import datetime

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


def generate(client: TestClient, **body: object) -> dict[str, object]:
    response = client.post("/generate", json={"max_new_tokens": 8, **body})
    assert response.status_code == 200, response.text
    return response.json()


def test_generate_answers_with_every_field(client: TestClient) -> None:
    body = generate(client, prompt="def ", temperature=0, seed=1)
    assert set(body) == {
        "id",
        "prompt",
        "completion",
        "model",
        "tokens",
        "finish_reason",
        "latency_ms",
        "seed",
        "created_at",
        "request_id",
    }
    assert body["id"] == 1
    assert body["prompt"] == "def "
    assert isinstance(body["completion"], str) and len(body["completion"]) == 8
    assert body["model"] == "code-gpt-char"
    assert body["tokens"] == 8
    assert body["finish_reason"] == "length"
    assert body["latency_ms"] > 0
    assert body["seed"] == 1
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None
    assert len(body["request_id"]) == 32  # none was sent: the server made one


def test_generate_stores_what_it_answered(client: TestClient) -> None:
    body = generate(client, prompt="import ", temperature=0.5, seed=3)
    stored = client.get(f"/generations/{body['id']}")
    assert stored.status_code == 200
    assert stored.json() == {**body, "status": "done", "error": None}


def test_greedy_generation_is_deterministic(client: TestClient) -> None:
    first = generate(client, prompt="class ", temperature=0, max_new_tokens=24)
    second = generate(client, prompt="class ", temperature=0, max_new_tokens=24)
    assert first["completion"] == second["completion"]


def test_the_same_seed_gives_the_same_completion(client: TestClient) -> None:
    runs = [
        generate(client, prompt="def ", temperature=1.0, seed=seed, max_new_tokens=32)["completion"]
        for seed in (7, 7, 8)
    ]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_top_k_one_is_greedy(client: TestClient) -> None:
    greedy = generate(client, prompt="for ", temperature=0, max_new_tokens=16)
    top_one = generate(client, prompt="for ", temperature=1.5, top_k=1, seed=5, max_new_tokens=16)
    assert greedy["completion"] == top_one["completion"]


def test_a_seedless_request_records_the_seed_it_used(client: TestClient) -> None:
    first = generate(client, prompt="if ", temperature=1.0, max_new_tokens=24)
    again = generate(client, prompt="if ", temperature=1.0, max_new_tokens=24, seed=first["seed"])
    assert again["completion"] == first["completion"]


def test_list_generations_newest_first_with_paging(client: TestClient) -> None:
    ids = [generate(client, prompt=f"x{i} = ", temperature=0)["id"] for i in range(5)]
    newest = client.get("/generations", params={"limit": 2})
    assert newest.status_code == 200
    assert [g["id"] for g in newest.json()] == [ids[4], ids[3]]
    page = client.get("/generations", params={"skip": 2, "limit": 2}).json()
    assert [g["id"] for g in page] == [ids[2], ids[1]]
    assert client.get("/generations", params={"skip": 5}).json() == []
    assert client.get("/generations").json()[0]["prompt"] == "x4 = "


def test_list_generations_limit_is_bounded(client: TestClient) -> None:
    response = client.get("/generations", params={"limit": 101})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "less_than_equal",
                "loc": ["query", "limit"],
                "msg": "Input should be less than or equal to 100",
                "input": "101",
                "ctx": {"le": 100},
            }
        ]
    }


def test_unknown_generation_is_404(client: TestClient) -> None:
    response = client.get("/generations/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Generation 999 not found."}


def test_a_client_that_hangs_up_frees_its_slot_and_stores_nothing(
    serve: Callable[[FastAPI], str], load_slow_app: Callable[[], FastAPI]
) -> None:
    base_url = serve(load_slow_app())
    body = {"prompt": "def ", "max_new_tokens": 120, "temperature": 0}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{base_url}/generate", json=body, timeout=0.3)
    deadline = time.monotonic() + 1  # the whole generation would take about 2.5 s
    while httpx.get(f"{base_url}/stats").json()["running"]:
        assert time.monotonic() < deadline, "the slot of a client that hung up was kept"
        time.sleep(0.05)
    assert httpx.get(f"{base_url}/generations").json() == []


def test_ids_are_never_reused_after_a_delete(client: TestClient) -> None:
    first = generate(client, prompt="a", temperature=0)["id"]
    second = generate(client, prompt="b", temperature=0)["id"]
    client.app.state.service.store.remove(second)
    third = generate(client, prompt="c", temperature=0)["id"]
    assert (first, second, third) == (1, 2, 3), "AUTOINCREMENT: a deleted id is not handed out"


@pytest.mark.parametrize("generation_id", [0, 2**63, 2**64, 10**30])
def test_an_id_no_row_can_have_is_a_404_not_a_500(client: TestClient, generation_id: int) -> None:
    response = client.get(f"/generations/{generation_id}")
    assert (response.status_code, response.json()) == (
        404,
        {"detail": f"Generation {generation_id} not found."},
    )


def test_a_skip_past_any_database_is_refused(client: TestClient) -> None:
    response = client.get("/generations", params={"skip": 2**64})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "skip"]
    assert client.get("/generations", params={"skip": 2**63 - 1}).json() == []
