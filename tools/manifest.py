"""The checksums of the files that grade a student: tests, lessons, tooling, CI configuration.

The student edition carries them in `grading-manifest.json`: `make grade` in a student's
repository names every file that differs from it (and the grade does not count), and the
Classroom workflow finds the handout by this file's SHA-256 (tools/classroom_workflow.py).
"""

import hashlib
import json
import os
import re
from pathlib import Path

import messages

NAME = "grading-manifest.json"
# A lesson in any language: README.md, and its translations such as README.ko.md.
LESSON = re.compile(r"README(\.[a-z]{2})?\.md")
TOP_LEVEL = ("Makefile", "conftest.py", "pyproject.toml", "requirements.txt", "requirements-07.txt")
# The Classroom workflow holds the SHA-256 of this manifest (its PIN), so it cannot be listed
# in it; the grader compares it with the handout's copy instead.
WORKFLOW = ".github/workflows/classroom.yml"


def is_graded(relative: Path) -> bool:
    """Does this file (relative to the edition's root) decide a grade or its report?"""
    parts = relative.parts
    if relative.as_posix() == WORKFLOW:
        return False
    return (
        relative.as_posix() in TOP_LEVEL
        or parts[0] in {"tools", ".github"}
        or "tests" in parts[:-1]
        or relative.name == "conftest.py"
        or LESSON.fullmatch(relative.name) is not None
    )


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(root: Path, files: list[Path]) -> dict[str, str]:
    return {f.as_posix(): checksum(root / f) for f in sorted(files) if is_graded(f)}


def write(root: Path, files: list[Path]) -> str:
    """Write the manifest; its SHA-256 (the pin the Classroom workflow carries)."""
    manifest = {"files": build(root, files)}
    (root / NAME).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return checksum(root / NAME)


def load(root: Path) -> dict[str, str] | None:
    path = root / NAME
    return json.loads(path.read_text())["files"] if path.is_file() else None


# Files that configure or extend pytest, Python or make wherever they lie.
STEERING = {
    "conftest.py",
    "pytest.ini",
    ".pytest.ini",
    "tox.ini",
    "setup.cfg",
    "sitecustomize.py",
    "usercustomize.py",
    "GNUmakefile",
    "makefile",
}
SKIPPED = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache", "grade"}


def extra_files(root: Path, expected: dict[str, str]) -> list[str]:
    """Files that could change a grade but are not in the handout: tests, conftest.py files,
    pytest, tox, make or Python start-up configuration, and Python files at the top."""
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in SKIPPED and d != "dist"]
        for name in names:
            relative = (Path(folder) / name).relative_to(root)
            graded = (
                "tests" in relative.parts[:-1]
                or name in STEERING
                or (len(relative.parts) == 1 and name.endswith((".py", ".pth")))
                or (relative.parts[0] in {"tools", ".github"} and relative.as_posix() != WORKFLOW)
            )
            if graded and not name.endswith(".pyc") and relative.as_posix() not in expected:
                found.append(relative.as_posix())
    return sorted(found)


def differences(
    root: Path, expected: dict[str, str] | None = None, language: str = "en"
) -> list[str]:
    """One line per file that differs from the handout: changed, missing or added.

    `expected` is the handout's manifest; by default, the one in `root`. The lines' labels are
    in `language` (tools/messages.py).
    """
    expected = expected if expected is not None else load(root)
    if expected is None:
        return []
    lines = []
    for name, digest in sorted(expected.items()):
        path = root / name
        if not path.is_file():
            lines.append(messages.say("manifest.missing", language, name=name))
        elif checksum(path) != digest:
            lines.append(messages.say("manifest.changed", language, name=name))
    added = extra_files(root, expected)
    lines += [messages.say("manifest.added", language, name=name) for name in added]
    return lines
