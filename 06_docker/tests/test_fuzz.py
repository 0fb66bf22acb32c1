"""Property-based test: requests generated from the app's own OpenAPI schema.

Schemathesis builds valid and invalid requests for every operation and checks that no
answer is a 5xx and that every answer matches what the schema documents. It takes a few
seconds, so it is marked `slow`: `make test` and CI run it, `make test-N` leaves it out.
"""

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import allow_header_conformance

pytestmark = pytest.mark.slow


@pytest.fixture
def api_schema(app: FastAPI) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_no_server_errors_and_documented_responses(case: schemathesis.Case) -> None:
    # Starlette's 405 answer lists in `Allow` only the methods of the first route that
    # matches the path, not every method of that path; that is the framework's, not ours.
    case.call_and_validate(excluded_checks=[allow_header_conformance])
