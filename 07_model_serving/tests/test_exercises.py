"""Checks for the exercises in this chapter's README. They fail until you solve them."""

import pytest
from fastapi.testclient import TestClient


def generate(client: TestClient, prompt: str) -> int:
    response = client.post("/generate", json={"prompt": prompt, "max_new_tokens": 4})
    return response.json()["id"]


@pytest.mark.exercise(1)
def test_stats_count_generations_by_status(client: TestClient) -> None:
    for prompt in ("a", "b", "c"):
        generate(client, prompt)
    response = client.get("/generations/stats")
    assert response.status_code == 200, "Add GET /generations/stats (before /{generation_id})."
    assert response.json() == {"total": 3, "queued": 0, "running": 0, "done": 3, "failed": 0}


@pytest.mark.exercise(1)
def test_stats_of_an_empty_database(client: TestClient) -> None:
    response = client.get("/generations/stats")
    assert response.status_code == 200, "Add GET /generations/stats (before /{generation_id})."
    assert response.json() == {"total": 0, "queued": 0, "running": 0, "done": 0, "failed": 0}


@pytest.mark.exercise(2)
def test_delete_a_finished_generation(client: TestClient) -> None:
    generation_id = generate(client, "def ")
    response = client.delete(f"/generations/{generation_id}")
    assert response.status_code == 200, "Add DELETE /generations/{generation_id}."
    assert response.json() == {"id": generation_id, "status": "deleted"}
    assert client.get(f"/generations/{generation_id}").status_code == 404


@pytest.mark.exercise(2)
def test_delete_unknown_is_404(client: TestClient) -> None:
    response = client.delete("/generations/41")
    assert response.status_code == 404, "Answer 404 for an unknown id."
    assert response.json() == {"detail": "Generation 41 not found."}


@pytest.mark.exercise(2)
def test_a_job_in_flight_cannot_be_deleted(client: TestClient) -> None:
    store = client.app.state.service.store
    job_id = client.post("/jobs", json={"prompt": "x", "max_new_tokens": 2}).json()["id"]
    client.app.state.service.worker.stop(timeout=5)  # nothing will run it now
    store.mark_running(job_id)
    response = client.delete(f"/generations/{job_id}")
    assert response.status_code == 409, "A queued or running job cannot be deleted: 409."
    assert response.json() == {"detail": f"Generation {job_id} is still running."}
