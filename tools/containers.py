"""The container engine the course's checks use, and the base image they build on.

- **Which engine:** Docker when `docker info` answers; otherwise podman, when it and runc are
  installed (`.ci/run` installs them as root on Debian). Neither: the checks that need an
  engine skip with the reason, and fail instead under CI (`CI=true`), where one must run.
- **Podman's settings:** on Linux machines whose kernel mixes cgroup v1 and v2, podman's
  default runtime (crun) refuses to start containers, and the default file and process limits
  are more than such a machine allows. Podman here runs with runc, cgroupfs and lower limits,
  set in a containers.conf of the course's own (`CONTAINERS_CONF`, so that podman-compose
  gets them too), and builds with chroot isolation in Docker's image format (podman's default
  OCI format drops HEALTHCHECK).
- **The base image:** the Dockerfiles start `FROM python:3.13.5-slim-bookworm`. When the
  engine has it or can pull it, that is used. Where no image registry answers, a stand-in is
  built once with debootstrap (Debian trixie, whose Python is also 3.13.5), imported under the
  same name and labelled `course.stand-in-recipe=<hash of its recipe>`: it is rebuilt only when
  the recipe (or this machine's CA bundle, copied in so that pip trusts what the host trusts)
  changes. It lives in the engine's storage; its build folder, under
  ~/.cache/fastapi-course/containers/, is deleted once it is imported. A stand-in proves what
  the Dockerfile does on a Debian Python 3.13.5 base, not that the official image behaves
  alike (its Debian release is trixie, not bookworm).
"""

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

BASE_IMAGE = "python:3.13.5-slim-bookworm"
CACHE = Path.home() / ".cache" / "fastapi-course" / "containers"
STAND_IN_LABEL = "course.stand-in-recipe"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")

PODMAN_CONF = """\
# Written by tools/containers.py: podman as the course's checks run it.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
"""
PODMAN_BUILD_ENV = {"BUILDAH_ISOLATION": "chroot", "BUILDAH_FORMAT": "docker"}

# The stand-in: Debian's Python, set up as the official image sets up its own (python, pip
# and installed console scripts in /usr/local/bin, first on PATH).
STAND_IN_SCRIPT = """\
set -eu
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \\
    trixie "$ROOTFS" "$MIRROR"
cp "$CA_BUNDLE" "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
chroot "$ROOTFS" python3 -m venv --without-scm-ignore-files /usr/local
rm -f "$ROOTFS"/usr/local/bin/activate* "$ROOTFS"/usr/local/bin/Activate.ps1
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
"""
STAND_IN_CHANGES = [
    "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    'CMD ["python3"]',
]


class Unavailable(RuntimeError):
    """No engine can run here, or it cannot get the base image; the message says why."""


@dataclass(frozen=True)
class Engine:
    name: str  # "docker" or "podman"
    executable: str
    config: Path | None = None  # podman's containers.conf
    compose: tuple[str, ...] = field(default=())  # the compose command, () if none

    def argv(self, *args: str) -> list[str]:
        return [self.executable, *args]

    def env(self) -> dict[str, str]:
        return engine_env(self.name, self.config, os.environ)

    def run(
        self, *args: str, timeout: float = 300, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.argv(*args),
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise subprocess.CalledProcessError(
                result.returncode, result.args, result.stdout, result.stderr
            )
        return result

    def compose_argv(self, *args: str) -> list[str]:
        return [*self.compose, *args]


def engine_env(name: str, config: Path | None, base: "os._Environ[str] | dict[str, str]") -> dict:
    """The environment an engine command runs with: podman gets the course's settings."""
    env = dict(base)
    if name == "podman":
        if config is not None:
            env["CONTAINERS_CONF"] = str(config)
        env.update(PODMAN_BUILD_ENV)
    return env


def choose(docker_answers: bool, podman: str | None, runc: str | None) -> tuple[str | None, str]:
    """Which engine to use, from what answers here: (name or None, why)."""
    if docker_answers:
        return "docker", "`docker info` answers"
    if podman and runc:
        return "podman", "no Docker engine answers; podman runs with runc"
    if podman:
        return None, "no Docker engine answers, and podman is installed without runc"
    return None, "no Docker engine answers `docker info`, and podman is not installed"


def stand_in_key(script: str, changes: list[str], ca_bundle: bytes) -> str:
    """The stand-in base's identity: a new recipe or a new CA bundle means a new base."""
    digest = hashlib.sha256()
    for part in (script.encode(), "\n".join(changes).encode(), ca_bundle):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]


def build_flags(name: str) -> list[str]:
    """Flags of `build`: podman keeps HEALTHCHECK only in Docker's image format."""
    return ["--format", "docker"] if name == "podman" else []


def qualified(image: str) -> str:
    """The full name of an image named as in a Dockerfile (`python:3.13` is Docker Hub's)."""
    first = image.split("/", 1)[0]
    if "/" not in image:
        return f"docker.io/library/{image}"
    if "." in first or ":" in first or first == "localhost":
        return image
    return f"docker.io/{image}"


