"""`make watch-N`: run chapter N's quick checks now, then again each time a file is saved.

After each run it shows where each task of the chapter stands, and the next one to work on
with its first message. Watching is `watchfiles` (what uvicorn's --reload uses): it waits for
changes without polling and runs the checks once per burst of saves. Ctrl+C stops it.

It speaks the student's language (tools/messages.py).

Usage: python tools/watch.py CHAPTER_FOLDER
"""

import contextlib
import sys
import textwrap
from pathlib import Path

import course
import messages
import task_checks
from watchfiles import PythonFilter, watch

ROOT = Path(__file__).resolve().parents[1]
# Besides .py files, chapter 06 grades its Dockerfile and compose.yaml.
WATCHED_NAMES = {"Dockerfile", "compose.yaml", ".env"}
SHOWN_LINES = 12
LANGUAGE = messages.language()


def say(key: str, **fields: object) -> str:
    return messages.say(key, LANGUAGE, **fields)


class ChapterFilter(PythonFilter):
    def __call__(self, change: object, path: str) -> bool:
        return Path(path).name in WATCHED_NAMES or super().__call__(change, path)


def check(chapter: str) -> None:
    results = task_checks.run(chapter, quick=True)
    folder = Path(chapter).resolve()
    tasks = course.lesson_tasks(folder.name, folder.parent, LANGUAGE)
    states = {task.id: task_checks.solved(results, task.id) for task in tasks}
    given = [r for r in results if r["task"] is None and r["status"] in {"fail", "error"}]
    marks = [f"{t} {say('task.done') if ok else say('task.todo')}" for t, ok in states.items()]
    print("\n[watch] " + "   ".join(marks))
    if given:
        print(say("watch.given_code_broken", count=len(given)))
    upcoming = [task for task in tasks if not states[task.id]]
    if upcoming:
        task = upcoming[0]
        points = messages.points(task.points, LANGUAGE)
        print(say("watch.next", task=task.id, title=task.title, points=points))
        message = task_checks.first_message(results, task.id)
        if message:
            lines = message.splitlines()
            shown = lines[:SHOWN_LINES] + (["..."] if len(lines) > SHOWN_LINES else [])
            print(textwrap.indent("\n".join(shown), "        "))
        print(say("watch.stuck", task=task.id))
    else:
        print(say("watch.all_solved"))
    print(say("watch.waiting", chapter=chapter), flush=True)


def main() -> None:
    chapter = sys.argv[1]
    check(chapter)
    # debounce: saves closer together than this count as one; the checks run once after them.
    for _changes in watch(ROOT / chapter, watch_filter=ChapterFilter(), debounce=300, step=50):
        print("\n" + say("watch.change_seen") + "\n", flush=True)
        check(chapter)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
