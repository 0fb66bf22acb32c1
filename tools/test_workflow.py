"""The GitHub Actions workflow that users of this repository run must be valid."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def find_actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which(
        "actionlint"
    )
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("actionlint is not installed, but CI must run it")
        pytest.skip("actionlint has no wheel for this platform; CI runs this check")
    return found


def test_there_is_a_workflow() -> None:
    assert WORKFLOWS, "expected .github/workflows/*.yml"


def test_workflows_pass_actionlint() -> None:
    result = subprocess.run(
        [find_actionlint(), "-no-color", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_runs_the_same_commands_as_a_student() -> None:
    text = WORKFLOWS[0].read_text()
    assert "run: make lint" in text
    assert "run: make test" in text
