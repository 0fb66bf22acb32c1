"""The OpenAI-compatible API, through the official `openai` client and over real HTTP."""

import json
import time
from collections.abc import Callable

import httpx
import openai
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

MODEL = "code-gpt-char"
# Each test runs with the engine in a thread and in a process (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("engine_mode")


@pytest.fixture
def client(openai_client: openai.OpenAI) -> openai.OpenAI:
    return openai_client


def plain(base_url: str, body: dict[str, object]) -> str:
    """The text of the same request, not streamed."""
    response = httpx.post(f"{base_url}/v1/completions", json=body | {"stream": False}, timeout=30)
    return response.json()["choices"][0]["text"]


def test_lists_the_model(client: openai.OpenAI) -> None:
    (model,) = client.models.list().data
    assert (model.id, model.object, model.owned_by) == (MODEL, "model", "fastapi-course")


def test_plain_completion_and_its_row(client: openai.OpenAI, base_url: str) -> None:
    completion = client.completions.create(
        model=MODEL, prompt="def ", max_tokens=20, temperature=0, stop=["(s"]
    )
    (choice,) = completion.choices
    assert (choice.index, choice.text, choice.finish_reason) == (0, "__init__", "stop")
    assert completion.object == "text_completion"
    assert completion.id.startswith("cmpl-")
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (4, 10)
    assert completion.usage.total_tokens == 14
    (stored,) = httpx.get(f"{base_url}/generations").json()
    assert (stored["prompt"], stored["completion"], stored["finish_reason"]) == (
        "def ",
        "__init__",
        "stop",
    )


def test_streamed_chunks_add_up_to_the_plain_answer(client: openai.OpenAI) -> None:
    body = {"model": MODEL, "prompt": "import ", "max_tokens": 24, "temperature": 0}
    plain = client.completions.create(**body).choices[0].text
    chunks = list(
        client.completions.create(**body, stream=True, stream_options={"include_usage": True})
    )
    *tokens, last, usage = chunks
    assert all(chunk.choices[0].text for chunk in tokens), "no empty chunk before the last"
    assert "".join(chunk.choices[0].text for chunk in tokens) == plain
    assert all(chunk.choices[0].finish_reason is None for chunk in tokens)
    assert (last.choices[0].text, last.choices[0].finish_reason) == ("", "length")
    assert usage.choices == []
    assert usage.usage is not None and usage.usage.completion_tokens == 24
    assert len({chunk.id for chunk in chunks}) == 1


def test_a_stop_string_never_reaches_the_stream(client: openai.OpenAI) -> None:
    stream = client.completions.create(
        model=MODEL, prompt="def ", max_tokens=40, temperature=0, stop=["(self"], stream=True
    )
    texts = [chunk.choices[0].text for chunk in stream if chunk.choices]
    assert "".join(texts) == "__init__"
    assert not any("(" in text for text in texts)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"n": 9}, "n: Input should be less than or equal to 8"),
        ({"logprobs": 21}, "logprobs: Input should be less than or equal to 20"),
        ({"suffix": "\n"}, "suffix: Input should be None"),
        ({"best_of": 2}, "best_of: Input should be less than or equal to 1"),
        ({"frequency_penalty": 0.5}, "frequency_penalty: Input should be less than or equal to 0"),
        ({"max_tokens": 0}, "max_tokens: Input should be greater than or equal to 1"),
        ({"prompt": ["a", "b"]}, "prompt: List should have at most 1 item"),
        ({"stream_options": {"include_usage": True}}, "Value error, stream_options can only be"),
    ],
)
def test_unsupported_or_invalid_fields_are_400_in_openai_shape(
    client: openai.OpenAI, extra: dict[str, object], message: str
) -> None:
    body = {"model": MODEL, "prompt": "def ", "max_tokens": 4} | extra
    with pytest.raises(openai.BadRequestError) as raised:
        client.completions.create(**body)
    assert raised.value.status_code == 400
    error = raised.value.body
    assert isinstance(error, dict)
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith(message), error


