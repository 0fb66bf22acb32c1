"""Chapter 05 - CRUD with Pydantic models: typed, validated request and response bodies."""

from itertools import count
from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI(
    title="Chapter 05 - CRUD with Pydantic models",
    description=(
        "The user store once more, now with JSON bodies described by Pydantic models. "
        "FastAPI validates every request against them and documents them here."
    ),
    version="1.0.0",
    openapi_tags=[{"name": "users", "description": "Create, read, update and delete users."}],
)

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

NameQuery = Annotated[str, Query(min_length=1, max_length=32, examples=["hello"])]

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
    responses={400: UNREADABLE_BODY, 409: CONFLICT},
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
    responses={400: UNREADABLE_BODY, 404: NOT_FOUND},
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


# BEGIN SOLUTION
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
    tags=["users"],
)
def list_users() -> UserList:
    return UserList(users=sorted(USER_DB.values(), key=lambda user: user.id))


# `/users/all` is declared before `/users/{user_id}`: routes match in order, and
# "all" would otherwise be read as a user id (and fail as a non-integer).
@app.get(
    "/users/{user_id}",
    summary="Read a whole user by id",
    description="Exercise 1: the stored user with this id, or 404.",
    tags=["users"],
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
