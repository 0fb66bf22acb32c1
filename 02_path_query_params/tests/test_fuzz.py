"""Requests generated from this chapter's own OpenAPI schema (tools/testkit/fuzz.py).

None may get a 5xx, and every answer must match what the schema documents.
"""

import pytest

from testkit.fuzz import api_schema, test_no_server_errors_and_documented_responses

pytestmark = pytest.mark.slow  # `make test` and CI run it, `make test-N` does not

__all__ = ["api_schema", "test_no_server_errors_and_documented_responses"]
