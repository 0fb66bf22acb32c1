"""Streaming keeps pace with the engine: one chunk per token while the client keeps up, and the
text that piled up in one chunk once it falls behind (as vLLM's output collector does)."""

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import openai
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from testkit.inprocess import load_file

HOOKS = load_file(Path(__file__).with_name("host_hooks.py"))  # the tests' runners

# Each test runs with the engine in a thread and in a process (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("engine_mode")


class LockstepRunner(HOOKS.WrappedRunner):
    """The real model, but each decode step waits for the test's permission: the engine cannot
    get ahead of the client, whatever the machine's load."""

    def __init__(self, real: object) -> None:
        super().__init__(real)
        self.permits = threading.Semaphore(7)  # the start-up's warm-up: 8 tokens, 7 decodes

    def enter(self, prompts: list[object], tokens: list[int], slots: list[int] | None) -> None:
        if tokens:
            assert self.permits.acquire(timeout=10), "the test never allowed this step"


def test_the_collector_joins_what_piled_up(chapter: Callable[[str], ModuleType]) -> None:
    collecting = chapter("serving.text_collector")

    def entry(char: str) -> tuple[str, float, tuple[tuple[str, float], ...]]:
        return char, -1.0, ((char, -1.0),)

    async def scenario() -> list[tuple[object, bool]]:
        collector = collecting.TextCollector(asyncio.get_running_loop())
        engine = threading.Thread(target=lambda: [collector.put(c, False) for c in "def "])
        engine.start()
        engine.join()
        first = await collector.get()
        collector.put("", False)  # held back for a stop string: no wake-up, nothing to send
        collector.put("f", False, (entry("f"),))
        collector.put("g", False, (entry("g"),))
        collector.put("", True)
        return [first, await collector.get()]

    assert asyncio.run(scenario()) == [
        (collecting.Delta("def "), False),
        (collecting.Delta("fg", (entry("f"), entry("g"))), True),
    ]


def test_one_chunk_per_token_while_the_client_keeps_up(
    serve: Callable[[FastAPI], str],
    load_controlled_app: Callable[..., FastAPI],
    env: pytest.MonkeyPatch,
) -> None:
    env.setenv("SPECULATIVE_TOKENS", "0")  # one token a step (a step's guesses share a chunk)
    app = load_controlled_app(LockstepRunner)
    base_url = serve(app)
    runner = app.state.service.runner
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="not-needed", max_retries=0)
    body = {"model": "code-gpt-char", "prompt": "import ", "max_tokens": 12, "temperature": 0}
    runner.permits.release(11)  # the first token comes from the prefill, 11 from decode steps
    plain = client.completions.create(**body).choices[0].text
    texts = []
    for chunk in client.completions.create(**body, stream=True):
        texts.append(chunk.choices[0].text)
        runner.permits.release()  # the next token only now
    assert [len(text) for text in texts] == [1] * 12 + [0], "12 tokens, then finish_reason"
    assert "".join(texts) == plain


def test_a_stream_that_fell_behind_gets_the_rest_in_one_chunk(
    load_controlled_app: Callable[..., FastAPI], chapter: Callable[[str], ModuleType]
) -> None:
    params = chapter("engine").SamplingParams(max_new_tokens=24, temperature=0.0)
    request = chapter("serving.service_types").GenerationRequest("import ", params)

    async def consume(service: object, runner: LockstepRunner) -> list[object]:
        served = service.engine.stats().requests_served  # the start-up's warm-up counts
        pieces = service.stream(request)
        first = await anext(pieces)  # the prefill's token: no decode step is allowed yet
        runner.permits.release(23)
        while service.engine.stats().requests_served == served:  # the client is busy elsewhere
            await asyncio.sleep(0.01)
        return [first] + [piece async for piece in pieces]

    with TestClient(load_controlled_app(LockstepRunner)) as client:
        service = client.app.state.service
        first, rest, finished = asyncio.run(consume(service, service.runner))
    assert len(first.text) == 1
    assert len(rest.text) == 23, "what piled up arrives as one piece"
    assert first.text + rest.text == finished.completion.text
    assert finished.completion.tokens == 24
