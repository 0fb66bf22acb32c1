"""Write the student edition of the course: the same chapters with every task's solution removed.

Only files that git tracks go in. Every `# BEGIN SOLUTION chNN.exM` block becomes a one-line
comment naming its task, and imports that only solutions used are dropped. The edition gets
its own README, a GitHub Actions workflow that grades each push (with Classroom points per
task), a manifest of the checksums of every file that grades, and a git repository with one
commit whose author and date are fixed: the same source gives the same bytes and commit.

In Korean (`--language ko`; by default the language tools/messages.py chooses, so that
`make student-edition LANG=ko` and `COURSE_LANG=ko make student-edition` give it too), the
edition's README is tools/edition/README.ko.md, and a file `COURSE_LANG` holding `ko` makes
the student's commands speak Korean whatever the student's locale. Everything else is the same
as the English edition's: the lessons of both languages, the checks, the tools.

Usage: python tools/student_edition.py [--language en|ko] [OUTPUT_DIR]
       (default: dist/student-edition)
"""

import argparse
import os
import shutil
import subprocess
from pathlib import Path

import classroom_workflow
import course
import manifest
import messages
import variants

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "tools" / "edition"
# The README the student edition gets, by language: in tools/edition/, written as README.md.
READMES = {"en": "README.md", "ko": "README.ko.md"}
# The instructor's own tools, checks and CI stay behind; the edition gets its own README and CI.
INSTRUCTOR_ONLY = {
    ".ci/run",
    ".github/workflows/ci.yml",
    "README.md",
    "README.ko.md",  # README.md's Korean edition: for instructors too
    "tools/conftest.py",
    "tools/loop_timings.txt",
    "tools/measure_loop.sh",
    "tools/measure_setup.sh",
    "tools/proof_conftest.py",
    "tools/setup_timings.txt",
    "tools/solution_blocks.py",
    "tools/student_edition.py",
    "tools/variants.py",
    "tools/wrong_solutions.py",
}
COMMIT_ENV = {
    "GIT_AUTHOR_NAME": "FastAPI course",
    "GIT_AUTHOR_EMAIL": "course@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_NAME": "FastAPI course",
    "GIT_COMMITTER_EMAIL": "course@example.invalid",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


def shipped(relative: Path) -> bool:
    name = relative.as_posix()
    instructors_tools = relative.parts[0] == "tools" and (
        relative.name.startswith("test_") or relative.parts[1] == "edition"
    )
    return not (name in INSTRUCTOR_ONLY or instructors_tools or variants.instructor_only(relative))


def write_files(output: Path, language: str = "en") -> None:
    rewritten: list[Path] = []
    chapters = set(course.chapters(ROOT))
    for relative in variants.tracked_files(ROOT):
        if relative.parts[0] in chapters or not shipped(relative):
            continue
        (output / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / relative, output / relative)
    for chapter in sorted(chapters):
        rewritten += variants.write_chapter(chapter, output)
    variants.remove_unused_imports(rewritten)
    shutil.copyfile(TEMPLATES / READMES[language], output / "README.md")
    if language != "en":
        (output / messages.SETTING).write_text(language + "\n")


def normalise_modes(output: Path) -> None:
    """The same permissions whatever the umask: executable where the source is."""
    for path in output.rglob("*"):
        if path.is_file():
            source = ROOT / path.relative_to(output)
            executable = source.is_file() and os.access(source, os.X_OK)
            path.chmod(0o755 if executable else 0o644)


def commit(output: Path) -> None:
    env = {**os.environ, **COMMIT_ENV}
    for command in (
        ["init", "--quiet", "--initial-branch=main"],
        ["add", "--all"],
        ["-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "The course, as handed out"],
    ):
        subprocess.run(["git", *command], cwd=output, env=env, check=True)


def build(output: Path, language: str = "en") -> None:
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    write_files(output, language)
    files = [p.relative_to(output) for p in output.rglob("*") if p.is_file()]
    pin = manifest.write(output, files)
    workflow = output / manifest.WORKFLOW
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(classroom_workflow.render(course.all_tasks(ROOT), pin))
    normalise_modes(output)
    commit(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, nargs="?", default=ROOT / "dist" / "student-edition")
    parser.add_argument("--language", help="en or ko (ko_KR.UTF-8 too); default: as messages.py")
    arguments = parser.parse_args()
    language = messages.language()
    if arguments.language is not None:
        language = messages.normalise(arguments.language) or ""
        if language not in READMES:
            parser.error(f"there is no {arguments.language!r} edition: use en or ko")
    output = arguments.output.resolve()
    build(output, language)
    tasks = course.all_tasks(ROOT)
    print(f"Student edition ({language}) written to {output}: {len(tasks)} tasks, one commit.")


if __name__ == "__main__":
    main()
