"""`make check TASK=ch03.ex2`: run one task's checks, and say whether it is solved.

Usage: python tools/check_task.py TASK_ID
"""

import sys

import task_checks


def main() -> int:
    if len(sys.argv) < 2 or not sys.argv[1]:
        print("Name the task: make check TASK=ch03.ex2 (`make progress` lists them).")
        return 2
    task = task_checks.find(sys.argv[1])
    results = task_checks.run(task.chapter, task.id)
    state = "solved" if task_checks.solved(results, task.id) else "not solved yet"
    points = f"{task.points} point{'s' if task.points != 1 else ''}"
    print(f"\n{task.id} {task.title} ({points}): {state}.")
    if state != "solved":
        print(f"`make hint TASK={task.id}` gives a hint, one step more each time.")
    return 0 if state == "solved" else 1


if __name__ == "__main__":
    sys.exit(main())
