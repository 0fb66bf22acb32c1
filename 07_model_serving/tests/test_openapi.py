"""Contract test: what Swagger UI shows must match the committed snapshot.

Operations tagged `exercises` are left out of the comparison, with the schemas only they use:
solving an exercise adds them, and must not make this test fail. Anything else that changes
what `/docs` shows is a visible diff; an instructor who meant it runs `make snapshots`.
"""

import json
import os
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

SNAPSHOT = Path(__file__).with_name("openapi.json")
EXERCISES = "exercises"


def references(node: Any) -> set[str]:
    """The names of the component schemas that `node` points to with `$ref`."""
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(references(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(references(value) for value in node))
    return set()


def without_exercises(schema: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, operations in schema["paths"].items():
        kept = {
            method: operation
            for method, operation in operations.items()
            if EXERCISES not in operation.get("tags", [])
        }
        if kept:
            paths[path] = kept
    components = schema.get("components", {}).get("schemas", {})
    needed: set[str] = set()
    todo = references(paths)
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo |= references(components.get(name, {}))
    result = {**schema, "paths": paths}
    rest = {key: value for key, value in schema.get("components", {}).items() if key != "schemas"}
    kept_components = {name: value for name, value in components.items() if name in needed}
    if kept_components:
        rest["schemas"] = kept_components
    result.pop("components", None)
    if rest:
        result["components"] = rest
    return result


def test_openapi_schema_matches_snapshot(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    shown = without_exercises(response.json())
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(shown, indent=2, ensure_ascii=False) + "\n")
    assert shown == json.loads(SNAPSHOT.read_text()), (
        "What /docs shows changed. If you meant it, run `make snapshots` and review the diff."
    )


def test_exercise_operations_carry_only_the_exercises_tag(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    mixed = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if EXERCISES in operation.get("tags", []) and operation["tags"] != [EXERCISES]
    ]
    assert mixed == []
    assert EXERCISES in [tag["name"] for tag in schema.get("tags", [])]
