"""Property-based test: requests generated from the app's own OpenAPI schema.

Schemathesis builds valid and invalid requests for every operation and checks that no
answer is a 5xx and that every answer matches what the schema documents. Generations are
kept short (MAX_NEW_TOKENS_LIMIT=64, the lowest allowed) so that the run stays fast.
"""

from collections.abc import Callable

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import allow_header_conformance, positive_data_acceptance

# Slow: `make test` and CI run it, `make test-7` and `make watch-7` leave it out.
pytestmark = pytest.mark.slow

schema = schemathesis.pytest.from_fixture("api_schema")
CONTEXT = 128
KEY = "fuzz-key"


@schema.auth()
class BearerKey:
    """The key every generated request carries, unless schemathesis leaves it out on purpose."""

    def get(self, case: schemathesis.Case, context: object) -> str:
        return KEY

    def set(self, case: schemathesis.Case, data: str, context: object) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def app(env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]) -> FastAPI:
    env.setenv("MAX_NEW_TOKENS_LIMIT", "64")
    env.setenv("QUEUE_SIZE", "1000")  # back-pressure (503) has its own test
    # The schema declares a bearer key: fuzzed with one set, schemathesis also checks that a
    # request without it is refused.
    env.setenv("API_KEY", KEY)
    return load_app()


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_errors_and_documented_responses(case: schemathesis.Case) -> None:
    # Starlette's 405 answer lists in `Allow` only the methods of the first route that
    # matches the path, not every method of that path; that is the framework's, not ours.
    excluded = [allow_header_conformance]
    if past_the_context(case) or options_without_stream(case) or beyond_the_schema(case):
        # A schema cannot say that the prompt and max_tokens share the context, that
        # stream_options needs stream, that top_logprobs needs logprobs, that
        # structured_outputs takes exactly one of its fields, or which patterns the model can
        # follow: these valid requests are OpenAI's 400, as the lesson, test_openai.py,
        # test_chat.py, test_logprobs.py and test_structured_output.py specify.
        excluded.append(positive_data_acceptance)
    response = case.call_and_validate(excluded_checks=excluded)
    keyed = (case.headers or {}).get("Authorization") == f"Bearer {KEY}"
    if keyed:
        assert response.status_code != 401, "a request with the key was refused"
    if keyed and past_the_context(case):
        assert response.status_code == 400, response.text
        valid = case.meta is not None and case.meta.generation.mode.is_positive
        if valid and not beyond_the_schema(case):  # else another field may be the one named
            assert response.json()["error"]["param"] in ("messages", "max_tokens")


def beyond_the_schema(case: schemathesis.Case) -> bool:
    """A body with top_logprobs but no logprobs, or with any structured_outputs."""
    body = case.body
    if not isinstance(body, dict):
        return False
    unasked = body.get("top_logprobs") is not None and body.get("logprobs") is not True
    return unasked or body.get("structured_outputs") is not None


def past_the_context(case: schemathesis.Case) -> bool:
    """A completion whose prompt and max_tokens do not fit in the model's 128 characters, or a
    chat whose messages, written with the chat template, do not."""
    body = case.body
    if not isinstance(body, dict):
        return False
    if case.operation.label == "POST /v1/chat/completions":
        prompt = chat_prompt(body.get("messages"))
        newer, older = whole(body.get("max_completion_tokens")), whole(body.get("max_tokens"))
        if prompt is None or not all(
            v is None or (isinstance(v, int) and v >= 1) for v in (newer, older)
        ):
            return False
        asked = newer if newer is not None else older
        return len(prompt) + (asked or 1) > CONTEXT  # none asked: at least one token
    if case.operation.label != "POST /v1/completions":
        return False
    prompt, max_tokens = body.get("prompt"), whole(body.get("max_tokens", 16))
    if isinstance(prompt, list) and len(prompt) == 1:
        prompt = prompt[0]
    if not isinstance(prompt, str) or not isinstance(max_tokens, int) or max_tokens < 1:
        return False
    return len(prompt) <= CONTEXT < len(prompt) + max_tokens


def options_without_stream(case: schemathesis.Case) -> bool:
    body = case.body
    return (
        isinstance(body, dict)
        and case.operation.label in ("POST /v1/completions", "POST /v1/chat/completions")
        and body.get("stream_options") is not None
        and body.get("stream") is not True
    )


def whole(value: object) -> object:
    """A whole float, as the server takes it (11.0 is 11)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def chat_prompt(messages: object) -> str | None:
    """The prompt the chat template writes (system and user lines as comments), if valid."""
    prefixes = {"system": "# ", "developer": "# ", "user": "# ", "assistant": ""}
    if not isinstance(messages, list):
        return None
    lines = []
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            parts = [p.get("text") if isinstance(p, dict) else None for p in content]
            content = "".join(parts) if all(isinstance(p, str) for p in parts) else None
        role = message.get("role") if isinstance(message, dict) else None
        if not isinstance(content, str) or not isinstance(role, str) or role not in prefixes:
            return None
        lines += [prefixes[role] + line for line in content.split("\n")]
    return "\n".join(lines) + "\n"
