"""`make chapter-N` must explain a busy port or a wrong chapter in one line, not a traceback."""

import socket
import subprocess
import sys
from pathlib import Path

SERVE = Path(__file__).with_name("serve.py")


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SERVE), *args], capture_output=True, text=True, timeout=30
    )


def test_busy_port_is_reported_in_one_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_serve("01_first_steps", "--port", str(port))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: port {port} on 127.0.0.1 is already in use (another chapter still running?). "
        f"Stop it with Ctrl+C, or pick another: make chapter-N PORT={port + 1}\n"
    )


def test_unknown_chapter_is_reported_in_one_line() -> None:
    result = run_serve("", "--port", "8000")
    assert result.returncode == 1
    assert result.stderr == ("error: no chapter at ''. Use make chapter-N with N from 1 to 7.\n")
