"""What the image holds and how it runs, checked with and without a container engine.

- Static checks read the Dockerfile (and run hadolint) to hold it to the practices the lesson
  teaches.
- Without an engine, a temporary folder is laid out exactly as the Dockerfile's WORKDIR and COPY
  lines would build it, and the CMD's server is started from there: if the image would lack a
  file the app needs, this fails.
- With an engine (Docker, or podman where no Docker engine answers: tools/containers.py), the
  image is really built and run (slow checks: `make test`, not `make test-6`): the lesson's
  requests, its settings from `-e`, the HEALTHCHECK reaching healthy, one server process as
  uid 10001 with no reloader, a code edit rebuilding only the layers after the dependencies,
  `docker stop` answering every request in flight, and the image's size.
"""

import contextlib
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

import containers
import httpx
import pytest
import yaml

CHAPTER_DIR = Path(__file__).resolve().parents[1]
ROOT = CHAPTER_DIR.parent
DOCKERFILE = CHAPTER_DIR / "Dockerfile"
JSON = {"content-type": "application/json"}
TOO_LARGE = {"detail": "Request body too large: the limit is 4096 bytes."}


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
    base_url: str, server: subprocess.Popen[bytes] | None = None, seconds: float = 20
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            pytest.fail(f"the server exited with code {server.returncode} before it answered")
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{base_url}/health did not answer within {seconds} s")


def exercise_the_api(base_url: str) -> None:
    """Health, then a full create / read / update / delete round trip over real HTTP."""
    with httpx.Client(base_url=base_url, timeout=5) as http:
        assert http.get("/health").json() == {"status": "ok"}
        created = http.post("/users", json={"name": "hello", "nickname": "world"})
        assert (created.status_code, created.json()) == (201, {"status": "success", "id": 1})
        assert http.get("/users", params={"name": "hello"}).json() == {"nickname": "world"}
        updated = http.put("/users", json={"name": "hello", "nickname": "moon"})
        assert (updated.status_code, updated.json()) == (200, {"status": "success"})
        assert http.get("/users", params={"name": "hello"}).json() == {"nickname": "moon"}
        deleted = http.delete("/users", params={"name": "hello"})
        assert (deleted.status_code, deleted.json()) == (200, {"status": "success"})
        missing = http.get("/users", params={"name": "hello"})
        assert missing.status_code == 404
        assert missing.json() == {"detail": "User 'hello' not found."}
        # hostile_input.py is in the image, and wired: NaN is a 422, a large body a 413.
        nan = http.post("/users", content=b'{"name": NaN}', headers=JSON)
        assert (nan.status_code, nan.json()["detail"][0]["input"]) == (422, "NaN")
        large = http.post("/users", content=b" " * 5000, headers=JSON)
        assert (large.status_code, large.json()) == (413, TOO_LARGE)


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


def test_base_image_is_an_exact_slim_python_without_platform_prefix() -> None:
    (base,) = arguments_of("FROM")
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?", base), base


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


def test_healthcheck_calls_health_with_python() -> None:
    (healthcheck,) = arguments_of("HEALTHCHECK")
    command = exec_form(healthcheck.split("CMD", 1)[1].strip())
    assert command[0] == "python"
    assert "/health" in command[-1]


def test_cmd_is_exec_form_uvicorn_without_reload() -> None:
    (cmd,) = arguments_of("CMD")
    command = exec_form(cmd)
    assert command[:2] == ["uvicorn", "main:app"]
    assert "--reload" not in command
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert arguments_of("EXPOSE") == [command[command.index("--port") + 1]]


def test_image_requirements_match_the_repository_pins() -> None:
    def pins(path: Path) -> set[str]:
        lines = (line.split(";")[0].strip() for line in path.read_text().splitlines())
        return {line.lower() for line in lines if line and not line.startswith("#")}

    image = pins(CHAPTER_DIR / "requirements.txt")
    assert image <= pins(ROOT / "requirements.txt"), image - pins(ROOT / "requirements.txt")
    assert not any(tool in " ".join(image) for tool in ("pytest", "ruff", "schemathesis"))


def test_dockerignore_keeps_the_build_context_small() -> None:
    ignored = (CHAPTER_DIR / ".dockerignore").read_text().splitlines()
    for entry in [".venv/", "tests/", ".git/", "**/__pycache__/", ".env"]:
        assert entry in ignored


