"""The in-memory user store, and the dependency that hands it to the routes."""

from itertools import count
from typing import Annotated

from fastapi import Depends, Request

from schemas import User, UserIn


class UserStore:
    """Users by name. Ids come from a counter, so a deleted user's id is never handed out again."""

    def __init__(self) -> None:
        self._users: dict[str, User] = {}
        self._next_id = count(start=1)

    def get(self, name: str) -> User | None:
        return self._users.get(name)

    def add(self, user: UserIn) -> User:
        stored = User(id=next(self._next_id), **user.model_dump())
        self._users[stored.name] = stored
        return stored

    def remove(self, name: str) -> None:
        del self._users[name]


def get_store(request: Request) -> UserStore:
    return request.app.state.store


StoreDep = Annotated[UserStore, Depends(get_store)]
