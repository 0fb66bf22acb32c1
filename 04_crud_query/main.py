"""Chapter 04 - CRUD with query parameters: the same user store, addressed by `?name=`."""

from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict

app = FastAPI(
    title="Chapter 04 - CRUD with query parameters",
    description=(
        "The chapter 03 user store again, but every value travels in the query string: "
        "`POST /users?name=hello&nickname=world`. The path names the resource; the query "
        "says which one and how."
    ),
    version="1.0.0",
    openapi_tags=[
        {"name": "users", "description": "Create, read, update and delete users."},
        {
            "name": "exercises",
            "description": "Your exercises. The instructor's edition shows the solutions here; "
            "yours fills up as you solve them.",
        },
    ],
)

# name -> nickname. A plain dict: it lives as long as the process.
USER_DB: dict[str, str] = {}

Name = Annotated[
    str,
    Query(
        description="The user's name.",
        openapi_examples={
            "hello": {"summary": "A name", "value": "hello"},
            "a/b": {"summary": "A name with a slash", "value": "a/b"},
        },
    ),
]
NewNickname = Annotated[
    str,
    Query(
        description="The nickname to store.",
        openapi_examples={"world": {"summary": "A nickname", "value": "world"}},
    ),
]


class Status(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "success"}]})

    status: Literal["success"] = "success"


class Nickname(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"nickname": "world"}]})

    nickname: str


class ErrorMessage(BaseModel):
    detail: str


NOT_FOUND = {
    "model": ErrorMessage,
    "description": "No user has this name.",
    "content": {"application/json": {"example": {"detail": "User 'hello' not found."}}},
}
CONFLICT = {
    "model": ErrorMessage,
    "description": "A user with this name already exists.",
    "content": {"application/json": {"example": {"detail": "User 'hello' already exists."}}},
}


def user_not_found(name: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"User {name!r} not found.")


@app.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    summary="Create a user",
    description="Stores a new user. A name that is already taken is answered with 409.",
    tags=["users"],
    responses={409: CONFLICT},
)
def create_user(name: Name, nickname: NewNickname) -> Status:
    if name in USER_DB:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"User {name!r} already exists.")
    USER_DB[name] = nickname
    return Status()


@app.get(
    "/users",
    summary="Read a user's nickname",
    description="Answers with the nickname of the user called `name`, or 404.",
    tags=["users"],
    responses={404: NOT_FOUND},
)
def read_user(name: Name) -> Nickname:
    if name not in USER_DB:
        raise user_not_found(name)
    return Nickname(nickname=USER_DB[name])


@app.put(
    "/users",
    summary="Change a user's nickname",
    description="Replaces the nickname of an existing user, or answers 404.",
    tags=["users"],
    responses={404: NOT_FOUND},
)
def update_user(name: Name, nickname: NewNickname) -> Status:
    if name not in USER_DB:
        raise user_not_found(name)
    USER_DB[name] = nickname
    return Status()


@app.delete(
    "/users",
    summary="Delete a user",
    description="Removes the user called `name`, or answers 404.",
    tags=["users"],
    responses={404: NOT_FOUND},
)
def delete_user(name: Name) -> Status:
    if name not in USER_DB:
        raise user_not_found(name)
    del USER_DB[name]
    return Status()


# BEGIN SOLUTION ch04.ex1: the User and UserPage models and GET /users/all
class User(BaseModel):
    name: str
    nickname: str


class UserPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"total": 3, "users": [{"name": "ada", "nickname": "countess"}]}]
        }
    )

    total: int
    users: list[User]


@app.get(
    "/users/all",
    summary="List users, one page at a time",
    description=(
        "Exercise 1: users sorted by name; `skip` (default 0) and `limit` (default 10, "
        "at most 100) pick the page, `total` counts every user."
    ),
    tags=["exercises"],
)
def list_users(
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> UserPage:
    names = sorted(USER_DB)
    page = [User(name=name, nickname=USER_DB[name]) for name in names[skip : skip + limit]]
    return UserPage(total=len(names), users=page)


# END SOLUTION
# BEGIN SOLUTION ch04.ex2: GET /users/search?prefix=
@app.get(
    "/users/search",
    summary="Find users whose name starts with a prefix",
    description="Exercise 2: the names that start with `prefix` (1 to 32 characters), sorted.",
    tags=["exercises"],
    responses={200: {"content": {"application/json": {"example": ["ada", "adele"]}}}},
)
def search_users(prefix: Annotated[str, Query(min_length=1, max_length=32)]) -> list[str]:
    return sorted(name for name in USER_DB if name.startswith(prefix))


# END SOLUTION
# BEGIN SOLUTION ch04.ex3: GET /users/nicknames?name=...&name=...
@app.get(
    "/users/nicknames",
    summary="Read several users' nicknames at once",
    description=(
        "Exercise 3: `name` may be repeated (`?name=ada&name=bob`), 1 to 20 times. The answer "
        "maps each name to its nickname, in the order asked; one unknown name makes it a 404."
    ),
    tags=["exercises"],
    responses={
        404: {
            "model": ErrorMessage,
            "description": "At least one of the names is unknown.",
            "content": {"application/json": {"example": {"detail": "Unknown users: 'x'."}}},
        }
    },
)
def read_nicknames(
    name: Annotated[list[str], Query(min_length=1, max_length=20, examples=[["ada", "bob"]])],
) -> dict[str, str]:
    unknown = [each for each in name if each not in USER_DB]
    if unknown:
        listed = ", ".join(repr(each) for each in unknown)
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Unknown users: {listed}.")
    return {each: USER_DB[each] for each in name}


# END SOLUTION
