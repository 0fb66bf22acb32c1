"""Chapter 04's lesson in a browser: "Try it in Swagger UI" and the "Demo script", step by step."""

from collections.abc import Callable

from chapter_server import Served
from playwright.sync_api import Page
from swagger_ui import SwaggerUI

CHAPTER = "04_crud_query"
SUCCESS = {"status": "success"}
SLASH = "A name with a slash"


def test_try_it_in_swagger_ui(serve_chapter: Callable[..., Served], page: Page) -> None:
    base = serve_chapter(CHAPTER).base_url
    ui = SwaggerUI(page, base).open()
    # 1. four operations on one path
    assert ui.lesson_sections() == {
        "users": ["POST /users", "GET /users", "PUT /users", "DELETE /users"]
    }
    # 2. the query fields come filled in from openapi_examples
    create = ui.operation("post", "/users").try_it_out()
    assert (create.value("name"), create.value("nickname")) == ("hello", "world")
    assert create.examples("name") == ["A name", SLASH]
    answer = create.execute()
    assert (answer.status, answer.body) == (201, SUCCESS)
    assert answer.request_url == f"{base}/users?name=hello&nickname=world"
    # 3. again: a conflict
    answer = create.execute()
    assert (answer.status, answer.body) == (409, {"detail": "User 'hello' already exists."})
    # 4. a name with a slash
    answer = create.pick_example("name", SLASH).execute()
    assert (answer.status, answer.body) == (201, SUCCESS)
    assert answer.request_url == f"{base}/users?name=a%2Fb&nickname=world"
    # 5. read it back
    read = ui.operation("get", "/users").try_it_out().pick_example("name", SLASH)
    answer = read.execute()
    assert (answer.status, answer.body) == (200, {"nickname": "world"})


def test_demo_script(serve_chapter: Callable[..., Served], page: Page) -> None:
    served = serve_chapter(CHAPTER, "--demo")
    assert served.printed[:3] == [
        f"Demo of {CHAPTER} - stop with Ctrl+C",
        f"  Open on the projector: {served.base_url}/docs",
        f"  Demo records: 3 requests from {CHAPTER}/demo_seeds.py",
    ]
    ui = SwaggerUI(page, served.base_url).open()
    # 1. Execute without typing anything
    create = ui.operation("post", "/users").try_it_out()
    answer = create.execute()
    assert (answer.status, answer.body) == (201, SUCCESS)
    assert answer.request_url == f"{served.base_url}/users?name=hello&nickname=world"
    # 2. a/b
    answer = create.pick_example("name", SLASH).execute()
    assert (answer.status, answer.request_url) == (
        201,
        f"{served.base_url}/users?name=a%2Fb&nickname=world",
    )
    # 3. a demo user; delete grace, then read her
    read = ui.operation("get", "/users").try_it_out().fill(name="ada")
    answer = read.execute()
    assert (answer.status, answer.body) == (200, {"nickname": "countess"})
    delete = ui.operation("delete", "/users").try_it_out().fill(name="grace")
    assert delete.execute().body == SUCCESS
    answer = read.fill(name="grace").execute()
    assert (answer.status, answer.body) == (404, {"detail": "User 'grace' not found."})
