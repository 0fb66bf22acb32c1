"""`make progress`: which tasks you have solved, and the next one with its hint.

It runs only the task checks (and not the slow ones), so it answers in seconds.
"""

import os
import sys
import textwrap
from pathlib import Path

import course
import grading

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    os.chdir(ROOT)
    tasks = course.all_tasks(ROOT)
    run = grading.run(
        [*course.chapters(ROOT), "--continue-on-collection-errors"], quick=True, tasks_only=True
    )
    solved = {task.id for task in tasks if grading.passed(run.results, task.id)}
    earned = sum(task.points for task in tasks if task.id in solved)
    total = sum(task.points for task in tasks)
    print(f"Solved {len(solved)} of {len(tasks)} tasks: {earned}/{total} points.")
    for chapter in course.chapters(ROOT):
        marks = [
            f"{task.id} {'done' if task.id in solved else 'todo'}"
            for task in tasks
            if task.chapter == chapter
        ]
        print(f"  {chapter:<22} {'   '.join(marks)}")
    upcoming = [task for task in tasks if task.id not in solved]
    if not upcoming:
        print("Every task is solved. Run `make grade` for the full report.")
        return 0
    task = upcoming[0]
    number = int(task.chapter[:2])
    print(f"\nNext: {task.id}, {task.title} ({task.points} points), in {task.chapter}/README.md")
    if task.hint:
        print("Hint:\n" + textwrap.indent(task.hint, "  "))
    print(f"Check it with `make test-{number}`, or `make watch-{number}` to re-run on each save.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
