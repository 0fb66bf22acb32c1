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
from schemathesis.specs.openapi.checks import allow_header_conformance

# Slow: `make test` and CI run it, `make test-7` and `make watch-7` leave it out.
pytestmark = pytest.mark.slow

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def app(env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]) -> FastAPI:
    env.setenv("MAX_NEW_TOKENS_LIMIT", "64")
    env.setenv("QUEUE_SIZE", "1000")  # back-pressure (503) has its own test
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
    case.call_and_validate(excluded_checks=[allow_header_conformance])
