"""Every task is announced by its lesson, solved by named blocks and graded by marked tests."""

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402
import variants  # noqa: E402
import wrong_solutions  # noqa: E402

del sys.path[0]

TASK_MARKER = re.compile(r"""@pytest\.mark\.task\(id=["'](ch\d\d\.ex\d+)["']\)""")


def marked_tasks(chapter: str) -> set[str]:
    tests = (ROOT / chapter / "tests").glob("test_*.py")
    return {task for path in tests for task in TASK_MARKER.findall(path.read_text())}


@pytest.mark.parametrize("chapter", course.chapters())
def test_lesson_blocks_and_tests_name_the_same_tasks(chapter: str) -> None:
    announced = {task.id for task in course.lesson_tasks(chapter)}
    solved = set(variants.task_blocks(ROOT / chapter))
    assert announced, f"{chapter}/README.md announces no task"
    assert announced == solved, "lesson and solution blocks disagree"
    assert announced == marked_tasks(chapter), "lesson and test markers disagree"
    prefix = f"ch{chapter[:2]}.ex"
    assert all(task.startswith(prefix) for task in announced), "a task of another chapter"


@pytest.mark.parametrize("task", course.all_tasks(), ids=lambda task: task.id)
def test_every_task_has_points_and_a_hint(task: course.Task) -> None:
    assert task.points > 0
    assert len(task.hint) > 40, "the hint under the task in the lesson is missing or empty"


def test_task_ids_are_unique_and_numbered_from_one() -> None:
    for chapter in course.chapters():
        numbers = [task.number for task in course.lesson_tasks(chapter)]
        assert numbers == list(range(1, len(numbers) + 1)), chapter


def test_difficulty_grows_across_the_course() -> None:
    """The points a chapter offers for its hardest task never go down from one to the next."""
    hardest = [max(t.points for t in course.lesson_tasks(c)) for c in course.chapters()]
    assert hardest == sorted(hardest)


@pytest.mark.parametrize("chapter", course.chapters())
def test_wrong_solutions_parse_and_fit_their_blocks(chapter: str) -> None:
    blocks = variants.task_blocks(ROOT / chapter)
    for wrong in wrong_solutions.of_chapter(ROOT / chapter):
        variants.check_fits(wrong, blocks)
        assert wrong.task.startswith(f"ch{chapter[:2]}."), wrong.path


def test_the_wrong_solution_format_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "ch01.ex1-no-header.txt"
    bad.write_text("--- main.py\nx = 1\n")
    with pytest.raises(ValueError, match="first line must be"):
        wrong_solutions.parse(bad)
    misnamed = tmp_path / "ch01.ex2-x.txt"
    misnamed.write_text("ch01.ex1: wrong\n--- main.py\nx = 1\n")
    with pytest.raises(ValueError, match=r"must start with `ch01\.ex1-`"):
        wrong_solutions.parse(misnamed)
