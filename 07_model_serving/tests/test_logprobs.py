"""Log-probabilities and `echo`, in OpenAI's shapes, through the official `openai` client.

The rule, from the lesson: each token's log-probability is the log of the softmax of the
model's logits at its place (the model's own distribution, before temperature and top_p), and
the `top_logprobs` are the likeliest tokens there, best first. So every number can be checked
against the model run without the server (`next_token_logits`), and asking for them never
changes the text.
"""

import math
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import httpx
import openai
import pytest
import torch
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MODEL = "code-gpt-char"
WEIGHTS = Path(__file__).resolve().parents[1] / "model" / "weights" / "code-gpt.safetensors"
VOCABULARY = "\n" + "".join(map(chr, range(32, 127)))
TOLERANCE = 1e-4  # the server's cached steps and the reference's full passes round differently


@pytest.fixture
def reference(model_package: ModuleType) -> Callable[[str], list[tuple[str, float]]]:
    """The model's next-token log-probabilities after a text, best first, computed here."""
    model, tokenizer, _ = model_package.load_checkpoint(WEIGHTS, torch.device("cpu"))

    def ranked(text: str) -> list[tuple[str, float]]:
        logits = model_package.next_token_logits(model, tokenizer.encode(text), torch.device("cpu"))
        logprobs = torch.log_softmax(logits, dim=-1).tolist()
        return sorted(zip(VOCABULARY, logprobs, strict=True), key=lambda pair: -pair[1])

    return ranked


def assert_likeliest(got: dict[str, float], expected: list[tuple[str, float]]) -> None:
    """`got` holds the likeliest tokens (ties aside) with their log-probabilities."""
    assert len(got) == len(expected)
    for token, logprob in got.items():
        assert math.isclose(logprob, dict(expected)[token], abs_tol=TOLERANCE)
    cut = min((value for _, value in expected), default=math.inf)
    assert all(value <= cut + TOLERANCE for _, value in expected[len(got) :])


@pytest.mark.usefixtures("engine_mode")
def test_completion_logprobs_are_the_models_through_the_openai_client(
    openai_client: openai.OpenAI, reference: Callable[[str], list[tuple[str, float]]]
) -> None:
    prompt = "def "
    completion = openai_client.completions.create(
        model=MODEL, prompt=prompt, max_tokens=12, temperature=0.8, seed=5, logprobs=3
    )
    (choice,) = completion.choices
    logprobs = choice.logprobs
    assert logprobs is not None
    assert logprobs.tokens == list(choice.text)
    assert logprobs.text_offset == list(range(len(choice.text)))
    assert logprobs.top_logprobs is not None and logprobs.token_logprobs is not None
    for place, (token, logprob, top) in enumerate(
        zip(logprobs.tokens, logprobs.token_logprobs, logprobs.top_logprobs, strict=True)
    ):
        ranked = reference(prompt + choice.text[:place])
        assert logprob is not None and math.isclose(logprob, dict(ranked)[token], abs_tol=TOLERANCE)
        # The three likeliest, and the sampled token too when it is not among them.
        likeliest = dict(ranked[:3])
        assert top.keys() == likeliest.keys() | {token}
        assert_likeliest({k: v for k, v in top.items() if k in likeliest}, ranked[:3])


@pytest.mark.usefixtures("engine_mode")
def test_echo_puts_the_prompt_and_its_logprobs_first(
    openai_client: openai.OpenAI, reference: Callable[[str], list[tuple[str, float]]]
) -> None:
    prompt, fields = "import os\n", {"max_tokens": 8, "temperature": 0}
    alone = openai_client.completions.create(model=MODEL, prompt=prompt, **fields)
    echoed = openai_client.completions.create(
        model=MODEL, prompt=prompt, echo=True, logprobs=0, **fields
    )
    text = echoed.choices[0].text
    assert text == prompt + alone.choices[0].text
    logprobs = echoed.choices[0].logprobs
    assert logprobs is not None and logprobs.token_logprobs is not None
    assert logprobs.tokens == list(text)
    assert logprobs.text_offset == list(range(len(text)))
    assert logprobs.token_logprobs[0] is None and logprobs.top_logprobs is not None
    assert logprobs.top_logprobs[0] is None
    for place in range(1, len(text)):
        expected = dict(reference(text[:place]))[text[place]]
        assert math.isclose(logprobs.token_logprobs[place], expected, abs_tol=TOLERANCE)
        assert logprobs.top_logprobs[place] == {text[place]: logprobs.token_logprobs[place]}
    assert echoed.usage is not None
    assert (echoed.usage.prompt_tokens, echoed.usage.completion_tokens) == (len(prompt), 8)