def must_fail() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@functools.cache
def _found() -> tuple[Engine | None, str]:
    docker = shutil.which("docker")
    answers = False
    if docker:
        try:
            probe = subprocess.run([docker, "info"], capture_output=True, timeout=30, check=False)
            answers = probe.returncode == 0
        except subprocess.TimeoutExpired:
            answers = False
    podman, runc = shutil.which("podman"), shutil.which("runc")
    name, why = choose(answers, podman, runc)
    if name == "docker" and docker:
        plugin = subprocess.run(
            [docker, "compose", "version"], capture_output=True, timeout=30, check=False
        )
        compose = (docker, "compose") if plugin.returncode == 0 else ()
        return Engine("docker", docker, None, compose), why
    if name == "podman" and podman:
        CACHE.mkdir(parents=True, exist_ok=True)
        config = CACHE / "containers.conf"
        if not config.is_file() or config.read_text() != PODMAN_CONF:
            config.write_text(PODMAN_CONF)
        podman_compose = shutil.which("podman-compose")
        engine = Engine("podman", podman, config, (podman_compose,) if podman_compose else ())
        probe = engine.run("info", timeout=60, check=False)
        if probe.returncode != 0:
            return None, f"`podman info` fails: {probe.stderr.strip()[-300:]}"
        return engine, why
    return None, why


def find() -> Engine | None:
    return _found()[0]


def reason() -> str:
    return _found()[1]


def require() -> Engine:
    """The engine, or skip the calling test (fail it under CI) saying why there is none."""
    engine = find()
    if engine is None:
        skip_or_fail(f"needs a container engine: {reason()} (.ci/run installs podman)")
        raise AssertionError("unreachable")
    return engine


def ready() -> Engine:
    """The engine, with the Dockerfiles' base image in its storage: what a test that builds an
    image needs. Skips the calling test (fails it under CI) when either cannot be had."""
    engine = require()
    try:
        base = ensure_base(engine)
    except Unavailable as error:
        skip_or_fail(str(error))
        raise
    if base.seconds:
        print(f"\nbase image: {base.describe()}, ready in {base.seconds:.0f} s", file=sys.stderr)
    return engine


@dataclass(frozen=True)
class Base:
    image: str
    stand_in: bool
    seconds: float  # spent getting it now (0 when it was there already)

    def describe(self) -> str:
        if self.stand_in:
            return f"{self.image} stood in by Debian trixie's Python 3.13.5 (tools/containers.py)"
        return f"{self.image} (the official image)"


def image_label(engine: Engine, image: str, label: str) -> str | None:
    """A label of a local image; None when the image is not there."""
    found = engine.run(
        "image", "inspect", "--format", f'{{{{index .Config.Labels "{label}"}}}}', image,
        check=False, timeout=60,
    )  # fmt: skip
    if found.returncode != 0:
        return None
    value = found.stdout.strip()
    return "" if value in {"", "<no value>"} else value


def ensure_base(engine: Engine, image: str = BASE_IMAGE) -> Base:
    """The Dockerfiles' base image, there in the engine's storage (see the module's text)."""
    ca = CA_BUNDLE.read_bytes() if CA_BUNDLE.is_file() else b""
    key = stand_in_key(STAND_IN_SCRIPT, STAND_IN_CHANGES, ca)
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "base.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time, across processes
        label = image_label(engine, image, STAND_IN_LABEL)
        if label == key:
            return Base(image, True, 0.0)
        if label == "":
            return Base(image, False, 0.0)
        began = time.monotonic()
        if label is None and engine.run("pull", image, check=False, timeout=600).returncode == 0:
            return Base(image, False, time.monotonic() - began)
        build_stand_in(engine, image, key)
        return Base(image, True, time.monotonic() - began)


