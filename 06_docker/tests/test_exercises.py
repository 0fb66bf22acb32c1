"""Checks for the exercises in this chapter's README. They fail until you solve them.

Each task is checked by what its files do, not by how they are written:

- the settings are read by your app, served in a process of its own with generated values in
  its environment or in a `.env` file beside `config.py`;
- the Dockerfile is read as `docker build .` reads it (comments out, `ARG` and `ENV` values
  substituted, the last stage is the image), so a label taken from a build argument counts;
- the smoke service's command is run for real against your app, with `api` resolving to it,
  and against an API that is down: it must succeed on the first and fail on the second;
- with a container engine (tools/containers.py: Docker, or podman), also as the engine does it:
  the image is built and its labels read back, and compose.yaml is brought up, the API waited
  for until healthy, then smoke run and its exit code read. Without one, these checks are
  skipped (the report lists them) and the checks above grade the task alone.

Run one task's checks with pytest -m "task(id='ch06.ex2')", or all of them with `make test-6`.
"""

import http.server
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import containers
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from testkit import compose, dockerfile
from testkit.apphost import shared
from testkit.bilingual import message
from testkit.checks import Api, Mismatch
from testkit.plugin import chapter_of, copy_chapter, fresh
from testkit.snapshot import check_operation_is_an_exercise

CHAPTER = chapter_of(Path(__file__))
DEFAULT_TITLE = "Chapter 06 - The API on Docker"
BASE_IMAGE = "python:3.13.5-slim-bookworm"
INFO_RULE = message(
    'GET /info answers {"title": ..., "version": ...} from the settings: APP_TITLE and '
    "APP_VERSION, set in the environment or in a .env file beside config.py, as every setting; "
    "app_version is 1.0.0 when neither sets it.",
    'GET /info는 설정에서 읽은 {"title": ..., "version": ...}로 응답합니다: APP_TITLE과 '
    "APP_VERSION은 다른 모든 설정처럼 환경 변수나 config.py 옆의 .env 파일로 정합니다. "
    "환경 변수와 .env 파일 어느 쪽도 정하지 않으면 app_version은 1.0.0입니다.",
)
# Values a .env file and an environment variable both carry unchanged.
setting_values = (
    st.text(
        st.characters(categories=("L", "N"), include_characters=" .-+_:()"), min_size=1, max_size=24
    )
    .map(str.strip)
    .filter(bool)
)


@pytest.mark.task(id="ch06.ex1")
def test_info_shows_the_default_title_and_version(api: Api) -> None:
    api.expect(
        api.get("/info"),
        200,
        {"title": DEFAULT_TITLE, "version": "1.0.0"},
        hint=message(
            "Add GET /info to main.py, answering the title and version from the settings.",
            "설정의 title과 version으로 응답하는 GET /info 경로 작동을 main.py에 추가하세요.",
        ),
    )


@pytest.mark.task(id="ch06.ex1")
def test_info_follows_the_environment() -> None:
    @given(title=setting_values, version=setting_values)
    def check(title: str, version: str) -> None:
        api = fresh(CHAPTER, {"env": {"APP_TITLE": title, "APP_VERSION": version}})
        api.expect(
            api.get("/info"),
            200,
            {"title": title, "version": version},
            hint=message(
                f"Started with APP_TITLE={title!r} and APP_VERSION={version!r}. {INFO_RULE}",
                f"APP_TITLE={title!r}, APP_VERSION={version!r}로 앱을 시작했습니다. {INFO_RULE}",
            ),
        )

    check()


@pytest.mark.task(id="ch06.ex1")
def test_info_follows_a_dot_env_file(tmp_path: Path) -> None:
    copy = copy_chapter(CHAPTER, tmp_path / "chapter")
    (copy / ".env").write_text('APP_VERSION="3.0.0-rc.1"\nAPP_TITLE="Users API (from .env)"\n')
    api = fresh(copy)
    api.expect(
        api.get("/info"),
        200,
        {"title": "Users API (from .env)", "version": "3.0.0-rc.1"},
        hint=message(
            "Started with a .env file beside config.py that sets APP_VERSION=3.0.0-rc.1. ",
            "APP_VERSION=3.0.0-rc.1을 정하는 .env 파일을 config.py 옆에 두고 앱을 시작했습니다. ",
        )
        + INFO_RULE,
    )
    api = fresh(copy, {"env": {"APP_VERSION": "4.0"}})
    api.expect(
        api.get("/info"),
        200,
        {"title": "Users API (from .env)", "version": "4.0"},
        hint=message(
            "The same .env file, and APP_VERSION=4.0 in the environment: as for every "
            "setting, the environment wins over the file. ",
            "같은 .env 파일에 더해 환경 변수 APP_VERSION=4.0으로 앱을 시작했습니다: 다른 모든 "
            "설정처럼 파일보다 환경 변수가 우선합니다. ",
        )
        + INFO_RULE,
    )


