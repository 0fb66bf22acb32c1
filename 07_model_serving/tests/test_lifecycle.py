"""Start-up, readiness, back-pressure, timeouts, faults and shutdown."""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

CHAPTER_DIR = Path(__file__).resolve().parents[1]
WEIGHTS = CHAPTER_DIR / "model" / "weights" / "code-gpt.safetensors"
HOW_TO_FIX = "(set MODEL_PATH, or run `make train-7`)"


def wait_until_done(client: TestClient, generation_id: int) -> None:
    deadline = time.monotonic() + 10
    while client.get(f"/generations/{generation_id}").json()["status"] != "done":
        assert time.monotonic() < deadline, f"generation {generation_id} never finished"
        time.sleep(0.02)


def rows(database_url: str) -> list[tuple[int, str, str | None]]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        result = connection.execute(text("SELECT id, status, error FROM generation ORDER BY id"))
        found = [tuple(row) for row in result]
    engine.dispose()
    return found


def test_not_ready_before_start_up(app: FastAPI) -> None:
    client = TestClient(app)  # no `with`: the lifespan has not run
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json() == {
        "detail": "The model is not ready (starting up or shutting down). Retry shortly."
    }
    assert client.get("/health").json() == {"status": "ok"}
    assert client.post("/generate", json={"prompt": "def "}).status_code == 503


def test_ready_after_start_up_and_not_after_shutdown(app: FastAPI) -> None:
    with TestClient(app) as client:
        response = client.get("/ready")
        assert response.status_code == 200
        assert response.json() == {"status": "ready", "model": "code-gpt-char", "device": "cpu"}
        assert client.get("/generations").json() == [], "the warm-up is not stored"
    after = TestClient(app).get("/ready")
    assert after.status_code == 503
    assert not app.state.service.engine.is_alive()


def test_full_queue_is_503_with_retry_after(
    env: pytest.MonkeyPatch, load_controlled_app: Callable[[], FastAPI]
) -> None:
    env.setenv("QUEUE_SIZE", "1")
    env.setenv("MAX_BATCH_SIZE", "1")
    with TestClient(load_controlled_app()) as client:
        runner = client.app.state.service.runner
        runner.close_gate()
        running = client.post("/jobs", json={"prompt": "a", "max_new_tokens": 2})
        assert runner.entered.wait(5), "the first job should be in the only slot"
        queued = client.post("/jobs", json={"prompt": "b", "max_new_tokens": 2})
        refused = client.post("/generate", json={"prompt": "c", "max_new_tokens": 2})
        assert (running.status_code, queued.status_code) == (202, 202)
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json() == {"detail": "All 1 places in the queue are taken. Retry shortly."}
        runner.open_gate()
        wait_until_done(client, 2)
        after = client.post("/generate", json={"prompt": "d", "max_new_tokens": 2})
        assert after.status_code == 200
        assert [g["prompt"] for g in client.get("/generations").json()] == ["d", "b", "a"]


def test_refused_job_leaves_no_row(
    env: pytest.MonkeyPatch, load_controlled_app: Callable[[], FastAPI]
) -> None:
    env.setenv("QUEUE_SIZE", "1")
    env.setenv("MAX_BATCH_SIZE", "1")
    with TestClient(load_controlled_app()) as client:
        runner = client.app.state.service.runner
        runner.close_gate()
        client.post("/jobs", json={"prompt": "a", "max_new_tokens": 2})
        assert runner.entered.wait(5)
        client.post("/jobs", json={"prompt": "b", "max_new_tokens": 2})
        refused = client.post("/jobs", json={"prompt": "c", "max_new_tokens": 2})
        assert refused.status_code == 503
        assert [g["prompt"] for g in client.get("/generations").json()] == ["b", "a"]
        runner.open_gate()


def test_timeout_is_504_frees_the_slot_and_the_engine_moves_on(
    env: pytest.MonkeyPatch, load_controlled_app: Callable[[], FastAPI]
) -> None:
    env.setenv("REQUEST_TIMEOUT_S", "0.3")
    with TestClient(load_controlled_app()) as client:
        service = client.app.state.service
        service.runner.close_gate()
        response = client.post("/generate", json={"prompt": "def ", "max_new_tokens": 4})
        assert response.status_code == 504
        assert response.json() == {"detail": "Generation did not finish within 0.3 s"}
        service.runner.open_gate()
        deadline = time.monotonic() + 5
        while service.engine.stats().running:
            assert time.monotonic() < deadline, "the timed-out sequence kept its slot"
            time.sleep(0.01)
        after = client.post("/generate", json={"prompt": "def ", "max_new_tokens": 4})
        assert after.status_code == 200
        assert [g["id"] for g in client.get("/generations").json()] == [after.json()["id"]]