def build_stand_in(engine: Engine, image: str, key: str) -> None:
    if os.geteuid() != 0 or shutil.which("debootstrap") is None or not CA_BUNDLE.is_file():
        raise Unavailable(
            f"{image} cannot be pulled here, and its stand-in needs root and debootstrap "
            "(apt-get install debootstrap)"
        )
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="stand-in-") as folder:
        rootfs = Path(folder) / "rootfs"
        env = {
            **os.environ,
            "ROOTFS": str(rootfs),
            "MIRROR": DEBIAN_MIRROR,
            "CA_BUNDLE": str(CA_BUNDLE),
        }
        made = subprocess.run(
            ["bash", "-c", STAND_IN_SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if made.returncode != 0:
            raise Unavailable(f"the stand-in base did not build: {made.stdout[-1500:]}")
        changes = [f"LABEL {STAND_IN_LABEL}={key}", *STAND_IN_CHANGES]
        flags = [f"--change={change}" for change in changes]
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(
            engine.argv("import", *flags, "-", qualified(image)),
            stdin=tar.stdout,
            env=engine.env(),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if tar.stdout is not None:
            tar.stdout.close()
        tar.wait()
        if imported.returncode != 0:
            raise Unavailable(f"importing the stand-in base failed: {imported.stderr[-800:]}")


@dataclass(frozen=True)
class Built:
    tag: str
    output: str  # what the build printed: which steps came from the cache
    seconds: float


def build(engine: Engine, context: Path, tag: str, *args: str, timeout: float = 900) -> Built:
    """Build `context` as `tag`; raise with the build's output when it fails."""
    flags = [*build_flags(engine.name), *(["--progress=plain"] if engine.name == "docker" else [])]
    began = time.monotonic()
    result = engine.run(
        "build", *flags, *args, "-t", tag, str(context), timeout=timeout, check=False
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise AssertionError(
            f"the image did not build (exit code {result.returncode}):\n{output[-3000:]}"
        )
    return Built(tag, output, time.monotonic() - began)


@contextlib.contextmanager
def running(
    engine: Engine, image: str, *args: str, prefix: str, probe: str, seconds: float
) -> Iterator[tuple[str, str]]:
    """Run `image` in the background, published on a free local port, until `probe` (a path)
    answers 200: its name and base URL. Removed afterwards; if it never answers, the error
    carries its logs."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine.run("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8000", *args, image)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while not answers(base_url + probe):
            if time.monotonic() > deadline:
                logs = engine.run("logs", name, check=False)
                raise TimeoutError(
                    f"{base_url}{probe} did not answer within {seconds} s; the container's log:"
                    f"\n{logs.stdout}{logs.stderr}"
                )
            time.sleep(0.2)
        yield name, base_url
    finally:
        engine.run("rm", "--force", name, check=False)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def build_steps(output: str) -> list[tuple[str, bool]]:
    """(instruction, taken from the cache) for each step of a build's output.

    Podman prints `STEP 5/13: COPY requirements.txt .` then `--> Using cache <id>`; Docker's
    BuildKit (`--progress=plain`) prints `#8 [4/9] COPY requirements.txt .` then `#8 CACHED`.
    """
    steps: list[list] = []
    numbers: dict[str, int] = {}
    for line in output.splitlines():
        podman = re.match(r"^STEP \d+/\d+: (.*)$", line)
        docker = re.match(r"^#(\d+) \[(?:[\w-]+ )?\d+/\d+\] (.*)$", line)
        if podman:
            steps.append([podman[1].strip(), False])
        elif docker and docker[1] not in numbers:
            numbers[docker[1]] = len(steps)
            steps.append([docker[2].strip(), False])
        elif steps and re.match(r"^--> Using cache", line):
            steps[-1][1] = True
        elif (cached := re.match(r"^#(\d+) CACHED", line)) and cached[1] in numbers:
            steps[numbers[cached[1]]][1] = True
    return [(text, bool(cached)) for text, cached in steps]


def skip_or_fail(message: str) -> None:
    import pytest

    if must_fail():
        pytest.fail(f"{message} (CI must run these checks)")
    pytest.skip(message)


def health(engine: Engine, name: str) -> str:
    """The container's health status. Podman without systemd never runs a HEALTHCHECK on its
    own (it schedules them with systemd timers): it is run here, as its interval would."""
    if engine.name == "podman":
        engine.run("healthcheck", "run", name, check=False, timeout=60)
    found = engine.run("inspect", "--format", "{{.State.Health.Status}}", name, check=False)
    return found.stdout.strip()


def wait_healthy(engine: Engine, name: str, seconds: float = 90, every: float = 1) -> str:
    deadline = time.monotonic() + seconds
    status = health(engine, name)
    while status != "healthy" and time.monotonic() < deadline:
        time.sleep(every)
        status = health(engine, name)
    return status


def image_size(engine: Engine, tag: str) -> int:
    return int(engine.run("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip())


def labels(engine: Engine, tag: str) -> dict[str, str]:
    found = engine.run("image", "inspect", "--format", "{{json .Config.Labels}}", tag)
    return json.loads(found.stdout.strip() or "null") or {}


def command_line(engine: Engine, args: list[str]) -> list[str]:
    """The engine's command for `args`, as the course runs it: podman builds in Docker's image
    format (so the image keeps its HEALTHCHECK); everything else is passed on unchanged."""
    if args[:1] == ["build"]:
        args = ["build", *build_flags(engine.name), *args[1:]]
    return engine.argv(*args)


def main(args: list[str]) -> int:
    """`python3 tools/containers.py build -t NAME FOLDER` (or run, logs, rm, ...): the command
    run by Docker when `docker info` answers, else by podman with the course's settings. The
    Makefile's docker-* targets use it."""
    engine = find()
    if engine is None:
        print(f"error: no container engine: {reason()}.", file=sys.stderr)
        return 1
    if engine.name == "podman":
        print(f"(podman: {reason()})", file=sys.stderr)
        if args[:1] == ["build"]:
            try:
                ensure_base(engine)
            except Unavailable as error:
                print(f"error: {error}", file=sys.stderr)
                return 1
    argv = command_line(engine, args)
    os.execvpe(argv[0], argv, engine.env())
    return 1  # not reached: exec replaces this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
