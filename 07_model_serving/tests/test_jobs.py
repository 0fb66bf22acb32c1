import time
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient


def wait_for(client: TestClient, location: str, statuses: set[str]) -> dict[str, object]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        body = client.get(location).json()
        if body["status"] in statuses:
            return body
        time.sleep(0.02)
    raise AssertionError(f"{location} never reached {statuses}: {body}")


def test_job_is_accepted_at_once_and_finishes(client: TestClient) -> None:
    response = client.post("/jobs", json={"prompt": "def ", "max_new_tokens": 12, "seed": 4})
    assert response.status_code == 202
    assert response.json() == {"id": 1, "status": "queued"}
    assert response.headers["location"] == "/generations/1"

    done = wait_for(client, response.headers["location"], {"done", "failed"})
    assert done["status"] == "done"
    assert done["error"] is None
    assert done["tokens"] == 12
    assert len(done["completion"]) == 12
    assert done["seed"] == 4


def test_job_and_generate_agree_for_the_same_seed(client: TestClient) -> None:
    body = {"prompt": "while ", "max_new_tokens": 16, "temperature": 0.9, "seed": 11}
    location = client.post("/jobs", json=body).headers["location"]
    job = wait_for(client, location, {"done"})
    direct = client.post("/generate", json=body).json()
    assert job["completion"] == direct["completion"]


def test_a_failing_job_records_its_error(load_controlled_app: Callable[[], FastAPI]) -> None:
    with TestClient(load_controlled_app()) as client:
        client.app.state.service.runner.faults.append(RuntimeError("weights on fire"))
        location = client.post("/jobs", json={"prompt": "def "}).headers["location"]
        failed = wait_for(client, location, {"done", "failed"})
    assert failed["status"] == "failed"
    assert failed["error"] == "RuntimeError: weights on fire"
    assert failed["completion"] is None
