"""Per-task proof, in the spirit of rustlings' CI: every task starts unsolved, is solved by its
own blocks alone, and is not solved by any of its plausible wrong answers.

One pytest run covers every variant (tools/proof_conftest.py chooses the tests of each):

- the starter of each chapter: every task test fails, every other test passes;
- each task's blocks alone: its tests pass, the other tasks' tests still fail, and the
  OpenAPI snapshot still passes (solving a task never breaks a test that grades no task);
- each wrong solution in `tests/wrong_solutions/`: at least one test of its task fails.

The full solution is this repository, whose tests `make test` runs.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402
import variants  # noqa: E402
import wrong_solutions  # noqa: E402

del sys.path[0]

CHAPTERS = course.chapters()
BLOCKS = {chapter: variants.task_blocks(ROOT / chapter) for chapter in CHAPTERS}
TASKS = sorted(task for chapter in CHAPTERS for task in BLOCKS[chapter])
WRONG = [wrong for chapter in CHAPTERS for wrong in wrong_solutions.of_chapter(ROOT / chapter)]
RIGHT = [right for c in CHAPTERS for right in wrong_solutions.right_of_chapter(ROOT / c)]
# Chapters whose tasks have no wrong solutions yet, and why. (xfail is strict: once a
# chapter has them, its entry must go.)
WRONG_SOLUTIONS_PENDING: dict[str, str] = {}
# What a chapter's tests may read from the top of the repository (chapter 06 compares pins).
TOP_LEVEL_FILES = ["requirements.txt", "requirements-07.txt"]
# Chapters whose modules hold state for the whole process (chapter 07's SQLModel tables are
# registered once per process): each copy of them gets a pytest process of its own.
ONE_COPY_PER_PROCESS = {"07_model_serving"}

# Building and running every variant takes a while; each test inside has its own limit.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
Outcomes = dict[str, dict[str, dict[str, Any]]]  # variant -> test id in its chapter -> outcome


def pending(chapter: str) -> list[pytest.MarkDecorator]:
    reason = WRONG_SOLUTIONS_PENDING.get(chapter)
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


def write_variant(base: Path, name: str, chapter: str, select: str, **how: Any) -> list[Path]:
    """Write one variant; return its files that had blocks (to tidy their imports)."""
    folder = base / f"v{len(list(base.glob('v*'))):03d}"
    folder.mkdir()
    rewritten = variants.write_chapter(chapter, folder, **how)
    for name_ in TOP_LEVEL_FILES:
        shutil.copy(ROOT / name_, folder / name_)
    task = how["wrong"].task if "wrong" in how else None
    (folder / "variant.json").write_text(json.dumps({"name": name, "select": select, "task": task}))
    return rewritten


def write_variants(base: Path) -> list[list[str]]:
    """Write every variant; return the folders to run, one list per pytest process.

    The copies of most chapters share the first process; each copy of a chapter in
    ONE_COPY_PER_PROCESS goes to a process of its own, which runs beside the others.
    """
    rounds: list[list[str]] = []
    rewritten: list[Path] = []
    for chapter in CHAPTERS:
        plans: list[tuple[str, str, dict[str, Any]]] = [(f"{chapter}:starter", "all", {})]
        plans += [(t, "solved", {"keep": frozenset({t})}) for t in sorted(BLOCKS[chapter])]
        for other in [*WRONG, *RIGHT]:
            if course.chapter_of(other.task) == chapter:
                variants.check_fits(other, BLOCKS[chapter])
                plans.append((f"{other.path.parent.name}/{other.name}", "task", {"wrong": other}))
        for index, (name, select, how) in enumerate(plans):
            rewritten += write_variant(base, name, chapter, select, **how)
            number = index + 1 if chapter in ONE_COPY_PER_PROCESS else 0
            rounds += [[] for _ in range(number + 1 - len(rounds))]
            rounds[number].append(sorted(base.glob("v*"))[-1].name)
    variants.remove_unused_imports(rewritten)  # as in the student edition
    return rounds


def run_rounds(base: Path, rounds: list[list[str]]) -> dict[str, dict[str, Any]]:
    """One pytest process per round, as many at once as there are CPU cores."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    running: list[tuple[subprocess.Popen[bytes], Path]] = []
    outcomes: dict[str, dict[str, Any]] = {}
    rounds = [folders for folders in rounds if folders]
    for number, folders in enumerate(rounds):
        report = base / f"outcomes-{number}.json"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir=."]
        command += ["-m", "not slow", *folders]
        env = {**os.environ, "PROOF_OUTCOMES": str(report)}
        with (base / f"round-{number}.log").open("wb") as log:
            process = subprocess.Popen(command, cwd=base, env=env, stdout=log, stderr=log)
        running.append((process, report))
        while len(running) >= (cores or 1) or (number == len(rounds) - 1 and running):
            done = [entry for entry in running if entry[0].poll() is not None]
            if not done:
                time.sleep(0.1)
            for entry in done:
                running.remove(entry)
                finished = entry[1]
                log = base / f"round-{finished.stem.removeprefix('outcomes-')}.log"
                assert finished.is_file(), log.read_text()[-3000:]
                outcomes.update(json.loads(finished.read_text()))
    return outcomes


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Outcomes:
    base = tmp_path_factory.mktemp("proof")
    shutil.copy(ROOT / "pyproject.toml", base / "pyproject.toml")
    shutil.copy(ROOT / "tools" / "proof_conftest.py", base / "conftest.py")
    shutil.copytree(ROOT / "tools" / "testkit", base / "tools" / "testkit")
    found = run_rounds(base, write_variants(base))
    names = {f.name: json.loads((f / "variant.json").read_text())["name"] for f in base.glob("v*")}
    grouped: Outcomes = {name: {} for name in names.values()}
    for node, outcome in found.items():
        folder, _, test = node.partition("/")
        grouped[names[folder]][test] = outcome
    return grouped


