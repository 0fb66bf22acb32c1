"""Other answers to a task, kept to prove that its tests tell right from wrong.

Plausible wrong answers live in `NN_chapter/tests/wrong_solutions/`, and correct answers written
differently from the instructor's in `NN_chapter/tests/right_solutions/`, each as
`<task id>-<what it gets wrong, or how it differs>.txt`:

    ch02.ex3: indexes the list directly, so position -1 answers the last item
    with: ch02.ex1
    --- main.py
    <what goes in the task's first block of main.py instead of the solution>
    --- main.py
    <its second block there, and so on; a file not named keeps the right solution>

The optional `with:` line names other tasks whose solutions the answer is tried beside (a
mistake that only shows once another task works). Both folders are instructor-only: the
student edition leaves them out and no app imports them.
"""

import re
from dataclasses import dataclass
from pathlib import Path

FOLDER = Path("tests") / "wrong_solutions"
RIGHT_FOLDER = Path("tests") / "right_solutions"
HEADER = re.compile(r"^(?P<task>ch\d\d\.ex\d+): (?P<why>\S.*)$")
WITH = re.compile(r"^with: (?P<tasks>ch\d\d\.ex\d+(?:, ch\d\d\.ex\d+)*)$")
SECTION = re.compile(r"^--- (?P<file>\S+)$")


@dataclass(frozen=True)
class WrongSolution:
    path: Path
    task: str
    why: str
    blocks: dict[str, list[list[str]]]  # chapter-relative file -> bodies of the task's blocks
    beside: frozenset[str] = frozenset()  # other tasks solved too (the `with:` line)

    @property
    def name(self) -> str:
        return self.path.stem


def parse(path: Path) -> WrongSolution:
    lines = path.read_text().splitlines()
    header = HEADER.match(lines[0]) if lines else None
    if header is None:
        raise ValueError(f"{path}: the first line must be `chNN.exM: what this gets wrong`")
    if not path.stem.startswith(header["task"] + "-"):
        raise ValueError(f"{path}: the file name must start with `{header['task']}-`")
    blocks: dict[str, list[list[str]]] = {}
    current: list[str] | None = None
    beside = WITH.match(lines[1]) if len(lines) > 1 else None
    first = 3 if beside else 2
    for number, line in enumerate(lines[first - 1 :], start=first):
        section = SECTION.match(line)
        if section:
            current = []
            blocks.setdefault(section["file"], []).append(current)
        elif current is None:
            raise ValueError(f"{path}, line {number}: expected `--- FILE` before any code")
        else:
            current.append(line)
    if not blocks:
        raise ValueError(f"{path}: no `--- FILE` section")
    tasks = frozenset(beside["tasks"].split(", ")) if beside else frozenset()
    return WrongSolution(path, header["task"], header["why"], blocks, tasks)


def of_chapter(chapter_dir: Path, folder: Path = FOLDER) -> list[WrongSolution]:
    return [parse(path) for path in sorted((chapter_dir / folder).glob("*.txt"))]


def right_of_chapter(chapter_dir: Path) -> list[WrongSolution]:
    """Correct answers written differently: every check of their task must accept them."""
    return of_chapter(chapter_dir, RIGHT_FOLDER)
