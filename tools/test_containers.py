"""tools/containers.py's choices, without an engine: which one, with which settings, which base."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import containers  # noqa: E402

del sys.path[0]


def test_docker_wins_when_it_answers() -> None:
    assert containers.choose(True, "/usr/bin/podman", "/usr/sbin/runc")[0] == "docker"
    assert containers.choose(True, None, None)[0] == "docker"


def test_podman_needs_runc() -> None:
    assert containers.choose(False, "/usr/bin/podman", "/usr/sbin/runc")[0] == "podman"
    name, why = containers.choose(False, "/usr/bin/podman", None)
    assert name is None
    assert "without runc" in why


def test_no_engine_says_why() -> None:
    name, why = containers.choose(False, None, "/usr/sbin/runc")
    assert name is None
    assert "docker info" in why and "podman is not installed" in why


def test_podman_runs_with_runc_cgroupfs_and_lower_limits() -> None:
    conf = tomllib.loads(containers.PODMAN_CONF)
    assert conf["engine"] == {"runtime": "runc", "cgroup_manager": "cgroupfs"}
    assert conf["containers"]["default_ulimits"] == ["nofile=1024:1024", "nproc=1000:1000"]


def test_podman_env_points_at_the_course_settings_and_builds_in_docker_format() -> None:
    env = containers.engine_env("podman", Path("/x/containers.conf"), {"PATH": "/bin"})
    assert env["CONTAINERS_CONF"] == "/x/containers.conf"
    assert env["BUILDAH_ISOLATION"] == "chroot"
    assert env["BUILDAH_FORMAT"] == "docker"
    assert env["PATH"] == "/bin"
    assert containers.build_flags("podman") == ["--format", "docker"]


def test_docker_gets_the_environment_unchanged() -> None:
    assert containers.engine_env("docker", None, {"PATH": "/bin"}) == {"PATH": "/bin"}
    assert containers.build_flags("docker") == []


def test_an_engine_command_is_the_engine_then_its_arguments() -> None:
    engine = containers.Engine("podman", "/usr/bin/podman", None, ("/usr/bin/podman-compose",))
    assert engine.argv("ps", "-a") == ["/usr/bin/podman", "ps", "-a"]
    assert engine.compose_argv("up", "-d") == ["/usr/bin/podman-compose", "up", "-d"]


def test_the_stand_in_is_rebuilt_only_when_its_recipe_changes() -> None:
    script, changes, ca = containers.STAND_IN_SCRIPT, containers.STAND_IN_CHANGES, b"CA"
    key = containers.stand_in_key(script, changes, ca)
    assert key == containers.stand_in_key(script, list(changes), ca)
    assert key != containers.stand_in_key(script + "\n# edited", changes, ca)
    assert key != containers.stand_in_key(script, [*changes, "ENV X=1"], ca)
    assert key != containers.stand_in_key(script, changes, b"another CA")
    # The parts are hashed apart: text moved from one to the next is another recipe.
    assert containers.stand_in_key("ab", ["c"], b"") != containers.stand_in_key("a", ["bc"], b"")


def test_the_stand_in_script_is_valid_bash() -> None:
    checked = subprocess.run(
        ["bash", "-n", "-c", containers.STAND_IN_SCRIPT], capture_output=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    ("image", "full"),
    [
        ("python:3.13.5-slim-bookworm", "docker.io/library/python:3.13.5-slim-bookworm"),
        ("pytorch/pytorch:2.0", "docker.io/pytorch/pytorch:2.0"),
        ("ghcr.io/owner/image:1", "ghcr.io/owner/image:1"),
        ("localhost/chapter06:1", "localhost/chapter06:1"),
    ],
)
def test_images_are_named_in_full_as_docker_names_them(image: str, full: str) -> None:
    assert containers.qualified(image) == full


@pytest.mark.parametrize(("value", "fails"), [("true", True), ("1", True), ("", False)])
def test_ci_fails_where_a_laptop_skips(
    monkeypatch: pytest.MonkeyPatch, value: str, fails: bool
) -> None:
    monkeypatch.setenv("CI", value)
    assert containers.must_fail() is fails


def test_the_dockerfiles_name_the_base_this_helper_provides() -> None:
    for dockerfile in ("06_docker/Dockerfile", "07_model_serving/Dockerfile"):
        text = (ROOT / dockerfile).read_text()
        assert f"FROM {containers.BASE_IMAGE}" in text, dockerfile


PODMAN_BUILD = """\
STEP 1/4: FROM python:3.13.5-slim-bookworm
STEP 2/4: COPY requirements.txt .
--> Using cache 2bb12d7e4caf3d80c2b909378769fae6fcc849c3fad702d07cd10062beba61e5
--> 2bb12d7e4ca
STEP 3/4: RUN pip install --no-cache-dir -r requirements.txt
--> Using cache fdece5f68d3f727a906e6ea2e27088c458b65924583bcb548b45ef1a699fb93e
--> fdece5f68d3
STEP 4/4: COPY main.py ./
--> 0cfcf5a75ce
"""
DOCKER_BUILD = """\
#5 [1/4] FROM docker.io/library/python:3.13.5-slim-bookworm@sha256:aa
#5 DONE 0.0s
#7 [2/4] COPY requirements.txt .
#7 CACHED
#8 [3/4] RUN pip install --no-cache-dir -r requirements.txt
#8 CACHED
#9 [4/4] COPY main.py ./
#9 DONE 0.1s
"""


@pytest.mark.parametrize("output", [PODMAN_BUILD, DOCKER_BUILD], ids=["podman", "docker"])
def test_build_output_says_which_steps_came_from_the_cache(output: str) -> None:
    steps = containers.build_steps(output)
    assert [cached for _, cached in steps] == [False, True, True, False]
    assert steps[2][0] == "RUN pip install --no-cache-dir -r requirements.txt"
    assert steps[3][0] == "COPY main.py ./"


def test_the_command_line_builds_in_docker_format_with_podman_only() -> None:
    podman = containers.Engine("podman", "/usr/bin/podman", Path("/c.conf"))
    docker = containers.Engine("docker", "/usr/bin/docker")
    build = ["build", "-t", "chapter06-api", "06_docker"]
    assert containers.command_line(podman, build) == [
        "/usr/bin/podman", "build", "--format", "docker", "-t", "chapter06-api", "06_docker"
    ]  # fmt: skip
    assert containers.command_line(docker, build) == ["/usr/bin/docker", *build]
    run = ["run", "-d", "--name", "chapter06-api", "-p", "8000:8000", "chapter06-api"]
    assert containers.command_line(podman, run) == ["/usr/bin/podman", *run]
