"""Run the checks of a grading tree: each chapter in pytest processes of its own.

For each chapter, one pytest process runs its task checks (`-m task`), another the quick
checks of the given code. They run with the tree's own configuration (`-c pyproject.toml`,
`--rootdir`), Python in isolated mode (no PYTHONPATH, no user site-packages, not the working
folder on sys.path), no plugin that a package installed itself (PYTEST_DISABLE_PLUGIN_AUTOLOAD),
and a clean environment. Results come back through a pipe that only that pytest process holds
(testkit/report.py); the app under test runs in a child process that never sees it. As many
processes run at once as there are cores.
"""

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import messages

# What a grading pytest process inherits; nothing of PYTEST_* or PYTHON* from the caller.
PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "CI", "TERM")
# Plugins the checks need, named because autoloading is off.
PLUGINS = ["-p", "pytest_timeout"]
RUN_WITHIN_S = 900  # one chapter's checks on a very busy machine; past it, they count as failed


@dataclass
class Result:
    name: str  # pytest's node id, e.g. 03_crud_path/tests/test_exercises.py::test_x
    chapter: str
    task: str | None
    status: str  # "pass", "fail", "error" or "skip"
    message: str | None = None
    needs_engine: bool = False  # marked `docker`: it skips where no container engine runs


@dataclass
class Batch:
    """One pytest process's share: a chapter, task checks or given-code checks."""

    chapter: str
    selection: str  # a pytest -m expression
    results: list[Result]
    exit_code: int = 0
    output: str = ""
    seconds: float = 0.0

    @property
    def broken(self) -> bool:
        """pytest could not run what it was asked (not: some checks failed)."""
        return self.exit_code not in (0, 1, 5)  # 5: nothing selected (a chapter with no such check)


def command(chapter: str, selection: str) -> list[str]:
    return [
        sys.executable,
        "-I",
        "-m",
        "pytest",
        "-c",
        "pyproject.toml",
        "--rootdir",
        ".",
        "-p",
        "no:cacheprovider",
        *PLUGINS,
        "-q",
        "--tb=short",
        "--no-header",
        "-m",
        selection,
        chapter,
    ]


def environment(report_fd: int, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_ON if name in os.environ}
    env.update(extra or {})
    env.update(
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        PYTHONDONTWRITEBYTECODE="1",
        COURSE_REPORT_FD=str(report_fd),
    )
    return env


def start(
    tree: Path, batch: Batch, extra: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], threading.Thread]:
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        command(batch.chapter, batch.selection),
        cwd=tree,
        env=environment(write_end, extra),
        pass_fds=(write_end,),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    os.close(write_end)

    def collect() -> None:
        with os.fdopen(read_end, encoding="utf-8") as stream:
            for line in stream:
                entry = json.loads(line)
                batch.results.append(Result(**entry))

    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    return process, reader


def run(
    tree: Path, chapters: list[str], given_code: bool = True, quick: bool = False
) -> list[Batch]:
    """Every chapter's task checks and (unless `given_code` is False) its quick other checks.

    `quick` (for `make progress`) makes a third of the generated runs, as `make test-N` does,
    and does not shrink a failure to its shortest example: progress shows no failure."""
    extra = {"COURSE_HYPOTHESIS_PROFILE": "course-progress"} if quick else {}
    batches = [Batch(chapter, "task", []) for chapter in chapters]
    if given_code:
        batches += [Batch(chapter, "not task and not slow", []) for chapter in chapters]
    # The slowest first (chapter 07), so that the others fill the remaining cores meanwhile.
    queue = sorted(batches, key=lambda b: (not b.chapter.startswith("07"), b.selection != "task"))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    running: list[tuple[Batch, subprocess.Popen[bytes], threading.Thread, float]] = []
    while queue or running:
        while queue and len(running) < max(1, cores or 1):
            batch = queue.pop(0)
            process, reader = start(tree, batch, extra)
            running.append((batch, process, reader, time.monotonic()))
        time.sleep(0.05)
        for entry in list(running):
            batch, process, reader, began = entry
            if process.poll() is None and time.monotonic() - began < RUN_WITHIN_S:
                continue
            finish(batch, process, reader, began)
            running.remove(entry)
    return batches


def finish(
    batch: Batch, process: subprocess.Popen[bytes], reader: threading.Thread, began: float
) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 9)
        batch.output = messages.say("grade.stopped_after", seconds=RUN_WITHIN_S) + "\n"
    assert process.stdout is not None
    batch.output += process.stdout.read().decode(errors="replace")
    batch.exit_code = process.wait()
    reader.join(timeout=10)
    batch.seconds = time.monotonic() - began
    # Whatever the checks started in their process group ends with them.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, 9)


def passed(results: list[Result], task: str) -> bool:
    """A task is solved when some of its checks ran and every one that ran passes.

    Only a check that needs a container engine may be skipped (where none runs) without
    taking anything away; the report lists it (`skipped`). Any other skip counts as not
    passed: code under test that makes a check skip (`pytest.skip` raised from a route) must
    not pass a task."""
    own = [result for result in results if result.task == task]
    ran = [result for result in own if not (result.status == "skip" and result.needs_engine)]
    return bool(ran) and all(result.status == "pass" for result in ran)


def skipped(results: list[Result], chapter: str) -> list[Result]:
    """The checks that needed a container engine and could not run here."""
    return [
        result
        for result in results
        if result.chapter == chapter and result.status == "skip" and result.needs_engine
    ]
