"""The student's commands speak English or Korean, and nothing they say is left untranslated.

tools/messages.py holds every message in both languages; these checks prove that each one has
both, with the same fields, that the student-facing tools print nothing of their own in
English prose, that the language is chosen as the README says, and that a Korean run of
`make hint` and `make check` prints Korean where an English run prints English.
"""

import ast
import json
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402
import messages  # noqa: E402

del sys.path[0]

# What the student runs, and the modules that print or return what it says.
STUDENT_FACING = [
    "check_task.py",
    "grade.py",
    "grading.py",
    "help.py",
    "hint.py",
    "manifest.py",
    "progress.py",
    "reset_chapter.py",
    "say.py",
    "serve.py",
    "task_checks.py",
    "task_result.py",
    "watch.py",
]
# English words in a row: prose, which belongs in tools/messages.py.
PROSE = re.compile(r"[A-Za-z]{2,}[,;:']? [A-Za-z]{2,}")
# String literals of those modules that are no message: what pytest selects, and Swagger UI's
# name (it stays English: the lessons say so). Docstrings, regular expressions and argparse's
# help for the course's authors (`--help`) are left out too.
NOT_MESSAGES = {"not slow", " and not slow", "not task and not slow", "  Swagger UI: x/docs"}
NOT_MESSAGES |= {  # make help's commands, which are typed as they are
    "check TASK=ch03.ex2",
    "hint TASK=ch03.ex2",
    "grade-class SUBMISSIONS=dir",
    "docker-build, docker-run, docker-logs, docker-stop",
}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def keys_used(tree: ast.AST) -> set[str]:
    """The message keys named as the first argument of a `say(...)` call, any branch of it."""
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else None
            name = name or (node.func.id if isinstance(node.func, ast.Name) else None)
            if name == "say":
                used |= {
                    leaf.value
                    for leaf in ast.walk(node.args[0])
                    if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str)
                }
    return used


def prose_literals(source: str) -> list[str]:
    """String literals with English prose, leaving out docstrings and argparse's help texts."""
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            skipped.add(id(first.value))  # a docstring
        if isinstance(node, ast.keyword) and node.arg in {"help", "description"}:
            skipped |= {id(leaf) for leaf in ast.walk(node.value)}
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in {
            "add_argument",
            "compile",
        }:
            skipped |= {id(leaf) for arg in node.args for leaf in ast.walk(arg)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):  # an f-string: its fields stand for words
            skipped |= {id(value) for value in node.values}
            if id(node) not in skipped:
                text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
                found += [text] if PROSE.search(text) and text not in NOT_MESSAGES else []
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skipped
            and node.value not in NOT_MESSAGES
        ):
            found += [node.value] if PROSE.search(node.value) else []
    return found


@pytest.mark.parametrize("key", sorted(messages.MESSAGES))
def test_every_message_has_both_languages_with_the_same_fields(key: str) -> None:
    texts = messages.MESSAGES[key]
    assert set(texts) == set(messages.LANGUAGES), f"{key}: it needs exactly {messages.LANGUAGES}"
    assert fields(texts["en"]) == fields(texts["ko"]), f"{key}: the fields differ"
    assert HANGUL.search(texts["ko"]), f"{key}: its Korean text has no Korean in it"
    assert not HANGUL.search(texts["en"]), f"{key}: its English text has Korean in it"


def test_every_message_said_exists_and_every_message_is_said() -> None:
    said, named = set(), set()
    for path in sorted((ROOT / "tools").glob("*.py")):
        if path.name.startswith("test_"):
            continue
        tree = ast.parse(path.read_text())
        said |= keys_used(tree)
        if path.name == "messages.py":  # what its functions name, not the table's keys
            tree = ast.Module([n for n in tree.body if isinstance(n, ast.FunctionDef)], [])
        named |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    makefile = set(re.findall(r"\$\(SAY\) ([\w.]+)", (ROOT / "Makefile").read_text()))
    said, named = said | makefile, named | makefile
    assert said - set(messages.MESSAGES) == set(), "said, but not in tools/messages.py"
    # A key chosen before the call (`verdict = "check.solved" if ... else ...`) is named there.
    assert set(messages.MESSAGES) - named == set(), "in tools/messages.py, but never said"


@pytest.mark.parametrize("name", STUDENT_FACING)
def test_the_student_facing_tools_print_no_english_prose_of_their_own(name: str) -> None:
    found = prose_literals((ROOT / "tools" / name).read_text())
    assert found == [], f"tools/{name}: put these in tools/messages.py, in both languages"


def test_the_prose_check_finds_a_message_left_out() -> None:
    source = 'def main():\n    """Doc string, left alone."""\n    print(f"Solved {n} of all")\n'
    assert prose_literals(source) == ["Solved x of all"]
    assert prose_literals('print("\\n" + say("hint.solved"))\n') == []


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "en"),
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "ko"}, "ko"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LC_ALL": "C", "LANG": "ko_KR.UTF-8"}, "en"),  # LC_ALL comes first, as in POSIX
        ({"LC_MESSAGES": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
        ({"COURSE_LANG": "ko"}, "ko"),
        ({"COURSE_LANG": "en", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"COURSE_LANG": "ko", "LC_ALL": "en_US.UTF-8"}, "ko"),
        ({"COURSE_LANG": "fr"}, "en"),
    ],
)
def test_the_language_is_chosen_as_documented(
    environment: dict[str, str], expected: str, tmp_path: Path
) -> None:
    assert messages.language(environment, tmp_path) == expected


