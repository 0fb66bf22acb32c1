"""Chapter 01's lesson in a browser: "Try it in Swagger UI" and the "Demo script", step by step."""

import json
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from chapter_server import ROOT, Served
from playwright.sync_api import Page, expect
from swagger_ui import SwaggerUI

CHAPTER = "01_first_steps"


def test_try_it_in_swagger_ui(serve_chapter: Callable[..., Served], page: Page) -> None:
    base = serve_chapter(CHAPTER).base_url
    ui = SwaggerUI(page, base).open()
    # 1. title, description, the greetings section (and the exercises section)
    assert ui.title() == "Chapter 01 - First steps"
    assert ui.description() == (
        "The smallest useful FastAPI app: one path operation that answers with JSON."
    )
    assert ui.lesson_sections() == {"greetings": ["GET /"]}
    assert ui.operation("get", "/").summary() == "Say hello"
    # 2. open GET /, Try it out, Execute; 3. the Curl box, the body, the headers
    answer = ui.operation("get", "/").try_it_out().execute()
    assert (answer.status, answer.body) == (200, {"Hello": "World"})
    assert answer.curl == f"curl -X 'GET' \\\n  '{base}/' \\\n  -H 'accept: application/json'"
    assert answer.headers["content-type"] == "application/json"
    # 4. /openapi.json, the document Swagger UI is drawn from
    page.goto(f"{base}/openapi.json")
    assert json.loads(page.locator("body").inner_text())["paths"]["/"]["get"]["summary"] == (
        "Say hello"
    )
    # 5. /redoc, the same document in a read-only layout
    page.goto(f"{base}/redoc")
    expect(page.get_by_role("heading", name=re.compile(" Say hello$"))).to_be_visible()


def test_demo_script(serve_chapter: Callable[..., Served], page: Page, tmp_path: Path) -> None:
    chapter = tmp_path / CHAPTER  # step 3 edits main.py: the demo runs on a copy
    shutil.copytree(ROOT / CHAPTER, chapter, ignore=shutil.ignore_patterns("tests"))
    served = serve_chapter(chapter, "--demo")
    assert served.printed[:3] == [
        f"Demo of {CHAPTER} - stop with Ctrl+C",
        f"  Open on the projector: {served.base_url}/docs",
        "  Demo records: none (no demo_seeds.py in this chapter)",
    ]
    ui = SwaggerUI(page, served.base_url).open()
    # 1. the page before any code
    assert ui.lesson_sections() == {"greetings": ["GET /"]}
    # 2. GET /: Try it out, Execute
    get_root = ui.operation("get", "/").try_it_out()
    answer = get_root.execute()
    assert (answer.status, answer.body) == (200, {"Hello": "World"})
    # 3. change "World" in read_root, save: the server reloads by itself
    main = chapter / "main.py"
    main.write_text(
        main.read_text().replace('return {"Hello": "World"}', 'return {"Hello": "Lyon"}')
    )
    deadline = time.monotonic() + 30
    while httpx.get(f"{served.base_url}/", timeout=5).json() != {"Hello": "Lyon"}:
        assert time.monotonic() < deadline, "the server did not reload"
        time.sleep(0.2)
    assert get_root.execute().body == {"Hello": "Lyon"}
    # 4. /openapi.json next to it
    page.goto(f"{served.base_url}/openapi.json")
    assert json.loads(page.locator("body").inner_text())["info"]["title"] == (
        "Chapter 01 - First steps"
    )