def test_another_model_is_404(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        client.completions.create(model="gpt-4", prompt="def ")
    assert raised.value.body == {
        "message": "The model `gpt-4` does not exist: this one serves `code-gpt-char`.",
        "type": "not_found_error",
        "param": None,
        "code": None,
    }


def test_raw_server_sent_events_framing(base_url: str) -> None:
    body = {"model": MODEL, "prompt": "if ", "max_tokens": 3, "temperature": 0, "stream": True}
    with httpx.stream("POST", f"{base_url}/v1/completions", json=body, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        raw = response.read().decode()
    events = raw.split("\n\n")
    assert events[-1] == "", "the stream ends with a blank line"
    assert events[-2] == "data: [DONE]"
    assert all(event.startswith('data: {"id":"cmpl-') for event in events[:-2])
    chunks = [json.loads(event.removeprefix("data: ")) for event in events[:-2]]
    texts = [chunk["choices"][0]["text"] for chunk in chunks]
    reasons = [chunk["choices"][0]["finish_reason"] for chunk in chunks]
    # One chunk per token while the client keeps up, fewer if the text piled up meanwhile
    # (test_streaming.py pins down which): never an empty piece before the finish chunk.
    assert 2 <= len(chunks) <= 4 and all(texts[:-1]) and texts[-1] == "", texts
    assert reasons == [None] * (len(chunks) - 1) + ["length"]
    assert "".join(texts) == plain(base_url, body), texts
    # As OpenAI: no `usage` in the chunks unless stream_options.include_usage asks for it.
    assert all('"usage"' not in event for event in events[:-2])


def test_a_prompt_and_max_tokens_past_the_context_is_a_400(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        client.completions.create(model=MODEL, prompt="x" * 100, max_tokens=29)
    assert raised.value.body == {
        "message": "max_tokens: This model's maximum context length is 128 tokens. However, "
        "you requested 129 tokens (100 in the prompt, 29 for the completion). Please reduce "
        "the prompt or max_tokens.",
        "type": "invalid_request_error",
        "param": "max_tokens",
        "code": None,
    }
    fits = client.completions.create(model=MODEL, prompt="x" * 100, max_tokens=28, temperature=0)
    assert fits.usage is not None and fits.usage.completion_tokens == 28


def test_max_tokens_null_asks_for_what_the_context_leaves(client: openai.OpenAI) -> None:
    completion = client.completions.create(
        model=MODEL, prompt="x" * 120, max_tokens=None, temperature=0
    )
    assert completion.usage is not None and completion.usage.completion_tokens == 8


def test_max_tokens_null_asks_for_no_more_than_the_limit(
    env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI], serve: Callable[[FastAPI], str]
) -> None:
    env.setenv("MAX_NEW_TOKENS_LIMIT", "64")
    client = openai.OpenAI(base_url=f"{serve(load_app())}/v1", api_key="unused", max_retries=0)
    completion = client.completions.create(
        model=MODEL, prompt="def ", max_tokens=None, temperature=0, stop=None
    )
    assert completion.usage is not None and completion.usage.completion_tokens == 64


def test_the_limit_of_max_tokens_is_named_as_openai_names_it(base_url: str) -> None:
    body = {"model": MODEL, "prompt": "d", "max_tokens": 257}
    response = httpx.post(f"{base_url}/v1/completions", json=body, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "max_tokens"
    assert response.json()["error"]["message"].startswith("max_tokens: ")


def test_a_client_that_leaves_a_stream_frees_its_slot(
    serve: Callable[[FastAPI], str], load_slow_app: Callable[[], FastAPI]
) -> None:
    app = load_slow_app()
    base_url = serve(app)
    body = {"model": MODEL, "prompt": "def ", "max_tokens": 120, "temperature": 0, "stream": True}
    with httpx.stream("POST", f"{base_url}/v1/completions", json=body, timeout=30) as response:
        lines = response.iter_lines()  # kept: dropping the iterator closes the stream
        assert next(lines).startswith("data: ")
        assert httpx.get(f"{base_url}/stats").json()["running"] == 1
    deadline = time.monotonic() + 3
    while (running := httpx.get(f"{base_url}/stats").json()["running"]) != 0:
        assert time.monotonic() < deadline, f"the slot was not freed: {running} running"
        time.sleep(0.05)
    assert app.state.service.engine.stats().tokens_generated < 120


def test_a_stream_that_times_out_ends_with_an_error_event(
    env: pytest.MonkeyPatch, serve: Callable[[FastAPI], str], load_slow_app: Callable[[], FastAPI]
) -> None:
    env.setenv("REQUEST_TIMEOUT_S", "0.3")
    base_url = serve(load_slow_app())  # 20 ms a step: 100 tokens cannot finish in 0.3 s
    body = {"model": MODEL, "prompt": "def ", "max_tokens": 100, "temperature": 0, "stream": True}
    with httpx.stream("POST", f"{base_url}/v1/completions", json=body, timeout=30) as response:
        assert response.status_code == 200
        events = response.read().decode().split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    assert json.loads(events[-3].removeprefix("data: ")) == {
        "error": {
            "message": "Generation did not finish within 0.3 s",
            "type": "timeout_error",
            "param": None,
            "code": None,
        }
    }
    deadline = time.monotonic() + 2
    while httpx.get(f"{base_url}/stats").json()["running"]:
        assert time.monotonic() < deadline, "the timed-out stream kept its slot"
        time.sleep(0.02)


def test_an_unknown_path_under_v1_says_what_is_served(base_url: str) -> None:
    response = httpx.post(f"{base_url}/v1/embeddings", json={}, timeout=30)
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": "POST /v1/embeddings is not served here. This server answers "
            "POST /v1/chat/completions, POST /v1/completions, GET /v1/models.",
            "type": "not_found_error",
            "param": None,
            "code": None,
        }
    }


def test_n_choices_are_the_single_choices_of_seed_plus_i(base_url: str) -> None:
    """The rule: choice i of a seeded request is the single completion with seed + i (mod
    2**32); usage counts the prompt once and every choice's tokens; each choice is stored."""
    url = f"{base_url}/v1/completions"
    body = {"model": MODEL, "prompt": "def ", "max_tokens": 12, "temperature": 0.9}
    body |= {"seed": 2**32 - 2, "n": 3}
    many = httpx.post(url, json=body, timeout=30).json()
    seeds = [2**32 - 2, 2**32 - 1, 0]
    singles = [
        httpx.post(url, json=body | {"n": 1, "seed": seed}, timeout=30).json()["choices"][0]
        for seed in seeds
    ]
    assert many["choices"] == [single | {"index": i} for i, single in enumerate(singles)]
    assert many["usage"] == {"prompt_tokens": 4, "completion_tokens": 36, "total_tokens": 40}
    stored = httpx.get(f"{base_url}/generations", params={"limit": 10}).json()
    assert sorted(row["seed"] for row in stored) == sorted(seeds * 2)

    with httpx.stream("POST", url, json=body | {"stream": True}, timeout=30) as response:
        events = [e.removeprefix("data: ") for e in response.read().decode().split("\n\n") if e]
    assert events[-1] == "[DONE]"
    texts, endings = ["", "", ""], [0, 0, 0]
    for chunk in map(json.loads, events[:-1]):
        (choice,) = chunk["choices"]
        texts[choice["index"]] += choice["text"]
        endings[choice["index"]] += choice["finish_reason"] is not None
    assert texts == [single["text"] for single in singles]
    assert endings == [1, 1, 1]  # one last chunk per choice


@pytest.mark.thread_engine_only
def test_n_is_all_or_nothing(env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]) -> None:
    env.setenv("MAX_BATCH_SIZE", "1")
    env.setenv("QUEUE_SIZE", "2")
    with TestClient(load_app()) as client:
        body = {"model": MODEL, "prompt": "def ", "max_tokens": 40, "n": 8}
        for stream in (False, True):
            answer = client.post("/v1/completions", json=body | {"stream": stream})
            assert answer.status_code == 503, answer.text
            assert answer.json()["error"]["type"] == "service_unavailable_error"
        assert client.get("/generations").json() == []  # no choice was kept
        assert client.post("/v1/completions", json=body | {"n": 2}).status_code == 200
