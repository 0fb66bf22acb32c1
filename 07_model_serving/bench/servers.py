"""The benchmark's servers: start one on a free port with a database of its own, wait until it
is ready, and stop it with SIGTERM (as `docker stop` does) when the measurement is done."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

CHAPTER = Path(__file__).resolve().parents[1]
UVICORN = [sys.executable, "-m", "uvicorn", "main:app", "--port", "PORT", "--log-level", "warning"]
RAY_SERVE = [sys.executable, "ray_serve.py", "--port", "PORT", "--replicas"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(
    base_url: str, process: subprocess.Popen, seconds: float, log: Path | None = None
) -> None:
    """Poll `/ready` until it answers 200; stop with the server's log if it dies or is late."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            output = log.read_text() if log else ""
            raise SystemExit(f"error: the server at {base_url} did not become ready\n{output}")
        time.sleep(0.2)


@contextmanager
def serving(
    command: list[str], settings: dict[str, str], ready_within_s: float
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run `command` (its "PORT" becomes a free port) with `settings` in the environment;
    yield its base URL and process once `/ready` says 200. Its output goes to a log, shown if
    it never gets ready."""
    port = free_port()
    folder = Path(tempfile.mkdtemp())
    env = os.environ | {"DATABASE_URL": f"sqlite:///{folder}/bench.db"} | settings
    command = [arg.replace("PORT", str(port)) for arg in command]
    log = folder / "server.log"
    with log.open("w") as output:  # the server keeps its own copy of the file
        process = subprocess.Popen(command, cwd=CHAPTER, env=env, stdout=output, stderr=output)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url, process, ready_within_s, log)
        yield base_url, process
    finally:
        process.terminate()  # SIGTERM: the server drains, Ray stops what it started
        process.wait(timeout=120)
