"""Lessons must quote the code as it is: every ```python excerpt appears verbatim in its chapter.

Every edition of a lesson is checked: `README.md` and its translations (`README.ko.md`).

Code shown for another reason (the original notes' version, a sketch of an exercise) is
fenced with a different info string, e.g. ```python-original or ```text.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p for p in ROOT.glob("0[1-7]_*") if p.is_dir())
LESSONS = sorted(p for p in ROOT.glob("0[1-7]_*/README*.md"))
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.M | re.S)
REQUIRED_SECTIONS = ["## What you will learn", "## Run it", "## Try it in Swagger UI"]
REQUIRED_SECTIONS += ["## Exercises", "## Check your work"]


def chapter_sources(chapter: Path) -> str:
    files = [*chapter.rglob("*.py"), *chapter.rglob("Dockerfile"), *chapter.rglob("*.yaml")]
    return "\n".join(f.read_text() for f in files if ".venv" not in f.parts)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_python_excerpts_match_the_files(lesson: Path) -> None:
    sources = chapter_sources(lesson.parent)
    missing = [block for block in PYTHON_BLOCK.findall(lesson.read_text()) if block not in sources]
    assert missing == [], f"{lesson.parent.name}/{lesson.name} quotes code that is not in its files"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.name)
def test_lesson_has_the_course_sections(chapter: Path) -> None:
    lesson = (chapter / "README.md").read_text()
    absent = [section for section in REQUIRED_SECTIONS if section not in lesson]
    assert absent == [], f"{chapter.name}/README.md lacks {absent}"
    assert lesson.count("<details>") >= 2, "each exercise needs a hint in <details>"
    assert f"make test-{int(chapter.name[:2])}" in lesson
