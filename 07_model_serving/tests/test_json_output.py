"""Structured output with a JSON schema: the text is compact JSON that the schema allows.

The rule, from the lesson: `structured_outputs.json` takes a JSON schema (type, properties,
items, enum, const, anyOf and the length bounds); a text that ends by itself (finish_reason
"stop") is JSON that the schema allows, an object with every property in the schema's order;
any other keyword is a 400 that names it. `conforms` below is the rule's model.
"""

import json

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

MODEL = "code-gpt-char"
PROMPT = "config = "


def conforms(value: object, schema: dict) -> bool:
    """Whether `value` (parsed JSON) is allowed by `schema` (the subset this server takes)."""
    if "enum" in schema or "const" in schema:
        allowed = schema.get("enum", [schema.get("const")])
        return any(json.dumps(value) == json.dumps(option) for option in allowed)
    if "anyOf" in schema:
        return any(conforms(value, option) for option in schema["anyOf"])
    kind = schema["type"]
    if isinstance(kind, list):
        return any(conforms(value, {**schema, "type": name}) for name in kind)
    if kind == "object":
        properties = schema.get("properties", {})
        return (
            isinstance(value, dict)
            and list(value) == list(properties)
            and all(conforms(value[name], sub) for name, sub in properties.items())
        )
    if kind == "array":
        return (
            isinstance(value, list)
            and schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value))
            and all(conforms(item, schema["items"]) for item in value)
        )
    if kind == "string":
        return isinstance(value, str) and (
            schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value))
        )
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return kind == "null" and value is None


def ask(client: TestClient, schema: dict, **fields: object) -> httpx.Response:
    body = {"model": MODEL, "prompt": PROMPT, "max_tokens": 118, "temperature": 0}
    body |= {"structured_outputs": {"json": schema}} | fields
    return client.post("/v1/completions", json=body)


def choice_of(response: httpx.Response) -> dict[str, object]:
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]


PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 10},
        "age": {"type": "integer"},
        "admin": {"type": "boolean"},
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2},
    },
    "required": ["name", "age", "admin", "tags"],
}


def test_a_schema_gives_json_it_allows(client: TestClient) -> None:
    choice = choice_of(ask(client, PERSON))
    assert choice["finish_reason"] == "stop", choice
    assert conforms(json.loads(choice["text"]), PERSON), choice["text"]


def test_the_rule_s_model_tells_a_wrong_answer() -> None:
    assert not conforms({"age": 3, "name": "x", "admin": True, "tags": []}, PERSON)  # order
    assert not conforms({"name": "x", "age": 3.5, "admin": True, "tags": []}, PERSON)
    assert not conforms({"name": "", "age": 3, "admin": True, "tags": ["a"]}, PERSON)
    assert conforms({"name": "x", "age": 3, "admin": False, "tags": ["b", "a"]}, PERSON)


leaf = st.sampled_from(
    [
        {"type": "integer"},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "null"},
        {"type": ["string", "null"], "maxLength": 3},
        {"enum": ["on", "off", 0, None]},
        {"const": True},
    ]
) | st.builds(
    lambda low, extra: {"type": "string", "minLength": low, "maxLength": low + extra},
    st.integers(0, 3),
    st.integers(0, 5),
)
names = st.text("abcdefgh_", min_size=1, max_size=4)


def objects(children: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    return st.dictionaries(names, children, min_size=1, max_size=3).map(
        lambda properties: {"type": "object", "properties": properties}
    )


schemas = st.recursive(
    leaf,
    lambda children: (
        objects(children)
        | st.builds(
            lambda items, most: {"type": "array", "items": items, "maxItems": most},
            children,
            st.integers(0, 3),
        )
        | st.builds(lambda a, b: {"anyOf": [a, b]}, children, children)
    ),
    max_leaves=5,
)


@pytest.mark.slow  # generated cases: `make test` and CI run them, `make test-7` not
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    schema=objects(schemas),
    temperature=st.sampled_from([0.0, 0.7, 1.0]),
    seed=st.integers(0, 2**16),
)
def test_a_text_that_ends_is_json_the_schema_allows(
    client: TestClient, schema: dict, temperature: float, seed: int
) -> None:
    response = ask(client, schema, temperature=temperature, seed=seed)
    if response.status_code == 400:  # a schema may be too big to follow: it is said so
        assert "longer than 512 characters" in response.json()["error"]["message"]
        assume(False)
    choice = choice_of(response)
    if choice["finish_reason"] == "length":  # cut by max_tokens: nothing to parse yet
        assert len(choice["text"]) == 118
        return
    assert choice["finish_reason"] == "stop"
    assert conforms(json.loads(choice["text"]), schema), choice["text"]
