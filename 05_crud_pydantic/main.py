"""Chapter 05 - CRUD with Pydantic models: typed, validated request and response bodies."""

from itertools import count
from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException, Query, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from hostile_input import MAX_BODY_BYTES, BodySizeLimit, validation_error_handler

app = FastAPI(
    title="Chapter 05 - CRUD with Pydantic models",
    description=(
        "The user store once more, now with JSON bodies described by Pydantic models. "
        "FastAPI validates every request against them and documents them here."
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
# What hostile input must not do: make the 422 itself fail (NaN, lone surrogates), or make
# the server parse megabytes. See hostile_input.py.
app.add_exception_handler(RequestValidationError, validation_error_handler)
app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES)

NameStr = Annotated[str, Field(min_length=1, max_length=32, examples=["hello"])]
NicknameStr = Annotated[str, Field(min_length=1, max_length=32, examples=["world"])]


class UserIn(BaseModel):
    """What a client sends to create or update a user."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "hello", "nickname": "world"}]}
    )

    name: NameStr
    nickname: NicknameStr


class User(UserIn):
    """A stored user: the client's fields plus the id the server gave it."""

    id: int


class CreateOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "success", "id": 1}]})

    status: Literal["success"] = "success"
    id: int


class NicknameOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"nickname": "world"}]})

    nickname: str


class StatusOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "success"}]})

    status: Literal["success"] = "success"


class ErrorMessage(BaseModel):
    detail: str


USER_DB: dict[str, User] = {}
# Ids come from a counter, never from len(USER_DB): after a delete, len() would hand out
# an id that an existing user already has.
NEXT_ID = count(start=1)

NameQuery = Annotated[
    str,
    Query(
        min_length=1,
        max_length=32,
        openapi_examples={"hello": {"summary": "A name", "value": "hello"}},
    ),
]

NOT_FOUND = {
    "model": ErrorMessage,
    "description": "No user has this name.",
    "content": {"application/json": {"example": {"detail": "User 'hello' not found."}}},
}
# FastAPI answers 400 itself when the body is not even decodable (bytes that are not UTF-8).
UNREADABLE_BODY = {
    "model": ErrorMessage,
    "description": "The body could not be read as JSON text.",
    "content": {"application/json": {"example": {"detail": "There was an error parsing the body"}}},
}
TOO_LARGE = {
    "model": ErrorMessage,
    "description": f"The body is larger than {MAX_BODY_BYTES} bytes: refused before it is parsed.",
    "content": {
        "application/json": {
            "example": {"detail": f"Request body too large: the limit is {MAX_BODY_BYTES} bytes."}
        }
    },
}
CONFLICT = {
    "model": ErrorMessage,
    "description": "A user with this name already exists.",
    "content": {"application/json": {"example": {"detail": "User 'hello' already exists."}}},
}


def get_existing_user(name: str) -> User:
    if name not in USER_DB:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"User {name!r} not found.")
    return USER_DB[name]


@app.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    summary="Create a user",
    description="Stores a new user and answers with its id. A taken name is answered with 409.",
    tags=["users"],
    responses={400: UNREADABLE_BODY, 409: CONFLICT, 413: TOO_LARGE},
)
def create_user(user: UserIn) -> CreateOut:
    if user.name in USER_DB:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"User {user.name!r} already exists.")
    stored = User(id=next(NEXT_ID), **user.model_dump())
    USER_DB[stored.name] = stored
    return CreateOut(id=stored.id)


@app.get(
    "/users",
    summary="Read a user's nickname",
    description="Answers with the nickname of the user called `name`, or 404.",
    tags=["users"],
    responses={404: NOT_FOUND},
)
def read_user(name: NameQuery) -> NicknameOut:
    return NicknameOut(nickname=get_existing_user(name).nickname)


@app.put(
    "/users",
    summary="Change a user's nickname",
    description="Sends the same body as create; the user called `name` gets the new nickname.",
    tags=["users"],
    responses={400: UNREADABLE_BODY, 404: NOT_FOUND, 413: TOO_LARGE},
)
def update_user(user: UserIn) -> StatusOut:
    get_existing_user(user.name).nickname = user.nickname
    return StatusOut()


@app.delete(
    "/users",
    summary="Delete a user",
    description="Removes the user called `name`, or answers 404. Its id is never reused.",
    tags=["users"],
    responses={404: NOT_FOUND},
)
def delete_user(name: NameQuery) -> StatusOut:
    get_existing_user(name)
    del USER_DB[name]
    return StatusOut()


# BEGIN SOLUTION ch05.ex2: the UserList model and GET /users/all
class UserList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"users": [{"id": 1, "name": "hello", "nickname": "world"}]}]
        }
    )

    users: list[User]


@app.get(
    "/users/all",
    summary="List every user",
    description="Exercise 2: all stored users in the order of their ids.",
    tags=["exercises"],
)
def list_users() -> UserList:
    return UserList(users=sorted(USER_DB.values(), key=lambda user: user.id))


# END SOLUTION
# Routes match in the order they are declared. `/users/all` comes before the id routes, and
# those are written `{user_id:int}` (digits only): "all" is never read as an id.
# BEGIN SOLUTION ch05.ex1: GET /users/{user_id}
# `:int` makes the route match digits only: `/users/all` never reaches it, and a PATCH
# there is answered 405 (no such method) rather than 422 (a bad id).
@app.get(
    "/users/{user_id:int}",
    summary="Read a whole user by id",
    description="Exercise 1: the stored user with this id, or 404.",
    tags=["exercises"],
    responses={
        404: {
            "model": ErrorMessage,
            "description": "No user has this id.",
            "content": {"application/json": {"example": {"detail": "User 7 not found."}}},
        }
    },
)
def read_user_by_id(user_id: int) -> User:
    for user in USER_DB.values():
        if user.id == user_id:
            return user
    raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"User {user_id} not found.")


# END SOLUTION
# BEGIN SOLUTION ch05.ex3: the UserPatch model and PATCH /users/{user_id}
class UserPatch(BaseModel):
    """A partial update: only the fields that are given change."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"nickname": "moon"}]})

    name: NameStr | None = None
    nickname: NicknameStr | None = None


@app.patch(
    "/users/{user_id:int}",
    summary="Change some fields of a user",
    description=(
        "Exercise 3: only the fields in the body change. A new name must be free (409); "
        "the id stays the same."
    ),
    tags=["exercises"],
    responses={
        400: UNREADABLE_BODY,
        404: {
            "model": ErrorMessage,
            "description": "No user has this id.",
            "content": {"application/json": {"example": {"detail": "User 7 not found."}}},
        },
        409: CONFLICT,
    },
)
def patch_user(user_id: int, changes: UserPatch) -> User:
    user = next((user for user in USER_DB.values() if user.id == user_id), None)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"User {user_id} not found.")
    if changes.name is not None and changes.name != user.name:
        if changes.name in USER_DB:
            raise HTTPException(
                status.HTTP_409_CONFLICT, detail=f"User {changes.name!r} already exists."
            )
        USER_DB[changes.name] = USER_DB.pop(user.name)
        user.name = changes.name
    if changes.nickname is not None:
        user.nickname = changes.nickname
    return user


# END SOLUTION
