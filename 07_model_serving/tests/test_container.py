"""What the image holds and how it runs, checked with and without a Docker engine.

- Static checks read the Dockerfile (and run hadolint) to hold it to the practices the lesson
  teaches.
- Without an engine, a temporary folder is laid out exactly as the Dockerfile's WORKDIR and COPY
  lines would build it, and the CMD's server is started from there: if the image would lack a
  file the app needs, this fails.
- With an engine (`docker info` answers), the image is really built and run (on the CPU when
  the machine has no GPU: `docker run` without `--gpus`).
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

CHAPTER_DIR = Path(__file__).resolve().parents[1]
ROOT = CHAPTER_DIR.parent
DOCKERFILE = CHAPTER_DIR / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with comments dropped and continuation lines joined."""
    logical: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    pairs = []
    for text in logical:
        keyword, _, arguments = text.strip().partition(" ")
        pairs.append((keyword.upper(), arguments.strip()))
    return pairs


def arguments_of(keyword: str) -> list[str]:
    return [arguments for name, arguments in instructions() if name == keyword]


def exec_form(arguments: str) -> list[str]:
    parsed = json.loads(arguments)
    assert isinstance(parsed, list), f"not exec form: {arguments}"
    return parsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(
    base_url: str, server: subprocess.Popen[bytes] | None = None, seconds: float = 60
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            pytest.fail(f"the server exited with code {server.returncode} before it answered")
        try:
            if httpx.get(f"{base_url}/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{base_url}/ready did not answer within {seconds} s")


def exercise_the_api(base_url: str) -> None:
    """Readiness, a generation, its stored row, and a background job, over real HTTP."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        assert http.get("/ready").json()["status"] == "ready"
        body = {"prompt": "def ", "max_new_tokens": 8, "temperature": 0}
        generated = http.post("/generate", json=body)
        assert generated.status_code == 200
        stored = http.get(f"/generations/{generated.json()['id']}").json()
        assert stored["completion"] == generated.json()["completion"]
        job = http.post("/jobs", json=body)
        assert job.status_code == 202
        deadline = time.monotonic() + 20
        while http.get(job.headers["location"]).json()["status"] != "done":
            assert time.monotonic() < deadline, "the job never finished"
            time.sleep(0.1)
        assert http.get("/docs").status_code == 200


# -- static checks -------------------------------------------------------------------------


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if hadolint is None:
        if os.environ.get("CI"):
            pytest.fail("hadolint is not installed, but CI must run it")
        pytest.skip("hadolint has no wheel for this platform; CI runs this check")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_image_is_an_exact_slim_python() -> None:
    (base,) = arguments_of("FROM")
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base), base


def test_runs_as_a_non_root_user() -> None:
    users = arguments_of("USER")
    assert users, "no USER instruction: the server would run as root"
    assert users[-1] not in {"root", "0"}
    keywords = [name for name, _ in instructions()]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")


def test_dependencies_are_installed_before_the_code_is_copied() -> None:
    steps = instructions()
    copy_requirements = steps.index(("COPY", "requirements.txt ."))
    install = next(i for i, (name, args) in enumerate(steps) if name == "RUN" and "pip" in args)
    first_code_copy = next(
        i for i, (name, args) in enumerate(steps) if name == "COPY" and ".py" in args
    )
    assert copy_requirements < install < first_code_copy
    assert "--no-cache-dir -r requirements.txt" in steps[install][1]


def test_healthcheck_asks_readiness_with_python() -> None:
    (healthcheck,) = arguments_of("HEALTHCHECK")
    command = exec_form(healthcheck.split("CMD", 1)[1].strip())
    assert command[0] == "python"
    assert "/ready" in command[-1]


def test_cmd_is_exec_form_uvicorn_without_reload() -> None:
    (cmd,) = arguments_of("CMD")
    command = exec_form(cmd)
    assert command[:2] == ["uvicorn", "main:app"]
    assert "--reload" not in command
    assert "--workers" not in command, "one process owns the GPU and the model"
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert arguments_of("EXPOSE") == [command[command.index("--port") + 1]]


def test_image_requirements_match_the_repository_pins() -> None:
    def pins(path: Path) -> set[str]:
        lines = (line.split(";")[0].strip() for line in path.read_text().splitlines())
        return {line.lower() for line in lines if line and not line.startswith("#")}

    image = pins(CHAPTER_DIR / "requirements.txt")
    repository = pins(ROOT / "requirements.txt") | pins(ROOT / "requirements-07.txt")
    assert image <= repository, image - repository
    assert not any(tool in " ".join(image) for tool in ("pytest", "ruff", "schemathesis"))
    assert "torch==2.13.0" in image, "the image runs the PyTorch that requirements-07.txt pins"


def test_dockerignore_keeps_the_build_context_small() -> None:
    ignored = (CHAPTER_DIR / ".dockerignore").read_text().splitlines()
    for entry in ["data/", "tests/", ".git/", "**/__pycache__/", ".env"]:
        assert entry in ignored


def test_compose_reserves_a_gpu_and_keeps_the_database() -> None:
    compose = yaml.safe_load((CHAPTER_DIR / "compose.yaml").read_text())
    service = compose["services"]["model-server"]
    assert service["build"] == "."
    assert service["restart"] == "unless-stopped"
    (device,) = service["deploy"]["resources"]["reservations"]["devices"]
    assert device == {"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}
    assert service["volumes"] == ["generations:/app/data"]
    assert "generations" in compose["volumes"]


# -- without an engine: the image's file set, served by the CMD ----------------------------


def lay_out_image(target: Path) -> Path:
    """Copy exactly what the COPY lines copy into WORKDIR; return that folder."""
    (workdir,) = arguments_of("WORKDIR")
    app_dir = target / workdir.lstrip("/")
    app_dir.mkdir(parents=True)
    for copy in arguments_of("COPY"):
        *sources, destination = copy.split()
        assert not any(s.startswith("--") for s in sources), "COPY flags are not handled here"
        for source in sources:
            origin = CHAPTER_DIR / source
            into = app_dir / destination
            if origin.is_dir():
                shutil.copytree(
                    origin, into, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True
                )
            elif destination.endswith("/") or destination == ".":
                into.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, into / origin.name)
            else:
                shutil.copy2(origin, into)
    return app_dir


@pytest.fixture
def image_server(tmp_path: Path) -> Iterator[str]:
    app_dir = lay_out_image(tmp_path / "image")
    port = free_port()
    command = exec_form(arguments_of("CMD")[0])
    command = [sys.executable, "-m", *command]
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    # Only what a container would have: no PYTHONPATH into the repository, no stray settings.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DEVICE": "cpu",
        "CPU_THREADS": "1",
    }
    log = tmp_path / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            command, cwd=app_dir, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(base_url, server)
            yield base_url
        except pytest.fail.Exception:
            print(log.read_text())
            raise
        finally:
            server.terminate()
            server.wait(timeout=10)


@pytest.mark.slow  # a real server process, started from the image's file set
def test_image_file_set_serves_the_api(image_server: str) -> None:
    exercise_the_api(image_server)


def test_image_file_set_holds_only_the_app(tmp_path: Path) -> None:
    app_dir = lay_out_image(tmp_path / "image")
    files = sorted(str(p.relative_to(app_dir)) for p in app_dir.rglob("*") if p.is_file())
    top_level = sorted({Path(name).parts[0] for name in files})
    assert top_level == [
        "api",
        "config.py",
        "engine",
        "logs.py",
        "main.py",
        "model",
        "requirements.txt",
        "serving",
    ]
    assert "model/weights/code-gpt.safetensors" in files
    assert "model/weights/code-gpt.json" in files


# -- with an engine: the real image ----------------------------------------------------------


def docker_engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "info"], capture_output=True, check=False, timeout=30)
    return probe.returncode == 0


@pytest.mark.docker
@pytest.mark.skipif(not docker_engine_answers(), reason="no Docker engine answers `docker info`")
def test_real_image_builds_runs_and_becomes_healthy() -> None:  # on the CPU if no GPU
    tag = f"chapter07-model-server-test:{uuid.uuid4().hex[:8]}"
    name = f"chapter07-test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    subprocess.run(["docker", "build", "-t", tag, str(CHAPTER_DIR)], check=True)
    try:
        subprocess.run(
            ["docker", "run", "-d", "--name", name, "-p", f"{port}:8000", tag], check=True
        )
        deadline = time.monotonic() + 180
        status = ""
        while time.monotonic() < deadline and status != "healthy":
            status = subprocess.run(
                ["docker", "inspect", "--format", "{{.State.Health.Status}}", name],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            time.sleep(1)
        assert status == "healthy"
        exercise_the_api(f"http://127.0.0.1:{port}")
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)
        subprocess.run(["docker", "rmi", "--force", tag], capture_output=True, check=False)
