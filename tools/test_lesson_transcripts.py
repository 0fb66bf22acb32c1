"""Every terminal transcript in a lesson is what a reader gets: each `$ curl ...` is run again.

A ```console block of chapters 01-06 whose commands call the chapter's server on
127.0.0.1:8000 is replayed against that chapter, served by `uvicorn main:app` in its folder as
the lesson starts it (a fresh server per block, since a block's requests build on each other):
each command runs in bash, and what it prints must be what the lesson shows under it, byte for
byte, but for the `date:` header and the port. Chapter 07 shows generated text; its lesson's
outputs are checked by its own tests.
"""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from testkit.hostile import serve

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ["01_first_steps", "02_path_query_params", "03_crud_path", "04_crud_query"]
CHAPTERS += ["05_crud_pydantic", "06_docker"]
CONSOLE = re.compile(r"^```console\n(.*?)^```$", re.M | re.S)
DATE = re.compile(r"^date: .*$", re.M)

pytestmark = pytest.mark.slow  # a server per block


@dataclass
class Step:
    command: str
    output: str


def blocks(chapter: str) -> list[list[Step]]:
    """The lesson's console blocks that talk to the chapter's server, as commands and outputs."""
    found = []
    for block in CONSOLE.findall((ROOT / chapter / "README.md").read_text()):
        steps: list[Step] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append(Step(line[2:], ""))
            elif steps:
                steps[-1].output += line + "\n"
        if steps and all("127.0.0.1:8000" in step.command for step in steps):
            found.append(steps)
    return found


CASES = [
    pytest.param(chapter, number, steps, id=f"{chapter}-{number}")
    for chapter in CHAPTERS
    for number, steps in enumerate(blocks(chapter), 1)
]


def test_every_chapter_shows_a_transcript() -> None:
    assert {case.values[0] for case in CASES} == set(CHAPTERS)


@pytest.mark.parametrize(("chapter", "number", "steps"), CASES)
def test_a_lessons_transcript_is_what_the_server_answers(
    chapter: str, number: int, steps: list[Step]
) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed here")
    with serve(ROOT / chapter, [], unset=("APP_TITLE", "LOG_LEVEL", "APP_VERSION")) as server:
        for step in steps:
            command = step.command.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
            done = subprocess.run(
                ["bash", "-o", "pipefail", "-c", command],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            got = DATE.sub("date: (any)", done.stdout.replace("\r\n", "\n"))
            shown = DATE.sub("date: (any)", step.output)
            assert got == shown, f"$ {step.command}\n{done.stderr}"
