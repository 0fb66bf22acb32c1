"""Chapter 03 - CRUD with path parameters: create, read, update and delete users."""

from typing import Literal

from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel, ConfigDict

app = FastAPI(
    title="Chapter 03 - CRUD with path parameters",
    description=(
        "A user store kept in memory (a restart empties it). Every value travels in the "
        "path: `/users/name/{name}/nickname/{nickname}`."
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
    "/users/name/{name}/nickname/{nickname}",
    status_code=status.HTTP_201_CREATED,
    summary="Create a user",
    description="Stores a new user. A name that is already taken is answered with 409.",
    tags=["users"],
    responses={409: CONFLICT},
)
def create_user(name: str, nickname: str) -> Status:
    if name in USER_DB:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"User {name!r} already exists.")
    USER_DB[name] = nickname
    return Status()


@app.get(
    "/users/name/{name}",
    summary="Read a user's nickname",
    description="Answers with the nickname of the user called `name`, or 404.",
    tags=["users"],
    responses={404: NOT_FOUND},
)
def read_user(name: str) -> Nickname:
    if name not in USER_DB:
        raise user_not_found(name)
    return Nickname(nickname=USER_DB[name])


@app.put(
    "/users/name/{name}/nickname/{nickname}",
    summary="Change a user's nickname",
    description="Replaces the nickname of an existing user, or answers 404.",
    tags=["users"],
    responses={404: NOT_FOUND},
)
def update_user(name: str, nickname: str) -> Status:
    if name not in USER_DB:
        raise user_not_found(name)
    USER_DB[name] = nickname
    return Status()


@app.delete(
    "/users/name/{name}",
    summary="Delete a user",
    description="Removes the user called `name`, or answers 404.",
    tags=["users"],
    responses={404: NOT_FOUND},
)
def delete_user(name: str) -> Status:
    if name not in USER_DB:
        raise user_not_found(name)
    del USER_DB[name]
    return Status()


# BEGIN SOLUTION ch03.ex1: the User and UserList models and GET /users
class User(BaseModel):
    name: str
    nickname: str


class UserList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"count": 2, "users": [{"name": "ada", "nickname": "countess"}]}]
        }
    )

    count: int
    users: list[User]


@app.get(
    "/users",
    summary="List all users",
    description="Exercise 1: every user, sorted by name, with how many there are.",
    tags=["exercises"],
)
def list_users() -> UserList:
    users = [User(name=name, nickname=nick) for name, nick in sorted(USER_DB.items())]
    return UserList(count=len(users), users=users)


# END SOLUTION
# BEGIN SOLUTION ch03.ex2: GET /users/nickname/{nickname}
@app.get(
    "/users/nickname/{nickname}",
    summary="Find users by nickname",
    description="Exercise 2: the names of all users with this nickname, sorted.",
    tags=["exercises"],
    responses={200: {"content": {"application/json": {"example": ["ada", "grace"]}}}},
)
def find_by_nickname(nickname: str) -> list[str]:
    return sorted(name for name, nick in USER_DB.items() if nick == nickname)


# END SOLUTION
# BEGIN SOLUTION ch03.ex3: PUT /users/name/{name}/rename/{new_name}
@app.put(
    "/users/name/{name}/rename/{new_name}",
    summary="Rename a user",
    description=(
        "Exercise 3: the user called `name` is called `new_name` from now on, with the same "
        "nickname. 404 if there is no such user, 409 if another user has the new name."
    ),
    tags=["exercises"],
    responses={404: NOT_FOUND, 409: CONFLICT},
)
def rename_user(name: str, new_name: str) -> Status:
    if name not in USER_DB:
        raise user_not_found(name)
    if new_name != name:
        if new_name in USER_DB:
            raise HTTPException(
                status.HTTP_409_CONFLICT, detail=f"User {new_name!r} already exists."
            )
        USER_DB[new_name] = USER_DB.pop(name)
    return Status()


# END SOLUTION
