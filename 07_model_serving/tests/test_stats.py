"""`GET /stats`: what the engine is doing, and proof that concurrent requests share steps."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

# Each test runs with the engine in a thread and in a process (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("engine_mode")


def test_stats_of_an_idle_engine(client: TestClient) -> None:
    response = client.get("/stats")
    assert response.status_code == 200
    stats = response.json()
    assert {k: stats[k] for k in ("waiting", "running", "slots", "requests_served")} == {
        "waiting": 0,
        "running": 0,
        "slots": 64,
        "requests_served": 1,  # the warm-up
    }
    assert stats["tokens_generated"] == 8
    assert set(stats) == {
        "waiting",
        "running",
        "slots",
        "mean_batch_size",
        "requests_served",
        "tokens_generated",
        "tokens_per_second",
        "prefix_cache_queries",
        "prefix_cache_hits",
        "spec_draft_tokens",
        "spec_accepted_tokens",
    }


def test_concurrent_requests_are_batched(
    serve: Callable[[FastAPI], str], load_slow_app: Callable[[], FastAPI]
) -> None:
    base_url = serve(load_slow_app())
    body = {"prompt": "def ", "max_new_tokens": 30, "temperature": 0}

    def generate(_: int) -> int:
        return httpx.post(f"{base_url}/generate", json=body, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(generate, range(12)))
    assert statuses == [200] * 12
    stats = httpx.get(f"{base_url}/stats").json()
    assert stats["requests_served"] == 13
    assert stats["tokens_generated"] == 8 + 12 * 30
    assert stats["mean_batch_size"] > 4, stats
    assert stats["tokens_per_second"] > 0
