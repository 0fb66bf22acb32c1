"""Checks for the exercises in this chapter's README. They fail until you solve them.

Each task's rule is checked the way a client would meet it: Hypothesis makes up runs of
requests (create, update, delete, and the task's own operation, with ids that were deleted,
never given, zero or huge, and bodies with missing, null, empty or too long fields) and sends
them to your app, served in a process of its own; a plain model of the store says what each
answer must be. When an answer differs, you get the shortest run of requests that shows it.

Run one task's checks with pytest -m "task(id='ch05.ex1')", or all of them with `make test-5`.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from testkit.bilingual import message
from testkit.checks import Api, Response
from testkit.plugin import chapter_of, fresh
from testkit.snapshot import check_operation_is_an_exercise
from testkit.strategies import names, near

CHAPTER = chapter_of(Path(__file__))
SUCCESS = {"status": "success"}
too_long = "n" * 33
fields = st.one_of(names(32), st.sampled_from(["", too_long, "n" * 32]))
ids = st.one_of(st.integers(0, 8), st.just(10**20), st.just(2**63))


@dataclass
class User:
    id: int
    name: str
    nickname: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "nickname": self.nickname}


def valid(value: object) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 32


def expect_422(api: Api, response: Response, hint: str) -> None:
    if response.status_code != 422:
        api.fail(
            hint,
            expected=message("422 (FastAPI's validation error)", "422 (FastAPI의 검증 오류)"),
            got=f"{response.status_code}",
        )


class Store(RuleBasedStateMachine):
    """The given operations, sent to the app and applied to a model: users by name, next id.

    One rule changes the store (a create, an update or a delete, drawn each time), so that a
    task's own rule is chosen about as often as all of them; after every change, `observe`
    runs the task's check once more, with arguments drawn afresh.
    """

    def __init__(self) -> None:
        super().__init__()
        self.api = fresh(CHAPTER)
        self.users: dict[str, User] = {}
        self.next_id = 1
        self.touched: int | None = None  # the id of the user the last change was about

    def by_id(self, user_id: int) -> User | None:
        return next((user for user in self.users.values() if user.id == user_id), None)

    def a_name(self, data: st.DataObject, label: str = "name") -> str:
        """A stored name, or one that differs a little, or any: collisions on purpose."""
        return data.draw(near(set(self.users), 32), label=label)

    def an_id(self, data: st.DataObject) -> int:
        """An id in use, one deleted or never given, 0, or one past every 64-bit integer."""
        given = list(range(0, self.next_id + 2))
        stored = sorted(user.id for user in self.users.values())
        choices = [st.sampled_from(stored)] * 2 if stored else []
        return data.draw(st.one_of(*choices, st.sampled_from(given), ids), label="user_id")

    @initialize(users=st.lists(st.tuples(names(32), names(32)), max_size=6))
    def some_users(self, users: list[tuple[str, str]]) -> None:
        for name, nickname in users:
            self.create(name, nickname)

    def observe(self, data: st.DataObject) -> None:
        """The task's check, after each change."""

    @rule(data=st.data())
    def change(self, data: st.DataObject) -> None:
        kind = data.draw(st.sampled_from(["create", "create", "update", "delete"]), label="kind")
        if kind == "create":
            self.create(data.draw(fields, label="name"), data.draw(fields, label="nickname"))
        elif kind == "update":
            self.update(self.a_name(data), data.draw(names(32), label="nickname"))
        else:
            self.delete(self.a_name(data))
        self.observe(data)

    def create(self, name: str, nickname: str) -> None:
        answer = self.api.post("/users", json={"name": name, "nickname": nickname})
        if not (valid(name) and valid(nickname)):
            expect_422(
                self.api,
                answer,
                message(
                    "Names and nicknames are 1 to 32 characters (given).",
                    "이름과 별명은 1~32자입니다(주어진 코드).",
                ),
            )
        elif name in self.users:
            conflict = {"detail": f"User {name!r} already exists."}
            taken = message(
                "A taken name is a 409 (given code).",
                "이미 있는 이름이면 409입니다(주어진 코드).",
            )
            self.api.expect(answer, 409, conflict, hint=taken)
        else:
            created = {**SUCCESS, "id": self.next_id}
            creating = message("Creating a user (given code).", "사용자 생성(주어진 코드).")
            self.api.expect(answer, 201, created, hint=creating)
            self.users[name] = User(self.next_id, name, nickname)
            self.touched = self.next_id
            self.next_id += 1

    def update(self, name: str, nickname: str) -> None:
        answer = self.api.put("/users", json={"name": name, "nickname": nickname})
        if name in self.users:
            changing = message("Changing a nickname (given code).", "별명 수정(주어진 코드).")
            self.api.expect(answer, 200, SUCCESS, hint=changing)
            self.users[name].nickname = nickname
            self.touched = self.users[name].id
        else:
            missing = {"detail": f"User {name!r} not found."}
            unknown = message("Unknown user (given code).", "없는 사용자(주어진 코드).")
            self.api.expect(answer, 404, missing, hint=unknown)

    def delete(self, name: str) -> None:
        answer = self.api.delete("/users", params={"name": name})
        if self.users.pop(name, None) is not None:
            deleting = message("Deleting a user (given code).", "사용자 삭제(주어진 코드).")
            self.api.expect(answer, 200, SUCCESS, hint=deleting)
        else:
            missing = {"detail": f"User {name!r} not found."}
            unknown = message("Unknown user (given code).", "없는 사용자(주어진 코드).")
            self.api.expect(answer, 404, missing, hint=unknown)

    def read_by_name(self, name: str, hint: str) -> None:
        answer = self.api.get("/users", params={"name": name})
        if name in self.users:
            self.api.expect(answer, 200, {"nickname": self.users[name].nickname}, hint=hint)
        else:
            self.api.expect(answer, 404, {"detail": f"User {name!r} not found."}, hint=hint)


