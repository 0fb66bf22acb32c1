"""Contract test: what Swagger UI shows must match the committed snapshot.

If you changed the API on purpose (for example, you solved an exercise), refresh the
snapshot with `make snapshots` and look at the diff before you commit it.
"""

import json
import os
from pathlib import Path

from fastapi.testclient import TestClient

SNAPSHOT = Path(__file__).with_name("openapi.json")


def test_openapi_schema_matches_snapshot(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(response.json(), indent=2, ensure_ascii=False) + "\n")
    assert response.json() == json.loads(SNAPSHOT.read_text()), (
        "The OpenAPI schema changed. If you meant it, run `make snapshots` and review the diff."
    )
