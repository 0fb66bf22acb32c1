"""The folder a grade is computed in: the handout's checks, the submission's code, nothing else.

Grading reads from two places. The *handout* is trusted: the course as handed out (the
instructor's copy, or a student edition whose files match its pinned manifest). The
*submission* is the student's repository. The grading tree takes:

- from the handout: every file that decides a grade (tests, lessons with their points, the
  test kit and tools, the root `conftest.py` and `pyproject.toml`, requirements);
- from the submission: the code of each chapter folder, and nothing that could steer pytest:
  no `conftest.py`, no pytest or tox configuration, no `sitecustomize.py`, no file under
  `tests/` that the handout does not have, nothing outside the chapter folders.

What was left out is listed (`Tree.ignored`), so a report can say it played no part. The
checksums of the trusted files are taken when the tree is built; `Tree.changed()` names any
that differ afterwards (code under test that wrote into the grader's files).
"""

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import manifest

# Names that configure or extend pytest or Python wherever they lie: never taken from a submission.
STEERING = {
    "conftest.py",
    "pytest.ini",
    ".pytest.ini",
    "tox.ini",
    "setup.cfg",
    "pyproject.toml",
    "sitecustomize.py",
    "usercustomize.py",
    "GNUmakefile",
    "makefile",
    "Makefile",
}
SKIPPED_FOLDERS = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "node_modules"}
SKIPPED_IN_CHAPTERS = {"data"}  # chapter 07's database: made at run time
# The folders at the top of a handout that grading reads; others (dist/, grade/) are output.
HANDOUT_FOLDERS = {"tools", ".github", ".ci"}


@dataclass
class Tree:
    root: Path
    ignored: list[str] = field(default_factory=list)  # submission files that played no part
    replaced: list[str] = field(default_factory=list)  # graded files the handout's copy replaced
    trusted: dict[str, str] = field(default_factory=dict)  # path -> sha256 when built

    def changed(self) -> list[str]:
        """Trusted files that differ from when the tree was built."""
        found = []
        for name, digest in sorted(self.trusted.items()):
            path = self.root / name
            if not path.is_file() or checksum(path) != digest:
                found.append(name)
        return found


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def walk(root: Path, top_folders: set[str] | None = None) -> list[Path]:
    """Every file under `root`, relative, without version control, caches, environments or
    chapter 07's run-time data; at the top, only the chapter folders and `top_folders` (every
    folder when None)."""
    found = []
    for folder, subfolders, names in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)

        def kept(name: str, depth: int = depth) -> bool:
            if name in SKIPPED_FOLDERS or (depth == 1 and name in SKIPPED_IN_CHAPTERS):
                return False
            return depth > 0 or top_folders is None or is_chapter(name) or name in top_folders

        subfolders[:] = sorted(name for name in subfolders if kept(name))
        relative_folder = Path(folder).relative_to(root)
        found += [relative_folder / name for name in sorted(names) if not name.endswith(".pyc")]
    return found


def is_chapter(name: str) -> bool:
    return len(name) > 3 and name[:2].isdigit() and name[2] == "_"


def trusted(relative: Path) -> bool:
    """Does the handout's copy of this file decide the grade (and not the submission's)?"""
    return manifest.is_graded(relative) or not is_chapter(relative.parts[0])


def build(handout: Path, submission: Path, destination: Path) -> Tree:
    tree = Tree(destination)
    for relative in walk(handout, HANDOUT_FOLDERS):
        if trusted(relative):
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(handout / relative, target)
            tree.trusted[relative.as_posix()] = checksum(target)
    for relative in walk(submission, HANDOUT_FOLDERS):
        name = relative.as_posix()
        if trusted(relative):
            if name not in tree.trusted:
                tree.ignored.append(name)
            elif checksum(submission / relative) != tree.trusted[name]:
                tree.replaced.append(name)
        elif relative.name in STEERING:
            tree.ignored.append(name)
        else:
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(submission / relative, target)
    return tree
