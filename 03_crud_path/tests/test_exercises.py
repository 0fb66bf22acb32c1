"""Checks for the exercises in this chapter's README. They fail until you solve them.

Each task's rule is checked the way a client would meet it: Hypothesis makes up runs of
requests (create, update, delete, and the task's own operation, with names in many
alphabets that collide on purpose) and sends them to your app, served in a process of its
own; a plain dict next to it says what each answer must be. When an answer differs, you get
the shortest run of requests that shows it. The same runs are made every time (derandomized).

Run one task's checks with pytest -m "task(id='ch03.ex1')", or all of them with `make test-3`.
"""

from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from testkit.bilingual import message
from testkit.checks import Api, segment
from testkit.plugin import chapter_of, fresh
from testkit.snapshot import check_operation_is_an_exercise
from testkit.strategies import names, near

CHAPTER = chapter_of(Path(__file__))
SUCCESS = {"status": "success"}
nicknames = st.one_of(st.sampled_from(["cat", "Cat", "catherine", "dog", "é"]), names())
people = st.lists(st.tuples(names(), nicknames), max_size=6)


class Store(RuleBasedStateMachine):
    """The given operations, sent to the app and applied to a dict of name -> nickname.

    One rule changes the store (a create, an update or a delete, drawn each time), so that a
    task's own rule is chosen about as often as all of them; after every change, `observe`
    runs the task's check once more (a task that reads overrides it).
    """

    def __init__(self) -> None:
        super().__init__()
        self.api = fresh(CHAPTER)
        self.users: dict[str, str] = {}

    def not_found(self, name: str) -> dict[str, str]:
        return {"detail": f"User {name!r} not found."}

    def a_name(self, data: st.DataObject, label: str = "name") -> str:
        """A stored name, or one that differs a little, or any: collisions on purpose."""
        return data.draw(near(set(self.users)), label=label)

    def observe(self, data: st.DataObject) -> None:
        """The task's check, after each change (nothing for a task that changes the store)."""

    @initialize(users=people)
    def some_users(self, users: list[tuple[str, str]]) -> None:
        for name, nickname in users:
            self.create(name, nickname)

    @rule(data=st.data())
    def change(self, data: st.DataObject) -> None:
        kind = data.draw(st.sampled_from(["create", "create", "update", "delete"]), label="kind")
        if kind == "create":
            self.create(data.draw(names(), label="name"), data.draw(nicknames, label="nickname"))
        elif kind == "update":
            self.update(self.a_name(data), data.draw(nicknames, label="nickname"))
        else:
            self.delete(self.a_name(data))
        self.observe(data)

    def create(self, name: str, nickname: str) -> None:
        answer = self.api.post(f"/users/name/{segment(name)}/nickname/{segment(nickname)}")
        if name in self.users:
            conflict = {"detail": f"User {name!r} already exists."}
            self.api.expect(
                answer,
                409,
                conflict,
                hint=message(
                    "A taken name is a 409 (given code).",
                    "이미 있는 이름이면 409입니다(주어진 코드).",
                ),
            )
        else:
            self.api.expect(
                answer,
                201,
                SUCCESS,
                hint=message("Creating a user (given code).", "사용자 생성(주어진 코드)."),
            )
            self.users[name] = nickname

    def update(self, name: str, nickname: str) -> None:
        answer = self.api.put(f"/users/name/{segment(name)}/nickname/{segment(nickname)}")
        if name in self.users:
            self.api.expect(
                answer,
                200,
                SUCCESS,
                hint=message("Changing a nickname (given code).", "별명 수정(주어진 코드)."),
            )
            self.users[name] = nickname
        else:
            self.api.expect(
                answer,
                404,
                self.not_found(name),
                hint=message("Unknown user (given code).", "없는 사용자(주어진 코드)."),
            )

    def delete(self, name: str) -> None:
        answer = self.api.delete(f"/users/name/{segment(name)}")
        if self.users.pop(name, None) is not None:
            self.api.expect(
                answer,
                200,
                SUCCESS,
                hint=message("Deleting a user (given code).", "사용자 삭제(주어진 코드)."),
            )
        else:
            self.api.expect(
                answer,
                404,
                self.not_found(name),
                hint=message("Unknown user (given code).", "없는 사용자(주어진 코드)."),
            )

    def read(self, name: str) -> None:
        answer = self.api.get(f"/users/name/{segment(name)}")
        if name in self.users:
            expected = {"nickname": self.users[name]}
            hint = message(
                f"Reading {name!r} after the run above.",
                f"앞선 요청들을 보낸 뒤 사용자 {name!r}을(를) 조회합니다.",
            )
            self.api.expect(answer, 200, expected, hint=hint)
        else:
            hint = message(
                f"After the run above there is no user {name!r}.",
                f"앞선 요청들을 보낸 뒤에는 이 사용자가 없어야 합니다: {name!r}.",
            )
            self.api.expect(answer, 404, self.not_found(name), hint=hint)


