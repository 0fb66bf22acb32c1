"""The solution markers: what the generator accepts, what it refuses, and what it writes."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import solution_blocks

del sys.path[0]

SOURCE = """\
a = 1


# BEGIN SOLUTION ch09.ex1: the answer
def solved():
    return 42


# END SOLUTION
class Settings:
    name: str = "x"
    # BEGIN SOLUTION ch09.ex2
    version: str = "1"
    # END SOLUTION
"""


def test_the_starter_names_each_task_where_its_block_was() -> None:
    assert solution_blocks.starter(SOURCE, "main.py") == (
        "a = 1\n\n\n"
        "# Task ch09.ex1: the answer.\n"
        "class Settings:\n"
        '    name: str = "x"\n'
        "    # Task ch09.ex2 goes here (see the lesson's Exercises).\n"
    )


def test_keeping_a_task_keeps_its_code_without_the_markers() -> None:
    kept = solution_blocks.rewrite(SOURCE, "main.py", keep=frozenset({"ch09.ex2"}))
    assert '    version: str = "1"\n' in kept
    assert "SOLUTION" not in kept
    assert "# Task ch09.ex1: the answer" in kept


def test_a_replacement_takes_the_place_of_the_solution() -> None:
    wrong = solution_blocks.rewrite(SOURCE, "main.py", replacements={"ch09.ex1": [["b = 2"]]})
    assert "b = 2\nclass Settings:" in wrong
    assert "return 42" not in wrong


def test_a_file_without_markers_is_left_alone() -> None:
    assert solution_blocks.starter("x = 1\n\n\ny = 2\n", "a.py") == "x = 1\n\n\ny = 2\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "# BEGIN SOLUTION ch01.ex1\n# BEGIN SOLUTION ch01.ex2\n# END SOLUTION\n",
            "main.py, line 2: BEGIN SOLUTION inside the block opened on line 1",
        ),
        ("x = 1\n# BEGIN SOLUTION ch01.ex1\nx = 2\n", "main.py, line 2: BEGIN SOLUTION is never"),
        ("x = 1\n# END SOLUTION\n", "main.py, line 2: END SOLUTION without a BEGIN"),
        ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "main.py, line 1: write `# BEGIN SOLUTION"),
        ("# BEGIN SOLUTION ex1\n# END SOLUTION\n", "main.py, line 1: write `# BEGIN SOLUTION"),
        ("# BEGIN SOLUTION ch01.ex1\n# END SOLUTION ch01.ex1\n", "line 2: END SOLUTION takes"),
    ],
)
def test_the_generator_refuses_bad_markers_naming_file_and_line(text: str, message: str) -> None:
    with pytest.raises(solution_blocks.BlockError, match=message.replace("`", ".")):
        solution_blocks.starter(text, "main.py")
