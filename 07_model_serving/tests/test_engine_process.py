"""`ENGINE_PROCESS=true`: the same engine in a process of its own (as vLLM runs its core)."""

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import openai
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

CHAPTER_WEIGHTS = Path(__file__).resolve().parents[1] / "model" / "weights" / "code-gpt.safetensors"
pytestmark = pytest.mark.slow  # a second process per app: `make test` runs it, `make test-7` not
GREEDY = {"prompt": "def ", "max_new_tokens": 20, "temperature": 0}
SEEDED = {"prompt": "import ", "max_new_tokens": 30, "temperature": 0.8, "seed": 7}


@pytest.fixture
def process_app(env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]) -> FastAPI:
    env.setenv("ENGINE_PROCESS", "true")
    return load_app()


def completions(client: TestClient) -> list[str]:
    return [client.post("/generate", json=body).json()["completion"] for body in (GREEDY, SEEDED)]


def test_the_process_answers_as_the_thread_does(
    env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]
) -> None:
    with TestClient(load_app()) as client:
        in_a_thread = completions(client)
    env.setenv("ENGINE_PROCESS", "true")
    with TestClient(load_app()) as client:
        engine = client.app.state.service.engine
        assert type(engine).__name__ == "EngineProcess"
        assert engine.pid != os.getpid()
        in_a_process = completions(client)
    assert in_a_process == in_a_thread
    assert engine.exit_code == 0, "the engine process stops when the server does"


def test_streams_and_stats_cross_the_process_boundary(
    process_app: FastAPI, serve: Callable[[FastAPI], str]
) -> None:
    base_url = serve(process_app)
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="not-needed", max_retries=0)
    body = {"model": "code-gpt-char", "prompt": "import ", "max_tokens": 24, "temperature": 0}
    plain = client.completions.create(**body).choices[0].text
    streamed = [chunk.choices[0].text for chunk in client.completions.create(**body, stream=True)]
    assert "".join(streamed) == plain and len(plain) == 24
    stats = process_app.state.service.engine.stats()
    assert (stats.waiting, stats.running, stats.slots) == (0, 0, 64)
    assert stats.requests_served == 3  # the warm-up and the two above
    assert stats.tokens_generated == 8 + 24 + 24


def test_a_stop_string_that_half_matches_crosses_the_process_boundary(
    env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]
) -> None:
    # The greedy text of this prompt holds "s", "se" and "sel" before "self": the engine holds
    # them back (they may start the stop string), which once made the engine process announce
    # the sequence as admitted a second time and killed the server's reader thread.
    body = {"prompt": "class A:\n    def ", "max_new_tokens": 40, "temperature": 0}
    body["stop"] = ["self"]
    with TestClient(load_app()) as client:
        in_a_thread = client.post("/generate", json=body).json()
    env.setenv("ENGINE_PROCESS", "true")
    with TestClient(load_app()) as client:
        answers = [client.post("/generate", json=body).json() for _ in range(3)]
        assert client.get("/ready").status_code == 200
    assert in_a_thread["finish_reason"] == "stop"
    for answer in answers:
        assert (answer["completion"], answer["finish_reason"]) == (
            in_a_thread["completion"],
            "stop",
        )


def test_a_dead_engine_process_fails_liveness_and_is_logged(
    process_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(process_app) as client:
        engine = client.app.state.service.engine
        assert client.get("/health").status_code == 200
        os.kill(engine.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while engine.is_alive():
            assert time.monotonic() < deadline, "the server never noticed"
            time.sleep(0.05)
        failed = {"detail": "The engine stopped unexpectedly: this server must be restarted."}
        for answer in (client.post("/generate", json=GREEDY), client.get("/ready")):
            assert (answer.status_code, answer.json()) == (503, failed)
        # Liveness fails too: an orchestrator replaces a server that cannot generate any more.
        health = client.get("/health")
        assert (health.status_code, health.json()) == (503, failed)
    assert engine.exit_code == -signal.SIGKILL
    assert "The engine process exited on its own (exit code -9)" in caplog.text


def test_a_waiter_cancelled_in_the_engine_process_is_let_go(engine_parts: ModuleType) -> None:
    weights = CHAPTER_WEIGHTS
    runner = engine_parts.ModelRunner(weights, "cpu", 1)
    remote = engine_parts.EngineProcess(runner, "cpu", 2, 1)
    remote.start()
    try:
        encode = runner.tokenizer.encode
        long = engine_parts.SamplingParams(max_new_tokens=100, temperature=0)
        busy = remote.submit(encode("def "), long)
        deadline = time.monotonic() + 30
        while busy.slot is None:  # it runs in the only slot: the next two wait
            assert time.monotonic() < deadline, "the first sequence never ran"
            time.sleep(0.01)
        waiting = [remote.submit(encode(prompt), long) for prompt in "ab"]
        for sequence in waiting:
            sequence.cancel()  # their clients went away while they waited
        short = engine_parts.SamplingParams(max_new_tokens=3, temperature=0)
        third = remote.submit(encode("c"), short)  # the line has room again: no QueueFull
        assert third.future.result(timeout=60).tokens == 3
        assert busy.future.result(timeout=60).tokens == 100
        for sequence in waiting:  # answered as the engine in a thread answers them
            with pytest.raises(engine_parts.SequenceCancelled):
                sequence.future.result(timeout=0)
        assert remote.stats().waiting == 0
    finally:
        remote.stop(drain_s=0)