def test_compose_builds_with_healthcheck_and_restart_policy() -> None:
    service = yaml.safe_load((CHAPTER_DIR / "compose.yaml").read_text())["services"]["api"]
    assert service["build"] == "."
    assert service["ports"] == ["8000:8000"]
    assert service["restart"] == "unless-stopped"
    assert "/health" in service["healthcheck"]["test"][-1]
    assert set(service["environment"]) == {"APP_TITLE", "LOG_LEVEL"}


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
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1"}
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


@pytest.mark.slow  # starts a server: `make test` runs it, `make test-6` does not
def test_image_file_set_serves_the_api(image_server: str) -> None:
    exercise_the_api(image_server)


def test_image_file_set_holds_only_the_app(tmp_path: Path) -> None:
    app_dir = lay_out_image(tmp_path / "image")
    files = sorted(str(p.relative_to(app_dir)) for p in app_dir.rglob("*") if p.is_file())
    assert files == [
        "config.py",
        "hostile_input.py",
        "main.py",
        "requirements.txt",
        "routers/__init__.py",
        "routers/health.py",
        "routers/users.py",
        "schemas.py",
        "store.py",
    ]


# -- with an engine: the real image ----------------------------------------------------------
# tools/containers.py chooses the engine (Docker when `docker info` answers, else podman) and
# provides the base image; where no engine runs, these skip saying why (under CI they fail).
# On a machine without an image registry the base is a stand-in: Debian trixie's Python
# 3.13.5 under the official image's name. What these prove is what this Dockerfile makes of a
# Debian Python 3.13.5 base; the official image's own bytes are not checked there.


def container(
    engine: containers.Engine, image: str, *args: str
) -> contextlib.AbstractContextManager[tuple[str, str]]:
    """Run `image` until /health answers (tools/containers.py): (name, base URL)."""
    return containers.running(
        engine, image, *args, prefix="chapter06-test", probe="/health", seconds=60
    )


@pytest.mark.slow
@pytest.mark.docker
def test_real_image_answers_the_lessons_requests(
    engine: containers.Engine, chapter_image: containers.Built
) -> None:
    with container(engine, chapter_image.tag) as (_, base_url):
        exercise_the_api(base_url)
        with httpx.Client(base_url=base_url, timeout=30) as http:
            assert http.get("/docs").status_code == 200
            # The lesson's 10 MB body: refused with 413 before it is all read.
            large = http.post("/users", content=b"\0" * 10_000_000, headers=JSON)
            assert (large.status_code, large.json()) == (413, TOO_LARGE)


@pytest.mark.slow
@pytest.mark.docker
def test_real_image_takes_its_settings_from_the_environment(
    engine: containers.Engine, chapter_image: containers.Built
) -> None:
    settings = ["-e", "APP_TITLE=Users API (staging)", "-e", "LOG_LEVEL=debug"]
    with container(engine, chapter_image.tag, *settings) as (name, base_url):
        assert httpx.get(f"{base_url}/openapi.json").json()["info"]["title"] == (
            "Users API (staging)"
        )
        logs = engine.run("logs", name)
        assert "log level DEBUG" in logs.stdout + logs.stderr


@pytest.mark.slow
@pytest.mark.docker
def test_real_image_healthcheck_reaches_healthy(
    engine: containers.Engine, chapter_image: containers.Built
) -> None:
    found = engine.run(
        "image", "inspect", "--format", "{{json .Config.Healthcheck}}", image := chapter_image.tag
    )
    assert "/health" in found.stdout, f"{image} has no HEALTHCHECK: {found.stdout}"
    with container(engine, image) as (name, _):
        assert containers.wait_healthy(engine, name) == "healthy"


PROCESSES = """
import os
for pid in sorted(int(p) for p in os.listdir('/proc') if p.isdigit()):
    if pid == os.getpid():
        continue
    with open(f'/proc/{pid}/status') as status:
        uid = next(line.split()[1] for line in status if line.startswith('Uid:'))
    with open(f'/proc/{pid}/cmdline', 'rb') as cmdline:
        print(pid, uid, cmdline.read().replace(b'\\0', b' ').decode().strip())
"""


