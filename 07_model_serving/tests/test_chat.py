"""Chat completions: the messages written as one prompt with the model card's chat template,
then a completion like any other, through the official `openai` client and over raw HTTP.

The rule, from the lesson: each line of a system or user message becomes a comment (`# `),
each line of an assistant message stays code, every message ends with a newline, and the model
continues after the last one. So a chat's answer is exactly the completion of that prompt.
"""

import json
from collections.abc import Callable

import openai
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MODEL = "code-gpt-char"
CONTEXT = 128
VOCABULARY = "\n" + "".join(map(chr, range(32, 127)))
PREFIX = {"system": "# ", "developer": "# ", "user": "# ", "assistant": ""}
ADD = [
    {"role": "user", "content": "Return the sum of a and b."},
    {"role": "assistant", "content": "def add(a, b):"},
]


def written(messages: list[dict[str, str]]) -> str:
    """The lesson's rule, written out independently of the server's template."""
    lines = [
        PREFIX[m["role"]] + line for m in messages for line in text_of(m["content"]).split("\n")
    ]
    return "\n".join(lines) + "\n"


def text_of(content: str | list[dict[str, str]]) -> str:
    return content if isinstance(content, str) else "".join(part["text"] for part in content)


def completion_of(client: TestClient, prompt: str, **fields: object) -> dict[str, object]:
    body = {"model": MODEL, "prompt": prompt, "temperature": 0} | fields
    response = client.post("/v1/completions", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_chat_answer_is_the_completion_of_the_written_prompt(client: TestClient) -> None:
    body = {"model": MODEL, "messages": ADD, "max_completion_tokens": 20, "temperature": 0}
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200
    answer = response.json()
    prompt = "# Return the sum of a and b.\ndef add(a, b):\n"
    expected = completion_of(client, prompt, max_tokens=20)
    assert answer == {
        "id": answer["id"],
        "object": "chat.completion",
        "created": answer["created"],
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": expected["choices"][0]["text"]},
                "finish_reason": "length",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": len(prompt), "completion_tokens": 20, "total_tokens": 64},
    }
    assert answer["id"].startswith("chatcmpl-") and isinstance(answer["created"], int)
    stored = client.get("/generations", params={"limit": 2}).json()
    assert [row["prompt"] for row in stored] == [prompt, prompt]  # the chat's, then the check's


roles = st.sampled_from(["system", "developer", "user", "assistant"])
texts = st.text(alphabet=VOCABULARY, min_size=1, max_size=20)
contents = texts | st.lists(
    st.builds(lambda text: {"type": "text", "text": text}, texts), min_size=1, max_size=3
)
chats = st.lists(
    st.fixed_dictionaries({"role": roles, "content": contents}), min_size=1, max_size=4
)


@given(messages=chats, seed=st.integers(0, 2**32 - 1))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_chat_is_written_by_the_rule(
    client: TestClient, messages: list[dict[str, object]], seed: int
) -> None:
    prompt = written(messages)  # type: ignore[arg-type]
    body = {"model": MODEL, "messages": messages, "max_tokens": 3, "temperature": 0.8}
    response = client.post("/v1/chat/completions", json=body | {"seed": seed})
    if len(prompt) + 3 > CONTEXT:
        assert response.status_code == 400
        assert response.json()["error"]["param"] in ("messages", "max_tokens")
        return
    assert response.status_code == 200, response.text
    expected = completion_of(client, prompt, max_tokens=3, temperature=0.8, seed=seed)
    assert response.json()["choices"][0]["message"]["content"] == expected["choices"][0]["text"]
    assert response.json()["usage"] == expected["usage"]


@pytest.mark.usefixtures("engine_mode")
def test_the_openai_client_plain_and_streamed(
    serve: Callable[[FastAPI], str], load_app: Callable[[], FastAPI]
) -> None:
    client = openai.OpenAI(base_url=f"{serve(load_app())}/v1", api_key="-", max_retries=0)
    fields = {"model": MODEL, "messages": ADD, "max_completion_tokens": 24, "temperature": 0}
    plain = client.chat.completions.create(**fields)  # type: ignore[call-overload]
    (choice,) = plain.choices
    assert (choice.message.role, choice.finish_reason) == ("assistant", "length")
    assert plain.usage is not None and plain.usage.completion_tokens == 24
    chunks = list(
        client.chat.completions.create(  # type: ignore[call-overload]
            **fields, stream=True, stream_options={"include_usage": True}
        )
    )
    first, *middle, last, usage = chunks
    assert (first.choices[0].delta.role, first.choices[0].delta.content) == ("assistant", "")
    assert "".join(c.choices[0].delta.content or "" for c in middle) == choice.message.content
    assert all(c.choices[0].finish_reason is None for c in [first, *middle])
    assert last.choices[0].finish_reason == "length" and last.choices[0].delta.content is None
    assert usage.choices == [] and usage.usage is not None
    assert usage.usage.model_dump() == plain.usage.model_dump()
    assert {c.id for c in chunks} == {chunks[0].id} and chunks[0].id.startswith("chatcmpl-")


def test_raw_stream_events(client: TestClient) -> None:
    body = {"model": MODEL, "messages": ADD, "max_tokens": 4, "temperature": 0, "stream": True}
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [e.removeprefix("data: ") for e in response.text.split("\n\n") if e]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and "usage" not in c for c in chunks)
    assert chunks[0]["choices"] == [
        {
            "index": 0,
            "delta": {"role": "assistant", "content": ""},
            "finish_reason": None,
            "logprobs": None,
        }
    ]
    assert chunks[-1]["choices"] == [
        {"index": 0, "delta": {}, "finish_reason": "length", "logprobs": None}
    ]
    text = "".join(c["choices"][0]["delta"]["content"] for c in chunks[1:-1])
    expected = completion_of(client, written(ADD), max_tokens=4)["choices"][0]["text"]
    assert text == expected


