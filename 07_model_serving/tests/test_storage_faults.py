"""When the database refuses a write: a 503 with `Retry-After`, never a 500, and nothing half-kept.

Another process holds SQLite's write lock (`BEGIN EXCLUSIVE`) for longer than DB_BUSY_TIMEOUT_S.
A 2xx means "generated and stored": a generation that could not be stored is answered 503, in
OpenAI's shape under `/v1`, and a stream whose 200 is sent ends with an error event. Reads keep
working (WAL), and the first write after the lock is released succeeds.
"""

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

BODY = {"prompt": "def ", "max_new_tokens": 8, "temperature": 0}
OPENAI_BODY = {"model": "code-gpt-char", "prompt": "def ", "max_tokens": 8, "temperature": 0}


@pytest.fixture
def database(tmp_path: Path, env: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "faults.db"
    env.setenv("DATABASE_URL", f"sqlite:///{path}")
    env.setenv("DB_BUSY_TIMEOUT_S", "0.2")
    return path


@pytest.fixture
def client(database: Path, load_app: Callable[[], FastAPI]) -> Iterator[TestClient]:
    with TestClient(load_app()) as test_client:
        yield test_client


@contextmanager
def locked(database: Path) -> Iterator[None]:
    """Another process's write transaction, as `sqlite3 faults.db 'BEGIN EXCLUSIVE'` holds one."""
    other = sqlite3.connect(database, isolation_level=None, timeout=10)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_locked_database_is_a_503_and_nothing_is_kept(client: TestClient, database: Path) -> None:
    with locked(database):
        refused = client.post("/generate", json=BODY)
        job = client.post("/jobs", json=BODY)
        assert client.get("/generations").status_code == 200  # reads go on
    message = (
        "The generation could not be stored (database is locked), so it was not kept. "
        "Retry after 1 s."
    )
    assert (refused.status_code, refused.json()) == (503, {"detail": message})
    assert refused.headers["retry-after"] == "1"
    assert (job.status_code, job.json()) == (503, {"detail": message})
    assert client.get("/generations").json() == []
    stored = client.post("/generate", json=BODY)
    assert stored.status_code == 200
    assert [row["id"] for row in client.get("/generations").json()] == [stored.json()["id"]]


def test_under_v1_the_503_has_openai_shape(client: TestClient, database: Path) -> None:
    with locked(database):
        refused = client.post("/v1/completions", json=OPENAI_BODY)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.json() == {
        "error": {
            "message": "The generation could not be stored (database is locked), so it was "
            "not kept. Retry after 1 s.",
            "type": "service_unavailable_error",
            "param": None,
            "code": None,
        }
    }


def test_a_stream_whose_200_is_sent_ends_with_an_error_event(
    client: TestClient, database: Path
) -> None:
    with locked(database):
        response = client.post("/v1/completions", json=OPENAI_BODY | {"stream": True})
    assert response.status_code == 200  # sent with the first token, before the write
    events = [e.removeprefix("data: ") for e in response.text.split("\n\n") if e]
    assert events[-1] == "[DONE]"
    error = json.loads(events[-2])["error"]
    assert error["message"].startswith("The generation could not be stored (database is locked)")
    assert error | {"message": ""} == {
        "message": "",
        "type": "service_unavailable_error",
        "param": None,
        "code": None,
    }  # the same body as the plain answer's 503
    texts = [json.loads(e)["choices"][0]["text"] for e in events[:-2]]
    assert (
        "".join(texts)
        == client.post("/v1/completions", json=OPENAI_BODY).json()["choices"][0]["text"]
    )
    assert all(json.loads(e)["choices"][0]["finish_reason"] is None for e in events[:-2])


def test_readiness_says_no_while_writes_fail_and_recovers_by_itself(
    client: TestClient, database: Path
) -> None:
    assert client.get("/ready").status_code == 200
    with locked(database):
        assert client.post("/generate", json=BODY).status_code == 503
        not_ready = client.get("/ready")  # it tries a write: still locked
        assert client.get("/health").status_code == 200  # liveness is about the process
    assert (not_ready.status_code, not_ready.json()) == (
        503,
        {"detail": "Not ready: the database refuses writes (database is locked). Retry shortly."},
    )
    assert not_ready.headers["retry-after"] == "1"
    assert client.get("/ready").status_code == 200  # its write works again: no restart needed
    assert client.post("/generate", json=BODY).status_code == 200


@pytest.mark.slow  # seconds of waiting on purpose: `make test` runs it, `make test-7` not
def test_a_job_that_finishes_while_writes_fail_is_stored_once_they_work(
    database: Path, load_controlled_app: Callable[..., FastAPI]
) -> None:
    with TestClient(load_controlled_app()) as client:
        runner = client.app.state.service.runner
        runner.close_gate()  # the job takes its slot and waits there
        job = client.post("/jobs", json=BODY | {"max_new_tokens": 12}).json()["id"]
        assert runner.entered.wait(10)
        with locked(database):
            runner.open_gate()  # it finishes now; its row cannot be written
            deadline = time.monotonic() + 10
            while client.get("/ready").status_code != 503:  # a write was refused
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert client.get(f"/generations/{job}").json()["status"] in ("queued", "running")
        deadline = time.monotonic() + 10  # retried every Retry-After (1 s here)
        while (row := client.get(f"/generations/{job}").json())["status"] != "done":
            assert time.monotonic() < deadline, row
            time.sleep(0.05)
        assert (row["tokens"], row["finish_reason"], row["error"]) == (12, "length", None)
        assert client.get("/ready").status_code == 200


@contextmanager
def full_disk(client: TestClient) -> Iterator[None]:
    """The database file may not grow by one more page, as on a full disk: SQLite answers
    "database or disk is full" (SQLITE_FULL). Set on every new connection of the app's pool."""
    engine = client.app.state.service.store.engine

    def no_room(connection: object, _: object) -> None:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]  # type: ignore[attr-defined]
        connection.execute(f"PRAGMA max_page_count = {pages}")  # type: ignore[attr-defined]

    event.listen(engine, "connect", no_room)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", no_room)
        engine.dispose()


@pytest.mark.slow  # seconds of waiting on purpose: `make test` runs it, `make test-7` not
def test_a_full_disk_is_a_503_and_the_server_recovers(client: TestClient) -> None:
    filler = {"prompt": "def " * 30, "max_new_tokens": 64, "temperature": 0}
    with full_disk(client):
        answers = [client.post("/generate", json=filler) for _ in range(40)]
        refused = [a for a in answers if a.status_code != 200]
        assert refused, "40 rows of 180 characters fit in the pages the file had"
        assert {a.status_code for a in refused} == {503}
        assert refused[0].json() == {
            "detail": "The generation could not be stored (database or disk is full), so it "
            "was not kept. Retry after 1 s."
        }
        assert client.get("/ready").status_code == 503
        kept = len(client.get("/generations", params={"limit": 100}).json())
        assert kept == sum(a.status_code == 200 for a in answers)  # a 200 is always a row
    assert client.post("/generate", json=BODY).status_code == 200
    assert client.get("/ready").status_code == 200
