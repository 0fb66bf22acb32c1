"""Write many small copies of chapters (variants) and run chosen checks on each, in few processes.

Used by the per-task proof (tools/test_task_proof.py: starters, tasks alone, wrong and right
answers) and by mutation testing (tools/mutants.py). A variant is a folder `vNNN/` holding one
chapter and `variant.json` (which checks to run: see tools/proof_conftest.py). Most chapters'
variants share one pytest process; each variant of a chapter in ONE_COPY_PER_PROCESS gets a
process of its own. As many processes run at once as there are cores.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import variants

ROOT = Path(__file__).resolve().parents[1]
# What a chapter's tests may read from the top of the repository (chapter 06 compares pins).
TOP_LEVEL_FILES = ["requirements.txt", "requirements-07.txt"]
# Chapters whose modules hold state for the whole process (chapter 07's SQLModel tables are
# registered once per process): each copy of them gets a pytest process of its own.
ONE_COPY_PER_PROCESS = {"07_model_serving"}
# What the test kit imports from tools/: the container engine, and the student's language.
KIT_NEEDS = ["containers.py", "messages.py"]


def prepare(base: Path) -> None:
    """The top of a variants folder: the course's pytest configuration and test kit."""
    shutil.copy(ROOT / "pyproject.toml", base / "pyproject.toml")
    shutil.copy(ROOT / "tools" / "proof_conftest.py", base / "conftest.py")
    shutil.copytree(ROOT / "tools" / "testkit", base / "tools" / "testkit")
    for module in KIT_NEEDS:
        shutil.copy(ROOT / "tools" / module, base / "tools" / module)


def write_variant(base: Path, name: str, chapter: str, select: str, **how: Any) -> Path:
    """Write one variant (`how`: keep=, wrong= as in variants.write_chapter); its folder."""
    folder = base / f"v{len(list(base.glob('v*'))):04d}"
    folder.mkdir()
    variants.write_chapter(chapter, folder, **how)
    for top in TOP_LEVEL_FILES:
        shutil.copy(ROOT / top, folder / top)
    task = how["wrong"].task if "wrong" in how else None
    settings = {"name": name, "chapter": chapter, "select": select, "task": task}
    (folder / "variant.json").write_text(json.dumps(settings))
    return folder


def tidy_imports(base: Path) -> None:
    """An import that only a removed solution used would be left dangling, as in the edition."""
    code = [path for path in base.glob("v*/*/**/*.py") if "tests" not in path.parts]
    variants.remove_unused_imports(sorted(code))


Round = list[str]  # the variant folders of one pytest process


def plan_rounds(folders: list[Path]) -> list[Round]:
    """The variant folders of each pytest process.

    Every variant runs the quick checks (not the slow ones) its selection names: a starter
    (select "all") all of them, which are the checks `make grade` counts for the given code;
    the slow ones run on the full solution in `make test`. A chapter in
    ONE_COPY_PER_PROCESS loads its modules into the test process only for the checks of its
    given code, which only its starter runs: that starter gets a process of its own; its other
    variants (graded checks over HTTP) share one (or one per chunk, in `run_rounds`).
    """
    shared: list[str] = []
    heavy: list[str] = []
    starters: list[str] = []
    alone: list[Round] = []
    for folder in folders:
        settings = json.loads((folder / "variant.json").read_text())
        if settings["select"] == "all" and settings["chapter"] in ONE_COPY_PER_PROCESS:
            alone.append([folder.name])
        elif settings["select"] == "all":
            starters.append(folder.name)
        elif settings["chapter"] in ONE_COPY_PER_PROCESS:
            heavy.append(folder.name)
        else:
            shared.append(folder.name)
    # The longest first, so that the short ones fill the other cores at the end.
    return [group for group in [*alone, heavy, starters, shared] if group]


def run_rounds(
    base: Path, rounds: list[Round], env: dict[str, str] | None = None, chunk: int = 0
) -> dict[str, dict[str, Any]]:
    """One pytest process per round (split into `chunk`-sized pieces when given), as many at
    once as there are cores, the longest first; every test's outcome, by node id."""
    if chunk:
        rounds = [f[i : i + chunk] for f in rounds for i in range(0, len(f), chunk)]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    running: list[tuple[subprocess.Popen[bytes], Path]] = []
    outcomes: dict[str, dict[str, Any]] = {}
    queue = [(number, folders) for number, folders in enumerate(rounds) if folders]
    while queue or running:
        while queue and len(running) < (cores or 1):
            number, folders = queue.pop(0)
            report = base / f"outcomes-{number}.json"
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            command += ["--rootdir=.", "-m", "not slow", *folders]
            environment = {**os.environ, **(env or {}), "PROOF_OUTCOMES": str(report)}
            with (base / f"round-{number}.log").open("wb") as log:
                process = subprocess.Popen(
                    command, cwd=base, env=environment, stdout=log, stderr=log
                )
            running.append((process, report))
        time.sleep(0.1)
        for entry in [entry for entry in running if entry[0].poll() is not None]:
            running.remove(entry)
            finished = entry[1]
            log = base / f"round-{finished.stem.removeprefix('outcomes-')}.log"
            assert finished.is_file(), log.read_text()[-3000:]
            outcomes.update(json.loads(finished.read_text()))
    return outcomes


def grouped(base: Path, outcomes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Outcomes by variant name, then by test id inside its chapter."""
    names = {f.name: json.loads((f / "variant.json").read_text())["name"] for f in base.glob("v*")}
    result: dict[str, dict[str, Any]] = {name: {} for name in names.values()}
    for node, outcome in outcomes.items():
        folder, _, test = node.partition("/")
        result[names[folder]][test] = outcome
    return result
