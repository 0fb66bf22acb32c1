"""The benchmark's servers: a free port to start one on, and waiting until it is ready."""

import socket
import subprocess
import time
from pathlib import Path

import httpx


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
