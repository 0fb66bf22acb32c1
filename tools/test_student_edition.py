"""The student edition: what it holds, that it is reproducible, and that it grades honestly.

Whether its task checks fail and its other checks pass is tools/test_task_proof.py's job.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402
import manifest  # noqa: E402
import student_edition  # noqa: E402
import variants  # noqa: E402

del sys.path[0]

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("student") / "edition"
    student_edition.build(output)
    return output


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(folder).parts
    }


def git(folder: Path, *arguments: str) -> str:
    done = subprocess.run(["git", *arguments], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def grade(folder: Path, *chapters: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "tools/grade.py", *chapters]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)


def test_no_solution_is_left_and_each_task_is_named_where_it_goes(edition: Path) -> None:
    for chapter in course.chapters(edition):
        for path in (edition / chapter).rglob("*"):
            if path.is_file():
                assert "BEGIN SOLUTION" not in path.read_text(errors="replace"), path
    for task in course.all_tasks():
        chapter = edition / task.chapter
        texts = [
            p.read_text()
            for p in chapter.rglob("*")
            if variants.solution_blocks.may_hold_solutions(p)
        ]
        assert any(f"# Task {task.id}" in text for text in texts), task.id


def test_only_tracked_files_go_in_and_no_instructor_file(edition: Path) -> None:
    generated = {"README.md", "grading-manifest.json", ".github/workflows/classroom.yml"}
    expected = {
        p.as_posix() for p in variants.tracked_files(ROOT) if student_edition.shipped(p)
    } | generated
    assert set(files_of(edition)) == expected
    for name in files_of(edition):
        assert "wrong_solutions" not in name and "__pycache__" not in name, name
        assert not name.startswith((".ruff_cache", ".pytest_cache", ".hypothesis", "dist/"))


def test_the_same_source_gives_the_same_bytes_and_commit(edition: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    student_edition.build(again)
    assert files_of(again) == files_of(edition)
    assert git(again, "rev-parse", "HEAD") == git(edition, "rev-parse", "HEAD")


def test_it_is_a_git_repository_with_one_clean_commit(edition: Path) -> None:
    assert git(edition, "rev-list", "--count", "HEAD") == "1"
    assert git(edition, "status", "--porcelain") == ""
    assert git(edition, "log", "-1", "--format=%an %ad", "--date=iso") == (
        "FastAPI course 2026-01-01 00:00:00 +0000"
    )


def test_its_readme_is_for_students_and_cites_only_what_it_holds(edition: Path) -> None:
    readme = (edition / "README.md").read_text()
    assert "solution" not in readme.lower()
    for command in ("make chapter-1", "make test-N", "make watch-N", "make progress"):
        assert command in readme
    for command in ("make grade", "make reset-N", "Hint"):
        assert command in readme
    for target in re.findall(r"\]\(([^)#]+)", readme):
        if not target.startswith("http"):
            assert (edition / target).exists(), target
    for path in re.findall(r"`([\w./-]+\.(?:py|yml|json|md))`", readme):
        assert (edition / path).exists(), path


def test_its_code_passes_the_linter(edition: Path) -> None:
    for check in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *check], cwd=edition, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_classroom_workflow_gives_each_task_its_points(edition: Path) -> None:
    workflow = yaml.safe_load((edition / manifest.WORKFLOW).read_text())
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    graders = {
        step["with"]["test-name"].split()[0]: step["with"]["max-score"]
        for step in steps
        if "autograding-command-grader" in step.get("uses", "")
    }
    assert graders == {task.id: task.points for task in course.all_tasks()}
    assert workflow["env"]["PIN"] == manifest.checksum(edition / manifest.NAME)


def test_the_classroom_workflow_passes_actionlint(edition: Path) -> None:
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if actionlint is None:
        pytest.skip("actionlint has no wheel for this platform; CI runs this check")
    workflow = edition / ".github/workflows/classroom.yml"
    done = subprocess.run([actionlint, "-no-color", str(workflow)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_manifest_covers_every_file_that_grades(edition: Path) -> None:
    listed = manifest.load(edition)
    assert listed is not None
    for name in files_of(edition):
        if "/tests/" in name or name.startswith(("tools/", ".github/")) or name == "Makefile":
            assert name in listed or name == manifest.WORKFLOW, name
    assert manifest.differences(edition) == []


@pytest.fixture
def submission(edition: Path, tmp_path: Path) -> Path:
    """A student's copy of the edition, to change."""
    copy = tmp_path / "submission"
    shutil.copytree(edition, copy)
    return copy


