"""Property-based test: requests generated from the app's own OpenAPI schema.

Schemathesis builds valid and invalid requests for every operation and checks that no answer
is a 5xx and that every answer matches what the schema documents. A chapter's
`tests/test_fuzz.py` imports `test_no_server_errors_and_documented_responses` from here, and
pytest collects it there, with that chapter's `app` fixture (the app in the test process).
It takes seconds, so it is marked `slow`: `make test` and CI run it, `make test-N` does not.
"""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import allow_header_conformance


@pytest.fixture
def api_schema(app: Any) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
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
