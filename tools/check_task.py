"""`make check TASK=ch03.ex2`: run one task's checks, and say whether it is solved.

Usage: python tools/check_task.py TASK_ID
"""

import sys

import messages
import task_checks


def main() -> int:
    language = messages.language()
    if len(sys.argv) < 2 or not sys.argv[1]:
        print(messages.say("check.name_the_task", language))
        return 2
    task = task_checks.find(sys.argv[1], language)
    results = task_checks.run(task.chapter, task.id)
    solved = task_checks.solved(results, task.id)
    points = messages.points(task.points, language)
    verdict = "check.solved" if solved else "check.not_solved"
    print("\n" + messages.say(verdict, language, task=task.id, title=task.title, points=points))
    if not solved:
        print(messages.say("check.ask_for_a_hint", language, task=task.id))
    return 0 if solved else 1


if __name__ == "__main__":
    sys.exit(main())