def final_image() -> dockerfile.Stage:
    try:
        return dockerfile.read(CHAPTER / "Dockerfile")
    except dockerfile.DockerfileError as error:
        raise Mismatch(
            message(
                f"docker build would refuse the Dockerfile: {error}",
                f"docker build는 이 Dockerfile을 거부할 것입니다: {error}",
            )
        ) from None


@pytest.mark.task(id="ch06.ex2")
@pytest.mark.parametrize(
    "label", ["org.opencontainers.image.title", "org.opencontainers.image.version"]
)
def test_image_carries_oci_labels(label: str) -> None:
    labels = final_image().labels
    if not labels.get(label):
        shown = labels or message("none", "없음")
        raise Mismatch(
            message(
                f'The image needs a label {label}="..." (not empty): a LABEL instruction in the '
                "Dockerfile's last stage (the one the image is made of).\n"
                f"  expected: a label {label}\n"
                f"  got:      labels {shown} (comments do not count: Docker skips them)",
                f'이미지에 빈 값이 아닌 {label}="..." 레이블이 필요합니다: Dockerfile의 '
                "마지막 스테이지(이미지를 만드는 스테이지)에 LABEL 지시어를 쓰세요.\n"
                f"  기대한 값: {label} 레이블\n"
                f"  받은 값:   레이블 {shown} "
                "(주석은 인정되지 않습니다: Docker는 주석을 건너뜁니다)",
            )
        )


@pytest.mark.task(id="ch06.ex2")
def test_image_version_label_matches_the_app() -> None:
    version = final_image().labels.get("org.opencontainers.image.version")
    if version != "1.0.0":
        found = version if version is not None else message("no such label", "레이블 없음")
        raise Mismatch(
            message(
                "The image's org.opencontainers.image.version label should say which version of "
                "the app it holds (app_version's default).\n  expected: 1.0.0\n"
                f"  got:      {found}",
                "이미지의 org.opencontainers.image.version 레이블은 이미지에 담긴 앱의 버전"
                "(app_version의 기본값)을 나타내야 합니다.\n  기대한 값: 1.0.0\n"
                f"  받은 값:   {found}",
            )
        )


@pytest.mark.task(id="ch06.ex2")
@pytest.mark.slow
@pytest.mark.docker
def test_built_image_carries_the_labels(
    engine: containers.Engine, chapter_image: containers.Built
) -> None:
    labels = containers.labels(engine, chapter_image.tag)
    title = labels.get("org.opencontainers.image.title")
    version = labels.get("org.opencontainers.image.version")
    if not title or version != "1.0.0":
        shown = labels or message("no labels", "레이블 없음")
        raise Mismatch(
            message(
                f"Built by {engine.name} from your Dockerfile, the image's labels are not right: "
                "org.opencontainers.image.title (not empty) and org.opencontainers.image.version "
                "1.0.0 are needed.\n"
                f"  got:      {shown}",
                f"여러분의 Dockerfile을 {engine.name} 엔진으로 빌드한 이미지의 레이블이 "
                "올바르지 않습니다: 빈 값이 아닌 org.opencontainers.image.title과 "
                "org.opencontainers.image.version 1.0.0이 필요합니다.\n"
                f"  받은 값:   {shown}",
            )
        )


def smoke_service() -> dict[str, Any]:
    smoke = compose.services(CHAPTER / "compose.yaml").get("smoke")
    if not isinstance(smoke, dict):
        raise Mismatch(
            message(
                "Add a service called smoke to compose.yaml, under services:.",
                "compose.yaml의 services: 아래에 smoke라는 서비스를 추가하세요.",
            )
        )
    return smoke


