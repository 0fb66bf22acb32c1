"""Chapter 03's lesson in a browser: "Try it in Swagger UI" and the "Demo script", step by step."""

from collections.abc import Callable

from chapter_server import Served
from playwright.sync_api import Page
from swagger_ui import SwaggerUI

CHAPTER = "03_crud_path"
CREATE = ("post", "/users/name/{name}/nickname/{nickname}")
READ = ("get", "/users/name/{name}")
UPDATE = ("put", "/users/name/{name}/nickname/{nickname}")
DELETE = ("delete", "/users/name/{name}")
SUCCESS = {"status": "success"}


def test_try_it_in_swagger_ui(serve_chapter: Callable[..., Served], page: Page) -> None:
    ui = SwaggerUI(page, serve_chapter(CHAPTER).base_url).open()
    # 1. four operations, each with a summary
    assert ui.lesson_sections() == {
        "users": [f"{method.upper()} {path}" for method, path in (CREATE, UPDATE, READ, DELETE)]
    }
    assert [ui.operation(*operation).summary() for operation in (CREATE, UPDATE, READ, DELETE)] == [
        "Create a user",
        "Change a user's nickname",
        "Read a user's nickname",
        "Delete a user",
    ]
    # 2. the documented responses of GET
    read = ui.operation(*READ).expand()
    assert read.documented_codes() == [200, 404, 422]
    assert read.documented_example(404) == {"detail": "User 'hello' not found."}
    # 3. create, then create again
    create = ui.operation(*CREATE).try_it_out().fill(name="hello", nickname="world")
    answer = create.execute()
    assert (answer.status, answer.body) == (201, SUCCESS)
    answer = create.execute()
    assert (answer.status, answer.body) == (409, {"detail": "User 'hello' already exists."})
    # 4. read, update, read, delete, read
    read.try_it_out().fill(name="hello")
    answer = read.execute()
    assert (answer.status, answer.body) == (200, {"nickname": "world"})
    update = ui.operation(*UPDATE).try_it_out().fill(name="hello", nickname="world2")
    answer = update.execute()
    assert (answer.status, answer.body) == (200, SUCCESS)
    assert read.execute().body == {"nickname": "world2"}
    delete = ui.operation(*DELETE).try_it_out().fill(name="hello")
    answer = delete.execute()
    assert (answer.status, answer.body) == (200, SUCCESS)
    answer = read.execute()
    assert (answer.status, answer.body) == (404, {"detail": "User 'hello' not found."})


def test_demo_script(serve_chapter: Callable[..., Served], page: Page) -> None:
    served = serve_chapter(CHAPTER, "--demo")
    assert served.printed[:3] == [
        f"Demo of {CHAPTER} - stop with Ctrl+C",
        f"  Open on the projector: {served.base_url}/docs",
        f"  Demo records: 3 requests from {CHAPTER}/demo_seeds.py",
    ]
    ui = SwaggerUI(page, served.base_url).open()
    # 1. a demo user, by the name in the path
    read = ui.operation(*READ).try_it_out().fill(name="ada")
    answer = read.execute()
    assert (answer.status, answer.body) == (200, {"nickname": "countess"})
    assert answer.request_url == f"{served.base_url}/users/name/ada"
    # 2. creating her again is a conflict, and nothing is overwritten
    create = ui.operation(*CREATE).try_it_out().fill(name="ada", nickname="lovelace")
    answer = create.execute()
    assert (answer.status, answer.body) == (409, {"detail": "User 'ada' already exists."})
    assert read.execute().body == {"nickname": "countess"}
    # 3. delete alan, then read him: 404
    assert ui.operation(*DELETE).try_it_out().fill(name="alan").execute().body == SUCCESS
    answer = read.fill(name="alan").execute()
    assert (answer.status, answer.body) == (404, {"detail": "User 'alan' not found."})
