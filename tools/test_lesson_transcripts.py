"""Every terminal transcript in a lesson is what a reader gets: each `$ curl ...` is run again.

A ```console block of chapters 01-06 whose commands call the chapter's server on
127.0.0.1:8000 is replayed against that chapter, served by `uvicorn main:app` in its folder as
the lesson starts it (a fresh server per block, since a block's requests build on each other):
each command runs in bash, and what it prints must be what the lesson shows under it, byte for
byte, but for the `date:` header and the port. Chapter 07's server writes what cannot repeat
(times, random seeds, completion ids): those values are compared as "(any)"; its generated
text is compared whole (greedy and seeded generation repeat exactly on the CPU), its
log-probabilities to 3 decimals. How a stream's text is cut into chunks depends on timing
(text that piles up while the client reads goes out in one chunk), so a stream is compared as
its text and its other events.
"""

import importlib.util
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from testkit.hostile import serve

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ["01_first_steps", "02_path_query_params", "03_crud_path", "04_crud_query"]
CHAPTERS += ["05_crud_pydantic", "06_docker", "07_model_serving"]
CONSOLE = re.compile(r"^```console\n(.*?)^```$", re.M | re.S)
DATE = re.compile(r"^date: .*$", re.M)
# Chapter 07: values that differ on every run (a seed the server drew is a large number).
UNREPEATABLE = re.compile(
    r'("(?:created_at|latency_ms|created|tokens_per_second)":)("[^"]*"|[0-9.]+)'
    r'|("id":)"(?:chat)?cmpl-[0-9a-f]+"'
    r'|("seed":)[0-9]{6,}'
    r'|("request_id":)"[0-9a-f]{32}"'
    r"|(x-request-id: )[0-9a-f]{32}"
)
# A log-probability's last digits depend on the CPU's arithmetic: compared to 3 decimals.
LONG_FLOAT = re.compile(r"-?[0-9]+\.[0-9]{7,}(?:e-?[0-9]+)?")
RAY_ONLY = "x-replica"  # chapter 07's Ray block runs on `make chapter-7-ray`, not `main:app`
SETTINGS = {
    "07_model_serving": {"DEVICE": "cpu", "ENGINE_PROCESS": "false", "CPU_THREADS": "1"},
}
UNSET = ("APP_TITLE", "LOG_LEVEL", "APP_VERSION", "MAX_BATCH_SIZE", "QUEUE_SIZE", "MODEL_PATH")
UNSET += ("MAX_NEW_TOKENS_LIMIT", "REQUEST_TIMEOUT_S", "DRAIN_S")

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
        served = steps and all("127.0.0.1:8000" in step.command for step in steps)
        if served and not any(RAY_ONLY in step.command for step in steps):
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
    chapter: str, number: int, steps: list[Step], tmp_path: Path
) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed here")
    if chapter == "07_model_serving" and importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed here (make test-7 installs it)")
    settings = SETTINGS.get(chapter, {}) | {"DATABASE_URL": f"sqlite:///{tmp_path / 'lesson.db'}"}
    with serve(ROOT / chapter, [], unset=UNSET, settings=settings) as server:
        for step in steps:
            command = step.command.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
            done = subprocess.run(
                ["bash", "-o", "pipefail", "-c", command],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            got = unrepeatable(done.stdout.replace("\r\n", "\n"))
            shown = unrepeatable(step.output)
            assert got == shown, f"$ {step.command}\n{done.stderr}"


def unrepeatable(output: str) -> str:
    output = DATE.sub("date: (any)", rejoined(output))
    output = LONG_FLOAT.sub(lambda m: f"{float(m[0]):.3f}", output)
    return UNREPEATABLE.sub(lambda m: (m[1] or m[3] or m[4] or m[5] or m[6]) + "(any)", output)


def rejoined(output: str) -> str:
    """A server-sent-event stream with its text chunks joined into one (see the docstring)."""
    if not output.startswith("data: "):
        return output
    text, events = "", []
    for line in output.splitlines():
        if not line:
            continue
        chunk = json.loads(line[6:]) if line.startswith("data: {") else None
        if chunk and chunk["choices"] and chunk["choices"][0]["finish_reason"] is None:
            text += chunk["choices"][0]["text"]
            shape = line.replace(json.dumps(chunk["choices"][0]["text"]), '"(a chunk)"', 1)
            if not events or events[-1] != shape:
                events.append(shape)
        else:
            events.append(line)
    return "\n".join([f"text: {text!r}", *events])