@pytest.mark.task(id="ch06.ex3")
def test_smoke_service_waits_for_a_healthy_api() -> None:
    smoke = smoke_service()
    depends = smoke.get("depends_on")
    condition = depends.get("api", {}).get("condition") if isinstance(depends, dict) else None
    if condition != "service_healthy":
        raise Mismatch(
            message(
                "smoke must start only once the api's health check passes.\n"
                "  expected: depends_on: {api: {condition: service_healthy}}\n"
                f"  got:      depends_on: {depends}",
                "smoke는 api의 헬스 체크가 통과한 뒤에야 시작해야 합니다.\n"
                "  기대한 값: depends_on: {api: {condition: service_healthy}}\n"
                f"  받은 값:   depends_on: {depends}",
            )
        )
    if smoke.get("image") != BASE_IMAGE or "build" in smoke:
        image, build = smoke.get("image"), smoke.get("build", message("none", "없음"))
        raise Mismatch(
            message(
                f"smoke runs the same Python image as the API's base, {BASE_IMAGE}, without a "
                f"build.\n  got: image {image}, build {build}",
                f"smoke는 빌드 없이, API의 베이스 이미지와 같은 Python 이미지({BASE_IMAGE})를 "
                f"씁니다.\n  받은 값: image {image}, build {build}",
            )
        )
    if smoke.get("restart", "no") not in ("no", False):  # YAML reads a bare `no` as false
        restart = smoke["restart"]
        raise Mismatch(
            message(
                f'smoke runs once and stops: leave out restart (or say "no"), not {restart!r}.',
                'smoke는 한 번 실행되고 끝나야 합니다: restart를 빼거나 "no"로 쓰세요'
                f"(지금 값: {restart!r}).",
            )
        )


def ran(result: Any) -> str:
    output = (result.stdout + result.stderr).strip()
    code, tail = result.returncode, output[-600:]
    return message(f"exit code {code}", f"종료 코드 {code}") + (
        message(f", output: {tail}", f", 출력: {tail}") if output else ""
    )


@pytest.mark.task(id="ch06.ex3")
def test_smoke_command_calls_the_api_health_route() -> None:
    smoke = smoke_service()
    fresh(CHAPTER)
    host = shared()
    port = int(host.base_url.rsplit(":", 1)[1])
    result = compose.run(smoke, {("api", 8000): port})
    calls = host.requests()
    health_calls = [call for call in calls if call[:2] == ("GET", "/health")]
    if result.returncode != 0 or not health_calls:
        command, outcome = compose.argv(smoke), ran(result)
        seen = calls or message("no request", "없음")
        raise Mismatch(
            message(
                "Run with the API up and healthy, smoke's command must call its /health by the "
                "service's name (http://api:8000/health) and end with exit code 0.\n"
                f"  command:  {command}\n"
                f"  got:      {outcome}; the API saw {seen}",
                "API가 떠 있고 healthy일 때 실행하면, smoke의 command는 서비스 이름으로 "
                "API의 /health(http://api:8000/health)를 호출하고 종료 코드 0으로 끝나야 "
                "합니다.\n"
                f"  명령:      {command}\n"
                f"  결과:      {outcome}; API가 받은 요청: {seen}",
            )
        )


class Failing(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"detail": "down for maintenance"}'
        self.send_response(503)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def failing_api() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.task(id="ch06.ex3")