READ_RULE = message(
    "GET /users/{user_id} answers the whole stored user whose `id` is user_id, or 404 "
    '{"detail": "User 7 not found."}. An id is not a position: after a delete they differ.',
    "GET /users/{user_id}는 `id`가 user_id인 저장된 사용자 전체로 응답하고, 없으면 404 "
    '{"detail": "User 7 not found."}로 응답합니다. id는 위치가 아닙니다: 삭제가 한 번만 '
    "일어나도 id와 위치가 어긋납니다.",
)


class ReadById(Store):
    def observe(self, data: st.DataObject) -> None:
        if self.touched is not None:  # a read after a write to the same user
            self.read_id(self.touched)
        self.read(data)

    @rule(data=st.data())
    def read(self, data: st.DataObject) -> None:
        self.read_id(self.an_id(data))

    @rule(data=st.data())
    def delete_an_earlier_user(self, data: st.DataObject) -> None:
        """Two new users, the first one then deleted: the second one's id is no longer its
        position in the store (POST a, b; DELETE a; GET /users/{b's id})."""
        new_names = names(32).filter(lambda name: name not in self.users)
        pair = data.draw(st.lists(new_names, min_size=2, max_size=2, unique=True), label="names")
        for name in pair:
            self.create(name, data.draw(names(32), label="nickname"))
        self.delete(pair[0])
        self.read_id(self.users[pair[1]].id)

    def read_id(self, user_id: int) -> None:
        user = self.by_id(user_id)
        answer = self.api.get(f"/users/{user_id}")
        if user is None:
            missing = {"detail": f"User {user_id} not found."}
            self.api.expect(answer, 404, missing, hint=READ_RULE)
        else:
            self.api.expect(answer, 200, user.as_json(), hint=READ_RULE)


@pytest.mark.task(id="ch05.ex1")
def test_read_by_id_matches_a_model_of_the_store() -> None:
    run_state_machine_as_test(ReadById)


@pytest.mark.task(id="ch05.ex1")
def test_a_negative_id_is_404(api: Api) -> None:
    api.post("/users", json={"name": "ada", "nickname": "countess"})
    ada = {"id": 1, "name": "ada", "nickname": "countess"}
    api.expect(api.get("/users/1"), 200, ada, hint=READ_RULE)
    answer = api.get("/users/-1")
    if answer.status_code != 404:
        api.fail(
            message(
                "No user has a negative id (in Python, users[-1] is the last one): answer 404.",
                "id가 음수인 사용자는 없습니다(Python에서 users[-1]은 마지막 사용자입니다): "
                "404로 응답하세요.",
            ),
            expected="404",
            got=f"{answer.status_code} {answer.text[:200]}",
        )


LIST_RULE = message(
    'GET /users/all answers {"users": [...]}: every stored user, whole, in id order.',
    'GET /users/all은 {"users": [...]}로 응답합니다: 저장된 모든 사용자를 필드 전부와 '
    "함께, id 순서대로 담습니다.",
)


class ListAll(Store):
    """Where ch05.ex3's PATCH works, it renames users too: a rename moves a user to the end of
    USER_DB (a dict keyed by name), where only a list sorted by id stays in id order."""

    patch_works: bool | None = None

    def observe(self, data: st.DataObject) -> None:
        if self.users and self.patch_works is not False and data.draw(st.booleans()):
            self.rename(data)
        self.list_all()

    def rename(self, data: st.DataObject) -> None:
        user = data.draw(st.sampled_from(sorted(self.users.values(), key=lambda u: u.id)))
        new = data.draw(names(32).filter(lambda name: name not in self.users), label="new name")
        reply = self.api.patch(f"/users/{user.id}", json={"name": new})
        renamed = {"id": user.id, "name": new, "nickname": user.nickname}
        if reply.status_code in (404, 405) and self.patch_works is None:
            self.patch_works = False  # no PATCH yet: this task is checked without renames
            return
        if reply.status_code != 200 or reply.json() != renamed:
            self.patch_works = False
            reject()  # a PATCH of its own mind: this run cannot tell anything about GET /users/all
        self.patch_works = True
        del self.users[user.name]
        user.name = new
        self.users[new] = user

    @rule()
    def list_all(self) -> None:
        everyone = sorted(self.users.values(), key=lambda user: user.id)
        body = {"users": [user.as_json() for user in everyone]}
        self.api.expect(self.api.get("/users/all"), 200, body, hint=LIST_RULE)


