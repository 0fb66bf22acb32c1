"""What the course's files say about its tasks: ids, titles, points and hints, from the lessons.

Every graded exercise of a lesson starts like this, and its hint follows it:

    2. **Reverse lookup** (`ch03.ex2`, 2 points). Add `GET /users/nickname/{nickname}` ...

       <details><summary>Hint</summary>
       ...
       </details>

Nothing here is a list to keep up to date: chapters are the `NN_*` folders, tasks are what
their lessons announce. Used by `make grade`, `make progress` and the instructor's checks.

Only the English lesson, `README.md`, is read. A translation beside it (`README.ko.md`) repeats
the same task lines, in its own words but with the same ids and points; it is never read here,
and tools/test_korean_edition.py checks that it keeps in step.
"""

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSON = "README.md"  # the English lesson: the one that announces the tasks
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


def lesson_tasks(chapter: str, root: Path = ROOT) -> list[Task]:
    """The graded tasks that chapter `chapter`'s lesson announces, in lesson order."""
    lesson = (root / chapter / LESSON).read_text()
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


def all_tasks(root: Path = ROOT) -> list[Task]:
    return [task for chapter in chapters(root) for task in lesson_tasks(chapter, root)]
