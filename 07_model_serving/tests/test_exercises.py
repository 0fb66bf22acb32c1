"""Checks for the exercises in this chapter's README. They fail until you solve them."""

import time
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


def generate(client: TestClient, prompt: str) -> int:
    response = client.post("/generate", json={"prompt": prompt, "max_new_tokens": 4})
    return response.json()["id"]


@pytest.mark.task(id="ch07.ex1")
def test_stats_count_generations_by_status(client: TestClient) -> None:
    for prompt in ("a", "b", "c"):
        generate(client, prompt)
    response = client.get("/generations/stats")
    assert response.status_code == 200, "Add GET /generations/stats (before /{generation_id})."
    assert response.json() == {"total": 3, "queued": 0, "running": 0, "done": 3, "failed": 0}


@pytest.mark.task(id="ch07.ex1")
def test_stats_of_an_empty_database(client: TestClient) -> None:
    response = client.get("/generations/stats")
    assert response.status_code == 200, "Add GET /generations/stats (before /{generation_id})."
    assert response.json() == {"total": 0, "queued": 0, "running": 0, "done": 0, "failed": 0}


@pytest.mark.task(id="ch07.ex2")
def test_delete_a_finished_generation(client: TestClient) -> None:
    generation_id = generate(client, "def ")
    response = client.delete(f"/generations/{generation_id}")
    assert response.status_code == 200, "Add DELETE /generations/{generation_id}."
    assert response.json() == {"id": generation_id, "status": "deleted"}
    assert client.get(f"/generations/{generation_id}").status_code == 404


@pytest.mark.task(id="ch07.ex2")
def test_delete_unknown_is_404(client: TestClient) -> None:
    response = client.delete("/generations/41")
    assert response.status_code == 404, "Answer 404 for an unknown id."
    assert response.json() == {"detail": "Generation 41 not found."}


@pytest.mark.task(id="ch07.ex2")
def test_jobs_in_flight_cannot_be_deleted(
    env: pytest.MonkeyPatch, load_controlled_app: Callable[[], FastAPI]
) -> None:
    env.setenv("MAX_BATCH_SIZE", "1")
    with TestClient(load_controlled_app()) as client:
        runner = client.app.state.service.runner
        runner.close_gate()
        running = client.post("/jobs", json={"prompt": "x", "max_new_tokens": 2}).json()["id"]
        assert runner.entered.wait(5)
        queued = client.post("/jobs", json={"prompt": "y", "max_new_tokens": 2}).json()["id"]
        answers = {job: client.delete(f"/generations/{job}") for job in (running, queued)}
        runner.open_gate()
    for job, state in ((running, "running"), (queued, "queued")):
        assert answers[job].status_code == 409, f"A {state} job cannot be deleted: 409."
        assert answers[job].json() == {"detail": f"Generation {job} is still {state}."}


@pytest.mark.task(id="ch07.ex3")
def test_slots_show_what_each_slot_holds(
    env: pytest.MonkeyPatch, load_slow_app: Callable[[], FastAPI]
) -> None:
    env.setenv("MAX_BATCH_SIZE", "3")
    with TestClient(load_slow_app()) as client:  # each step takes 20 ms: easy to watch
        runner = client.app.state.service.runner
        runner.close_gate()
        client.post("/jobs", json={"prompt": "ab", "max_new_tokens": 40})
        assert runner.entered.wait(5)
        first = client.get("/stats/slots")
        client.post("/jobs", json={"prompt": "cde", "max_new_tokens": 8})  # done first
        client.post("/jobs", json={"prompt": "f", "max_new_tokens": 40})
        runner.open_gate()
        seen: list[list[dict[str, int]]] = []
        deadline = time.monotonic() + 10
        while not seen or [s["slot"] for s in seen[-1]] != [0, 2]:
            assert time.monotonic() < deadline, f"slot 1 never emptied between 0 and 2: {seen}"
            seen.append(client.get("/stats/slots").json())
    assert first.status_code == 200, "Add GET /stats/slots (routers/stats.py)."
    assert first.json() == [{"slot": 0, "prompt_tokens": 2, "generated_tokens": 0}]
    full = [snapshot for snapshot in seen if len(snapshot) == 3]
    assert full, f"three slots in use at once were never seen: {seen}"
    assert [(s["slot"], s["prompt_tokens"]) for s in full[0]] == [(0, 2), (1, 3), (2, 1)]
    assert [(s["slot"], s["prompt_tokens"]) for s in seen[-1]] == [(0, 2), (2, 1)], (
        "`slot` is the slot's number, not a position in a list of the busy ones"
    )
    assert all(1 <= s["generated_tokens"] <= 40 for s in seen[-1])


@pytest.mark.task(id="ch07.ex3")
def test_no_slots_in_use_when_idle(client: TestClient) -> None:
    generate(client, "def ")
    response = client.get("/stats/slots")
    assert response.status_code == 200, "Add GET /stats/slots (routers/stats.py)."
    assert response.json() == []
