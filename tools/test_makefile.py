"""The Makefile's chapter targets accept 3 and 03 alike, and docker-run publishes PORT.

`make -n` prints the commands a target would run, without running them.
"""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def planned(*arguments: str) -> str:
    result = subprocess.run(
        ["make", "-n", *arguments], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout


@pytest.mark.parametrize("number", ["3", "03"])
def test_chapter_demo_and_test_targets_take_the_number_with_or_without_zero(number: str) -> None:
    serve = 'tools/serve.py "03_crud_path" --host "127.0.0.1" --port "8123"'
    assert serve in planned(f"chapter-{number}", "PORT=8123")
    assert f"{serve} --demo" in planned(f"demo-{number}", "PORT=8123")
    test = planned(f"test-{number}")
    runs = [line for line in test.splitlines() if "-m pytest" in line]
    assert runs and runs[0].endswith('"03_crud_path"'), test


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "error: there is no chapter 08; use a number from 1 to 7.\n"),
        ("ko", "오류: 08장은 없습니다. 1부터 7까지의 숫자를 쓰세요.\n"),
    ],
)
def test_an_unknown_chapter_is_refused_in_one_line(language: str, said: str) -> None:
    result = subprocess.run(
        ["make", "chapter-08"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "COURSE_LANG": language},
    )
    assert result.returncode == 2
    assert result.stderr.startswith(said)


def test_docker_run_publishes_port() -> None:
    plan = planned("docker-run", "PORT=8123")
    assert "tools/containers.py run -d --name chapter06-api -p 8123:8000 chapter06-api" in plan
    assert 'tools/say.py make.docker_running "port=8123"' in plan


def test_student_edition_takes_lang_from_the_command_line_only() -> None:
    korean = planned("student-edition", "LANG=ko")
    assert 'tools/student_edition.py --language "ko" "dist/student-edition"' in korean
    # LANG from the environment is no request for an edition: tools/messages.py's choice holds.
    plain = subprocess.run(
        ["make", "-n", "student-edition"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "LANG": "ko_KR.UTF-8"},
    ).stdout
    assert "--language" not in plain and 'tools/student_edition.py  "dist/student-edition"' in plain