def test_grade_scores_the_starter_and_writes_its_reports(submission: Path) -> None:
    done = grade(submission, "01_first_steps")
    assert done.returncode == 0, done.stdout + done.stderr  # a score of 0 is still a grade
    assert "ch01.ex1  About" in done.stdout and "failed  0/1" in done.stdout
    assert "test_about_names_the_chapter:" in done.stdout  # why it failed, under the task
    assert "checks of the given code: all" in done.stdout
    assert "Total: 0/4 points" in done.stdout
    results = json.loads((submission / "grade" / "results.json").read_text())
    assert (results["version"], results["status"]) == (3, "fail")
    about = [t for t in results["tests"] if t.get("task_id") == "ch01.ex1"]
    assert about and about[0]["status"] == "fail"
    assert "sent:     GET /about" in about[0]["message"]
    assert "got:      404" in about[0]["message"]
    assert (submission / "grade" / "junit.xml").is_file()


def test_grade_names_a_failing_check_of_the_given_code(submission: Path) -> None:
    main = submission / "01_first_steps" / "main.py"
    main.write_text(main.read_text().replace('return {"Hello": "World"}', 'return {"Hi": 1}'))
    done = grade(submission, "01_first_steps")
    assert "checks of the given code: 1 of" in done.stdout
    assert "01_first_steps/tests/test_main.py::test_root_says_hello" in done.stdout


def test_grade_names_a_changed_test_and_does_not_count(submission: Path) -> None:
    tests = submission / "01_first_steps" / "tests"
    tampered = tests / "test_main.py"
    tampered.write_text(tampered.read_text().replace("assert ", "assert True or "))
    (tests / "conftest_extra.py").write_text("")
    (submission / "01_first_steps" / "conftest.py").write_text("")
    done = grade(submission, "01_first_steps")
    assert done.returncode == 1
    assert "changed: 01_first_steps/tests/test_main.py" in done.stdout
    assert "added:   01_first_steps/conftest.py" in done.stdout
    assert "added:   01_first_steps/tests/conftest_extra.py" in done.stdout
    assert json.loads((submission / "grade/results.json").read_text())["status"] == "error"