@pytest.mark.task(id="ch05.ex2")
def test_list_all_matches_a_model_of_the_store() -> None:
    run_state_machine_as_test(ListAll)


PATCH_RULE = message(
    "PATCH /users/{user_id} changes only the fields its body holds (name, nickname, both or "
    "neither; null or absent means unchanged) and answers the whole user. 422 for a field "
    "outside 1 to 32 characters, 404 for an unknown id, 409 when the new name belongs to "
    "another user (changing nothing). Afterwards GET /users?name= finds the user under its "
    "new name only.",
    "PATCH /users/{user_id}는 요청 본문에 있는 필드만 바꾸고(name, nickname, 둘 다, 또는 "
    "아무것도 없음. null이거나 빠진 필드는 그대로입니다) 사용자 전체로 응답합니다. 필드가 "
    "1~32자를 벗어나면 422, 없는 id는 404, 새 이름이 다른 사용자의 것이면 409(아무것도 "
    "바꾸지 않음)입니다. 그 뒤에는 GET /users?name=으로 새 이름을 조회할 때만 그 사용자가 "
    "나옵니다.",
)
patch_values = st.one_of(st.none(), names(32), names(32), fields)


class Patch(Store):
    def observe(self, data: st.DataObject) -> None:
        self.patch(data)

    @rule(data=st.data())
    def patch(self, data: st.DataObject) -> None:
        nickname = data.draw(st.one_of(st.just("absent"), patch_values), label="nickname")
        user_id = self.an_id(data)
        target = self.by_id(user_id)
        own = [st.just(target.name)] if target else []  # renaming a user to its own name
        names_now = st.one_of(*own, near(set(self.users), 32), patch_values)
        name = data.draw(st.one_of(st.just("absent"), names_now), label="name")
        body = {k: v for k, v in (("name", name), ("nickname", nickname)) if v != "absent"}
        answer = self.api.patch(f"/users/{user_id}", json=body)
        user = self.by_id(user_id)
        given = {key: value for key, value in body.items() if value is not None}
        nulls = [key for key, value in body.items() if value is None]
        if any(not valid(value) for value in given.values()):
            expect_422(self.api, answer, PATCH_RULE)
        elif nulls and answer.status_code == 422:
            pass  # refusing an explicit null is right too; nothing changed
        elif user is None:
            missing = {"detail": f"User {user_id} not found."}
            self.api.expect(answer, 404, missing, hint=PATCH_RULE)
        elif given.get("name", user.name) != user.name and given["name"] in self.users:
            conflict = {"detail": f"User {given['name']!r} already exists."}
            self.api.expect(answer, 409, conflict, hint=PATCH_RULE)
        else:
            old_name = user.name
            name_now = given.get("name", user.name)
            changed = User(user.id, name_now, given.get("nickname", user.nickname))
            self.api.expect(answer, 200, changed.as_json(), hint=PATCH_RULE)
            del self.users[old_name]
            self.users[changed.name] = changed
            self.read_by_name(old_name, PATCH_RULE)
        if user is not None:  # whatever the answer, the store holds what the model says
            self.read_by_name(user.name, PATCH_RULE)
        if isinstance(name, str) and valid(name):
            self.read_by_name(name, PATCH_RULE)


@pytest.mark.task(id="ch05.ex3")
def test_patch_matches_a_model_of_the_store() -> None:
    run_state_machine_as_test(Patch)


@pytest.mark.task(id="ch05.ex3")
def test_patch_all_is_not_an_id(api: Api) -> None:
    api.post("/users", json={"name": "ada", "nickname": "countess"})
    moon = {"id": 1, "name": "ada", "nickname": "moon"}
    api.expect(api.patch("/users/1", json={"nickname": "moon"}), 200, moon, hint=PATCH_RULE)
    answer = api.patch("/users/all", json={"nickname": "x"})
    if answer.status_code not in (404, 405):
        api.fail(
            message(
                "PATCH /users/all: `all` is no id. With the path written as "
                '"/users/{user_id:int}", the route matches digits only.',
                "PATCH /users/all: `all`은 id가 아닙니다. 경로를 "
                '"/users/{user_id:int}"로 쓰면 라우트가 숫자에만 맞습니다.',
            ),
            expected=message("404 or 405", "404 또는 405"),
            got=f"{answer.status_code} {answer.text[:200]}",
        )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/users/{user_id}", marks=pytest.mark.task(id="ch05.ex1")),
        pytest.param("GET", "/users/all", marks=pytest.mark.task(id="ch05.ex2")),
        pytest.param("PATCH", "/users/{user_id}", marks=pytest.mark.task(id="ch05.ex3")),
    ],
)
def test_the_operation_is_listed_under_exercises(api: Api, method: str, path: str) -> None:
    check_operation_is_an_exercise(api.get("/openapi.json").json(), method, path)