def test_model_fault_is_500_and_the_next_request_succeeds(
    load_controlled_app: Callable[[], FastAPI], caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(load_controlled_app()) as client:
        client.app.state.service.runner.faults.append(
            RuntimeError("CUDA error: device-side assert triggered")
        )
        failed = client.post("/generate", json={"prompt": "def ", "max_new_tokens": 4})
        assert failed.status_code == 500
        assert failed.json() == {
            "detail": "Generation failed: RuntimeError: CUDA error: device-side assert triggered"
        }
        assert client.get("/generations").json() == []
        ok = client.post("/generate", json={"prompt": "def ", "max_new_tokens": 4})
        assert ok.status_code == 200
        assert client.get("/ready").status_code == 200
    logged = [r for r in caplog.records if r.name == "chapter07.engine"]
    assert logged and logged[0].exc_info is not None, "model failures are logged with a traceback"


def test_shutdown_lets_accepted_work_finish_within_the_drain(
    env: pytest.MonkeyPatch, load_controlled_app: Callable[[], FastAPI]
) -> None:
    database_url = os.environ["DATABASE_URL"]
    app = load_controlled_app()
    with TestClient(app) as client:
        runner = app.state.service.runner
        runner.close_gate()
        for prompt in ("one", "two", "three"):
            client.post("/jobs", json={"prompt": prompt, "max_new_tokens": 2})
        threading.Timer(0.3, runner.open_gate).start()
    assert not app.state.service.engine.is_alive()
    assert rows(database_url) == [(1, "done", None), (2, "done", None), (3, "done", None)]


def test_shutdown_after_the_drain_fails_what_is_left_and_says_whether_it_ran(
    env: pytest.MonkeyPatch, load_controlled_app: Callable[[], FastAPI]
) -> None:
    env.setenv("DRAIN_S", "0.2")
    env.setenv("MAX_BATCH_SIZE", "1")
    database_url = os.environ["DATABASE_URL"]
    app = load_controlled_app()
    with TestClient(app) as client:
        runner = app.state.service.runner
        runner.close_gate()
        client.post("/jobs", json={"prompt": "running", "max_new_tokens": 20})
        assert runner.entered.wait(5)
        client.post("/jobs", json={"prompt": "queued 1", "max_new_tokens": 2})
        client.post("/jobs", json={"prompt": "queued 2", "max_new_tokens": 2})
        threading.Timer(0.5, runner.open_gate).start()
    assert not app.state.service.engine.is_alive()
    assert rows(database_url) == [
        (1, "failed", "the server stopped while this job was running"),
        (2, "failed", "the server stopped before this job ran"),
        (3, "failed", "the server stopped before this job ran"),
    ]


def test_a_restart_marks_jobs_left_unfinished(
    env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]
) -> None:
    database_url = os.environ["DATABASE_URL"]
    with TestClient(load_app()):
        pass
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO generation (status, prompt, max_new_tokens, temperature, top_p, stop, "
                "model, created_at) VALUES ('running', 'x', 1, 0, 1, '[]', 'code-gpt-char', "
                "'2026-01-01')"
            )
        )
    engine.dispose()
    with TestClient(load_app()) as client:
        restarted = client.get("/generations/1").json()
    assert (restarted["status"], restarted["error"]) == (
        "failed",
        "the server stopped while this job was running",
    )


def test_missing_weights_refuse_to_start(
    env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.safetensors"
    env.setenv("MODEL_PATH", str(missing))
    app = load_app()
    with pytest.raises(Exception, match="model file not found") as error, TestClient(app):
        pass
    assert str(error.value) == f"model file not found: {missing} {HOW_TO_FIX}"


def test_corrupt_weights_refuse_to_start(
    env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI], tmp_path: Path
) -> None:
    corrupt = tmp_path / "broken.safetensors"
    corrupt.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00not json")
    corrupt.with_suffix(".json").write_text(WEIGHTS.with_suffix(".json").read_text())
    env.setenv("MODEL_PATH", str(corrupt))
    app = load_app()
    with pytest.raises(Exception, match="model weights are not readable") as error, TestClient(app):
        pass
    assert str(error.value).startswith(f"model weights are not readable: {corrupt}: ")
    assert "\n" not in str(error.value)


@pytest.mark.slow  # a real server process
def test_server_exits_with_one_clear_line_when_weights_are_missing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.safetensors"
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", "main:app", "--port", "0"],
        cwd=CHAPTER_DIR,
        env={
            "PATH": os.environ.get("PATH", ""),
            "MODEL_PATH": str(missing),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    expected = f"Cannot start: model file not found: {missing} {HOW_TO_FIX}"
    assert f"CRITICAL  {expected}" in result.stderr.splitlines(), result.stderr
    assert "Application startup failed. Exiting." in result.stderr
