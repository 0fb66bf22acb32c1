"""`make hint TASK=ch03.ex2`: a hint for a task, one step more each time you ask.

1. What the task asks, in the lesson's words, and where in the code the answer goes.
2. The lesson's hint.
3. What the checks say now: the first failing check's message (or that the task is solved).

The step reached is remembered in .course/hints.json (not in git); `STEP=1` starts over.
It speaks the student's language, and a Korean student gets the Korean lesson's words
(tools/messages.py).

Usage: python tools/hint.py TASK_ID [STEP]
"""

import json
import re
import sys
import textwrap
from pathlib import Path

import course
import messages
import task_checks

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".course" / "hints.json"
STEPS = 3


def placeholders(task: course.Task, language: str = "en") -> list[str]:
    """Where the task's answer goes: the `# Task chNN.exM` comments (or solution blocks)."""
    found = []
    marker = re.compile(rf"# (Task {re.escape(task.id)}\b|BEGIN SOLUTION {re.escape(task.id)}\b)")
    for path in sorted((ROOT / task.chapter).rglob("*")):
        if not path.is_file() or "tests" in path.parts or path.suffix in {".md", ".png", ".js"}:
            continue
        try:
            lines = path.read_text().splitlines()
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(lines, 1):
            if marker.search(line):
                where = {"path": path.relative_to(ROOT), "number": number, "line": line.strip()}
                found.append(messages.say("hint.spot", language, **where))
    return found


def show(task: course.Task, step: int, language: str = "en") -> None:
    def say(key: str, **fields: object) -> str:
        return messages.say(key, language, **fields)

    print(say("hint.header", task=task.id, title=task.title, step=step, steps=STEPS) + "\n")
    if step == 1:
        print(textwrap.fill(task.text, 92 if language == "en" else 56))  # Hangul: 2 columns
        spots = placeholders(task, language)
        if spots:
            print("\n" + say("hint.answer_goes_here"))
            print("\n".join(f"  {spot}" for spot in spots))
    elif step == 2:
        print(task.hint or say("hint.none"))
    else:
        print(say("hint.running") + "\n")
        results = task_checks.run(task.chapter, task.id, quiet=True)
        if task_checks.solved(results, task.id):
            print(say("hint.solved"))
        else:
            message = task_checks.first_message(results, task.id) or say("hint.no_check_ran")
            print(say("hint.first_failure") + "\n")
            print(textwrap.indent(message, "  "))
    if step < STEPS:
        print("\n" + say("hint.again", task=task.id, step=step + 1))


def main() -> int:
    language = messages.language()
    if len(sys.argv) < 2 or not sys.argv[1]:
        print(messages.say("hint.name_the_task", language))
        return 2
    task = task_checks.find(sys.argv[1], language)
    seen = json.loads(STATE.read_text()) if STATE.is_file() else {}
    asked = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else ""
    step = int(asked) if asked.isdigit() else min(seen.get(task.id, 0) + 1, STEPS)
    step = max(1, min(step, STEPS))
    show(task, step, language)
    STATE.parent.mkdir(exist_ok=True)
    STATE.write_text(json.dumps({**seen, task.id: step}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
