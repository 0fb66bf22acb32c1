"""Prefix caching: a prompt's start, seen before, is copied instead of computed, and nothing
else changes.

The rule, from the lesson: a prompt is cut into blocks of 32 tokens; a full block is reused
when the whole prompt up to the block's end was seen before (not the last token: its logits
are needed). The model prefills in those same blocks, so the logits, and hence every text and
log-probability, are bit for bit those of a server without the cache.
"""

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
import torch
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MODEL = "code-gpt-char"
WEIGHTS = Path(__file__).resolve().parents[1] / "model" / "weights" / "code-gpt.safetensors"
VOCABULARY = "\n" + "".join(map(chr, range(32, 127)))
BLOCK = 32
SYSTEM = "# You write small, correct Python functions with docstrings.\n"


def usable_blocks(prompt: str) -> int:
    return (len(prompt) - 1) // BLOCK


@pytest.fixture
def runners(chapter: Callable[[str], ModuleType]) -> tuple[object, object]:
    """The same model twice, on the CPU: with a prefix cache, and without one."""
    runner = chapter("engine").ModelRunner
    return runner(WEIGHTS, "cpu", 4, prefix_blocks=64), runner(WEIGHTS, "cpu", 4)


@pytest.mark.slow  # generated cases: `make test` and CI run them, `make test-7` not
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    shared=st.text(alphabet=VOCABULARY, min_size=0, max_size=80),
    first=st.text(alphabet=VOCABULARY, min_size=1, max_size=40),
    second=st.text(alphabet=VOCABULARY, min_size=1, max_size=40),
)
def test_logits_with_a_reused_prefix_are_bitwise_those_computed(
    runners: tuple[object, object], shared: str, first: str, second: str
) -> None:
    cached, plain = runners
    tokenizer = cached.tokenizer
    a, b = (tokenizer.encode(shared + end)[:128] for end in (first, second))
    cached.prefill([(0, a)])
    hits = cached.prefix_cache.stats.hits
    reused = cached.prefill([(1, b)])
    computed = plain.prefill([(1, b)])
    assert torch.equal(reused, computed)
    common = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    assert cached.prefix_cache.stats.hits - hits >= min(common // BLOCK, usable_blocks(b))


def completion(client: TestClient, prompt: str, **fields: object) -> dict[str, object]:
    body = {"model": MODEL, "prompt": prompt, "max_tokens": 24, "logprobs": 3} | fields
    response = client.post("/v1/completions", json=body)
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]


@pytest.mark.usefixtures("engine_mode")
def test_answers_are_bitwise_the_same_with_the_cache_on_and_off(
    env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]
) -> None:
    asks = [
        ("def add(a, b):\n", {"temperature": 0}),
        ("def mul(a, b):\n", {"temperature": 0.8, "seed": 7}),
        ("def add(a, b):\n", {"temperature": 1.2, "seed": 3}),
        ("class Point:\n", {"temperature": 0}),
    ]
    answers = {}
    for blocks in ("0", "512"):
        env.setenv("PREFIX_CACHE_BLOCKS", blocks)
        with TestClient(load_app()) as client:
            answers[blocks] = [completion(client, SYSTEM + end, **fields) for end, fields in asks]
            stats = client.get("/stats").json()
        if blocks == "0":
            assert (stats["prefix_cache_queries"], stats["prefix_cache_hits"]) == (0, 0)
        else:
            # The system message fills a whole block: every ask after the first reuses it.
            assert stats["prefix_cache_hits"] >= BLOCK * (len(asks) - 1)
    assert answers["512"] == answers["0"]


def test_stats_and_metrics_count_the_blocks(client: TestClient) -> None:
    before = client.get("/stats").json()
    prompt = SYSTEM + "def f():\n"
    completion(client, prompt)
    completion(client, prompt, temperature=0.5)
    after = client.get("/stats").json()
    looked_up = usable_blocks(prompt) * BLOCK
    assert after["prefix_cache_queries"] - before["prefix_cache_queries"] == 2 * looked_up
    assert after["prefix_cache_hits"] - before["prefix_cache_hits"] == looked_up
    lines = client.get("/metrics").text.splitlines()
    assert f"codegpt_prefix_cache_queries_total {float(after['prefix_cache_queries'])}" in lines
    assert f"codegpt_prefix_cache_hits_total {float(after['prefix_cache_hits'])}" in lines


def test_the_least_recently_used_block_goes_first(chapter: Callable[[str], ModuleType]) -> None:
    runner = chapter("engine").ModelRunner(WEIGHTS, "cpu", 2, prefix_blocks=2)
    prompts = ["a" * 33, "b" * 33, "a" * 33, "c" * 33]  # one usable block each
    found = []
    for prompt in prompts:
        hits = runner.prefix_cache.stats.hits
        runner.prefill([(0, runner.tokenizer.encode(prompt))])
        found.append(runner.prefix_cache.stats.hits - hits)
    assert found == [0, 0, 1, 0]
    assert len(runner.prefix_cache) == 2
    for prompt, reused in (("a" * 33, 1), ("b" * 33, 0)):  # "c" pushed out "b", not "a"
        hits = runner.prefix_cache.stats.hits
        runner.prefill([(0, runner.tokenizer.encode(prompt))])
        assert runner.prefix_cache.stats.hits - hits == reused


def test_a_prompt_of_whole_blocks_still_computes_its_last_token(
    chapter: Callable[[str], ModuleType],
) -> None:
    runner = chapter("engine").ModelRunner(WEIGHTS, "cpu", 2, prefix_blocks=8)
    ids = runner.tokenizer.encode("x" * 64)
    first = runner.prefill([(0, ids)])
    again = runner.prefill([(1, ids)])
    assert runner.prefix_cache.stats.hits == 1  # the first block; the second holds the last token
    assert torch.equal(first, again)
