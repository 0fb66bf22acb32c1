"""Helpers for the checks in tools/ that start a real server."""

import os
import socket
import subprocess
import time
from collections.abc import Callable

import httpx
import pytest


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def get_when_up() -> Callable[[str, subprocess.Popen[str]], httpx.Response]:
    """GET `url` once the server started as `process` answers; fail if it exits or stalls."""

    def get(url: str, process: subprocess.Popen[str]) -> httpx.Response:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"the server exited with code {process.returncode}"
            try:
                return httpx.get(url, timeout=1)
            except httpx.TransportError:
                assert time.monotonic() < deadline, f"{url} never answered"
                time.sleep(0.2)

    return get


# The checks here read what the student's commands print in English, the default; a Korean
# locale or COURSE_LANG of the machine that runs them must not change it. A check of the
# Korean messages sets COURSE_LANG=ko itself.
os.environ["COURSE_LANG"] = "en"