def test_a_korean_edition_speaks_korean_unless_told_otherwise(tmp_path: Path) -> None:
    (tmp_path / messages.SETTING).write_text("ko\n")
    assert messages.language({}, tmp_path) == "ko"
    assert messages.language({"LANG": "en_US.UTF-8"}, tmp_path) == "ko"
    assert messages.language({"COURSE_LANG": "en"}, tmp_path) == "en"


def test_points_and_padding() -> None:
    assert [messages.points(n, "en") for n in (1, 2)] == ["1 point", "2 points"]
    assert [messages.points(n, "ko") for n in (1, 2)] == ["1점", "2점"]
    assert messages.width("별명으로 찾기") == 13
    assert messages.width(messages.pad("별명으로 찾기", 28)) == 28


@pytest.mark.parametrize("chapter", course.chapters())
def test_a_korean_student_reads_the_tasks_in_korean_where_the_chapter_has_a_korean_lesson(
    chapter: str,
) -> None:
    english = course.lesson_tasks(chapter)
    korean = course.lesson_tasks(chapter, language="ko")
    assert [(t.id, t.points) for t in korean] == [(t.id, t.points) for t in english]
    if (ROOT / chapter / "README.ko.md").is_file():
        assert course.lesson_of(chapter, "ko") == f"{chapter}/README.ko.md"
        for task in korean:
            for words in (task.title, task.text, task.hint):
                assert HANGUL.search(words), f"{task.id}: no Korean in {words!r}"
    else:  # not translated yet: its English words
        assert korean == english


def run_tool(language: str, *command: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/bin:/bin", "COURSE_LANG": language, "HOME": str(ROOT)}
    return subprocess.run(
        [sys.executable, *command], cwd=ROOT, env=environment, capture_output=True, text=True
    )


@pytest.fixture
def hint_state() -> Iterator[None]:
    """`make hint` remembers its step in .course/hints.json: put it back as it was."""
    state = ROOT / ".course" / "hints.json"
    before = state.read_bytes() if state.is_file() else None
    yield
    if before is None:
        state.unlink(missing_ok=True)
    else:
        state.write_bytes(before)


@pytest.mark.usefixtures("hint_state")
def test_hint_speaks_korean_in_korean_and_english_in_english() -> None:
    task = course.lesson_tasks("03_crud_path", language="ko")[1]
    korean = run_tool("ko", "tools/hint.py", task.id, "2")
    english = run_tool("en", "tools/hint.py", task.id, "2")
    assert korean.returncode == english.returncode == 0, korean.stderr + english.stderr
    assert korean.stdout.startswith(f"{task.id} {task.title}: 힌트 2/3\n")
    assert task.hint.splitlines()[0] in korean.stdout
    assert f"`make hint TASK={task.id}` 명령을 한 번 더 실행하면 3번째 힌트가" in korean.stdout
    english_task = course.lesson_tasks("03_crud_path")[1]
    assert english.stdout.startswith(f"{task.id} {english_task.title}: hint 2 of 3\n")
    assert "Stuck still?" in english.stdout and "Stuck still?" not in korean.stdout


@pytest.mark.usefixtures("hint_state")
def test_hint_and_check_name_the_tasks_in_korean() -> None:
    for tool in ("tools/hint.py", "tools/check_task.py"):
        unnamed = run_tool("ko", tool, "")
        assert unnamed.returncode == 2
        assert unnamed.stdout.startswith("과제를 지정하세요: make ")
        unknown = run_tool("ko", tool, "ch09.ex1")
        assert unknown.returncode == 1
        assert unknown.stderr.startswith("오류: 없는 과제입니다: 'ch09.ex1'. 과제 목록: ch01.ex1")


def make_targets() -> set[str]:
    """The Makefile's targets, its pattern rules written as `-N` (`chapter-%`: chapter-N)."""
    rules = re.findall(r"^([a-z][\w%/ -]*):", (ROOT / "Makefile").read_text(), re.MULTILINE)
    return {name.replace("%", "N") for rule in rules for name in rule.split()}


def test_make_help_speaks_the_students_language_and_names_real_targets() -> None:
    import help as make_help

    korean, english = run_tool("ko", "tools/help.py"), run_tool("en", "tools/help.py")
    assert korean.returncode == english.returncode == 0, korean.stderr + english.stderr
    assert korean.stdout.startswith("사용법: make <타깃>")
    assert english.stdout.startswith("Usage: make <target>")
    assert len(korean.stdout.splitlines()) == len(english.stdout.splitlines())
    prose = [line for line in korean.stdout.splitlines() if PROSE.search(line)]
    assert all(HANGUL.search(line) for line in prose), prose
    rows = [row for _, rows in make_help.SECTIONS for row in rows] + make_help.INSTRUCTORS
    named = {
        word
        for target, _ in rows
        for word in re.split(r"[ ,/]+", target)
        if word and "=" not in word
    }
    assert named and named - make_targets() == set(), "make help names targets it lacks"


def test_the_classroom_summary_speaks_korean(tmp_path: Path) -> None:
    report = {
        "status": "fail",
        "message": None,
        "tasks": [{"id": "ch01.ex1", "points": 1, "earned": 0}],
        "tests": [{"name": "t::test_about", "status": "fail", "task_id": "ch01.ex1"}],
    }
    results = tmp_path / "results.json"
    results.write_text(json.dumps(report))
    done = run_tool("ko", "tools/task_result.py", "--results", str(results), "--summary")
    assert done.stdout.startswith("## 점수: 0/1점\n\n| 과제 | 점수 |\n")
    assert "실패한 검사:" in done.stdout
    missing = run_tool("ko", "tools/task_result.py", "--results", str(tmp_path / "none.json"))
    assert "에 보고서가 없습니다. 채점이 끝나지 않았습니다." in missing.stdout
