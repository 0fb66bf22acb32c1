"""Run the checks of one chapter (or one task) in place, and read which tasks they solve.

`make check`, `make watch-N` and `make hint` run the same pytest as `make test-N`, with the
course's report plugin (testkit/report.py) handing back one result per check, so that they can
say which tasks pass and show a failed task's first message.
"""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import course
import messages

ROOT = Path(__file__).resolve().parents[1]
QUICK = ["-p", "no:schemathesis", "-p", "no:hypothesispytest"]


def run(
    chapter: str, task: str | None = None, quiet: bool = False, quick: bool = False
) -> list[dict[str, object]]:
    """pytest over `chapter` (only `task`'s checks if given); one result per check.

    `quick` makes a third of the generated runs, as `make test-N` does."""
    selection = f"task(id={task!r})" if task else "not slow"
    if task:
        selection += " and not slow"
    read_end, write_end = os.pipe()
    command = [sys.executable, "-m", "pytest", chapter, "-q", "--no-header", "-m", selection]
    command += [*QUICK, "-p", "no:cacheprovider"]
    env = {**os.environ, "COURSE_REPORT_FD": str(write_end)}
    if quick:
        env["COURSE_HYPOTHESIS_PROFILE"] = "course-quick"
    output = subprocess.DEVNULL if quiet else None
    folder = Path(chapter).resolve().parent if Path(chapter).is_absolute() else ROOT
    process = subprocess.Popen(
        command, cwd=folder, env=env, pass_fds=(write_end,), stdout=output, stderr=output
    )
    os.close(write_end)
    results: list[dict[str, object]] = []

    def collect() -> None:
        with os.fdopen(read_end, encoding="utf-8") as stream:
            results.extend(json.loads(line) for line in stream)

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    process.wait()
    reader.join(timeout=10)
    return results


def solved(results: list[dict[str, object]], task: str) -> bool:
    own = [result for result in results if result["task"] == task]
    return bool(own) and all(result["status"] == "pass" for result in own)


def first_message(results: list[dict[str, object]], task: str) -> str | None:
    for result in results:
        if result["task"] == task and result["status"] != "pass":
            return str(result["message"] or result["status"]).strip()
    return None


def find(task_id: str, language: str = "en") -> course.Task:
    """The task `task_id`, in the words of the `language` edition of its lesson."""
    known = {task.id: task for task in course.all_tasks(ROOT, language)}
    if task_id not in known:
        names = ", ".join(known)
        raise SystemExit(messages.say("task.unknown", language, task=task_id, names=names))
    return known[task_id]
