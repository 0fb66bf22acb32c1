"""Structured output (`structured_outputs`, as vLLM takes it): the text is one of the choices,
or matches the regular expression, whole.

The rule, from the lesson: a token is allowed only if the text can still become a whole match;
the text ends (finish_reason "stop") once it matches and no character could extend the match.
So for a pattern whose matches are all shorter than `max_tokens`, every answer, plain or
streamed, sampled at any temperature, is a whole match (checked with Python's own `re`).
"""

import concurrent.futures
import re

import httpx
import openai
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MODEL = "code-gpt-char"
JSON_BODY = {"Content-Type": "application/json"}
VOCABULARY = "\n" + "".join(map(chr, range(32, 127)))
WORDS = st.text(alphabet=VOCABULARY, min_size=1, max_size=12)
# Patterns with only finite matches (each at most 40 characters), built from pieces.
PIECES = st.sampled_from(
    ["[0-9]", "[a-z]{1,3}", "(yes|no)", "[A-Z][a-z]{0,2}", "_", "-?[0-9]{1,2}", "\\.", " "]
)
PATTERNS = st.lists(PIECES, min_size=1, max_size=8).map("".join)


def completion(client: TestClient, prompt: str, **fields: object) -> dict[str, object]:
    body = {"model": MODEL, "prompt": prompt, "max_tokens": 48} | fields
    response = client.post("/v1/completions", json=body)
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]


