"""Checks for the exercises in this chapter's README. They fail until you solve them.

Run one task's checks with pytest -m "task(id='ch06.ex2')", or all of them with `make test-6`.
The Dockerfile and compose.yaml are read the way Docker reads them: a comment is no answer.
"""

import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

CHAPTER_DIR = Path(__file__).resolve().parents[1]
Expect = Callable[..., None]
BASE_IMAGE = "python:3.13.5-slim-bookworm"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs as Docker sees them: comments out, continuations joined."""
    pairs, pending = [], ""
    for line in (CHAPTER_DIR / "Dockerfile").read_text().splitlines():
        if line.lstrip().startswith("#") or (not pending and not line.strip()):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).strip().partition(" ")
        pairs.append((keyword.upper(), arguments.strip()))
        pending = ""
    return pairs


def image_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for keyword, arguments in dockerfile_instructions():
        if keyword == "LABEL":
            for word in shlex.split(arguments):
                key, _, value = word.partition("=")
                labels[key] = value
    return labels


def compose_services() -> dict[str, Any]:
    return yaml.safe_load((CHAPTER_DIR / "compose.yaml").read_text())["services"]


@pytest.mark.task(id="ch06.ex1")
def test_info_shows_the_default_title_and_version(client: TestClient, expect: Expect) -> None:
    expect(
        client.get("/info"),
        200,
        {"title": "Chapter 06 - The API on Docker", "version": "1.0.0"},
        hint="Add GET /info to main.py, answering the title and version from the settings.",
    )


@pytest.mark.task(id="ch06.ex1")
def test_info_comes_from_the_environment(
    clean_env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI], expect: Expect
) -> None:
    clean_env.setenv("APP_VERSION", "2.1.0")
    clean_env.setenv("APP_TITLE", "Users API (staging)")
    with TestClient(load_app()) as client:
        expect(
            client.get("/info"),
            200,
            {"title": "Users API (staging)", "version": "2.1.0"},
            hint="Started with APP_VERSION=2.1.0 and APP_TITLE='Users API (staging)': add an "
            "app_version field to Settings, and answer from `settings`, not from constants.",
        )


@pytest.mark.task(id="ch06.ex2")
@pytest.mark.parametrize(
    "label", ["org.opencontainers.image.title", "org.opencontainers.image.version"]
)
def test_image_carries_oci_labels(label: str) -> None:
    labels = image_labels()
    if not labels.get(label):
        pytest.fail(
            f'The Dockerfile needs a LABEL instruction that sets {label}="..." (not empty).\n'
            f"  expected: a label {label}\n"
            f"  got:      labels {labels or 'none'} (comments do not count: Docker skips them)",
            pytrace=False,
        )


@pytest.mark.task(id="ch06.ex2")
def test_image_version_label_matches_the_app() -> None:
    version = image_labels().get("org.opencontainers.image.version")
    if version != "1.0.0":
        pytest.fail(
            "The image's org.opencontainers.image.version label should say which version of "
            "the app it holds.\n  expected: 1.0.0\n"
            f"  got:      {version if version is not None else 'no such label'}",
            pytrace=False,
        )


@pytest.mark.task(id="ch06.ex3")
def test_smoke_service_waits_for_a_healthy_api() -> None:
    smoke = compose_services().get("smoke")
    if not isinstance(smoke, dict):
        pytest.fail("Add a service called smoke to compose.yaml, under services:.", pytrace=False)
    depends = smoke.get("depends_on")
    condition = depends.get("api", {}).get("condition") if isinstance(depends, dict) else None
    if condition != "service_healthy":
        pytest.fail(
            "smoke must start only once the api's health check passes.\n"
            "  expected: depends_on: {api: {condition: service_healthy}}\n"
            f"  got:      depends_on: {depends}",
            pytrace=False,
        )
    if smoke.get("image") != BASE_IMAGE or "build" in smoke:
        pytest.fail(
            f"smoke runs the same Python image as the API's base, {BASE_IMAGE}, without a "
            f"build.\n  got: image {smoke.get('image')}, build {smoke.get('build', 'none')}",
            pytrace=False,
        )


@pytest.mark.task(id="ch06.ex3")
def test_smoke_service_calls_the_api_by_its_service_name() -> None:
    smoke = compose_services().get("smoke") or {}
    command = smoke.get("command", "")
    text = command if isinstance(command, str) else " ".join(map(str, command))
    if "http://api:8000/" not in text or "localhost" in text or "127.0.0.1" in text:
        pytest.fail(
            "Inside compose's network the API is reached by its service name.\n"
            "  expected: a command that requests http://api:8000/health\n"
            f"  got:      {text or 'no command'}",
            pytrace=False,
        )
    if smoke.get("restart", "no") not in ("no", False):  # YAML reads a bare `no` as false
        pytest.fail(
            f'smoke runs once and stops: leave out restart (or say "no"), not '
            f"{smoke['restart']!r}.",
            pytrace=False,
        )
