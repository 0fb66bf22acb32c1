"""Chapter 06's lesson in a browser: "Try it in Swagger UI" and the "Demo script", step by step."""

import subprocess
import sys
from collections.abc import Callable

from chapter_server import ROOT, SERVE, Served
from playwright.sync_api import Page
from swagger_ui import SwaggerUI

CHAPTER = "06_docker"
SUCCESS = {"status": "success"}


def test_try_it_in_swagger_ui(serve_chapter: Callable[..., Served], page: Page) -> None:
    ui = SwaggerUI(page, serve_chapter(CHAPTER).base_url).open()
    # 1. a section per router
    assert ui.lesson_sections() == {
        "users": ["POST /users", "GET /users", "PUT /users", "DELETE /users"],
        "health": ["GET /health"],
    }
    # 2. the health check
    answer = ui.operation("get", "/health").try_it_out().execute()
    assert (answer.status, answer.body) == (200, {"status": "ok"})
    # 3. the chapter 05 round trip, pre-filled
    answer = ui.operation("post", "/users").try_it_out().execute()
    assert (answer.status, answer.body) == (201, {"status": "success", "id": 1})
    read = ui.operation("get", "/users").try_it_out()
    answer = read.execute()
    assert (answer.status, answer.body) == (200, {"nickname": "world"})
    update = ui.operation("put", "/users").try_it_out()
    answer = update.set_body('{"name": "hello", "nickname": "moon"}').execute()
    assert (answer.status, answer.body) == (200, SUCCESS)
    answer = ui.operation("delete", "/users").try_it_out().execute()
    assert (answer.status, answer.body) == (200, SUCCESS)
    answer = read.execute()
    assert (answer.status, answer.body) == (404, {"detail": "User 'hello' not found."})
    # 4. another title from the environment
    serve_chapter(CHAPTER, APP_TITLE="Staging")
    page.reload()
    assert ui.title() == "Staging"


def test_demo_script(serve_chapter: Callable[..., Served], page: Page) -> None:
    served = serve_chapter(CHAPTER, "--demo")
    assert served.printed[:3] == [
        f"Demo of {CHAPTER} - stop with Ctrl+C",
        f"  Open on the projector: {served.base_url}/docs",
        f"  Demo records: 3 requests from {CHAPTER}/demo_seeds.py",
    ]
    ui = SwaggerUI(page, served.base_url).open()
    # 1. health
    answer = ui.operation("get", "/health").try_it_out().execute()
    assert (answer.status, answer.body) == (200, {"status": "ok"})
    # 2. a demo user
    answer = ui.operation("get", "/users").try_it_out().fill(name="ada").execute()
    assert (answer.status, answer.body) == (200, {"nickname": "countess"})
    # 3. a bad setting stops the demo at once, in one line
    loud = subprocess.run(
        [sys.executable, str(SERVE), CHAPTER, "--port", "0", "--demo"],
        cwd=ROOT,
        env={"LOG_LEVEL": "loud"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (loud.returncode, loud.stdout) == (1, "")
    assert loud.stderr == (
        "error: 06_docker did not start: invalid setting LOG_LEVEL='loud': "
        "Input should be 'critical', 'error', 'warning', 'info' or 'debug'\n"
    )
