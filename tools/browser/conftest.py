"""Fixtures for the browser walkthroughs: a chapter served the way `make chapter-N` serves it,
and a page in headless Chromium that can reach nothing but this machine.

Each test starts its own server, so tests share no records. Where no Chromium is found the
tests are skipped with the reason; under CI they fail instead, because CI installs it.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_setup import find_chromium, launch, new_context
from chapter_server import Served, start, stop
from playwright.sync_api import Browser, Page, sync_playwright


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed, but CI must run the browser walkthroughs")
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = launch(playwright, executable)
        yield launched
        launched.close()


@pytest.fixture
def outside_requests() -> list[str]:
    """URLs the page tried to fetch from another machine; each was blocked."""
    return []


@pytest.fixture
def page(browser: Browser, outside_requests: list[str]) -> Iterator[Page]:
    context = new_context(browser, outside_requests)
    yield context.new_page()
    context.close()
    assert outside_requests == [], "the page tried to reach another machine"


@pytest.fixture
def server_env() -> dict[str, str]:
    """Environment variables for the served chapter; a test module may override this fixture."""
    return {}


@pytest.fixture
def serve_chapter(
    tmp_path: Path, free_port: int, server_env: dict[str, str]
) -> Iterator[Callable[..., Served]]:
    """`serve_chapter("03_crud_path")` runs `make chapter-3`'s command on a free port, and
    `serve_chapter("03_crud_path", "--demo")` `make demo-3`'s. A second call stops the first
    server and starts again on the same port; the last one is stopped with Ctrl+C at the end."""
    running: list[Served] = []

    def serve(chapter: str | Path, *options: str, **env: str) -> Served:
        while running:
            stop(running.pop().process)
        logs = tmp_path / f"server-{len(list(tmp_path.glob('server-*')))}"
        running.append(start(chapter, free_port, logs, *options, **server_env, **env))
        return running[-1]

    yield serve
    while running:
        stop(running.pop().process)
