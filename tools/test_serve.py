"""`make chapter-N` must explain a busy port or a wrong chapter in one line, not a traceback."""

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

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


def test_prints_the_urls_then_serves_the_chapter(
    free_port: int, get_when_up: Callable[[str, subprocess.Popen[str]], httpx.Response]
) -> None:
    port = free_port
    server = subprocess.Popen(
        [sys.executable, str(SERVE), "02_path_query_params", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert server.stdout is not None
        printed = [server.stdout.readline() for _ in range(4)]
        assert printed == [
            "Serving 02_path_query_params - stop with Ctrl+C\n",
            f"  API:        http://127.0.0.1:{port}/\n",
            f"  Swagger UI: http://127.0.0.1:{port}/docs\n",
            f"  ReDoc:      http://127.0.0.1:{port}/redoc\n",
        ]
        response = get_when_up(f"http://127.0.0.1:{port}/items/3", server)
        assert response.json() == {"item_id": 3}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        server.stdout.close()