def outcomes_of(results: dict[str, dict[str, Any]], task: str | None) -> dict[str, str]:
    return {test: r["outcome"] for test, r in results.items() if r["task"] == task}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_starter_fails_every_task_test_and_passes_the_others(
    outcomes: Outcomes, chapter: str
) -> None:
    results = outcomes[f"{chapter}:starter"]
    task_tests = {t: r["outcome"] for t, r in results.items() if r["task"] is not None}
    assert task_tests, f"{chapter} has no test marked with a task"
    solved = [test for test, outcome in task_tests.items() if outcome != "failed"]
    assert solved == [], "these task tests do not fail on the starter"
    broken = [t for t, o in outcomes_of(results, None).items() if o not in {"passed", "skipped"}]
    assert broken == [], "these tests of the given code fail on the starter"


@pytest.mark.parametrize("task", TASKS)
def test_a_task_alone_passes_its_tests_and_no_other_task(outcomes: Outcomes, task: str) -> None:
    results = outcomes[task]
    own = outcomes_of(results, task)
    assert own, f"no test is marked task(id={task!r})"
    assert [t for t, outcome in own.items() if outcome != "passed"] == [], "its own tests fail"
    others = {t: r for t, r in results.items() if r["task"] not in {None, task}}
    assert [t for t, r in others.items() if r["outcome"] != "failed"] == [], (
        "another task's tests pass with only this task solved"
    )
    snapshot = outcomes_of(results, None)
    assert snapshot, "the OpenAPI snapshot test did not run"
    assert set(snapshot.values()) == {"passed"}, "solving this task broke the snapshot test"


@pytest.mark.parametrize("wrong", WRONG, ids=lambda wrong: wrong.name)
def test_a_wrong_solution_fails_its_task(
    outcomes: Outcomes, wrong: wrong_solutions.WrongSolution
) -> None:
    own = outcomes_of(outcomes[f"wrong_solutions/{wrong.name}"], wrong.task)
    assert own, f"no test of {wrong.task} ran"
    assert "failed" in own.values(), f"every test of {wrong.task} accepts: {wrong.why}"


@pytest.mark.parametrize("right", RIGHT, ids=lambda right: right.name)
def test_a_right_solution_written_differently_passes_its_task(
    outcomes: Outcomes, right: wrong_solutions.WrongSolution
) -> None:
    own = outcomes_of(outcomes[f"right_solutions/{right.name}"], right.task)
    assert own, f"no test of {right.task} ran"
    refused = [test for test, outcome in own.items() if outcome != "passed"]
    assert refused == [], f"a correct answer ({right.why}) is refused by these tests"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_chapter_grades_three_tasks_or_more(chapter: str) -> None:
    assert len(BLOCKS[chapter]) >= 3


@pytest.mark.parametrize(
    "task", [pytest.param(t, marks=pending(course.chapter_of(t))) for t in TASKS]
)
def test_each_task_has_two_wrong_solutions_or_more(task: str) -> None:
    assert len([wrong for wrong in WRONG if wrong.task == task]) >= 2
