"""Copies of a chapter with chosen tasks solved: the starter, one task alone, a wrong answer.

`make student-edition` writes every chapter with no task solved; the per-task proof
(tools/test_task_proof.py) writes many small copies, one per task and per wrong solution.
"""

import functools
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import solution_blocks
import wrong_solutions

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def tracked_files(root: Path = ROOT) -> list[Path]:
    """The files git tracks (as they are in the working tree): never caches or stray files."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "-z"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    return [Path(name) for name in sorted(set(listed.split("\0"))) if (root / name).is_file()]


def instructor_only(relative: Path) -> bool:
    folders = {wrong_solutions.FOLDER.name, wrong_solutions.RIGHT_FOLDER.name}
    return bool(folders & set(relative.parts))


def task_blocks(chapter_dir: Path) -> dict[str, dict[str, int]]:
    """task -> chapter-relative file -> how many blocks of that task the file holds."""
    found: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for relative_to_root in tracked_files(chapter_dir.parent):
        path = chapter_dir.parent / relative_to_root
        if relative_to_root.parts[0] == chapter_dir.name and solution_blocks.may_hold_solutions(
            path
        ):
            relative = path.relative_to(chapter_dir).as_posix()
            for block in solution_blocks.find_blocks(path.read_text(), str(path)):
                found[block.task][relative] += 1
    return {task: dict(files) for task, files in found.items()}


def check_fits(wrong: wrong_solutions.WrongSolution, blocks: dict[str, dict[str, int]]) -> None:
    files = blocks.get(wrong.task)
    if files is None:
        raise ValueError(f"{wrong.path}: no solution block names {wrong.task}")
    for name, bodies in wrong.blocks.items():
        if len(bodies) != files.get(name, 0):
            raise ValueError(
                f"{wrong.path}: {name} holds {files.get(name, 0)} block(s) of {wrong.task}, "
                f"but the wrong solution gives {len(bodies)}"
            )


def write_chapter(
    chapter: str,
    destination: Path,
    keep: frozenset[str] = frozenset(),
    wrong: wrong_solutions.WrongSolution | None = None,
    root: Path = ROOT,
) -> list[Path]:
    """Write chapter `chapter` into `destination`; return the written files that had blocks."""
    rewritten = []
    for relative in tracked_files(root):
        if relative.parts[0] != chapter or instructor_only(relative):
            continue
        source, target = root / relative, destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        inside = Path(*relative.parts[1:]).as_posix()
        if solution_blocks.may_hold_solutions(source):
            text = source.read_text()
            replacements = {}
            if wrong is not None:
                replacements = {wrong.task: wrong.blocks[inside]} if inside in wrong.blocks else {}
                keep = keep | {wrong.task} | wrong.beside
            written = solution_blocks.rewrite(text, str(relative), keep, replacements)
            target.write_text(written)
            if written != text:
                rewritten.append(target)
        else:
            target.write_bytes(source.read_bytes())
    return rewritten


def remove_unused_imports(files: list[Path]) -> None:
    """An import that only a removed solution used would be left dangling: let ruff remove it."""
    python = [str(path) for path in files if path.suffix == ".py"]
    if python:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                "check",
                "--quiet",
                "--select",
                "F401",
                "--fix",
                "--exit-zero",
                "--no-cache",
                *python,
            ],
            check=True,
        )
