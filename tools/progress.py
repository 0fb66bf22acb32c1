"""`make progress`: which tasks you have solved, and the next one with its hint.

It runs only the task checks, as `make grade` runs them but with the quick loop's number of
generated runs (`make test-N`'s), so it answers in seconds. Chapter
07's checks need PyTorch, which chapters 01-06 never install: until it is there, chapter
07's tasks show as "not checked yet", with the command that installs it.
"""

import importlib.util
import os
import sys
import tempfile
import textwrap
from pathlib import Path

import course
import grading
import grading_tree

ROOT = Path(__file__).resolve().parents[1]
NEEDS_PYTORCH = "07_model_serving"


def points(number: int) -> str:
    return f"{number} point{'s' if number != 1 else ''}"


def main() -> int:
    os.chdir(ROOT)
    tasks = course.all_tasks(ROOT)
    chapters = course.chapters(ROOT)
    has_pytorch = importlib.util.find_spec("torch") is not None
    checked = [c for c in chapters if has_pytorch or c != NEEDS_PYTORCH]
    with tempfile.TemporaryDirectory(prefix="course-progress-") as folder:
        tree = grading_tree.build(ROOT, ROOT, Path(folder))
        batches = grading.run(tree.root, checked, given_code=False, quick=True)
    results = [result for batch in batches for result in batch.results]
    solved = {task.id for task in tasks if grading.passed(results, task.id)}
    earned = sum(task.points for task in tasks if task.id in solved)
    total = sum(task.points for task in tasks)
    print(f"Solved {len(solved)} of {len(tasks)} tasks: {earned} of {points(total)}.")
    for chapter in chapters:
        if chapter not in checked:
            state = "not checked yet: needs PyTorch, which `make test-7` installs (once)"
            print(f"  {chapter:<22} {state}")
            continue
        marks = [
            f"{task.id} {'done' if task.id in solved else 'todo'}"
            for task in tasks
            if task.chapter == chapter
        ]
        print(f"  {chapter:<22} {'   '.join(marks)}")
    upcoming = [task for task in tasks if task.id not in solved and task.chapter in checked]
    if not upcoming:
        if len(checked) < len(chapters):
            print("Every task checked so far is solved. Run `make test-7` to go on with 07.")
        else:
            print("Every task is solved. Run `make grade` for the full report.")
        return 0
    task = upcoming[0]
    number = int(task.chapter[:2])
    print(f"\nNext: {task.id}, {task.title} ({points(task.points)}), in {task.chapter}/README.md")
    if task.hint:
        print("Hint:\n" + textwrap.indent(task.hint, "  "))
    print(
        f"Check it with `make check TASK={task.id}`, or `make watch-{number}` to re-run "
        "the chapter's checks on each save."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
