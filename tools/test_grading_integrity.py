"""The tamper corpus: every way a student was seen to talk a grade up is neutralised, or named
with the grade void. Plus Gradescope's autograder, run over a submission laid out as
Gradescope lays it out.

Each attack starts from the student edition with chapter 01 solved (the honest score: 4 of 4
points for chapter 01, 0 of 7 for chapter 02) and grades chapters 01 and 02:

- "trusted": `python HANDOUT/tools/grade.py --submission SUBMISSION`, as the Classroom
  workflow, Gradescope and `make grade-class` run it: the score must stay the honest one, and
  the attacking files must be listed as not used (or the grade void where it cannot be
  neutralised);
- "own": `python tools/grade.py` inside the submission, as `make grade` runs it there: the
  attack must be named and the grade void.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import classroom_workflow  # noqa: E402
import course  # noqa: E402
import gradescope  # noqa: E402
import manifest  # noqa: E402
import student_edition  # noqa: E402

del sys.path[0]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
CHAPTERS = ["01_first_steps", "02_path_query_params"]
HONEST = {"ch01.ex1": 1, "ch01.ex2": 1, "ch01.ex3": 2, "ch02.ex1": 0, "ch02.ex2": 0, "ch02.ex3": 0}
EVIL_PLUGIN = """
import pytest

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    report.outcome = "passed"
    return report
"""
PATCH_PYTEST = (
    "import _pytest.reports as _r  # three lines that would turn every check into a pass\n"
    "_r.TestReport.outcome = property(lambda self: 'passed', lambda self, value: None)\n"
    "_r.TestReport.longrepr = property(lambda self: None, lambda self, value: None)\n"
)


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("integrity") / "edition"
    student_edition.build(output)
    return output


@pytest.fixture
def submission(edition: Path, tmp_path: Path) -> Path:
    """The edition with chapter 01 solved, as an honest student would have it."""
    copy = tmp_path / "submission"
    shutil.copytree(edition, copy)
    shutil.copy(ROOT / "01_first_steps" / "main.py", copy / "01_first_steps" / "main.py")
    return copy


def grade(handout: Path, submission: Path) -> tuple[dict[str, int], dict, str]:
    """Grade chapters 01 and 02; (points per task, results.json, what was printed)."""
    command = [sys.executable, str(handout / "tools" / "grade.py"), *CHAPTERS]
    if handout != submission:
        command[2:2] = ["--submission", str(submission)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COURSE"))}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    report = json.loads((submission / "grade" / "results.json").read_text())
    points = {task["id"]: task["earned"] for task in report["tasks"]}
    return points, report, done.stdout


def void(report: dict) -> bool:
    return report["status"] == "error"


def add_pytest_ini_plugin(folder: Path) -> list[str]:
    (folder / "pytest.ini").write_text("[pytest]\naddopts = -p evil_plugin\n")
    (folder / "evil_plugin.py").write_text(EVIL_PLUGIN)
    return ["pytest.ini", "evil_plugin.py"]


def patch_pytest_in_main(folder: Path) -> list[str]:
    main = folder / "02_path_query_params" / "main.py"
    main.write_text(PATCH_PYTEST + main.read_text())
    return []  # code of a chapter: used, and harmless


def add_gnumakefile(folder: Path) -> list[str]:
    results = '{"version": 3, "status": "pass", "message": null, "tests": []}'
    (folder / "GNUmakefile").write_text(
        f"grade:\n\tmkdir -p grade && echo '{results}' > grade/results.json\n"
    )
    return ["GNUmakefile"]


def add_conftest_and_edit_a_test(folder: Path) -> list[str]:
    (folder / "02_path_query_params" / "conftest.py").write_text(EVIL_PLUGIN)
    tests = folder / "02_path_query_params" / "tests" / "test_exercises.py"
    tests.write_text(tests.read_text().replace("def test_", "def skipped_"))
    return ["02_path_query_params/conftest.py", "02_path_query_params/tests/test_exercises.py"]


def add_sitecustomize(folder: Path) -> list[str]:
    (folder / "sitecustomize.py").write_text("import builtins\nbuiltins.GRADE = 100\n")
    (folder / "02_path_query_params" / "sitecustomize.py").write_text(EVIL_PLUGIN)
    return ["sitecustomize.py", "02_path_query_params/sitecustomize.py"]


ATTACKS: dict[str, Callable[[Path], list[str]]] = {
    "a root pytest.ini loading a plugin that passes every check": add_pytest_ini_plugin,
    "three lines in main.py that patch pytest's report": patch_pytest_in_main,
    "a GNUmakefile whose grade target writes a passing report": add_gnumakefile,
    "a conftest.py beside the tests, and an edited test": add_conftest_and_edit_a_test,
    "a sitecustomize.py at the top and in a chapter": add_sitecustomize,
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_attack_changes_no_score_when_the_handout_grades(
    edition: Path, submission: Path, attack: str
) -> None:
    files = ATTACKS[attack](submission)
    points, report, printed = grade(edition, submission)
    assert points == HONEST and not void(report), printed
    for name in files:
        assert f"  {name}" in printed.split("Not used")[-1], (name, printed)


@pytest.mark.parametrize("attack", [a for a in ATTACKS if ATTACKS[a] is not patch_pytest_in_main])
def test_an_attack_makes_a_students_own_grade_void(submission: Path, attack: str) -> None:
    files = ATTACKS[attack](submission)
    _, report, printed = grade(submission, submission)
    assert void(report), printed
    for name in files:
        assert name in report["message"], (name, report["message"])


def test_main_py_patching_pytest_changes_no_score_in_a_students_own_grade(
    submission: Path,
) -> None:
    patch_pytest_in_main(submission)
    points, report, printed = grade(submission, submission)
    assert points == HONEST and not void(report), printed


def test_code_that_writes_into_the_graders_files_voids_the_grade(
    edition: Path, submission: Path
) -> None:
    main = submission / "01_first_steps" / "main.py"
    main.write_text(
        "from pathlib import Path\n"
        "_kit = Path(__file__).resolve().parents[1] / 'tools' / 'testkit' / 'checks.py'\n"
        "_kit.write_text(_kit.read_text() + '\\n# rewritten by the code under test\\n')\n"
        + main.read_text()
    )
    _, report, printed = grade(edition, submission)
    assert void(report), printed
    assert "tools/testkit/checks.py" in report["message"]


def test_an_edited_workflow_voids_the_grade(edition: Path, submission: Path) -> None:
    workflow = submission / manifest.WORKFLOW
    workflow.write_text(workflow.read_text().replace("timeout: 1", "timeout: 2"))
    _, report, printed = grade(edition, submission)
    assert void(report), printed
    assert manifest.WORKFLOW in report["message"]


def find_handout(
    repository: Path, workflow_text: str, runner_temp: Path
) -> subprocess.CompletedProcess[str]:
    """The Classroom workflow's own step that finds the handout, run here with bash."""
    workflow = yaml.safe_load(workflow_text)
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    script = next(step["run"] for step in steps if "grading-manifest.json" in step.get("run", ""))
    env = {**os.environ, "RUNNER_TEMP": str(runner_temp), "PIN": workflow["env"]["PIN"]}
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=repository, env=env, capture_output=True, text=True
    )


