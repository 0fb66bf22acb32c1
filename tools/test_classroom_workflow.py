"""The student edition's Classroom workflow, checked against what GitHub Classroom's actions need.

actionlint checks the syntax; it cannot know that the reporter uploads points only from a
workflow named `Autograding Tests` with one job `run-autograding-tests`, nor which inputs the
classroom actions take. Those come from the actions' own files, cited here:

- classroom-resources/autograding-command-grader, commit 7712c71, action.yml: inputs
  test-name (required), setup-command, command (required), timeout, max-score; output result.
- classroom-resources/autograding-grading-reporter, commit 43c2d9f, action.yml: inputs
  runners (required), token; README: the workflow name, the single job's name, and one
  environment variable `<RUNNER ID in capitals>_RESULTS` per runner.
"""

import hashlib
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import classroom_workflow  # noqa: E402
import course  # noqa: E402

del sys.path[0]

GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
ACTIONS = {
    GRADER: {
        "inputs": {"test-name", "setup-command", "command", "timeout", "max-score"},
        "required": {"test-name", "command"},
    },
    REPORTER: {"inputs": {"runners", "token"}, "required": {"runners"}},
}
PIN = hashlib.sha256(b"a manifest").hexdigest()


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    return yaml.safe_load(classroom_workflow.render(course.all_tasks(ROOT), PIN))


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return workflow["jobs"]["run-autograding-tests"]["steps"]


def test_named_as_the_reporter_requires(workflow: dict[Any, Any]) -> None:
    assert workflow["name"] == "Autograding Tests"
    assert list(workflow["jobs"]) == ["run-autograding-tests"]
    # PyYAML reads the key `on` as True (YAML 1.1).
    assert set(workflow[True]) == {"push", "workflow_dispatch", "repository_dispatch"}


def test_every_classroom_action_gets_only_its_inputs_and_all_it_requires(
    workflow: dict[Any, Any],
) -> None:
    for step in steps(workflow):
        if step.get("uses") in ACTIONS:
            action = ACTIONS[step["uses"]]
            given = set(step.get("with", {}))
            assert given <= action["inputs"], (step["name"], given - action["inputs"])
            assert action["required"] <= given, (step["name"], action["required"] - given)


def test_one_grader_step_per_task_with_its_points(workflow: dict[Any, Any]) -> None:
    tasks = course.all_tasks(ROOT)
    graders = [step for step in steps(workflow) if step.get("uses") == GRADER]
    assert [step["with"]["test-name"] for step in graders] == [f"{t.id} {t.title}" for t in tasks]
    assert [step["with"]["max-score"] for step in graders] == [t.points for t in tasks]
    assert [step["id"] for step in graders] == [t.id.replace(".", "-") for t in tasks]
    for step, task in zip(graders, tasks, strict=True):
        assert step["with"]["command"].endswith(
            f'task_result.py" --results "$RUNNER_TEMP/grade/results.json" {task.id}'
        )


def test_the_reporter_reads_every_grader_step(workflow: dict[Any, Any]) -> None:
    graders = [step["id"] for step in steps(workflow) if step.get("uses") == GRADER]
    reporter = [step for step in steps(workflow) if step.get("uses") == REPORTER]
    assert len(reporter) == 1 and steps(workflow)[-1] is reporter[0]
    assert reporter[0]["with"]["runners"].split(",") == graders
    expected_env = {
        f"{grader.upper()}_RESULTS": f"${{{{ steps.{grader}.outputs.result }}}}"
        for grader in graders
    }
    assert reporter[0]["env"] == expected_env


def test_nothing_of_the_repository_runs_before_the_handout_is_found(
    workflow: dict[Any, Any],
) -> None:
    commands = [step.get("run", "") for step in steps(workflow)]
    finding = next(i for i, run in enumerate(commands) if "grading-manifest.json" in run)
    for run in commands[:finding]:
        assert run == ""  # only actions (checkout, setup-python) before it
    for run in commands[finding + 1 :]:
        # Every later command runs the handout's copy in $RUNNER_TEMP, never the repository's.
        for script in re.findall(r'[\w/$"]*\.py\b', run):
            assert script.startswith('"$RUNNER_TEMP/handout/'), script
        assert "make " not in run
    assert workflow["env"]["PIN"] == PIN
