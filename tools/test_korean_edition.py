"""The Korean edition of the lessons keeps in step with the English one.

For every chapter with a `README.ko.md` beside its `README.md`, and for the course's own
documents beside the chapters (`README.ko.md` and `TROUBLESHOOTING.ko.md` at the top), the two
editions must have the same parts (tools/lesson_parts.py):

(a) the same headings, level for level, in the same order (their titles are translated);
(b) the same fenced code blocks, info string and content byte for byte, in the same order;
(c) the same pictures (`images/...png`), in the same order;
(d) the same task lines (ids and points, as tools/course.py parses them), each with its hint;
(e) a link to each other on the line under the title;

and, section by section, the same inline code and link targets, in whatever order the sentences
put them: a changed path, status code or field name in one edition is a change to make in the
other. A failure names the file and the English section that drifted, and the command that
shows the drift.

The English lesson stays the one the tools read: tasks, titles and hints come from `README.md`
only, and the Korean lesson is a graded file of the student edition like the English one. A
top-level Korean document goes where its English one goes: `TROUBLESHOOTING.ko.md` into the
student edition, `README.ko.md` not (the edition has a README of its own).
"""

import re
import shlex
import subprocess
from pathlib import Path

import course
import lesson_parts
import manifest
import pytest
import student_edition
import variants

ROOT = Path(__file__).resolve().parents[1]
KOREAN = "README.ko.md"
CHAPTERS = sorted(p.parent.name for p in ROOT.glob(f"0[1-7]_*/{KOREAN}"))
TRANSLATED = ["01_first_steps", "02_path_query_params", "03_crud_path", "04_crud_query"]
TRANSLATED += ["05_crud_pydantic"]
# The course's documents beside the chapters: each English one and its Korean edition.
DOCUMENTS = [("README.md", "README.ko.md"), ("TROUBLESHOOTING.md", "TROUBLESHOOTING.ko.md")]
# Every English file with its Korean edition, paths from the top folder; a chapter goes by
# its folder's name in the tests' ids, a document by its English file's.
PAIRS = [(f"{chapter}/README.md", f"{chapter}/{KOREAN}") for chapter in CHAPTERS] + DOCUMENTS
PAIR_IDS = [*CHAPTERS, *(english for english, _ in DOCUMENTS)]
EACH_PAIR = pytest.mark.parametrize("pair", PAIRS, ids=PAIR_IDS)


def read(path: str) -> str:
    return (ROOT / path).read_text()


def edition_links(pair: tuple[str, str]) -> dict[str, str]:
    """The line under each edition's title: a link to the other edition, beside it."""
    english, korean = pair
    return {english: f"[한국어]({Path(korean).name})", korean: f"[English]({Path(english).name})"}


def diff_command(pair: tuple[str, str]) -> str:
    english, korean = (shlex.quote(path) for path in pair)
    parts = "python tools/lesson_parts.py"
    return f"diff <({parts} {english}) <({parts} {korean})"


def check_same(
    pair: tuple[str, str], what: str, kinds: tuple[str, ...], with_section: bool
) -> None:
    """The parts of `kinds` are the same in both editions; else fail naming the section."""
    english_path, korean_path = pair
    english_text = read(english_path)
    english = [p for p in lesson_parts.parts(english_text) if p.kind in kinds]
    korean = [p for p in lesson_parts.parts(read(korean_path)) if p.kind in kinds]

    def key(part: lesson_parts.Part) -> tuple[int | str, ...]:
        # A Korean edition links the Korean twin of a document where there is one, and so the
        # twin's own heading as the anchor: a link is compared by the document it names.
        text = part.text
        if part.kind == "link" and ".ko.md" in text:
            text = text.split("#")[0].replace(".ko.md", ".md")
        elif part.kind == "link" and ".md#" in text:
            text = text.split("#")[0]
        return (part.section, part.kind, text) if with_section else (part.kind, text)

    if [key(p) for p in english] == [key(p) for p in korean]:
        return
    index = next(
        (i for i, (e, k) in enumerate(zip(english, korean, strict=False)) if key(e) != key(k)),
        min(len(english), len(korean)),
    )
    if index < len(english):
        section, line = english[index].section, english[index].line
    else:  # the Korean edition has more: the English section it is in
        section = korean[index].section
        line = next((p.line for p in english if p.section >= section), None)
    titles = lesson_parts.titles(english_text)
    title = titles[min(section, len(titles) - 1)]
    where = f"the section '{title}'" + (f" ({english_path}, line {line})" if line else "")
    pytest.fail(
        f"{korean_path} has drifted from {english_path}: {what} differ in {where}.\n"
        f"See the difference with:\n    {diff_command(pair)}",
        pytrace=False,
    )


def test_chapters_01_to_05_have_a_korean_lesson() -> None:
    assert set(TRANSLATED) <= set(CHAPTERS), f"no {KOREAN} in {set(TRANSLATED) - set(CHAPTERS)}"


