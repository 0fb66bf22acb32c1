"""`make progress`: which tasks you have solved, and the next one with its hint.

It runs only the task checks, as `make grade` runs them but with the quick loop's number of
generated runs (`make test-N`'s) and without shrinking a failure to its shortest example (it
shows none), so it answers in seconds: 19 s for a whole untouched edition on 2 cores. Chapter
07's checks need PyTorch, which chapters 01-06 never install: until it is there, chapter
07's tasks show as "not checked yet", with the command that installs it. It speaks the
student's language (tools/messages.py).
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
import messages

ROOT = Path(__file__).resolve().parents[1]
NEEDS_PYTORCH = "07_model_serving"


def main() -> int:
    os.chdir(ROOT)
    language = messages.language()

    def say(key: str, **fields: object) -> str:
        return messages.say(key, language, **fields)

    def points(count: int) -> str:
        return messages.points(count, language)

    tasks = course.all_tasks(ROOT, language)
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
    count = len(tasks)
    print(
        say("progress.solved", solved=len(solved), count=count, earned=earned, total=points(total))
    )
    for chapter in chapters:
        if chapter not in checked:
            print(f"  {chapter:<22} {say('progress.needs_pytorch')}")
            continue
        marks = [
            f"{task.id} {say('task.done') if task.id in solved else say('task.todo')}"
            for task in tasks
            if task.chapter == chapter
        ]
        print(f"  {chapter:<22} {'   '.join(marks)}")
    upcoming = [task for task in tasks if task.id not in solved and task.chapter in checked]
    if not upcoming:
        if len(checked) < len(chapters):
            print(say("progress.all_checked_solved"))
        else:
            print(say("progress.all_solved"))
        return 0
    task = upcoming[0]
    number = int(task.chapter[:2])
    lesson = course.lesson_of(task.chapter, language, ROOT)
    print(
        "\n"
        + say(
            "progress.next",
            task=task.id,
            title=task.title,
            points=points(task.points),
            lesson=lesson,
        )
    )
    if task.hint:
        print(say("progress.hint") + "\n" + textwrap.indent(task.hint, "  "))
    print(say("progress.check_it", task=task.id, number=number))
    return 0


if __name__ == "__main__":
    sys.exit(main())
