"""One browser set-up for the walkthrough tests and `make screenshots`.

Debian's Chromium, driven by Playwright (whose own browser download cannot work offline),
headless, at a fixed window size, in English and UTC, without animations, and unable to reach
anything but this machine: every other request is blocked and counted.
"""

import shutil
from collections.abc import Callable
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Playwright, Route

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHROMIUM_FLAGS = [
    *("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"),
    *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
    *("--font-render-hinting=none", "--disable-lcd-text", "--hide-scrollbars"),
]
WINDOW = {"width": 1280, "height": 800}


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


def launch(playwright: Playwright, executable: str) -> Browser:
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)


def new_context(browser: Browser, outside_requests: list[str]) -> BrowserContext:
    """A fresh context (no cookies, no storage); requests off this machine land in the list."""
    context = browser.new_context(
        viewport=WINDOW,
        device_scale_factor=1,
        locale="en-US",
        timezone_id="UTC",
        color_scheme="light",
        reduced_motion="reduce",
    )
    context.set_default_timeout(10_000)
    context.route("**/*", keep_local(outside_requests))
    return context


def keep_local(outside_requests: list[str]) -> Callable[[Route], None]:
    def route(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            outside_requests.append(route.request.url)
            route.abort("blockedbyclient")

    return route
