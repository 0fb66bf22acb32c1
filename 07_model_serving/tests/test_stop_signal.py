"""`docker stop` on a busy server: SIGTERM, then SIGKILL 10 s later. Every client is answered.

The server runs as a real process, as the image's CMD runs it. Sequential (MAX_BATCH_SIZE=1)
and with a 1 s drain, 30 long requests cannot all finish: those that can get 200, the rest
503 with Retry-After, and the queued job is recorded as failed, saying it never ran.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

CHAPTER_DIR = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # real server processes: `make test` runs it, `make test-7` not
# 30 requests of 120 tokens, one at a time: more than 3,000 tokens stand in front of the job,
# and a 1 s drain at batch 1 makes fewer than 1,500 on this course's 2-core machine.
CLIENTS = 30


@pytest.mark.parametrize("engine_process", ["false", "true"], ids=["thread", "process"])
def test_sigterm_answers_every_client_before_the_kill(tmp_path: Path, engine_process: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    database_url = f"sqlite:///{tmp_path / 'generations.db'}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEVICE": "cpu",
        "CPU_THREADS": "1",
        "MAX_BATCH_SIZE": "1",
        "DRAIN_S": "1",
        "ENGINE_PROCESS": engine_process,
        "DATABASE_URL": database_url,
    }
    command = [sys.executable, "-m", "uvicorn", "main:app", "--port", str(port)]
    command += ["--timeout-graceful-shutdown", "8", "--log-level", "warning"]
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(command, cwd=CHAPTER_DIR, env=env, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base_url}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "never ready"
            time.sleep(0.1)
        body = {"prompt": "def ", "max_new_tokens": 120, "temperature": 0}

        def generate(_: int) -> tuple[int, str | None]:
            response = httpx.post(f"{base_url}/generate", json=body, timeout=30)
            return response.status_code, response.headers.get("retry-after")

        def arrived_and_served() -> tuple[int, int]:
            stats = httpx.get(f"{base_url}/stats").json()
            arrived = stats["waiting"] + stats["running"] + stats["requests_served"]
            return arrived, stats["requests_served"]

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            answers = [pool.submit(generate, n) for n in range(CLIENTS)]
            # Both counts only grow: wait until every request is in and one is served.
            arrived, served = arrived_and_served()
            while arrived < CLIENTS or served < 1:
                time.sleep(0.05)
                arrived, served = arrived_and_served()
            job = httpx.post(f"{base_url}/jobs", json=body, timeout=5).json()["id"]  # last
            signalled = time.monotonic()
            server.send_signal(signal.SIGTERM)
            results = [answer.result(timeout=15) for answer in answers]
        server.wait(timeout=10 - (time.monotonic() - signalled))
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()
    # uvicorn shuts down cleanly, then re-raises the signal so the exit status names it
    assert server.returncode == -signal.SIGTERM, (tmp_path / "server.log").read_text()
    assert len(results) == CLIENTS
    assert all(status in (200, 503) for status, _ in results), results
    assert all(retry == "5" for status, retry in results if status == 503), results
    served = sum(status == 200 for status, _ in results)
    assert 1 <= served < CLIENTS, f"{served} of {CLIENTS} served: the drain should cut some off"
    engine = create_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT status, error FROM generation WHERE id = :id"), {"id": job}
        ).one()
    engine.dispose()
    assert tuple(row) == ("failed", "the server stopped before this job ran")
