"""Several servers on one database (replicas): a start-up fails only the jobs of dead servers.

Each server holds a lease (a locked file beside the database) while it lives. These tests run
two apps in one process, as two replicas would run in two.
"""

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text


def insert_job(database_url: str, owner: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO generation (status, prompt, max_new_tokens, temperature, top_p, stop, "
                "model, owner, created_at) VALUES ('queued', 'x', 1, 0, 1, '[]', 'code-gpt-char', "
                ":owner, '2026-01-01')"
            ),
            {"owner": owner},
        )
    engine.dispose()


def test_a_second_replica_leaves_the_first_ones_jobs_alone(
    load_app: Callable[[], FastAPI], load_controlled_app: Callable[[], FastAPI]
) -> None:
    first = load_controlled_app()
    with TestClient(first) as client:
        runner = first.state.service.runner
        runner.close_gate()
        location = client.post("/jobs", json={"prompt": "def ", "max_new_tokens": 4}).headers[
            "location"
        ]
        assert runner.entered.wait(5)
        with TestClient(load_app()) as second:
            assert second.get(location).json()["status"] in ("queued", "running")
            runner.open_gate()
            while client.get(location).json()["status"] != "done":
                pass
            seen_by_second = second.get(location).json()
    assert (seen_by_second["status"], seen_by_second["tokens"]) == ("done", 4)


def test_a_start_up_fails_the_jobs_of_a_server_that_is_gone(
    load_app: Callable[[], FastAPI],
) -> None:
    database_url = os.environ["DATABASE_URL"]
    with TestClient(load_app()):
        pass
    gone = uuid.uuid4().hex
    leases = Path(database_url.removeprefix("sqlite:///") + ".owners")
    (leases / f"{gone}.lock").touch()  # its process ended: nobody holds the lock
    insert_job(database_url, gone)
    with TestClient(load_app()) as client:
        restarted = client.get("/generations/1").json()
    assert (restarted["status"], restarted["error"]) == (
        "failed",
        "the server stopped before this job ran",
    )
    assert list(leases.iterdir()) == []


def test_a_database_made_before_jobs_had_owners_gets_the_column(
    env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI], tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE generation (id INTEGER PRIMARY KEY AUTOINCREMENT, status VARCHAR, "
                "prompt VARCHAR, max_new_tokens INTEGER, temperature FLOAT, top_k INTEGER, "
                "top_p FLOAT, stop VARCHAR, seed INTEGER, model VARCHAR, completion VARCHAR, "
                "tokens INTEGER, finish_reason VARCHAR, latency_ms FLOAT, error VARCHAR, "
                "created_at DATETIME)"
            )
        )
    engine.dispose()
    env.setenv("DATABASE_URL", database_url)
    with TestClient(load_app()) as client:
        created = client.post("/jobs", json={"prompt": "def ", "max_new_tokens": 2})
    assert created.json() == {"id": 1, "status": "queued"}
