"""`GET /metrics`: what a Prometheus scrape says must add up to what the server answered.

The rule, from the lesson: every finished generation, whichever route asked for it, adds one to
`codegpt_request_success_total` under its finish reason, its prompt and its tokens to the token
counters, and one observation to each latency histogram (to the time per output token only
when it made two tokens or more). Gauges say what runs and waits at the moment of the scrape.
"""

import time
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

MODEL = "code-gpt-char"
HISTOGRAMS = [
    "codegpt_request_queue_time_seconds",
    "codegpt_time_to_first_token_seconds",
    "codegpt_time_per_output_token_seconds",
    "codegpt_e2e_request_latency_seconds",
]


def scrape(client: TestClient) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def ask(client: TestClient, route: str, prompt: str, tokens: int, stop: str | None) -> dict:
    """One request through `route`; (prompt tokens, generated tokens, finish reason)."""
    stops = [stop] if stop else []
    if route == "/generate":
        body = {"prompt": prompt, "max_new_tokens": tokens, "temperature": 0, "stop": stops}
        answer = client.post(route, json=body).json()
        return {
            "prompt": len(prompt),
            "tokens": answer["tokens"],
            "reason": answer["finish_reason"],
        }
    common = {"model": MODEL, "max_tokens": tokens, "temperature": 0, "stop": stops}
    if route == "/v1/completions":
        answer = client.post(route, json=common | {"prompt": prompt}).json()
    else:
        messages = [{"role": "assistant", "content": prompt}]  # written as the prompt + "\n"
        answer = client.post(route, json=common | {"messages": messages}).json()
    usage, (choice,) = answer["usage"], answer["choices"]
    reason = choice["finish_reason"]
    return {
        "prompt": usage["prompt_tokens"],
        "tokens": usage["completion_tokens"],
        "reason": reason,
    }


requests = st.lists(
    st.tuples(
        st.sampled_from(["/generate", "/v1/completions", "/v1/chat/completions"]),
        st.sampled_from(["def ", "import ", "class A:\n    ", "x = 1\n"]),
        st.integers(1, 8),
        st.sampled_from([None, "e", "(", "\n"]),
    ),
    min_size=1,
    max_size=5,
)


@given(batch=requests)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_scrape_adds_up_what_was_served(
    client: TestClient, batch: list[tuple[str, str, int, str | None]]
) -> None:
    before = scrape(client)
    served = [ask(client, *request) for request in batch]
    after = scrape(client)

    def grew(name: str) -> float:
        return after[name] - before.get(name, 0.0)

    for reason in ("length", "stop"):
        expected = sum(s["reason"] == reason for s in served)
        assert grew(f"codegpt_request_success_total{{finish_reason={reason}}}") == expected
    assert grew("codegpt_prompt_tokens_total") == sum(s["prompt"] for s in served)
    assert grew("codegpt_generation_tokens_total") == sum(s["tokens"] for s in served)
    for histogram in HISTOGRAMS:
        several = histogram == "codegpt_time_per_output_token_seconds"
        count = sum(s["tokens"] > 1 for s in served) if several else len(served)
        assert grew(f"{histogram}_count") == count
        assert grew(f"{histogram}_bucket{{le=+Inf}}") == count
    assert (after["codegpt_requests_running"], after["codegpt_requests_waiting"]) == (0, 0)


def test_the_times_are_in_order(client: TestClient) -> None:
    for prompt in ("def ", "import ", "for "):
        client.post("/generate", json={"prompt": prompt, "max_new_tokens": 20})
    now = scrape(client)
    queue, first, whole = (
        now[f"codegpt_{name}_sum"]
        for name in (
            "request_queue_time_seconds",
            "time_to_first_token_seconds",
            "e2e_request_latency_seconds",
        )
    )
    assert 0 <= queue <= first <= whole  # each generation waits, then starts, then ends
    buckets = sorted(
        (float(key.split("le=")[1].rstrip("}")), value)
        for key, value in now.items()
        if key.startswith("codegpt_e2e_request_latency_seconds_bucket")
    )
    counts = [value for _, value in buckets]
    assert counts == sorted(counts) and counts[-1] == 3  # cumulative; the warm-up is not counted


def test_a_job_is_counted_when_it_finishes(client: TestClient) -> None:
    before = scrape(client)["codegpt_generation_tokens_total"]
    job = client.post("/jobs", json={"prompt": "def ", "max_new_tokens": 12, "temperature": 0})
    assert job.status_code == 202
    deadline = time.monotonic() + 30
    while client.get(f"/generations/{job.json()['id']}").json()["status"] != "done":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert scrape(client)["codegpt_generation_tokens_total"] - before == 12


def test_the_gauges_show_what_runs_now(
    load_controlled_app: Callable[..., FastAPI],
) -> None:
    with TestClient(load_controlled_app()) as client:
        runner = client.app.state.service.runner
        runner.close_gate()
        for _ in range(3):
            client.post("/jobs", json={"prompt": "def ", "max_new_tokens": 5})
        deadline = time.monotonic() + 30
        while scrape(client)["codegpt_requests_running"] < 1:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        now = scrape(client)
        assert now["codegpt_requests_running"] + now["codegpt_requests_waiting"] == 3
        runner.open_gate()


def test_metrics_needs_no_key(env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]) -> None:
    env.setenv("API_KEY", "secret")
    with TestClient(load_app()) as client:
        assert client.get("/metrics").status_code == 200
        assert client.get("/stats").status_code == 401
