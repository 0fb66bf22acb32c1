"""`make screenshots`: the pictures in the lessons, taken in the walkthroughs' browser set-up.

For each chapter, served as `make chapter-N` serves it: `images/docs.png`, the top of `/docs`
in a 1280x800 window, and `images/execute.png`, one operation after "Execute", down to the
server's answer. The page is opened at http://127.0.0.1:8000, as the lessons write, while its
requests are answered by the chapter on a free port, and the `date` response header is fixed.
So an unchanged chapter gives the same bytes again, on the same machine with the same Chromium
and fonts.

Usage: python tools/browser/screenshots.py [CHAPTER ...]   (default: every chapter listed below)
"""

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from browser_setup import find_chromium, launch, new_context
from chapter_server import ROOT, free_port, start, stop
from playwright.sync_api import Locator, Page, Route, sync_playwright
from swagger_ui import Operation, SwaggerUI

SHOWN_BASE = "http://127.0.0.1:8000"
FIXED_DATE = "Sun, 22 Nov 2026 21:13:11 GMT"
PAGE_BOX = """element => {
    const box = element.getBoundingClientRect();
    return [Math.round(box.top + window.scrollY), Math.round(box.left + window.scrollX),
            Math.round(box.width), Math.round(box.height)];
}"""


def root(ui: SwaggerUI) -> Operation:
    operation = ui.operation("get", "/").try_it_out()
    operation.execute()
    return operation


def one_page_of_items(ui: SwaggerUI) -> Operation:
    operation = ui.operation("get", "/items/").try_it_out().fill(skip="1", limit="1")
    operation.execute()
    return operation


def create_twice(ui: SwaggerUI) -> Operation:
    operation = ui.operation("post", "/users/name/{name}/nickname/{nickname}").try_it_out()
    operation.fill(name="hello", nickname="world").execute()
    operation.execute()
    return operation


def create_from_examples(ui: SwaggerUI) -> Operation:
    operation = ui.operation("post", "/users").try_it_out()
    operation.execute()
    return operation


def create_with_two_errors(ui: SwaggerUI) -> Operation:
    operation = ui.operation("post", "/users").try_it_out().set_body('{"name": ""}')
    operation.execute()
    return operation


def health(ui: SwaggerUI) -> Operation:
    operation = ui.operation("get", "/health").try_it_out()
    operation.execute()
    return operation


def ready(ui: SwaggerUI) -> Operation:
    operation = ui.operation("get", "/ready").try_it_out()
    operation.execute()
    return operation


# The operation each lesson shows executed (its "images/execute.png").
EXECUTED: dict[str, Callable[[SwaggerUI], Operation]] = {
    "01_first_steps": root,
    "02_path_query_params": one_page_of_items,
    "03_crud_path": create_twice,
    "04_crud_query": create_from_examples,
    "05_crud_pydantic": create_with_two_errors,
    "06_docker": health,
    "07_model_serving": ready,
}


def answer_from(real_base: str) -> Callable[[Route], None]:
    """Answer what the page asks of SHOWN_BASE from the chapter at `real_base`."""

    def answer(route: Route) -> None:
        response = route.fetch(url=route.request.url.replace(SHOWN_BASE, real_base, 1))
        headers = dict(response.headers)
        if "date" in headers:
            headers["date"] = FIXED_DATE
        route.fulfill(response=response, headers=headers)

    return answer


def still(page: Page) -> None:
    """No hover, no focus ring, no text cursor in the picture."""
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement && document.activeElement.blur()")


def settled_box(page: Page, element: Locator) -> list[int]:
    """The element's box once Swagger UI has stopped changing it (highlighting comes late)."""
    boxes = [element.evaluate(PAGE_BOX)]
    while len(boxes) < 5 or len({str(box) for box in boxes[-5:]}) > 1:
        page.wait_for_timeout(50)
        boxes.append(element.evaluate(PAGE_BOX))
        assert len(boxes) < 200, f"the layout never settled: {boxes[-5:]}"
    return boxes[-1]


def photograph(page: Page, chapter: str, real_base: str) -> list[Path]:
    images = ROOT / chapter / "images"
    images.mkdir(exist_ok=True)
    page.route(f"{SHOWN_BASE}/**", answer_from(real_base))
    ui = SwaggerUI(page, SHOWN_BASE).open()
    still(page)
    page.screenshot(path=images / "docs.png", animations="disabled", caret="hide")
    operation = EXECUTED[chapter](ui)
    still(page)
    # From the operation's title bar down to the end of the server's answer, in whole pixels
    # of the page (not of the scrolled window, which depends on where the clicks scrolled to).
    top, left, width, _ = settled_box(page, operation.block)
    answer_top, _, _, answer_height = settled_box(
        page, operation.block.locator(".live-responses-table")
    )
    page.screenshot(
        path=images / "execute.png",
        full_page=True,
        clip={"x": left, "y": top, "width": width, "height": answer_top + answer_height - top + 16},
        animations="disabled",
        caret="hide",
    )
    return [images / "docs.png", images / "execute.png"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("chapters", nargs="*", default=list(EXECUTED))
    chapters = parser.parse_args().chapters
    unknown = [chapter for chapter in chapters if chapter not in EXECUTED]
    if unknown:
        sys.exit(f"error: no pictures are defined for {', '.join(unknown)} in {__file__}")
    executable = find_chromium()
    if executable is None:
        sys.exit("error: Chromium is not installed (Debian: apt-get install chromium)")
    outside: list[str] = []
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as logs:
        browser = launch(playwright, executable)
        for chapter in chapters:
            served = start(chapter, free_port(), Path(logs) / chapter)
            try:
                context = new_context(browser, outside)
                for path in photograph(context.new_page(), chapter, served.base_url):
                    print(f"wrote {path.relative_to(ROOT)}")
                context.close()
            finally:
                stop(served.process)
        browser.close()
    if outside:
        sys.exit(f"error: the pages tried to reach another machine: {outside}")


if __name__ == "__main__":
    main()
