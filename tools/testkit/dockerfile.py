"""Read a Dockerfile as `docker build .` reads it, for the labels and base of the final image.

What a build does with the text, without an engine: parser directives (`# escape=`), comment
lines (also inside continued lines), continuation lines joined, instructions in any case,
`ARG` (global ones only in `FROM`, unless a stage declares them again) and `ENV` values
substituted into `LABEL`s (`$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME:+alternative}`,
quotes as a shell reads them), and stages: the image is the last stage, which inherits the
labels of an earlier stage it is built `FROM`. No build arguments are given, as with
`make docker-build`. Heredocs are not read (the course's Dockerfiles have none).
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

DIRECTIVE = re.compile(r"^#\s*(?P<name>[a-zA-Z]+)\s*=\s*(?P<value>\S+)\s*$")
VARIABLE = re.compile(
    r"\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<rest>[^}]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)


class DockerfileError(ValueError):
    """Text that `docker build` would refuse; the message says which line."""


@dataclass
class Stage:
    base: str
    name: str | None
    labels: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)
    user: str | None = None


def instructions(text: str) -> list[tuple[str, str, int]]:
    """(KEYWORD, arguments, line number) as Docker sees them."""
    escape = "\\"
    lines = text.splitlines()
    start = 0
    while start < len(lines):  # parser directives come first, or not at all
        directive = DIRECTIVE.match(lines[start])
        if not directive:
            break
        if directive["name"].lower() == "escape":
            escape = directive["value"]
        start += 1
    found: list[tuple[str, str, int]] = []
    pending, first_line = "", 0
    for number, line in enumerate(lines[start:], start=start + 1):
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and pending):
            continue  # comment lines vanish, even in the middle of a continued instruction
        if not stripped:
            continue
        if not pending:
            first_line = number
        if stripped.endswith(escape):
            pending += stripped[: -len(escape)] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        found.append((keyword.upper(), arguments.strip(), first_line))
        pending = ""
    if pending:
        keyword, _, arguments = pending.strip().partition(" ")
        found.append((keyword.upper(), arguments.strip(), first_line))
    return found


def substitute(name: str, rest: str, values: dict[str, str]) -> str:
    value = values.get(name)
    if rest.startswith(":-"):
        return value if value else rest[2:]
    if rest.startswith(":+"):
        return rest[2:] if value else ""
    if rest.startswith("-"):
        return value if value is not None else rest[1:]
    if rest.startswith("+"):
        return rest[1:] if value is not None else ""
    if rest:
        raise DockerfileError(f"unsupported substitution ${{{name}{rest}}}")
    return value or ""


def words(text: str, values: dict[str, str]) -> list[str]:
    """Split `text` into words as Docker's shell-like lexer does, substituting variables."""
    result: list[str] = []
    current: list[str] = []
    in_word = False
    quote: str | None = None
    index = 0
    while index < len(text):
        char = text[index]
        if quote is None and char.isspace():
            if in_word:
                result.append("".join(current))
                current, in_word = [], False
            index += 1
            continue
        in_word = True
        if quote != "'" and char == "\\" and index + 1 < len(text):
            current.append(text[index + 1])
            index += 2
            continue
        if char in "\"'" and quote in (None, char):
            quote = None if quote == char else char
            index += 1
            continue
        if char == "$" and quote != "'":
            match = VARIABLE.match(text, index + 1)
            if match:
                name = match["braced"] or match["bare"]
                current.append(substitute(name, match["rest"] or "", values))
                index = match.end()
                continue
        current.append(char)
        index += 1
    if quote is not None:
        raise DockerfileError(f"an unclosed {quote} quote in: {text}")
    if in_word:
        result.append("".join(current))
    return result


def pairs(arguments: str, values: dict[str, str], keyword: str) -> dict[str, str]:
    """`key=value key2="value 2"`, or the old form `key value` (one pair)."""
    split = words(arguments, values)
    if split and "=" not in split[0]:
        return {split[0]: " ".join(split[1:])}
    result = {}
    for word in split:
        key, equals, value = word.partition("=")
        if not equals:
            raise DockerfileError(f"{keyword} {arguments}: `{word}` is not key=value")
        result[key] = value
    return result


def final_stage(text: str) -> Stage:
    """The last stage of the Dockerfile: the image `docker build .` makes."""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for keyword, arguments, line in instructions(text):
        where = f"line {line}: {keyword} {arguments}"
        try:
            if keyword == "FROM":
                split = words(arguments, global_args)
                split = [w for w in split if not w.startswith("--platform")]
                base = split[0] if split else ""
                name = split[2] if len(split) >= 3 and split[1].lower() == "as" else None
                parent = next((s for s in reversed(stages) if s.name == base), None)
                stage = Stage(base, name)
                if parent is not None:
                    stage.labels, stage.env = dict(parent.labels), dict(parent.env)
                    stage.user = parent.user
                stages.append(stage)
            elif not stages:
                if keyword == "ARG":
                    name, _, default = arguments.partition("=")
                    global_args[name.strip()] = " ".join(words(default, global_args))
                continue
            elif keyword == "ARG":
                name, equals, default = arguments.partition("=")
                stage = stages[-1]
                scope = {**stage.args, **stage.env}
                value = " ".join(words(default, scope)) if equals else global_args.get(name.strip())
                if value is not None:
                    stage.args[name.strip()] = value
            elif keyword == "ENV":
                stage = stages[-1]
                stage.env.update(pairs(arguments, {**stage.args, **stage.env}, keyword))
            elif keyword == "LABEL":
                stage = stages[-1]
                stage.labels.update(pairs(arguments, {**stage.args, **stage.env}, keyword))
            elif keyword == "USER":
                stage = stages[-1]
                stage.user = " ".join(words(arguments, {**stage.args, **stage.env}))
        except DockerfileError as error:
            raise DockerfileError(f"{where}: {error}") from None
    if not stages:
        raise DockerfileError("no FROM instruction: this is no Dockerfile docker can build")
    return stages[-1]


def read(path: Path) -> Stage:
    return final_stage(path.read_text())
