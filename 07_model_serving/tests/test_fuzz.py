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
    if past_the_context(case):
        # A schema cannot say that the prompt and max_tokens share the context: this valid
        # request is OpenAI's 400, as the lesson and test_openai.py specify.
        excluded.append(positive_data_acceptance)
    response = case.call_and_validate(excluded_checks=excluded)
    if (case.headers or {}).get("Authorization") == f"Bearer {KEY}":
        assert response.status_code != 401, "a request with the key was refused"
    if past_the_context(case):
        assert response.status_code == 400, response.text
        assert response.json()["error"]["param"] == "max_tokens"


def past_the_context(case: schemathesis.Case) -> bool:
    """A completion whose prompt and max_tokens do not fit in the model's 128 characters."""
    body = case.body
    if case.operation.label != "POST /v1/completions" or not isinstance(body, dict):
        return False
    prompt, max_tokens = body.get("prompt"), body.get("max_tokens", 16)
    if isinstance(prompt, list) and len(prompt) == 1:
        prompt = prompt[0]
    if not isinstance(prompt, str) or not isinstance(max_tokens, int) or max_tokens < 1:
        return False
    return len(prompt) <= CONTEXT < len(prompt) + max_tokens
