"""Chapter 05's lesson in a browser: "Try it in Swagger UI" and the "Demo script", step by step."""

from collections.abc import Callable

from chapter_server import Served
from playwright.sync_api import Page
from swagger_ui import SwaggerUI

CHAPTER = "05_crud_pydantic"
SUCCESS = {"status": "success"}
EXAMPLE = {"name": "hello", "nickname": "world"}
SCHEMAS = ["CreateOut", "ErrorMessage", "HTTPValidationError", "NicknameOut", "StatusOut"]
SCHEMAS += ["UserIn", "ValidationError"]


def test_try_it_in_swagger_ui(serve_chapter: Callable[..., Served], page: Page) -> None:
    ui = SwaggerUI(page, serve_chapter(CHAPTER).base_url).open()
    assert ui.lesson_sections() == {
        "users": ["POST /users", "GET /users", "PUT /users", "DELETE /users"]
    }
    # 1. the schemas, and the limits of UserIn
    assert ui.lesson_schemas() == SCHEMAS
    user_in = ui.schema_text("UserIn")
    assert user_in.count("string[1, 32] characters") == 2
    # 2. the pre-filled body
    create = ui.operation("post", "/users").try_it_out()
    assert create.body() == EXAMPLE
    answer = create.execute()
    assert (answer.status, answer.body) == (201, {"status": "success", "id": 1})
    # 3. one 422, two errors
    answer = create.set_body('{"name": ""}').execute()
    assert (answer.status, answer.body) == (
        422,
        {
            "detail": [
                {
                    "type": "string_too_short",
                    "loc": ["body", "name"],
                    "msg": "String should have at least 1 character",
                    "input": "",
                    "ctx": {"min_length": 1},
                },
                {
                    "type": "missing",
                    "loc": ["body", "nickname"],
                    "msg": "Field required",
                    "input": {"name": ""},
                },
            ]
        },
    )
    # 4. delete, create again: a new id
    delete = ui.operation("delete", "/users").try_it_out()
    assert delete.value("name") == "hello"
    answer = delete.execute()
    assert (answer.status, answer.body) == (200, SUCCESS)
    answer = create.set_body('{"name": "hello", "nickname": "world"}').execute()
    assert (answer.status, answer.body) == (201, {"status": "success", "id": 2})
    # 5. the same body for PUT
    update = ui.operation("put", "/users").try_it_out()
    assert update.body() == EXAMPLE
    answer = update.set_body('{"name": "hello", "nickname": "moon"}').execute()
    assert (answer.status, answer.body) == (200, SUCCESS)
    answer = ui.operation("get", "/users").try_it_out().execute()
    assert (answer.status, answer.body) == (200, {"nickname": "moon"})


def test_demo_script(serve_chapter: Callable[..., Served], page: Page) -> None:
    served = serve_chapter(CHAPTER, "--demo")
    assert served.printed[:3] == [
        f"Demo of {CHAPTER} - stop with Ctrl+C",
        f"  Open on the projector: {served.base_url}/docs",
        f"  Demo records: 3 requests from {CHAPTER}/demo_seeds.py",
    ]
    ui = SwaggerUI(page, served.base_url).open()
    # 1. the limits in the schema
    assert ui.schema_text("UserIn").count("string[1, 32] characters") == 2
    # 2. the pre-filled body, an id after the demo users'
    create = ui.operation("post", "/users").try_it_out()
    answer = create.execute()
    assert (answer.status, answer.body) == (201, {"status": "success", "id": 4})
    # 3. two errors in one answer
    answer = create.set_body('{"name": 123, "nickname": ""}').execute()
    assert (answer.status, answer.body) == (
        422,
        {
            "detail": [
                {
                    "type": "string_type",
                    "loc": ["body", "name"],
                    "msg": "Input should be a valid string",
                    "input": 123,
                },
                {
                    "type": "string_too_short",
                    "loc": ["body", "nickname"],
                    "msg": "String should have at least 1 character",
                    "input": "",
                    "ctx": {"min_length": 1},
                },
            ]
        },
    )
    # 4. ada's id is not reused
    assert ui.operation("delete", "/users").try_it_out().fill(name="ada").execute().body == SUCCESS
    answer = create.set_body('{"name": "ada", "nickname": "countess"}').execute()
    assert (answer.status, answer.body) == (201, {"status": "success", "id": 5})
