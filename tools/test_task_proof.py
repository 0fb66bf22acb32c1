"""Per-task proof, in the spirit of rustlings' CI: every task starts unsolved, is solved by its
own blocks alone, is not solved by any of its plausible wrong answers, and is solved by every
correct answer written differently from the instructor's.

One set of pytest processes covers every variant (tools/proof_conftest.py chooses the tests of
each, tools/variant_runs.py writes and runs them):

- the starter of each chapter: every task test fails, every other quick test passes (the
  checks of the given code that `make grade` counts; the slow ones run on the solution);
- each task's blocks alone: its tests pass, the other tasks' tests still fail, and the
  OpenAPI snapshot still passes (solving a task never breaks a test that grades no task);
- each wrong answer in `tests/wrong_solutions/`: at least one test of its task fails;
- each right answer in `tests/right_solutions/`: every test of its task passes.

The full solution is this repository, whose tests `make test` runs.
"""

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402
import variant_runs  # noqa: E402
import variants  # noqa: E402
import wrong_solutions  # noqa: E402

del sys.path[0]

CHAPTERS = course.chapters()
BLOCKS = {chapter: variants.task_blocks(ROOT / chapter) for chapter in CHAPTERS}
TASKS = sorted(task for chapter in CHAPTERS for task in BLOCKS[chapter])
WRONG = [wrong for c in CHAPTERS for wrong in wrong_solutions.of_chapter(ROOT / c)]
RIGHT = [right for c in CHAPTERS for right in wrong_solutions.right_of_chapter(ROOT / c)]
MINIMUM_WRONG_ANSWERS = 5  # per task: the course's own two, and three a beginner wrote

# Building and running every variant takes minutes; each test inside has its own limit.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]
Outcomes = dict[str, dict[str, dict[str, Any]]]  # variant -> test id in its chapter -> outcome


def write_variants(base: Path) -> list[Path]:
    folders = []
    for chapter in CHAPTERS:
        folders.append(variant_runs.write_variant(base, f"{chapter}:starter", chapter, "all"))
        for task in sorted(BLOCKS[chapter]):
            keep = frozenset({task})
            folders.append(variant_runs.write_variant(base, task, chapter, "solved", keep=keep))
        for answers, select in ((WRONG, "reject"), (RIGHT, "task")):
            for answer in answers:
                if course.chapter_of(answer.task) != chapter:
                    continue
                variants.check_fits(answer, BLOCKS[chapter])
                name = f"{answer.path.parent.name}/{answer.name}"
                folders.append(
                    variant_runs.write_variant(base, name, chapter, select, wrong=answer)
                )
    variant_runs.tidy_imports(base)
    return folders


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Outcomes:
    base = tmp_path_factory.mktemp("proof")
    variant_runs.prepare(base)
    rounds = variant_runs.plan_rounds(write_variants(base))
    env = {"COURSE_HYPOTHESIS_PROFILE": "course-no-shrink"}
    found = variant_runs.run_rounds(base, rounds, env=env, chunk=20)
    return variant_runs.grouped(base, found)


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


@pytest.mark.parametrize("task", TASKS)
def test_each_task_has_five_wrong_and_two_right_answers_or_more(task: str) -> None:
    wrong = [answer for answer in WRONG if answer.task == task]
    right = [answer for answer in RIGHT if answer.task == task]
    assert (len(wrong) >= MINIMUM_WRONG_ANSWERS, len(right) >= 2) == (True, True), (
        f"{task}: {len(wrong)} wrong answers, {len(right)} right ones"
    )
