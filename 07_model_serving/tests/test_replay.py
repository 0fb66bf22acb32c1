"""`POST /generations/{id}/replay`: a stored generation computed again, and compared.

The engine is batch-invariant, so the stored text, token count and finish reason come back
identical whether the generation was made alone or in a full batch, and whether the replay runs
alone or beside others. A stored text that was changed afterwards is reported as different.
"""

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

pytestmark = pytest.mark.usefixtures("engine_mode")


def random_bodies(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [
        {
            "prompt": rng.choice(["def ", "import ", "class A:\n    ", "for i in ", "x = "]),
            "max_new_tokens": rng.randint(1, 24),
            "temperature": rng.choice([0, 0.5, 0.8, 1.3]),
            "top_p": rng.choice([1.0, 0.9]),
            "stop": rng.choice([[], ["\n"], ["(", ":"]]),
        }
        for _ in range(count)
    ]


def test_a_generation_made_alone_replays_identically(client: TestClient) -> None:
    made = client.post("/generate", json={"prompt": "import ", "max_new_tokens": 24}).json()
    response = client.post(f"/generations/{made['id']}/replay")
    assert response.status_code == 200
    text = {"completion": made["completion"], "tokens": 24, "finish_reason": "length"}
    assert response.json() == {
        "id": made["id"],
        "identical": True,
        "stored": text,
        "replayed": text,
    }
    assert [row["id"] for row in client.get("/generations").json()] == [made["id"]]


@pytest.mark.slow  # 128 generations: `make test` runs it, `make test-7` leaves it out
def test_generations_made_in_a_full_batch_replay_identically_alone_and_together(
    serve: Callable[[FastAPI], str], load_app: Callable[[], FastAPI]
) -> None:
    base_url = serve(load_app())
    bodies = random_bodies(64, seed=7)  # unseeded: the server picks and stores each seed

    def generate(body: dict[str, object]) -> int:
        response = httpx.post(f"{base_url}/generate", json=body, timeout=120)
        assert response.status_code == 200, response.text
        return response.json()["id"]

    def replay(generation_id: int) -> dict[str, object]:
        response = httpx.post(f"{base_url}/generations/{generation_id}/replay", timeout=120)
        assert response.status_code == 200, response.text
        return response.json()

    with ThreadPoolExecutor(max_workers=64) as pool:
        ids = list(pool.map(generate, bodies))
        together = list(pool.map(replay, ids))
    alone = [replay(generation_id) for generation_id in ids[:4]]
    assert [r for r in together + alone if not r["identical"]] == []
    assert all(r["stored"] == r["replayed"] for r in together + alone)


def test_a_stored_text_changed_afterwards_is_reported(client: TestClient) -> None:
    made = client.post("/generate", json={"prompt": "def ", "max_new_tokens": 10}).json()
    client.app.state.service.store._update(made["id"], completion="tampered!!")
    response = client.post(f"/generations/{made['id']}/replay").json()
    assert response["identical"] is False
    assert response["stored"]["completion"] == "tampered!!"
    assert response["replayed"]["completion"] == made["completion"]


def test_unknown_unfinished_and_foreign_generations_are_refused(client: TestClient) -> None:
    assert client.post("/generations/99/replay").json() == {"detail": "Generation 99 not found."}
    assert client.post("/generations/99/replay").status_code == 404
    made = client.post("/generate", json={"prompt": "def ", "max_new_tokens": 4}).json()
    store = client.app.state.service.store
    store._update(made["id"], status="running")
    running = client.post(f"/generations/{made['id']}/replay")
    assert (running.status_code, running.json()) == (
        409,
        {"detail": f"Generation {made['id']} is running: only a done generation can be replayed."},
    )
    store._update(made["id"], status="done", model="gpt-2")
    foreign = client.post(f"/generations/{made['id']}/replay")
    assert (foreign.status_code, foreign.json()) == (
        409,
        {
            "detail": f"Generation {made['id']} was made by `gpt-2`; this server serves "
            "`code-gpt-char`."
        },
    )
