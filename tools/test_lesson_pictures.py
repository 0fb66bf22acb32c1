"""Every picture a lesson shows exists, and each chapter that `make screenshots` photographs
shows both of its pictures (`images/docs.png`, `images/execute.png`) in its lesson."""

import re
from pathlib import Path

import pytest
from screenshots import EXECUTED

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(ROOT.glob("0[1-7]_*/README.md"))
PICTURE = re.compile(r"!\[([^\]]*)\]\(([^)]+)\)")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.parent.name)
def test_pictures_in_the_lesson_exist_and_say_what_they_show(lesson: Path) -> None:
    for alt, target in PICTURE.findall(lesson.read_text()):
        assert (lesson.parent / target).is_file(), f"{lesson.parent.name}: no {target}"
        assert len(alt) > 20, f"{lesson.parent.name}: describe {target} in its alt text"


@pytest.mark.parametrize("chapter", sorted(EXECUTED))
def test_the_lesson_shows_both_pictures(chapter: str) -> None:
    shown = {target for _, target in PICTURE.findall((ROOT / chapter / "README.md").read_text())}
    assert {"images/docs.png", "images/execute.png"} <= shown