def test_echo_without_logprobs_has_none(client: TestClient) -> None:
    body = {"model": MODEL, "prompt": "x = ", "max_tokens": 3, "temperature": 0, "echo": True}
    (choice,) = client.post("/v1/completions", json=body).json()["choices"]
    assert choice["text"].startswith("x = ") and len(choice["text"]) == 7
    assert choice["logprobs"] is None


@pytest.mark.usefixtures("engine_mode")
@pytest.mark.parametrize("echo", [False, True])
def test_streamed_logprobs_add_up_to_the_plain_ones(
    openai_client: openai.OpenAI, echo: bool
) -> None:
    body = {
        "model": MODEL,
        "prompt": "class Parser:\n    def ",
        "max_tokens": 20,
        "temperature": 0.8,
        "seed": 3,
        "logprobs": 2,
        "echo": echo,
        "stop": ["(s"],
    }
    plain = openai_client.completions.create(**body).choices[0]
    chunks = [chunk.choices[0] for chunk in openai_client.completions.create(**body, stream=True)]
    pieces = [chunk.logprobs for chunk in chunks if chunk.text]
    assert "".join(chunk.text for chunk in chunks) == plain.text
    assert plain.logprobs is not None and all(piece is not None for piece in pieces)
    for name in ("tokens", "token_logprobs", "top_logprobs", "text_offset"):
        streamed = [value for piece in pieces for value in getattr(piece, name)]
        assert streamed == getattr(plain.logprobs, name), name


def test_a_stop_string_has_no_logprobs(client: TestClient) -> None:
    body = {"model": MODEL, "prompt": "def ", "max_tokens": 20, "temperature": 0, "logprobs": 1}
    whole = client.post("/v1/completions", json=body).json()["choices"][0]
    cut = client.post("/v1/completions", json=body | {"stop": ["(s"]}).json()["choices"][0]
    assert cut["finish_reason"] == "stop" and len(cut["text"]) < len(whole["text"])
    assert cut["logprobs"]["tokens"] == list(cut["text"])
    for name in ("tokens", "token_logprobs", "top_logprobs", "text_offset"):
        assert cut["logprobs"][name] == whole["logprobs"][name][: len(cut["text"])]