def test_smoke_command_fails_when_the_api_fails(failing_api: int) -> None:
    smoke = smoke_service()
    result = compose.run(smoke, {("api", 8000): failing_api})
    if result.returncode == 0:
        command, outcome = compose.argv(smoke), ran(result)
        raise Mismatch(
            message(
                "A smoke check that passes whatever the API answers checks nothing: run against "
                "an API whose /health answers 503, smoke's command must end with a non-zero exit "
                "code (urllib.request.urlopen raises on an error status: let it).\n"
                f"  command:  {command}\n  got:      {outcome}",
                "API가 무엇으로 응답하든 통과하는 smoke 검사는 아무것도 검사하지 못합니다: "
                "/health가 503으로 응답하는 API를 상대로 실행하면, smoke의 command는 0이 아닌 "
                "종료 코드로 끝나야 합니다(urllib.request.urlopen은 오류 상태 코드에서 예외를 "
                "일으킵니다. 그 예외를 잡지 말고 그대로 두세요).\n"
                f"  명령:      {command}\n  결과:      {outcome}",
            )
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def compose_copy(folder: Path, port: int, tag: str) -> Path:
    """The chapter with its compose.yaml as written, but for the API's host port (a free one)
    and the name of the image compose builds (one of the test's own)."""
    copy = copy_chapter(CHAPTER, folder)
    data = yaml.safe_load((copy / "compose.yaml").read_text())
    for service in data["services"].values():
        if isinstance(service, dict) and "build" in service:
            service["image"] = tag
            service["ports"] = [f"127.0.0.1:{port}:8000"]
    (copy / "compose.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return copy


def container_of(engine: containers.Engine, project: str, service: str) -> str:
    found = engine.run(
        "ps", "-a", "--format", "{{.ID}}",
        "--filter", f"label=com.docker.compose.project={project}",
        "--filter", f"label=com.docker.compose.service={service}",
    )  # fmt: skip
    ids = found.stdout.split()
    if not ids:
        raise Mismatch(
            message(
                f"compose started no container for the service {service}",
                f"compose가 서비스 {service}의 컨테이너를 하나도 시작하지 않았습니다",
            )
        )
    return ids[0]


def healthcheck_argv(service: dict[str, Any]) -> list[str]:
    test = (service.get("healthcheck") or {}).get("test") or []
    if isinstance(test, str):
        return ["sh", "-c", test]
    if test and test[0] == "CMD-SHELL":
        return ["sh", "-c", " ".join(test[1:])]
    return list(test[1:]) if test and test[0] == "CMD" else []


@pytest.mark.task(id="ch06.ex3")
@pytest.mark.slow
@pytest.mark.docker
def test_compose_up_runs_smoke_once_the_api_is_healthy(
    engine: containers.Engine, tmp_path: Path
) -> None:
    smoke_service()
    if not engine.compose:
        containers.skip_or_fail(
            message(
                f"{engine.name} has no compose here (podman-compose, or Docker Compose)",
                f"이 머신의 {engine.name}에는 compose가 없습니다(podman-compose 또는 "
                "Docker Compose)",
            )
        )
    port, tag = free_port(), f"localhost/chapter06-compose-test:{uuid.uuid4().hex[:8]}"
    copy = compose_copy(tmp_path / "chapter", port, tag)
    project = f"ch06test{uuid.uuid4().hex[:8]}"

    def run_compose(*args: str, timeout: float = 600) -> Any:
        command = engine.compose_argv("-p", project, *args)
        return subprocess.run(
            command, cwd=copy, env=engine.env(), capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip

    try:
        up = run_compose("up", "-d", "--build", "api")
        if up.returncode != 0:
            raise Mismatch(
                message(
                    f"compose up api failed: {ran(up)}",
                    f"compose up api가 실패했습니다: {ran(up)}",
                )
            )
        api = container_of(engine, project, "api")
        # Podman schedules health checks with systemd, which is not there: run compose's
        # health check command in the API's container until it passes, as the engine would.
        probe = healthcheck_argv(services_of(copy)["api"])
        deadline, healthy = time.monotonic() + 60, False
        while probe and not healthy and time.monotonic() < deadline:
            healthy = engine.run("exec", api, *probe, check=False).returncode == 0
            time.sleep(0 if healthy else 1)
        if not healthy:
            raise Mismatch(
                message(
                    f"the API's health check never passed: {probe}",
                    f"API의 헬스 체크가 끝내 통과하지 못했습니다: {probe}",
                )
            )
        smoke = run_compose("up", "-d", "--no-deps", "smoke")
        if smoke.returncode != 0:
            raise Mismatch(
                message(
                    f"compose up smoke failed: {ran(smoke)}",
                    f"compose up smoke가 실패했습니다: {ran(smoke)}",
                )
            )
        smoke_id = container_of(engine, project, "smoke")
        exit_code = engine.run("wait", smoke_id, timeout=120).stdout.strip().splitlines()[-1]
        logs = engine.run("logs", smoke_id, check=False)
        api_log = engine.run("logs", api, check=False)
        if exit_code != "0":
            output = (logs.stdout + logs.stderr)[-600:]
            raise Mismatch(
                message(
                    "Run by compose once the API was healthy, smoke must end with exit code 0.\n"
                    f"  got:      exit code {exit_code}, output: {output}",
                    "API가 healthy가 된 뒤 compose가 실행한 smoke는 종료 코드 0으로 끝나야 "
                    "합니다.\n"
                    f"  결과:      종료 코드 {exit_code}, 출력: {output}",
                )
            )
        calls = [
            line
            for line in (api_log.stdout + api_log.stderr).splitlines()
            if '"GET /health' in line and "127.0.0.1" not in line
        ]
        if not calls:
            raise Mismatch(
                message(
                    "smoke ended with 0, but the API saw no /health call from it",
                    "smoke는 0으로 끝났지만, API는 smoke에게서 /health 호출을 한 번도 받지 "
                    "않았습니다",
                )
            )
    finally:
        run_compose("down", "-t", "3", timeout=120)
        engine.run("network", "rm", f"{project}_default", check=False)
        engine.run("rmi", "--force", tag, check=False)
    left = engine.run(
        "ps", "-a", "-q", "--filter", f"label=com.docker.compose.project={project}"
    ).stdout.split()
    assert not left, message(
        f"compose down left containers: {left}",
        f"compose down 뒤에도 컨테이너가 남아 있습니다: {left}",
    )


def services_of(folder: Path) -> dict[str, Any]:
    return compose.services(folder / "compose.yaml")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/info", marks=pytest.mark.task(id="ch06.ex1")),
    ],
)
def test_the_operation_is_listed_under_exercises(api: Api, method: str, path: str) -> None:
    check_operation_is_an_exercise(api.get("/openapi.json").json(), method, path)