@pytest.mark.slow
@pytest.mark.docker
def test_real_image_runs_one_unprivileged_server_without_reloader(
    engine: containers.Engine, chapter_image: containers.Built
) -> None:
    with container(engine, chapter_image.tag) as (name, _):
        listing = engine.run("exec", name, "python", "-c", PROCESSES).stdout
    processes = [line.split(" ", 2) for line in listing.strip().splitlines()]
    assert len(processes) == 1, f"one process (a reloader would add one): {processes}"
    ((pid, uid, command),) = processes
    assert pid == "1", "uvicorn is PID 1 (exec form), so it receives the stop signal itself"
    assert uid not in {"0", ""}, f"the server runs as uid {uid}"
    assert uid == "10001"
    assert "uvicorn main:app" in command and "--reload" not in command


@pytest.mark.slow
@pytest.mark.docker
def test_a_code_edit_rebuilds_only_the_layers_after_the_requirements(
    engine: containers.Engine, chapter_image: containers.Built, tmp_path: Path
) -> None:
    copy = tmp_path / "chapter"
    shutil.copytree(CHAPTER_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    with (copy / "main.py").open("a") as main:
        main.write(f"\n# an edit of the code only ({uuid.uuid4().hex})\n")
    tag = f"localhost/chapter06-api-test:edit-{uuid.uuid4().hex[:8]}"
    try:
        built = containers.build(engine, copy, tag)
    finally:
        engine.run("rmi", "--force", tag, check=False)
    steps = containers.build_steps(built.output)
    install = next(i for i, (text, _) in enumerate(steps) if text.startswith("RUN pip install"))
    code = next(i for i, (text, _) in enumerate(steps) if text.startswith("COPY main.py"))
    reused = [text for text, cached in steps[1 : install + 1] if not cached]
    assert not reused, f"rebuilt although only main.py changed: {reused}\n{built.output[-2000:]}"
    assert not steps[code][1], "the COPY of the edited code must not come from the cache"
    assert install < code


def post_in_halves(address: tuple[str, int], count: int) -> list[tuple[socket.socket, bytes]]:
    """`count` POST /users requests, each sent but for the last half of its body."""
    pending = []
    for number in range(count):
        body = json.dumps({"name": f"burst{number}", "nickname": "in flight"}).encode()
        head = (
            f"POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        sock = socket.create_connection(address, timeout=15)
        sock.sendall(head + body[: len(body) // 2])
        pending.append((sock, body[len(body) // 2 :]))
    return pending


@pytest.mark.slow
@pytest.mark.docker
def test_stop_answers_every_request_in_flight(
    engine: containers.Engine, chapter_image: containers.Built
) -> None:
    with container(engine, chapter_image.tag) as (name, base_url):
        port = int(base_url.rsplit(":", 1)[1])
        pending = post_in_halves(("127.0.0.1", port), 16)
        time.sleep(1)  # the server has read their headers: they are in flight
        began = time.monotonic()
        stopping = subprocess.Popen(
            engine.argv("stop", name),
            env=engine.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)  # SIGTERM is in: uvicorn stops accepting and waits for these
        answers = []
        for sock, rest in pending:
            with sock:
                sock.sendall(rest)
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
                answers.append(answer.split(b"\r\n", 1)[0].decode(errors="replace"))
        stopping.wait(timeout=30)
        seconds = time.monotonic() - began
        exit_code = engine.run("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
    assert answers == ["HTTP/1.1 201 Created"] * 16, answers
    assert exit_code == "0", f"uvicorn did not stop cleanly on SIGTERM: exit code {exit_code}"
    assert seconds < 8, f"stop took {seconds:.1f} s: the engine's 10 s kill came close"


@pytest.mark.slow
@pytest.mark.docker
def test_real_image_size_is_reported(
    engine: containers.Engine, chapter_image: containers.Built, capsys: pytest.CaptureFixture[str]
) -> None:
    size = containers.image_size(engine, chapter_image.tag)
    with capsys.disabled():
        print(f"\nchapter 06 image: {size / 1e6:.0f} MB, built in {chapter_image.seconds:.0f} s")
    # The slim base is about 120-180 MB and the app's packages about 25 MB; a copied .venv or
    # a pip cache would add far more.
    assert 50e6 < size < 350e6, size