class ListEveryone(Store):
    def observe(self, data: st.DataObject) -> None:
        self.list_users()

    @rule()
    def list_users(self) -> None:
        everyone = [{"name": n, "nickname": k} for n, k in sorted(self.users.items())]
        self.api.expect(
            self.api.get("/users"),
            200,
            {"count": len(everyone), "users": everyone},
            hint=message(
                "GET /users answers every user stored now, sorted by name as Python's "
                "sorted() orders strings, and `count`, how many there are.",
                "GET /users는 지금 저장된 사용자를 모두 이름순(Python의 sorted()가 문자열을 "
                "정렬하는 순서)으로 정렬해 응답하고, `count`에 사용자 수를 담습니다.",
            ),
        )


class ReverseLookup(Store):
    def observe(self, data: st.DataObject) -> None:
        self.find_by_nickname(data)

    @rule(data=st.data())
    def share_a_nickname(self, data: st.DataObject) -> None:
        """Two new users with one nickname, the later name created first: the order of the
        answer is the names' order, not the order they were created in."""
        nickname = data.draw(nicknames, label="nickname")
        pair = data.draw(st.lists(names(), min_size=2, max_size=2, unique=True), label="names")
        for name in sorted(pair, reverse=True):
            self.create(name, nickname)
        self.find(nickname)

    @rule(data=st.data())
    def find_by_nickname(self, data: st.DataObject) -> None:
        self.find(data.draw(near(set(self.users.values())), label="nickname"))

    def find(self, nickname: str) -> None:
        self.api.expect(
            self.api.get(f"/users/nickname/{segment(nickname)}"),
            200,
            sorted(name for name, nick in self.users.items() if nick == nickname),
            hint=message(
                f"GET /users/nickname/{{nickname}} answers the sorted names whose nickname is "
                f"exactly {nickname!r} (not another case, not a longer one), [] when none.",
                f"GET /users/nickname/{{nickname}}은 별명이 정확히 {nickname!r}인 사용자 "
                "이름들을 정렬해 응답합니다(대소문자가 다르거나 더 긴 별명은 해당하지 "
                "않습니다). 없으면 []입니다.",
            ),
        )


class Rename(Store):
    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[str, str]] = []  # renames sent: asked again later, on purpose

    def observe(self, data: st.DataObject) -> None:
        self.rename(data)

    @rule(data=st.data())
    def rename(self, data: st.DataObject) -> None:
        fresh_pair = st.tuples(st.just(self.a_name(data)), st.just(self.a_name(data, "new_name")))
        again = [st.sampled_from(self.asked)] if self.asked else []
        name, new_name = data.draw(st.one_of(*again, fresh_pair), label="rename")
        self.asked.append((name, new_name))
        answer = self.api.put(f"/users/name/{segment(name)}/rename/{segment(new_name)}")
        rule_text = message(
            "PUT /users/name/{name}/rename/{new_name}: 404 when `name` is unknown; else 409 "
            "when another user has `new_name`; else the user keeps its nickname under the new "
            "name (renaming a user to its own name changes nothing).",
            "PUT /users/name/{name}/rename/{new_name}: `name`이 없는 사용자면 404, 그렇지 않고 "
            "다른 사용자가 이미 `new_name`을 쓰고 있으면 409, 둘 다 아니면 사용자가 별명을 "
            "그대로 가진 채 새 이름으로 옮겨 갑니다(자기 이름으로 바꾸면 아무것도 바뀌지 "
            "않습니다).",
        )
        if name not in self.users:
            self.api.expect(answer, 404, self.not_found(name), hint=rule_text)
        elif new_name != name and new_name in self.users:
            conflict = {"detail": f"User {new_name!r} already exists."}
            self.api.expect(answer, 409, conflict, hint=rule_text)
        else:
            self.api.expect(answer, 200, SUCCESS, hint=rule_text)
            self.users[new_name] = self.users.pop(name)
        for each in {name, new_name}:
            self.read(each)


@pytest.mark.task(id="ch03.ex1")
def test_list_everyone_matches_a_model_of_the_store() -> None:
    run_state_machine_as_test(ListEveryone)


@pytest.mark.task(id="ch03.ex2")
def test_reverse_lookup_matches_a_model_of_the_store() -> None:
    run_state_machine_as_test(ReverseLookup)


@pytest.mark.task(id="ch03.ex3")
def test_rename_matches_a_model_of_the_store() -> None:
    run_state_machine_as_test(Rename)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/users", marks=pytest.mark.task(id="ch03.ex1")),
        pytest.param("GET", "/users/nickname/{nickname}", marks=pytest.mark.task(id="ch03.ex2")),
        pytest.param(
            "PUT", "/users/name/{name}/rename/{new_name}", marks=pytest.mark.task(id="ch03.ex3")
        ),
    ],
)
def test_the_operation_is_listed_under_exercises(api: Api, method: str, path: str) -> None:
    check_operation_is_an_exercise(api.get("/openapi.json").json(), method, path)
