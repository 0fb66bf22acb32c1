"""Write the student edition of the course: the same files with the exercise solutions removed.

Solutions live in the instructor's source (Python files and Dockerfiles) between
`# BEGIN SOLUTION` and `# END SOLUTION` lines. In the student edition those blocks are gone,
each chapter's OpenAPI snapshot is regenerated from the stripped app, and the exercise tests
fail until a student solves them.

Usage: python tools/student_edition.py OUTPUT_DIR
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_BLOCK = re.compile(r"^[ \t]*# BEGIN SOLUTION\n.*?^[ \t]*# END SOLUTION\n", re.M | re.S)
EXTRA_BLANK_LINES = re.compile(r"\n{3,}(?=\Z)|\n{4,}")


def project_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [Path(name) for name in listed.split("\0") if name and (ROOT / name).is_file()]


def strip_solutions(source: str) -> str:
    stripped = SOLUTION_BLOCK.sub("", source)
    return EXTRA_BLANK_LINES.sub(lambda m: "\n\n\n" if m.end() < len(stripped) else "\n", stripped)


def remove_unused_imports(files: list[Path]) -> None:
    """An import that only a solution used would be left dangling: let ruff remove it."""
    if files:
        subprocess.run(
            [
                *(sys.executable, "-m", "ruff", "check", "--quiet", "--select", "F401"),
                *("--fix", "--exit-zero", *map(str, files)),
            ],
            check=True,
        )


def build(output: Path) -> list[Path]:
    """Write the edition to `output`; return the chapter folders whose code changed."""
    if output.exists():
        shutil.rmtree(output)
    changed: set[Path] = set()
    stripped_files: list[Path] = []
    for relative in project_files():
        if relative.parts[0] == "tools" and relative.name.startswith("test_"):
            continue  # the instructor's own checks of this script stay behind
        target = output / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if relative.suffix == ".py" or relative.name == "Dockerfile":
            source = (ROOT / relative).read_text()
            stripped = strip_solutions(source)
            target.write_text(stripped)
            if stripped != source:
                changed.add(Path(relative.parts[0]))
                if relative.suffix == ".py":
                    stripped_files.append(target)
        else:
            shutil.copy2(ROOT / relative, target)
    remove_unused_imports(stripped_files)
    return sorted(changed)


def refresh_snapshots(output: Path, chapters: list[Path]) -> None:
    if not chapters:
        return
    subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *("-k", "test_openapi_schema_matches_snapshot", *map(str, chapters)),
        ],
        cwd=output,
        env={**os.environ, "UPDATE_SNAPSHOTS": "1"},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    output = parser.parse_args().output.resolve()
    chapters = build(output)
    refresh_snapshots(output, chapters)
    print(f"Student edition written to {output} ({len(chapters)} chapters had solutions).")


if __name__ == "__main__":
    main()
