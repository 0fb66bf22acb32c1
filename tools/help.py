"""`make help`: the targets, in the student's language (tools/messages.py chooses it).

It runs with the system's python3 before anything is installed, so it uses the standard
library only. The instructors' targets are listed only where tools/student_edition.py is.

Usage: python3 tools/help.py
"""

from pathlib import Path

import messages

ROOT = Path(__file__).resolve().parents[1]
COLUMN = 21  # where the descriptions start

SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "help.loop",
        [
            ("chapter-N", "help.chapter"),
            ("test-N", "help.test_n"),
            ("watch-N", "help.watch"),
            ("check TASK=ch03.ex2", "help.check"),
            ("hint TASK=ch03.ex2", "help.hint"),
            ("progress", "help.progress"),
            ("grade-N / grade", "help.grade"),
            ("reset-N", "help.reset"),
            ("demo-N", "help.demo"),
        ],
    ),
    (
        "help.chapter_7",
        [
            ("chapter-7, demo-7, test-7, watch-7, grade-7", "help.chapter_7_too"),
            ("train-7", "help.train"),
            ("bench-7", "help.bench"),
            ("bench-7-vllm", "help.bench_vllm"),
            ("chapter-7-ray", "help.ray"),
            ("bench-7-ray", "help.bench_ray"),
        ],
    ),
    (
        "help.everything",
        [
            ("test", "help.test"),
            ("lint / format", "help.lint"),
            ("docker-build, docker-run, docker-logs, docker-stop", "help.docker"),
            ("clean", "help.clean"),
        ],
    ),
]
INSTRUCTORS: list[tuple[str, str]] = [
    ("student-edition", "help.student_edition"),
    ("gradescope", "help.gradescope"),
    ("grade-class SUBMISSIONS=dir", "help.grade_class"),
    ("mutants", "help.mutants"),
    ("snapshots", "help.snapshots"),
    ("screenshots", "help.screenshots"),
]


def line(target: str, key: str, language: str) -> str:
    text = messages.say(key, language)
    if len(target) >= COLUMN - 1:
        return f"  {target}   {text}"
    return f"  {target.ljust(COLUMN - 1)}{text}"


def lines(language: str, instructors: bool) -> list[str]:
    shown = [messages.say("help.usage", language)]
    sections = SECTIONS + ([("help.instructors", INSTRUCTORS)] if instructors else [])
    for title, targets in sections:
        shown += ["", messages.say(title, language)]
        shown += [line(target, key, language) for target, key in targets]
    return shown


def main() -> None:
    instructors = (ROOT / "tools" / "student_edition.py").is_file()
    print("\n".join(lines(messages.language(), instructors)))


if __name__ == "__main__":
    main()
