"""A JSON schema as a regular expression: the compact JSON (no spaces) of the values it allows.

vLLM's `structured_outputs.json` takes a JSON schema; so does this server, for the part of JSON
Schema that a short text can follow: `type` (object, array, string, integer, number, boolean,
null, or a list of them), `properties`, `required`, `additionalProperties: false`, `items`,
`minItems`, `maxItems`, `minLength`, `maxLength`, `enum`, `const`, `anyOf`. An object's text
holds every one of its properties, in the schema's order; a string without `maxLength` has at
most 32 characters, an integer at most 16 digits. Any other keyword is refused with its name: a
constraint the text would not keep must not be accepted in silence.

The pattern then goes where a `regex` goes (engine/constraints.py).
"""

import json

from engine.constraints import choice_pattern

# A string's characters: the printable ones but `"` and `\` (no escapes are generated).
STRING_CHAR = r"[ !#-\[\]-~]"
# The context is 128 characters, and a model left free to write digits may never stop: the
# texts are bounded, a subset of what the schema allows (every text still conforms).
LONGEST_STRING = 32  # a string without maxLength
INTEGER = r"-?(0|[1-9][0-9]{0,15})"  # at most 16 digits
NUMBER = INTEGER + r"(\.[0-9]{1,6})?([eE][-+]?[0-9]{1,3})?"
SIMPLE = {"integer": INTEGER, "number": NUMBER, "boolean": "(true|false)", "null": "null"}
ANNOTATIONS = {"title", "description", "$schema", "examples", "default"}
KEYWORDS = {  # what each type takes, beside `type` and the annotations
    "string": {"minLength", "maxLength"},
    "array": {"items", "minItems", "maxItems"},
    "object": {"properties", "required", "additionalProperties"},
}
MAX_DEPTH = 8


class SchemaError(ValueError):
    """The schema uses what this server cannot follow: the message names it."""


def schema_pattern(schema: object) -> str:
    return _pattern(schema, 0)


def _pattern(schema: object, depth: int) -> str:
    if depth > MAX_DEPTH:
        raise SchemaError(f"the schema is nested more than {MAX_DEPTH} levels deep")
    if not isinstance(schema, dict):
        raise SchemaError("a schema is a JSON object")
    if "enum" in schema or "const" in schema:
        values = schema["enum"] if "enum" in schema else [schema["const"]]
        _only(schema, {"enum", "const", "type"})
        if not isinstance(values, list) or not values:
            raise SchemaError("enum is a non-empty list")
        return choice_pattern(tuple(_compact(value) for value in values))
    if "anyOf" in schema:
        _only(schema, {"anyOf"})
        options = schema["anyOf"]
        if not isinstance(options, list) or not options:
            raise SchemaError("anyOf is a non-empty list")
        return _either([_pattern(option, depth + 1) for option in options])
    kind = schema.get("type")
    if isinstance(kind, list):  # each type with the keywords that are its own
        if not kind or not all(isinstance(name, str) for name in kind):
            raise SchemaError("type is a name or a non-empty list of names")
        _only(schema, {"type"}.union(*(KEYWORDS.get(name, set()) for name in kind)))
        return _either(
            [
                _pattern(
                    {k: v for k, v in schema.items() if k in KEYWORDS.get(name, ())}
                    | {"type": name},
                    depth,
                )
                for name in kind
            ]
        )
    if not isinstance(kind, str):
        raise SchemaError("a schema needs a type (a name or a list of names), enum, const or anyOf")
    if kind in SIMPLE:
        _only(schema, {"type"})
        return SIMPLE[kind]
    if kind == "string":
        return _string(schema)
    if kind == "array":
        return _array(schema, depth)
    if kind == "object":
        return _object(schema, depth)
    raise SchemaError(f"type {json.dumps(kind)} is not supported")


def _string(schema: dict) -> str:
    _only(schema, {"type"} | KEYWORDS["string"])
    least, most = _bounds(schema, "minLength", "maxLength")
    most = max(least, LONGEST_STRING) if most is None else most
    return '"' + STRING_CHAR + _times(least, most) + '"'


def _array(schema: dict, depth: int) -> str:
    _only(schema, {"type"} | KEYWORDS["array"])
    if "items" not in schema:
        raise SchemaError("an array needs items")
    least, most = _bounds(schema, "minItems", "maxItems")
    if most == 0:
        return r"\[\]"
    item = _pattern(schema["items"], depth + 1)
    more = _times(max(least - 1, 0), None if most is None else most - 1)
    items = f"({item})(,({item})){more}"
    return r"\[" + (items if least else f"({items})?") + r"\]"


def _object(schema: dict, depth: int) -> str:
    _only(schema, {"type"} | KEYWORDS["object"])
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        raise SchemaError("properties is an object")
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(
        isinstance(name, str) and name in properties for name in required
    ):
        raise SchemaError("required names properties of the schema")
    if schema.get("additionalProperties", False) is not False:
        raise SchemaError("additionalProperties must be false (the text has the listed ones)")
    fields = [
        choice_pattern((json.dumps(name) + ":",)) + f"({_pattern(value, depth + 1)})"
        for name, value in properties.items()
    ]
    return r"\{" + ",".join(fields) + r"\}"


def _bounds(schema: dict, low: str, high: str) -> tuple[int, int | None]:
    least, most = schema.get(low, 0), schema.get(high)
    for name in (low, high):
        if name in schema and (type(schema[name]) is not int):
            raise SchemaError(f"{name} is a whole number")
    if least < 0 or (most is not None and most < least):
        raise SchemaError(f"{low} and {high} do not leave a length")
    return least, most


def _times(least: int, most: int | None) -> str:
    """`{least,most}`, or `{least,}` without a most."""
    return "{" + str(least) + "," + ("" if most is None else str(most)) + "}"


def _only(schema: dict, allowed: set[str]) -> None:
    for keyword in schema:
        if keyword not in allowed | ANNOTATIONS:
            raise SchemaError(f"the keyword {json.dumps(keyword)} is not supported here")


def _either(patterns: list[str]) -> str:
    return "|".join(f"({pattern})" for pattern in patterns)


def _compact(value: object) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    except ValueError:
        raise SchemaError("enum and const hold JSON values (not NaN or Infinity)") from None