def git(folder: Path, *arguments: str) -> None:
    subprocess.run(["git", *arguments], cwd=folder, check=True, capture_output=True)


def test_a_fake_first_commit_is_not_taken_for_the_handout(
    edition: Path, submission: Path, tmp_path: Path
) -> None:
    # The student rewrites history: a new root commit with every test emptied and a manifest
    # recomputed to match, and the real handout commit gone.
    tests = submission / "02_path_query_params" / "tests" / "test_exercises.py"
    tests.write_text('"""Nothing to check."""\n')
    files = [p.relative_to(submission) for p in submission.rglob("*") if p.is_file()]
    manifest.write(submission, [f for f in files if ".git" not in f.parts])
    shutil.rmtree(submission / ".git")
    git(submission, "init", "-q", "-b", "main")
    git(submission, "add", "-A")
    git(submission, "-c", "user.name=s", "-c", "user.email=s@x", "commit", "-q", "-m", "handout")
    workflow_text = (edition / manifest.WORKFLOW).read_text()
    found = find_handout(submission, workflow_text, tmp_path / "runner")
    assert found.returncode != 0
    assert "No commit of this repository holds the handout" in found.stderr


def test_the_real_handout_is_found_and_checked_after_later_commits(
    edition: Path, submission: Path, tmp_path: Path
) -> None:
    git(submission, "-c", "user.name=s", "-c", "user.email=s@x", "commit", "-q", "-am", "work")
    workflow_text = (edition / manifest.WORKFLOW).read_text()
    found = find_handout(submission, workflow_text, tmp_path / "runner")
    assert found.returncode == 0, found.stderr
    handout = tmp_path / "runner" / "handout"
    assert manifest.differences(handout, manifest.load(handout)) == []
    pin = hashlib.sha256((edition / manifest.NAME).read_bytes()).hexdigest()
    assert yaml.safe_load(workflow_text)["env"]["PIN"] == pin
    assert workflow_text == classroom_workflow.render(course.all_tasks(ROOT), pin)


def test_gradescope_runs_the_autograder_over_a_submission(
    edition: Path, submission: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "autograder.zip"
    gradescope.build(edition, archive)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as unpacked:
        unpacked.extractall(root / "source")
        names = unpacked.namelist()
    assert {"setup.sh", "run_autograder"} <= set(names)
    (root / "source" / "run_autograder").chmod(0o755)
    shutil.copytree(submission, root / "submission", ignore=shutil.ignore_patterns(".git"))
    add_pytest_ini_plugin(root / "submission")  # a student's upload may carry anything
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    done = subprocess.run(
        [str(root / "source" / "run_autograder"), *CHAPTERS],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    entries = {entry["number"]: entry for entry in results["tests"]}
    assert {task: entry["score"] for task, entry in entries.items()} == HONEST
    tasks = {task.id: task for task in course.all_tasks(ROOT)}
    for task, entry in entries.items():
        assert set(entry) == {
            "name",
            "number",
            "score",
            "max_score",
            "status",
            "output",
            "visibility",
        }
        assert entry["max_score"] == tasks[task].points
        assert entry["status"] == ("passed" if entry["score"] else "failed")
    assert "GET /models/" in entries["ch02.ex1"]["output"]