@pytest.mark.slow  # generated cases: `make test` and CI run them, `make test-7` not
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prompt=st.text(alphabet=VOCABULARY, min_size=1, max_size=40),
    top=st.integers(min_value=0, max_value=20),
    temperature=st.sampled_from([0, 0.7, 1.5]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_any_request_reports_the_models_own_distribution(
    client: TestClient,
    reference: Callable[[str], list[tuple[str, float]]],
    prompt: str,
    top: int,
    temperature: float,
    seed: int,
) -> None:
    body = {"model": MODEL, "prompt": prompt, "max_tokens": 4, "seed": seed}
    body["temperature"] = temperature
    plain = client.post("/v1/completions", json=body).json()["choices"][0]
    answer = client.post("/v1/completions", json=body | {"logprobs": top}).json()
    (choice,) = answer["choices"]
    assert choice["text"] == plain["text"], "asking for logprobs changed the text"
    logprobs = choice["logprobs"]
    for place, token in enumerate(choice["text"]):
        ranked = reference(prompt + choice["text"][:place])
        expected = dict(ranked)[token]
        assert math.isclose(logprobs["token_logprobs"][place], expected, abs_tol=TOLERANCE)
        likeliest = {k: v for k, v in logprobs["top_logprobs"][place].items() if k != token}
        if token in dict(ranked[:top]):
            likeliest[token] = logprobs["top_logprobs"][place][token]
        assert_likeliest(likeliest, ranked[:top])


@pytest.mark.usefixtures("engine_mode")
def test_chat_logprobs_in_openais_shape(
    openai_client: openai.OpenAI, reference: Callable[[str], list[tuple[str, float]]]
) -> None:
    messages = [{"role": "user", "content": "Add two numbers."}]
    fields = {"max_completion_tokens": 10, "temperature": 0, "logprobs": True, "top_logprobs": 2}
    answer = openai_client.chat.completions.create(model=MODEL, messages=messages, **fields)
    (choice,) = answer.choices
    assert choice.logprobs is not None and choice.logprobs.content is not None
    assert choice.logprobs.refusal is None
    content = choice.message.content or ""
    assert [entry.token for entry in choice.logprobs.content] == list(content)
    prompt = "# Add two numbers.\n"
    for place, entry in enumerate(choice.logprobs.content):
        ranked = reference(prompt + content[:place])
        assert math.isclose(entry.logprob, dict(ranked)[entry.token], abs_tol=TOLERANCE)
        assert entry.bytes == list(entry.token.encode())
        assert [top.bytes for top in entry.top_logprobs] == [
            list(top.token.encode()) for top in entry.top_logprobs
        ]
        assert_likeliest({top.token: top.logprob for top in entry.top_logprobs}, ranked[:2])
        assert entry.top_logprobs[0].token == entry.token, "greedy takes the likeliest"

    stream = openai_client.chat.completions.create(
        model=MODEL, messages=messages, stream=True, **fields
    )
    streamed = [
        entry
        for chunk in stream
        if chunk.choices and chunk.choices[0].logprobs
        for entry in chunk.choices[0].logprobs.content or []
    ]
    assert streamed == choice.logprobs.content


def test_chat_logprobs_false_reports_none(client: TestClient) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "x"}], "max_tokens": 2}
    (choice,) = client.post("/v1/chat/completions", json=body).json()["choices"]
    assert choice["logprobs"] is None


def openai_error(message: str, param: str | None) -> dict[str, object]:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": None}
    return {"error": error}


@pytest.mark.parametrize(
    ("path", "fields", "expected"),
    [
        (
            "/v1/chat/completions",
            {"top_logprobs": 2},
            openai_error("Value error, top_logprobs can only be set when logprobs is true", None),
        ),
        (
            "/v1/chat/completions",
            {"logprobs": True, "top_logprobs": 21},
            openai_error("top_logprobs: Input should be less than or equal to 20", "top_logprobs"),
        ),
        (
            "/v1/completions",
            {"logprobs": 21},
            openai_error("logprobs: Input should be less than or equal to 20", "logprobs"),
        ),
        (
            "/v1/completions",
            {"logprobs": -1},
            openai_error("logprobs: Input should be greater than or equal to 0", "logprobs"),
        ),
        (
            "/v1/completions",
            {"echo": "yes"},
            openai_error("echo: Input should be a valid boolean", "echo"),
        ),
    ],
)
def test_bad_logprob_fields_are_400(
    client: TestClient, path: str, fields: dict[str, object], expected: dict[str, object]
) -> None:
    base = {"model": MODEL, "max_tokens": 2}
    base |= (
        {"prompt": "x"}
        if path == "/v1/completions"
        else {"messages": [{"role": "user", "content": "x"}]}
    )
    response = client.post(path, json=base | fields)
    assert response.status_code == 400
    assert response.json() == expected


@pytest.mark.usefixtures("engine_mode")
def test_logprobs_of_a_row_alone_and_in_a_batch_are_bitwise_equal(base_url: str) -> None:
    body = {"model": MODEL, "prompt": "for line in ", "max_tokens": 30, "temperature": 0}
    body["logprobs"] = 5
    alone = httpx.post(f"{base_url}/v1/completions", json=body, timeout=30).json()
    # n=8 greedy choices are submitted together, so they run side by side in one batch.
    batch = httpx.post(f"{base_url}/v1/completions", json=body | {"n": 8}, timeout=30).json()
    expected = alone["choices"][0]["logprobs"]
    assert [choice["logprobs"] for choice in batch["choices"]] == [expected] * 8
