"""A failing check speaks Korean to a Korean student, and English to the others.

What the checks a student works against show (a rule's hint, what was expected, why a check
stopped) is written with `message(english, korean)` (tools/testkit/bilingual.py). These
tests read those checks (each chapter's exercises and OpenAPI snapshot tests, and the test kit
they run on), find every place such a text goes, and fail on English prose that is not in a
`message(...)`, and on a `message(...)` whose two texts do not carry the same values.

The chapters' other tests check the course's own code (chapter 07's engine, the images, the
hostile-input runs): their messages are for the course's authors and stay in English, as
Swagger UI's texts do.
"""

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from testkit.bilingual import message  # noqa: E402
from testkit.checks import Api, Mismatch, check  # noqa: E402

del sys.path[0]

STUDENT_CHECKS = ("test_exercises.py", "test_openapi.py")
# The test kit, less the hostile-input runs: they time the server the course gives.
KIT = sorted(p for p in (ROOT / "tools" / "testkit").glob("*.py") if p.name != "hostile.py")
SOURCES = sorted(p for name in STUDENT_CHECKS for p in ROOT.glob(f"0*/tests/{name}")) + KIT
# Where a check's words go: these keywords, and the first argument of these calls.
TEXT_KEYWORDS = {"hint", "expected", "got"}
TEXT_CALLS = {"fail", "skip", "Mismatch", "HostError", "skip_or_fail"}
PROSE = re.compile(r"[A-Za-z]{2,}[,;:']? [A-Za-z]{2,}")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def name_of(call: ast.Call) -> str:
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def sinks(tree: ast.AST) -> Iterator[ast.expr]:
    """Every expression whose value a failing check shows."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield from (k.value for k in node.keywords if k.arg in TEXT_KEYWORDS)
            if name_of(node) in TEXT_CALLS and node.args:
                yield node.args[0]
        elif isinstance(node, ast.Assert) and node.msg is not None:
            yield node.msg


def assigned(tree: ast.AST, name: str) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                yield node.value


def english_left(expression: ast.expr, tree: ast.AST, seen: set[str]) -> Iterator[str]:
    """English prose in `expression` outside `message(...)`, following names it is built of."""
    pending = [expression]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Call) and name_of(node) == "message":
            continue
        if isinstance(node, ast.Name) and node.id not in seen:
            seen.add(node.id)
            pending += assigned(tree, node.id)
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
            yield from [text] if PROSE.search(text) and not HANGUL.search(text) else []
            pending += [v for v in node.values if not isinstance(v, ast.Constant)]
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield from [node.value] if PROSE.search(node.value) else []
            continue
        pending += ast.iter_child_nodes(node)


def values_shown(text: ast.expr) -> list[str]:
    """The `{...}` of an f-string (or of the parts of a + b), as source, sorted."""
    return sorted(
        ast.unparse(node.value) for node in ast.walk(text) if isinstance(node, ast.FormattedValue)
    )


def literal_text(text: ast.expr) -> str:
    return "".join(
        node.value
        for node in ast.walk(text)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def message_calls(tree: ast.AST) -> Iterator[ast.Call]:
    yield from (n for n in ast.walk(tree) if isinstance(n, ast.Call) and name_of(n) == "message")


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_text_a_check_shows_is_in_both_languages(path: Path) -> None:
    tree = ast.parse(path.read_text())
    found = [
        f"{where(path, sink)}: {text!r}"
        for sink in sinks(tree)
        for text in english_left(sink, tree, set())
    ]
    assert found == [], "write these as message(english, korean) (tools/testkit/bilingual.py)"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_texts_of_a_message_show_the_same_values(path: Path) -> None:
    problems = []
    for call in message_calls(ast.parse(path.read_text())):
        if len(call.args) != 2 or call.keywords:
            problems.append(f"{where(path, call)}: message(english, korean), two texts")
            continue
        english, korean = call.args
        if isinstance(english, ast.Name) and isinstance(korean, ast.Name):
            continue  # two texts taken from a table (checks.LABELS: the last test shows them)
        if values_shown(english) != values_shown(korean):
            problems.append(
                f"{where(path, call)}: English shows {values_shown(english)}, "
                f"Korean {values_shown(korean)}"
            )
        if not HANGUL.search(literal_text(korean)):
            problems.append(f"{where(path, call)}: its Korean text has no Korean in it")
        if HANGUL.search(literal_text(english)):
            problems.append(f"{where(path, call)}: its English text has Korean in it")
    assert problems == []


def test_the_search_finds_english_left_out_and_follows_names() -> None:
    source = (
        'RULE = "Add a GET /about operation."\n'
        'OK = message("Add a GET /ping operation.", "GET /ping을 추가하세요.")\n'
        "api.expect(r, 200, hint=RULE)\n"
        "api.expect(r, 200, hint=OK)\n"
        'raise Mismatch(f"There is no {method} {path} operation yet.")\n'
        'api.fail(OK, expected=f"{n} slots in use", got=str(seen))\n'
    )
    tree = ast.parse(source)
    found = [text for sink in sinks(tree) for text in english_left(sink, tree, set())]
    assert found == [
        "Add a GET /about operation.",
        "There is no x x operation yet.",
        "x slots in use",
    ]


def test_the_korean_student_reads_the_check_in_korean(monkeypatch: pytest.MonkeyPatch) -> None:
    class Sent:
        method, target, content = "GET", "/about", b""

    class Answer:
        status_code, text, request = 404, '{"detail": "Not Found"}', Sent()

        def json(self) -> object:
            return {"detail": "Not Found"}

    rule = message("Add a GET /about operation.", "GET /about 오퍼레이션을 추가하세요.")
    with pytest.raises(Mismatch) as english:
        check(Answer(), 200, {"chapter": "01"}, hint=rule)  # type: ignore[arg-type]
    assert str(english.value) == (
        "Add a GET /about operation.\n"
        "  sent:     GET /about\n"
        '  expected: 200 {"chapter": "01"}\n'
        '  got:      404 {"detail": "Not Found"}'
    )
    monkeypatch.setenv("COURSE_LANG", "ko")
    rule = message("Add a GET /about operation.", "GET /about 오퍼레이션을 추가하세요.")
    api = Api(client=None)  # type: ignore[arg-type]
    api.responses = [Answer(), Answer()]  # type: ignore[list-item]
    with pytest.raises(Mismatch) as korean:
        api.expect(Answer(), 200, {"chapter": "01"}, hint=rule)  # type: ignore[arg-type]
    assert str(korean.value) == (
        "GET /about 오퍼레이션을 추가하세요.\n"
        "  차이를 보여 주는 가장 짧은 요청 순서:\n"
        '    1. GET /about  ->  404 {"detail": "Not Found"}\n'
        '    2. GET /about  ->  404 {"detail": "Not Found"}\n'
        '  기대한 응답: 200 {"chapter": "01"}\n'
        '  받은 응답:   404 {"detail": "Not Found"}'
    )
