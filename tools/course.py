"""What the course's files say about its tasks: ids, titles, points and hints, from the lessons.

Every graded exercise of a lesson starts like this, and its hint follows it:

    2. **Reverse lookup** (`ch03.ex2`, 2 points). Add `GET /users/nickname/{nickname}` ...

       <details><summary>Hint</summary>
       ...
       </details>

Nothing here is a list to keep up to date: chapters are the `NN_*` folders, tasks are what
their lessons announce. Used by `make grade`, `make progress` and the instructor's checks.

The English lesson, `README.md`, announces the tasks: which chapters there are and which tasks
they hold is read from it alone. A translation beside it (`README.ko.md`) repeats the same task
lines, in its own words but with the same ids and points (tools/test_korean_edition.py checks
that it keeps in step); with `language="ko"`, the title, the text and the hint of a task come
from it, for what the student's commands print (tools/messages.py). A chapter without a
translation gives its English words.
"""

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSON = "README.md"  # the English lesson: the one that announces the tasks
TRANSLATIONS = {"ko": "README.ko.md"}  # a lesson's other editions, by language
TASK_LINE = re.compile(
    r"^\d+\. \*\*(?P<title>[^*]+)\*\* \(`(?P<id>ch\d\d\.ex\d+)`, (?P<points>\d+) points?\)",
    re.M,
)
HINT = re.compile(r"<details><summary>Hint</summary>\n(?P<text>.*?)</details>", re.S)


@dataclass(frozen=True)
class Task:
    id: str
    chapter: str  # the chapter's folder name, e.g. "03_crud_path"
    number: int  # the exercise's number in its chapter: 2 for ch03.ex2
    title: str
    points: int
    hint: str
    text: str = ""  # what the lesson asks, between the title and the hint


def chapters(root: Path = ROOT) -> list[str]:
    return sorted(p.name for p in root.glob("[0-9][0-9]_*") if (p / LESSON).is_file())


def chapter_of(task_id: str, root: Path = ROOT) -> str:
    prefix = task_id[2:4] + "_"
    return next(name for name in chapters(root) if name.startswith(prefix))


def lesson_of(chapter: str, language: str = "en", root: Path = ROOT) -> str:
    """The lesson a student of `language` reads: its path from the top, e.g.
    `03_crud_path/README.ko.md`; the English lesson where there is no translation."""
    translation = TRANSLATIONS.get(language)
    if translation and (root / chapter / translation).is_file():
        return f"{chapter}/{translation}"
    return f"{chapter}/{LESSON}"


def lesson_tasks(chapter: str, root: Path = ROOT, language: str = "en") -> list[Task]:
    """The graded tasks that chapter `chapter`'s lesson announces, in lesson order, in the
    words of its `language` edition (the English one's where there is none)."""
    lesson = (root / lesson_of(chapter, language, root)).read_text()
    starts = list(TASK_LINE.finditer(lesson))
    tasks = []
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(lesson)
        hint = HINT.search(lesson, match.end(), end)
        asked = lesson[match.end() : hint.start() if hint else end]
        tasks.append(
            Task(
                id=match["id"],
                chapter=chapter,
                number=int(match["id"].rsplit("ex", 1)[1]),
                title=match["title"].strip(),
                points=int(match["points"]),
                hint=textwrap.dedent(hint["text"]).strip() if hint else "",
                text=" ".join(asked.split()).lstrip(". "),
            )
        )
    return tasks


def all_tasks(root: Path = ROOT, language: str = "en") -> list[Task]:
    return [t for chapter in chapters(root) for t in lesson_tasks(chapter, root, language)]
