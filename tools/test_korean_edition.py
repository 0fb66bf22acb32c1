"""The Korean edition of the lessons keeps in step with the English one.

For every chapter with a `README.ko.md` beside its `README.md`, the two must have the same parts
(tools/lesson_parts.py):

(a) the same headings, level for level, in the same order (their titles are translated);
(b) the same fenced code blocks, info string and content byte for byte, in the same order;
(c) the same pictures (`images/...png`), in the same order;
(d) the same task lines (ids and points, as tools/course.py parses them), each with its hint;
(e) a link to each other on the line under the title;

and, section by section, the same inline code and link targets, in whatever order the sentences
put them: a changed path, status code or field name in one edition is a change to make in the
other. A failure names the English section that drifted and the command that shows the drift.

The English lesson stays the one the tools read: tasks, titles and hints come from `README.md`
only, and the Korean lesson is a graded file of the student edition like the English one.
"""

import shlex
import subprocess
from pathlib import Path

import course
import lesson_parts
import manifest
import pytest
import variants

ROOT = Path(__file__).resolve().parents[1]
KOREAN = "README.ko.md"
CHAPTERS = sorted(p.parent.name for p in ROOT.glob(f"0[1-7]_*/{KOREAN}"))
TRANSLATED = ["01_first_steps", "02_path_query_params", "03_crud_path", "04_crud_query"]
TRANSLATED += ["05_crud_pydantic"]
LINKS = {"README.md": f"[한국어]({KOREAN})", KOREAN: "[English](README.md)"}


def read(chapter: str, name: str) -> str:
    return (ROOT / chapter / name).read_text()


def diff_command(chapter: str) -> str:
    english, korean = (shlex.quote(f"{chapter}/{name}") for name in ("README.md", KOREAN))
    parts = "python tools/lesson_parts.py"
    return f"diff <({parts} {english}) <({parts} {korean})"


def check_same(chapter: str, what: str, kinds: tuple[str, ...], with_section: bool) -> None:
    """The parts of `kinds` are the same in both editions; else fail naming the section."""
    english_text = read(chapter, "README.md")
    english = [p for p in lesson_parts.parts(english_text) if p.kind in kinds]
    korean = [p for p in lesson_parts.parts(read(chapter, KOREAN)) if p.kind in kinds]

    def key(part: lesson_parts.Part) -> tuple[int | str, ...]:
        return (part.section, part.kind, part.text) if with_section else (part.kind, part.text)

    if [key(p) for p in english] == [key(p) for p in korean]:
        return
    index = next(
        (i for i, (e, k) in enumerate(zip(english, korean, strict=False)) if key(e) != key(k)),
        min(len(english), len(korean)),
    )
    if index < len(english):
        section, line = english[index].section, english[index].line
    else:  # the Korean lesson has more: the English section it is in
        section = korean[index].section
        line = next((p.line for p in english if p.section >= section), None)
    titles = lesson_parts.titles(english_text)
    title = titles[min(section, len(titles) - 1)]
    where = f"the section '{title}'" + (f" (README.md, line {line})" if line else "")
    pytest.fail(
        f"{chapter}/{KOREAN} has drifted from {chapter}/README.md: {what} differ in {where}.\n"
        f"See the difference with:\n    {diff_command(chapter)}",
        pytrace=False,
    )


def test_chapters_01_to_05_have_a_korean_lesson() -> None:
    assert set(TRANSLATED) <= set(CHAPTERS), f"no {KOREAN} in {set(TRANSLATED) - set(CHAPTERS)}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_same_headings(chapter: str) -> None:
    check_same(chapter, "the headings (their levels, in order)", ("heading",), False)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_same_code_blocks(chapter: str) -> None:
    check_same(chapter, "the fenced code blocks", ("code",), False)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_same_pictures(chapter: str) -> None:
    check_same(chapter, "the pictures", ("picture",), False)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_same_tasks_with_a_hint_each(chapter: str) -> None:
    check_same(chapter, "the task lines or their hints", ("task", "hint"), False)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_same_inline_code_and_links_in_each_section(chapter: str) -> None:
    check_same(chapter, "the inline code or link targets", ("heading", "inline", "link"), True)


@pytest.mark.parametrize("chapter", CHAPTERS)
@pytest.mark.parametrize("name", LINKS)
def test_each_edition_links_to_the_other(chapter: str, name: str) -> None:
    found = lesson_parts.edition_link(read(chapter, name))
    assert found == LINKS[name], f"{chapter}/{name}: the line under the title must be {LINKS[name]}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_tools_read_the_tasks_from_the_english_lesson(chapter: str) -> None:
    english = [m["title"].strip() for m in course.TASK_LINE.finditer(read(chapter, "README.md"))]
    assert [task.title for task in course.lesson_tasks(chapter)] == english
    ids = [task.id for task in course.all_tasks()]
    assert len(ids) == len(set(ids)), "a task is read twice"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_korean_lesson_is_handed_out_and_graded(chapter: str) -> None:
    relative = Path(chapter, KOREAN)
    assert manifest.is_graded(relative), "the grading manifest must hold the Korean lesson"
    assert not variants.instructor_only(relative)
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", relative.as_posix()], cwd=ROOT, capture_output=True
    )
    assert tracked.returncode == 0, f"git add {relative}: the student edition takes tracked files"