def error(message: str, param: str | None) -> dict[str, object]:
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}
    }


@pytest.mark.parametrize(
    ("change", "answer"),
    [
        (
            {"messages": []},
            error("messages: List should have at least 1 item after validation, not 0", "messages"),
        ),
        (
            {"messages": [{"role": "tool", "content": "42"}]},
            error(
                "messages[0].role: Input should be 'system', 'developer', 'user' or 'assistant'",
                "messages",
            ),
        ),
        (
            {"messages": [{"role": "user", "content": "café"}]},
            error("messages: Characters outside the model's vocabulary: 'é'", "messages"),
        ),
        (
            {"messages": [{"role": "user", "content": "x" * 126}]},
            error(
                "messages: This model's maximum context length is 128 tokens. However, your "
                "messages take 129 tokens once written with the model's chat template. Please "
                "shorten the messages.",
                "messages",
            ),
        ),
        (
            {"messages": [{"role": "user", "content": "x" * 100}], "max_tokens": 30},
            error(
                "max_tokens: This model's maximum context length is 128 tokens. However, you "
                "requested 133 tokens (103 in the prompt, 30 for the completion). Please reduce "
                "the prompt or max_tokens.",
                "max_tokens",
            ),
        ),
        (
            {"top_logprobs": 2},
            error("Value error, top_logprobs can only be set when logprobs is true", None),
        ),
        ({"n": 9}, error("n: Input should be less than or equal to 8", "n")),
        (
            {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": 5}]},
            error("messages[1].content: Input should be a valid string", "messages"),
        ),
        (
            {"stream_options": {"include_usage": True}},
            error("Value error, stream_options can only be set when stream is true", None),
        ),
        (
            {"max_completion_tokens": 0},
            error(
                "max_completion_tokens: Input should be greater than or equal to 1",
                "max_completion_tokens",
            ),
        ),
    ],
)
def test_mistakes_are_400_in_openai_shape(
    client: TestClient, change: dict[str, object], answer: dict[str, object]
) -> None:
    body = {"model": MODEL, "messages": ADD} | change
    response = client.post("/v1/chat/completions", json=body)
    assert (response.status_code, response.json()) == (400, answer)


def test_another_model_is_404(client: TestClient) -> None:
    response = client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": ADD})
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": "The model `gpt-4o` does not exist: this one serves `code-gpt-char`.",
            "type": "not_found_error",
            "param": None,
            "code": None,
        }
    }


def test_max_completion_tokens_wins_over_max_tokens(client: TestClient) -> None:
    body = {"model": MODEL, "messages": ADD, "temperature": 0}
    both = client.post(
        "/v1/chat/completions", json=body | {"max_tokens": 9, "max_completion_tokens": 5}
    )
    older = client.post("/v1/chat/completions", json=body | {"max_tokens": 9})
    assert both.json()["usage"]["completion_tokens"] == 5
    assert older.json()["usage"]["completion_tokens"] == 9


def test_n_chat_choices_are_the_seeded_completions(client: TestClient) -> None:
    body = {"model": MODEL, "messages": ADD, "max_tokens": 6, "temperature": 1.0, "seed": 5}
    many = client.post("/v1/chat/completions", json=body | {"n": 2}).json()
    prompt = written(ADD)
    for index, seed in enumerate((5, 6)):
        alone = completion_of(client, prompt, max_tokens=6, temperature=1.0, seed=seed)
        assert many["choices"][index]["index"] == index
        assert many["choices"][index]["message"]["content"] == alone["choices"][0]["text"]
    streamed = client.post("/v1/chat/completions", json=body | {"n": 2, "stream": True})
    chunks = [json.loads(e[6:]) for e in streamed.text.split("\n\n") if e.startswith("data: {")]
    openings = [c["choices"][0] for c in chunks[:2]]
    assert openings == [
        {
            "index": i,
            "delta": {"role": "assistant", "content": ""},
            "finish_reason": None,
            "logprobs": None,
        }
        for i in (0, 1)
    ]
    texts = ["", ""]
    for chunk in chunks[2:]:
        (choice,) = chunk["choices"]
        texts[choice["index"]] += choice["delta"].get("content", "")
    assert texts == [choice["message"]["content"] for choice in many["choices"]]
