"""Chapter 02's lesson in a browser: "Try it in Swagger UI" and the "Demo script", step by step."""

from collections.abc import Callable

import httpx
from chapter_server import Served
from playwright.sync_api import Page
from swagger_ui import SwaggerUI

CHAPTER = "02_path_query_params"
LONG = "This is an amazing item that has a long description"


def test_try_it_in_swagger_ui(serve_chapter: Callable[..., Served], page: Page) -> None:
    base = serve_chapter(CHAPTER).base_url
    ui = SwaggerUI(page, base).open()
    # 1. two sections (and the exercises section)
    assert ui.lesson_sections() == {
        "items": ["GET /items/{item_id}", "GET /items/", "GET /needy-items/{item_id}"],
        "users": ["GET /users/{user_id}/items/{item_id}"],
    }
    # 2. abc is refused before sending; 42 is answered
    read_item = ui.operation("get", "/items/{item_id}").try_it_out().fill(item_id="abc")
    read_item.execute_is_refused()
    assert read_item.is_refused("item_id")
    answer = read_item.fill(item_id="42").execute()
    assert (answer.status, answer.body) == (200, {"item_id": 42})
    # 3. the defaults, -1 refused, one page
    list_items = ui.operation("get", "/items/").try_it_out()
    assert (list_items.value("skip"), list_items.value("limit")) == ("0", "10")
    list_items.fill(limit="-1").execute_is_refused()
    assert list_items.is_refused("limit")
    answer = list_items.fill(skip="1", limit="1").execute()
    assert (answer.status, answer.body) == (200, [{"item_name": "Bar"}])
    assert answer.request_url == f"{base}/items/?skip=1&limit=1"
    # 4. the required query parameter
    needy = ui.operation("get", "/needy-items/{item_id}").try_it_out().fill(item_id="foo-item")
    needy.execute_is_refused()
    assert needy.is_refused("needy")
    answer = needy.fill(needy="sooo-needy").execute()
    assert (answer.status, answer.body) == (200, {"item_id": "foo-item", "needy": "sooo-needy"})
    # 5. the short drop-down
    user_item = ui.operation("get", "/users/{user_id}/items/{item_id}").try_it_out()
    assert user_item.options("short") == ["--", "true", "false"]
    user_item.fill(user_id="3", item_id="foo-item", q="hello", short="true")
    answer = user_item.execute()
    assert (answer.status, answer.body) == (
        200,
        {"item_id": "foo-item", "owner_id": 3, "q": "hello"},
    )
    answer = user_item.fill(short="false").execute()
    assert answer.body == {"item_id": "foo-item", "owner_id": 3, "q": "hello", "description": LONG}


def test_demo_script(serve_chapter: Callable[..., Served], page: Page) -> None:
    served = serve_chapter(CHAPTER, "--demo")
    assert served.printed[:3] == [
        f"Demo of {CHAPTER} - stop with Ctrl+C",
        f"  Open on the projector: {served.base_url}/docs",
        "  Demo records: none (no demo_seeds.py in this chapter)",
    ]
    ui = SwaggerUI(page, served.base_url).open()
    # 1. 42, then abc
    read_item = ui.operation("get", "/items/{item_id}").try_it_out().fill(item_id="42")
    assert read_item.execute().body == {"item_id": 42}
    read_item.fill(item_id="abc").execute_is_refused()
    # 2. the same in a terminal
    refused = httpx.get(f"{served.base_url}/items/abc")
    assert (refused.status_code, refused.json()) == (
        422,
        {
            "detail": [
                {
                    "type": "int_parsing",
                    "loc": ["path", "item_id"],
                    "msg": "Input should be a valid integer, unable to parse string as an integer",
                    "input": "abc",
                }
            ]
        },
    )
    # 3. one page, the query string in the Request URL
    answer = ui.operation("get", "/items/").try_it_out().fill(skip="1", limit="1").execute()
    assert (answer.body, answer.request_url) == (
        [{"item_name": "Bar"}],
        f"{served.base_url}/items/?skip=1&limit=1",
    )
    # 4. short true, then false
    user_item = ui.operation("get", "/users/{user_id}/items/{item_id}").try_it_out()
    user_item.fill(user_id="3", item_id="foo-item", short="true")
    assert user_item.execute().body == {"item_id": "foo-item", "owner_id": 3}
    answer = user_item.fill(short="false").execute()
    assert answer.body == {"item_id": "foo-item", "owner_id": 3, "description": LONG}