def test_reset_puts_a_chapter_back_and_keeps_a_backup_without_a_terminal(
    submission: Path,
) -> None:
    main = submission / "03_crud_path" / "main.py"
    original = main.read_text()
    main.write_text(original + "\n# my work\n")
    reset = [sys.executable, "tools/reset_chapter.py", "03_crud_path"]
    done = subprocess.run(
        reset, cwd=submission, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert main.read_text() == original
    backups = list((submission / ".course" / "backups").glob("03_crud_path-*/03_crud_path/main.py"))
    assert [b.read_text() for b in backups] == [original + "\n# my work\n"]
    assert "Your versions: .course/backups/03_crud_path-" in done.stdout


def test_reset_refuses_to_run_on_the_instructors_edition() -> None:
    reset = [sys.executable, "tools/reset_chapter.py", "03_crud_path"]
    done = subprocess.run(
        reset, cwd=ROOT, input="yes\n", capture_output=True, text=True, env={**os.environ}
    )
    assert done.returncode == 1
    assert "student edition" in done.stdout


def test_progress_shows_the_next_task_and_its_hint(submission: Path) -> None:
    first = course.all_tasks()[0]
    done = subprocess.run(
        [sys.executable, "tools/progress.py"], cwd=submission, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Solved 0 of {len(course.all_tasks())} tasks" in done.stdout
    assert f"Next: {first.id}, {first.title}" in done.stdout
    assert first.hint.splitlines()[0] in done.stdout
    assert f"make check TASK={first.id}" in done.stdout
    assert "1 point" in done.stdout and "1 points" not in done.stdout


@pytest.fixture(scope="module")
def korean_edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("student-ko") / "edition"
    student_edition.build(output, "ko")
    return output


def korean_run(folder: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """A command of the Korean edition, in an English locale with no COURSE_LANG set: the
    edition's own COURSE_LANG file decides."""
    environment = {k: v for k, v in os.environ.items() if k not in {"COURSE_LANG", "LC_ALL"}}
    environment |= {"LANG": "en_US.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}
    return subprocess.run(
        [sys.executable, *command], cwd=folder, env=environment, capture_output=True, text=True
    )


def test_the_korean_edition_differs_only_in_its_readme_and_language(
    edition: Path, korean_edition: Path
) -> None:
    english, korean = files_of(edition), files_of(korean_edition)
    assert korean["README.md"] == (ROOT / "tools/edition/README.ko.md").read_bytes()
    assert korean["COURSE_LANG"] == b"ko\n" and "COURSE_LANG" not in english
    # The README is graded, so the manifest and the workflow that pins it differ too.
    generated = {"README.md", "COURSE_LANG", manifest.NAME, manifest.WORKFLOW}
    assert {
        name for name in english.keys() | korean.keys() if english.get(name) != korean.get(name)
    } == generated
    assert manifest.differences(korean_edition) == []
    assert git(korean_edition, "status", "--porcelain") == ""


def test_the_korean_edition_is_reproducible(korean_edition: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    student_edition.build(again, "ko")
    assert git(again, "rev-parse", "HEAD") == git(korean_edition, "rev-parse", "HEAD")


def test_the_korean_readme_is_for_students_and_cites_only_what_it_holds(
    korean_edition: Path,
) -> None:
    readme = (korean_edition / "README.md").read_text()
    assert "solution" not in readme.lower() and "정답" not in readme
    assert "시작하기" in readme and "[01_first_steps/README.ko.md]" in readme
    for command in ("make chapter-1", "make test-N", "make watch-N", "make progress"):
        assert command in readme
    for target in re.findall(r"\]\(([^)#]+)", readme):
        if not target.startswith("http"):
            assert (korean_edition / target).exists(), target
    for path in re.findall(r"`([\w./-]+\.(?:py|yml|json|md))`", readme):
        assert (korean_edition / path).exists(), path


def test_the_korean_edition_speaks_korean_whatever_the_locale(korean_edition: Path) -> None:
    first = course.all_tasks(language="ko")[0]
    done = korean_run(korean_edition, "tools/progress.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"과제 {len(course.all_tasks())}개 중 0개 해결" in done.stdout
    lesson = "01_first_steps/README.ko.md"
    assert f"다음 과제: {first.id} {first.title} (1점), 레슨: {lesson}" in done.stdout
    assert first.hint.splitlines()[0] in done.stdout
    assert "Solved" not in done.stdout and "Next:" not in done.stdout
    english = subprocess.run(
        [sys.executable, "tools/hint.py", first.id, "2"],
        cwd=korean_edition,
        env={**os.environ, "COURSE_LANG": "en"},
        capture_output=True,
        text=True,
    )
    assert ": hint 2 of 3" in english.stdout, "COURSE_LANG=en must still give English"


def test_grade_speaks_korean_in_the_korean_edition(korean_edition: Path, tmp_path: Path) -> None:
    submission = tmp_path / "submission"
    shutil.copytree(korean_edition, submission)
    tampered = submission / "01_first_steps" / "tests" / "test_main.py"
    tampered.write_text(tampered.read_text() + "\n")
    done = korean_run(submission, "tools/grade.py", "01_first_steps")
    assert done.returncode == 1, done.stdout + done.stderr
    title = course.lesson_tasks("01_first_steps", language="ko")[0].title
    assert f"ch01.ex1  {title}" in done.stdout and "실패  0/1" in done.stdout
    assert "처음부터 주어진 코드의 검사:" in done.stdout
    assert "합계: 0/4점." in done.stdout
    assert "다음 파일이 배포본과 달라서 이 점수는 인정되지 않습니다:" in done.stdout
    assert "변경됨: 01_first_steps/tests/test_main.py" in done.stdout
    assert "Total:" not in done.stdout and "passed" not in done.stdout
    summary = korean_run(submission, "tools/task_result.py", "--summary")
    assert summary.stdout.startswith("## 점수: 인정되지 않음\n"), summary.stdout


def test_a_failing_check_speaks_korean_in_the_korean_edition(
    korean_edition: Path, tmp_path: Path
) -> None:
    submission = tmp_path / "submission"
    shutil.copytree(korean_edition, submission)
    done = korean_run(submission, "tools/hint.py", "ch01.ex1", "3")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "가장 먼저 실패한 검사의 메시지:" in done.stdout
    assert "main.py에 이 dict를 반환하는 GET /about 경로 작동을 추가하세요." in done.stdout
    assert "  보낸 요청:   GET /about\n" in done.stdout
    assert '  기대한 응답: 200 {"chapter": "01", "topic": "First steps"}\n' in done.stdout
    assert "  받은 응답:   404" in done.stdout
    assert "Add a GET /about" not in done.stdout and "expected:" not in done.stdout
