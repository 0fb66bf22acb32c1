"""The users resource: the chapter 05 API, as a router mounted at /users."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from hostile_input import MAX_BODY_BYTES
from schemas import CreateOut, ErrorMessage, NicknameOut, StatusOut, User, UserIn
from store import StoreDep, UserStore

router = APIRouter(prefix="/users", tags=["users"])

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


def get_existing_user(store: UserStore, name: str) -> User:
    user = store.get(name)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"User {name!r} not found.")
    return user


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a user",
    description="Stores a new user and answers with its id. A taken name is answered with 409.",
    responses={400: UNREADABLE_BODY, 409: CONFLICT, 413: TOO_LARGE},
)
def create_user(user: UserIn, store: StoreDep) -> CreateOut:
    if store.get(user.name) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"User {user.name!r} already exists.")
    return CreateOut(id=store.add(user).id)


@router.get(
    "",
    summary="Read a user's nickname",
    description="Answers with the nickname of the user called `name`, or 404.",
    responses={404: NOT_FOUND},
)
def read_user(name: NameQuery, store: StoreDep) -> NicknameOut:
    return NicknameOut(nickname=get_existing_user(store, name).nickname)


@router.put(
    "",
    summary="Change a user's nickname",
    description="Sends the same body as create; the user called `name` gets the new nickname.",
    responses={400: UNREADABLE_BODY, 404: NOT_FOUND, 413: TOO_LARGE},
)
def update_user(user: UserIn, store: StoreDep) -> StatusOut:
    get_existing_user(store, user.name).nickname = user.nickname
    return StatusOut()


@router.delete(
    "",
    summary="Delete a user",
    description="Removes the user called `name`, or answers 404. Its id is never reused.",
    responses={404: NOT_FOUND},
)
def delete_user(name: NameQuery, store: StoreDep) -> StatusOut:
    get_existing_user(store, name)
    store.remove(name)
    return StatusOut()