@EACH_PAIR
def test_the_same_headings(pair: tuple[str, str]) -> None:
    check_same(pair, "the headings (their levels, in order)", ("heading",), False)


@EACH_PAIR
def test_the_same_code_blocks(pair: tuple[str, str]) -> None:
    check_same(pair, "the fenced code blocks", ("code",), False)


@EACH_PAIR
def test_the_same_pictures(pair: tuple[str, str]) -> None:
    check_same(pair, "the pictures", ("picture",), False)


@EACH_PAIR
def test_the_same_tasks_with_a_hint_each(pair: tuple[str, str]) -> None:
    check_same(pair, "the task lines or their hints", ("task", "hint"), False)


@EACH_PAIR
def test_the_same_inline_code_and_links_in_each_section(pair: tuple[str, str]) -> None:
    check_same(pair, "the inline code or link targets", ("heading", "inline", "link"), True)


@EACH_PAIR
@pytest.mark.parametrize("edition", ["english", "korean"])
def test_each_edition_links_to_the_other(pair: tuple[str, str], edition: str) -> None:
    path = pair[0] if edition == "english" else pair[1]
    expected = edition_links(pair)[path]
    found = lesson_parts.edition_link(read(path))
    assert found == expected, f"{path}: the line under the title must be {expected}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_tools_read_the_tasks_from_the_english_lesson(chapter: str) -> None:
    lesson = read(f"{chapter}/README.md")
    english = [m["title"].strip() for m in course.TASK_LINE.finditer(lesson)]
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


@pytest.mark.parametrize("pair", DOCUMENTS, ids=[english for english, _ in DOCUMENTS])
def test_a_korean_document_goes_where_its_english_one_goes(pair: tuple[str, str]) -> None:
    english, korean = (Path(path) for path in pair)
    assert student_edition.shipped(korean) == student_edition.shipped(english), (
        f"{korean}: the student edition must take it exactly when it takes {english}"
    )
    assert manifest.is_graded(korean) == manifest.is_graded(english)
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", korean.as_posix()], cwd=ROOT, capture_output=True
    )
    assert tracked.returncode == 0, f"git add {korean}: the editions take tracked files only"


def edition_readme_parts(path: str) -> list[tuple[int, str, str]]:
    """The parts of a student README, a Korean edition's file names read as the English ones':
    the Korean README links `01_first_steps/README.ko.md` where the English one links
    `01_first_steps/README.md`."""
    found = []
    for part in lesson_parts.parts(read(path)):
        text = part.text.replace(".ko.md", ".md") if part.kind in ("inline", "link") else part.text
        if (part.section, part.kind, text) not in found:
            found.append((part.section, part.kind, text))
    return found


def test_the_korean_student_readme_keeps_in_step_with_the_english_one() -> None:
    """tools/edition/README.ko.md is the Korean student edition's README (tools/student_edition.py):
    the same headings, code blocks, inline code and links, section by section, as the English
    edition's, but for the Korean lessons and documents it points to instead."""
    english, korean = "tools/edition/README.md", "tools/edition/README.ko.md"
    english_parts, korean_parts = edition_readme_parts(english), edition_readme_parts(korean)
    titles = lesson_parts.titles(read(english))
    for section in range(len(titles)):
        ours = [p for p in english_parts if p[0] == section]
        theirs = [p for p in korean_parts if p[0] == section]
        assert ours == theirs, (
            f"{korean} has drifted from {english} in the section '{titles[section]}'.\n"
            f"See the difference with:\n    {diff_command((english, korean))}"
        )
    assert len(english_parts) == len(korean_parts)
    links = [p.text for p in lesson_parts.parts(read(korean)) if p.kind == "link"]
    for target in links:
        if not target.startswith("http"):
            assert target.endswith(".ko.md"), f"{korean} links {target}: link the Korean edition"
            assert (ROOT / target).is_file(), target


@pytest.mark.parametrize("pair", PAIRS, ids=[korean for _, korean in PAIRS])
def test_a_korean_edition_links_the_korean_twins(pair: tuple[str, str]) -> None:
    """A Korean reader who follows a link to a lesson or document lands on its Korean edition,
    where one exists (the line under the title, which links the English twin, aside)."""
    _, korean = pair
    folder = (ROOT / korean).parent
    for part in lesson_parts.parts(read(korean)):
        target, _, anchor = part.text.partition("#")
        if part.kind != "link" or target.startswith("http") or not target.endswith(".md"):
            continue
        if target.endswith(".ko.md"):
            headings = [slug(title) for title in lesson_parts.titles((folder / target).read_text())]
            assert not anchor or anchor in headings, f"{korean} links {part.text}: no such heading"
            continue
        twin = (folder / target).with_suffix(".ko.md")
        assert not twin.is_file(), f"{korean} links {target}: link {twin.relative_to(ROOT)}"


def slug(title: str) -> str:
    """A heading's anchor, as GitHub makes it: lower case, punctuation out, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