@pytest.mark.slow  # generated cases: `make test` and CI run them, `make test-7` not
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    choices=st.lists(WORDS, min_size=1, max_size=6, unique=True),
    prompt=st.sampled_from(["x = ", "def ", "# answer: ", "if "]),
    temperature=st.sampled_from([0, 0.8, 2.0]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_any_choice_request_answers_one_of_the_choices(
    client: TestClient, choices: list[str], prompt: str, temperature: float, seed: int
) -> None:
    choice = completion(
        client,
        prompt,
        temperature=temperature,
        seed=seed,
        structured_outputs={"choice": choices},
    )
    assert choice["text"] in choices
    longer = [other for other in choices if other.startswith(choice["text"]) and other != choice]
    # It stops at a choice only when no longer choice goes on from it, or at the length limit.
    assert choice["finish_reason"] == "stop" or longer


@pytest.mark.slow  # generated cases: `make test` and CI run them, `make test-7` not
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pattern=PATTERNS,
    temperature=st.sampled_from([0, 0.8, 2.0]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_any_finite_pattern_is_matched_whole(
    client: TestClient, pattern: str, temperature: float, seed: int
) -> None:
    choice = completion(
        client,
        "x = ",
        temperature=temperature,
        seed=seed,
        structured_outputs={"regex": pattern},
    )
    assert re.fullmatch(pattern, choice["text"]), (pattern, choice["text"])
    extendable = any(re.fullmatch(pattern, choice["text"] + c) for c in VOCABULARY)
    assert choice["finish_reason"] == ("length" if extendable else "stop")


def test_a_pattern_that_can_always_go_on_runs_to_the_length(client: TestClient) -> None:
    choice = completion(client, "n = ", max_tokens=12, structured_outputs={"regex": "[0-9]+"})
    assert re.fullmatch("[0-9]{12}", choice["text"])
    assert choice["finish_reason"] == "length"


def test_the_constraint_takes_the_likeliest_allowed_token(client: TestClient) -> None:
    """Greedy with a mask: where the model's likeliest token is allowed, it is the one taken."""
    free = completion(client, "def ", temperature=0, max_tokens=8)
    constrained = completion(
        client, "def ", temperature=0, structured_outputs={"regex": "[a-z_]{8}"}
    )
    assert free["text"] == "__init__"  # the model's own greedy answer is allowed
    assert constrained["text"] == free["text"]


@pytest.mark.usefixtures("engine_mode")
def test_choice_through_the_openai_client_plain_streamed_and_in_chat(
    openai_client: openai.OpenAI,
) -> None:
    client = openai_client
    extra = {"structured_outputs": {"choice": ["True", "False", "None"]}}
    plain = client.completions.create(
        model=MODEL, prompt="done = ", max_tokens=8, seed=4, extra_body=extra
    )
    assert plain.choices[0].text in {"True", "False", "None"}
    assert plain.choices[0].finish_reason == "stop"
    streamed = client.completions.create(
        model=MODEL, prompt="done = ", max_tokens=8, seed=4, extra_body=extra, stream=True
    )
    assert "".join(chunk.choices[0].text for chunk in streamed) == plain.choices[0].text
    chat = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Is 7 prime?"}],
        max_completion_tokens=8,
        extra_body=extra,
    )
    assert chat.choices[0].message.content in {"True", "False", "None"}


def test_a_constrained_generation_replays_identically(client: TestClient) -> None:
    body = {"model": MODEL, "prompt": "x = ", "max_tokens": 30, "temperature": 1.2}
    body["structured_outputs"] = {"regex": "[a-z]{3,6}\\([0-9]{1,2}\\)"}
    choice = client.post("/v1/completions", json=body).json()["choices"][0]
    assert re.fullmatch("[a-z]{3,6}\\([0-9]{1,2}\\)", choice["text"])
    (row,) = client.get("/generations").json()
    replay = client.post(f"/generations/{row['id']}/replay").json()
    assert replay["identical"] is True
    assert replay["replayed"]["completion"] == choice["text"]


def openai_error(message: str, param: str | None = "structured_outputs") -> dict[str, object]:
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": None}
    return {"error": error}


@pytest.mark.parametrize(
    ("structured", "message"),
    [
        ({"regex": "é+"}, "structured_outputs: no text made of the model's characters matches"),
        ({"choice": ["ok", "ü"]}, None),  # "ok" can be made: accepted
        ({"regex": "(a)\\1"}, "structured_outputs: the pattern cannot be used: Group references"),
        ({"regex": "a?"}, None),
        (
            {"regex": "(a"},
            "structured_outputs: the pattern cannot be used: it is not a valid regular expression",
        ),
        ({"regex": "()"}, "structured_outputs: the pattern matches only the empty text"),
        ({}, "structured_outputs: Value error, give exactly one of choice, regex and json"),
        (
            {"choice": ["a"], "regex": "a"},
            "structured_outputs: Value error, give exactly one of choice, regex and json",
        ),
        (
            {"json": {"type": "object"}, "regex": "a"},
            "structured_outputs: Value error, give exactly one of choice, regex and json",
        ),
        ({"json": {"type": "object"}}, None),
        (
            {"json": {"type": "integer", "minimum": 0}},
            'structured_outputs: Value error, json: the keyword "minimum" is not supported here',
        ),
        (
            {"json": {"type": "date"}},
            'structured_outputs: Value error, json: type "date" is not supported',
        ),
        ({"json": "{}"}, "structured_outputs: Input should be a valid dictionary"),
        (
            {"json": {"type": "string", "minLength": None}},
            "structured_outputs: Value error, json: minLength is a whole number",
        ),
        (
            {"json": {"type": {}}},
            "structured_outputs: Value error, json: a schema needs a type (a name or a list",
        ),
        (
            {"json": {"type": "object", "properties": {}, "required": [[1]]}},
            "structured_outputs: Value error, json: required names properties of the schema",
        ),
        ({"grammar": "root ::= x"}, "structured_outputs: Extra inputs are not permitted"),
        (
            {"regex": "^[0-9]$"},
            "structured_outputs: the pattern cannot be used: the anchor '^' is not supported",
        ),
        ({"choice": []}, "structured_outputs: List should have at least 1 item after validation"),
    ],
)
def test_a_pattern_the_model_cannot_follow_is_a_400(
    client: TestClient, structured: dict[str, object], message: str | None
) -> None:
    body = {"model": MODEL, "prompt": "x = ", "max_tokens": 4, "structured_outputs": structured}
    response = client.post("/v1/completions", json=body)
    if message is None:
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"].startswith(message), error
    assert (error["type"], error["param"]) == ("invalid_request_error", "structured_outputs")


def test_a_schema_value_that_is_not_json_is_a_400(client: TestClient) -> None:
    # Python's parser takes NaN where JSON has none; the text could never be JSON.
    body = '{"model": "code-gpt-char", "prompt": "x = ", "structured_outputs": {"json": '
    body += '{"const": NaN}}}'
    response = client.post("/v1/completions", content=body, headers=JSON_BODY)
    assert response.status_code == 400
    message = "structured_outputs: Value error, json: enum and const hold JSON values (not NaN"
    assert response.json()["error"]["message"].startswith(message)


@pytest.mark.slow
def test_a_pattern_whose_automaton_explodes_is_refused_in_time(client: TestClient) -> None:
    body = {"model": MODEL, "prompt": "x = ", "structured_outputs": {"regex": ".*a.{40}"}}
    response = client.post("/v1/completions", json=body)
    assert response.status_code == 400
    assert response.json() == openai_error(
        "structured_outputs: the pattern's automaton is too large to build in time"
    )
    assert client.get("/ready").status_code == 200


def test_a_constrained_row_leaves_its_neighbours_alone(base_url: str) -> None:
    free = {"model": MODEL, "prompt": "import ", "max_tokens": 30, "temperature": 0}
    alone = httpx.post(f"{base_url}/v1/completions", json=free, timeout=30).json()
    constrained = free | {"structured_outputs": {"regex": "[0-9]{30}"}, "n": 4}
    with (
        httpx.Client(base_url=base_url, timeout=60) as http,
        concurrent.futures.ThreadPoolExecutor(2) as pool,
    ):
        side = pool.submit(http.post, "/v1/completions", json=constrained)
        together = pool.submit(http.post, "/v1/completions", json=free | {"n": 4})
        assert side.result().status_code == 200
        texts = {choice["text"] for choice in together.result().json()["choices"]}
    assert texts == {alone["choices"][0]["text"]}
