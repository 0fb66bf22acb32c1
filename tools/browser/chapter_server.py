"""Run a chapter with the command `make chapter-N` (or `make demo-N`) runs, and stop it."""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "tools" / "serve.py"


@dataclass(frozen=True)
class Served:
    process: subprocess.Popen[str]
    base_url: str
    printed: list[str]  # what serve.py printed before the first request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(chapter: str | Path, port: int, logs: Path, *options: str, **env: str) -> Served:
    """`tools/serve.py CHAPTER --port PORT [OPTIONS]`, its output in `logs`; returns once the
    chapter answers. `env` is the whole environment besides PATH, as a fresh shell's would be."""
    logs.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(SERVE), str(chapter), "--port", str(port), *options]
    with (logs / "stdout.txt").open("w") as out, (logs / "stderr.txt").open("w") as err:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={"PATH": os.environ.get("PATH", ""), **env},
            stdout=out,
            stderr=err,
            text=True,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            output = (logs / "stdout.txt").read_text() + (logs / "stderr.txt").read_text()
            raise RuntimeError(f"{chapter} did not come up on port {port}:\n{output}")
        try:
            httpx.get(f"{base_url}/openapi.json", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    return Served(process, base_url, (logs / "stdout.txt").read_text().splitlines())


def stop(process: subprocess.Popen[str]) -> None:
    """Ctrl+C, as a student stops `make chapter-N`: to the whole process group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=30)
