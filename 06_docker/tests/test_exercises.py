"""Checks for the exercises in this chapter's README. They fail until you solve them."""

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

DOCKERFILE = Path(__file__).resolve().parents[1] / "Dockerfile"


@pytest.mark.exercise(1)
def test_info_shows_the_default_title_and_version(client: TestClient) -> None:
    response = client.get("/info")
    assert response.status_code == 200, "Add GET /info to main.py."
    assert response.json() == {"title": "Chapter 06 - The API on Docker", "version": "1.0.0"}


@pytest.mark.exercise(1)
def test_info_version_comes_from_app_version(
    clean_env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]
) -> None:
    clean_env.setenv("APP_VERSION", "2.1.0")
    with TestClient(load_app()) as client:
        response = client.get("/info")
    assert response.status_code == 200, "Add GET /info to main.py."
    assert response.json()["version"] == "2.1.0", "Add an app_version field to Settings."


@pytest.mark.exercise(2)
@pytest.mark.parametrize(
    "label", ["org.opencontainers.image.title", "org.opencontainers.image.version"]
)
def test_image_carries_oci_labels(label: str) -> None:
    labels = [line for line in DOCKERFILE.read_text().splitlines() if label + "=" in line]
    assert labels, f"Add a LABEL {label}=... to the Dockerfile."
