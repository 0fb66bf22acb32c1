"""`make chapter-N` prints its URLs, explains a busy port or a wrong chapter in one line, and
starts again at once on the port it just left."""

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


def start_serve(chapter: str, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SERVE), chapter, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def stop(server: subprocess.Popen[str]) -> None:
    """Ctrl+C, as a student stops `make chapter-N`: to the whole process group."""
    os.killpg(server.pid, signal.SIGINT)
    server.wait(timeout=20)
    assert server.stdout is not None
    server.stdout.close()


def test_prints_the_urls_then_serves_the_chapter(
    free_port: int, get_when_up: Callable[[str, subprocess.Popen[str]], httpx.Response]
) -> None:
    port = free_port
    server = start_serve("02_path_query_params", port)
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
        stop(server)


def test_starts_again_at_once_after_a_keep_alive_connection(
    free_port: int, get_when_up: Callable[[str, subprocess.Popen[str]], httpx.Response]
) -> None:
    """The server closes the browser's idle connection when it stops, which leaves the port in
    TIME_WAIT for a minute. uvicorn binds with SO_REUSEADDR, so the port check must too."""
    port = free_port
    server = start_serve("01_first_steps", port)
    try:
        get_when_up(f"http://127.0.0.1:{port}/", server)
        browser = socket.create_connection(("127.0.0.1", port), timeout=30)
        browser.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while not answer.endswith(b'{"Hello":"World"}'):
            answer += browser.recv(1024)
        assert answer.startswith(b"HTTP/1.1 200 OK")
    finally:
        stop(server)
    with browser:
        assert browser.recv(1024) == b"", "the server should have closed the idle connection"
    restarted = start_serve("01_first_steps", port)
    try:
        assert get_when_up(f"http://127.0.0.1:{port}/", restarted).json() == {"Hello": "World"}
    finally:
        stop(restarted)
