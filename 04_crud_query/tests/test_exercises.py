"""Checks for the exercises in this chapter's README. They fail until you solve them.

Each task's rule is checked the way a client would meet it: Hypothesis makes up runs of
requests (create, update, delete, and the task's own operation; names in many alphabets,
with slashes too, since they travel in the query now) and sends them to your app, served in a
process of its own; a plain dict next to it says what each answer must be. When an answer
differs, you get the shortest run of requests that shows it, the same on every run.

Run one task's checks with pytest -m "task(id='ch04.ex1')", or all of them with `make test-4`.
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
from testkit.checks import Api, Response
from testkit.plugin import chapter_of, fresh
from testkit.snapshot import check_operation_is_an_exercise
from testkit.strategies import POOL, names, near

CHAPTER = chapter_of(Path(__file__))
SUCCESS = {"status": "success"}
query_names = st.one_of(names(), st.sampled_from(["a/b", "a?b", "a&b=c", "%41", "a+b"]))
FAMILY = ["ad", "ada", "adam", "Ada", "adele", "a b", "b", "bo", "bob", "Bob"]  # shared starts


def expect_422_at(api: Api, response: Response, where: list[str], hint: str) -> None:
    """A 422 whose first error points at `where`: the message is FastAPI's to choose."""
    detail = response.json().get("detail") if response.status_code == 422 else None
    first = detail[0] if isinstance(detail, list) and detail else {}
    if response.status_code != 422 or first.get("loc") != where:
        got = f"{response.status_code} {response.text[:300]}"
        api.fail(
            hint,
            expected=message(f"422 with an error at {where}", f"오류 위치(loc)가 {where}인 422"),
            got=got,
        )


class Store(RuleBasedStateMachine):
    """The given operations, sent to the app and applied to a dict of name -> nickname.

    One rule changes the store (a create, an update or a delete, drawn each time), so that a
    task's own rule is chosen about as often as all of them; after every change, `observe`
    runs the task's check once more, with arguments drawn afresh.
    """

    def __init__(self) -> None:
        super().__init__()
        self.api = fresh(CHAPTER)
        self.users: dict[str, str] = {}

    def a_name(self, data: st.DataObject, label: str = "name") -> str:
        """A stored name, or one that differs a little, or any: collisions on purpose."""
        return data.draw(st.one_of(near(set(self.users)), query_names), label=label)

    @initialize(
        family=st.permutations(FAMILY).flatmap(lambda f: st.integers(0, 5).map(lambda n: f[:n])),
        users=st.lists(st.tuples(query_names, names()), max_size=6),
    )
    def some_users(self, family: list[str], users: list[tuple[str, str]]) -> None:
        """Some names that share their start, in any order (where sorting shows), and others."""
        for name in family:
            self.create(name, name.upper())
        for name, nickname in users:
            self.create(name, nickname)

    def observe(self, data: st.DataObject) -> None:
        """The task's check, after each change."""

    @rule(data=st.data())
    def change(self, data: st.DataObject) -> None:
        kind = data.draw(st.sampled_from(["create", "create", "update", "delete"]), label="kind")
        if kind == "create":
            self.create(data.draw(query_names, label="name"), data.draw(names(), label="nickname"))
        elif kind == "update":
            self.update(self.a_name(data), data.draw(names(), label="nickname"))
        else:
            self.delete(self.a_name(data))
        self.observe(data)

    def create(self, name: str, nickname: str) -> None:
        answer = self.api.post("/users", params={"name": name, "nickname": nickname})
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
        answer = self.api.put("/users", params={"name": name, "nickname": nickname})
        if name in self.users:
            self.api.expect(
                answer,
                200,
                SUCCESS,
                hint=message("Changing a nickname (given code).", "별명 수정(주어진 코드)."),
            )
            self.users[name] = nickname
        else:
            missing = {"detail": f"User {name!r} not found."}
            self.api.expect(
                answer,
                404,
                missing,
                hint=message("Unknown user (given code).", "없는 사용자(주어진 코드)."),
            )

    def delete(self, name: str) -> None:
        answer = self.api.delete("/users", params={"name": name})
        if self.users.pop(name, None) is not None:
            self.api.expect(
                answer,
                200,
                SUCCESS,
                hint=message("Deleting a user (given code).", "사용자 삭제(주어진 코드)."),
            )
        else:
            missing = {"detail": f"User {name!r} not found."}
            self.api.expect(
                answer,
                404,
                missing,
                hint=message("Unknown user (given code).", "없는 사용자(주어진 코드)."),
            )


PAGES_RULE = message(
    "GET /users/all?skip=&limit= answers one page of the users sorted by name (skip the first "
    "`skip`, then at most `limit`), and `total`, how many users there are in all. skip is at "
    "least 0 (default 0); limit is 1 to 100 (default 10).",
    "GET /users/all?skip=&limit=은 이름순으로 정렬한 사용자 중 한 페이지(앞에서 `skip`명을 "
    "건너뛰고, 그다음 최대 `limit`명)와 전체 사용자 수인 `total`을 응답합니다. skip은 0 "
    "이상(기본값 0), limit은 1~100(기본값 10)입니다.",
)


skips = st.one_of(st.none(), st.integers(-2, 8), st.just(10**20))
limits = st.one_of(st.none(), st.integers(-1, 5), st.sampled_from([99, 100, 101]))


class Pages(Store):
    def observe(self, data: st.DataObject) -> None:
        self.list_page(data.draw(skips, label="skip"), data.draw(limits, label="limit"))

    @rule(skip=skips, limit=limits)
    def list_page(self, skip: int | None, limit: int | None) -> None:
        given = (("skip", skip), ("limit", limit))
        params = {key: value for key, value in given if value is not None}
        answer = self.api.get("/users/all", params=params)
        if skip is not None and skip < 0:
            expect_422_at(self.api, answer, ["query", "skip"], PAGES_RULE)
        elif limit is not None and not 1 <= limit <= 100:
            expect_422_at(self.api, answer, ["query", "limit"], PAGES_RULE)
        else:
            start, size = skip or 0, 10 if limit is None else limit
            ordered = sorted(self.users.items())
            page = [{"name": n, "nickname": k} for n, k in ordered[start : start + size]]
            body = {"total": len(self.users), "users": page}
            self.api.expect(answer, 200, body, hint=PAGES_RULE)


@pytest.mark.task(id="ch04.ex1")
def test_pages_match_a_model_of_the_store() -> None:
    run_state_machine_as_test(Pages)


@pytest.mark.task(id="ch04.ex1")
def test_pages_are_ten_users_long_by_default(api: Api) -> None:
    created = [f"user{number:02d}" for number in range(12, 0, -1)]
    for name in created:
        api.post("/users", params={"name": name, "nickname": "x"})
    first_ten = [{"name": name, "nickname": "x"} for name in sorted(created)[:10]]
    api.expect(api.get("/users/all"), 200, {"total": 12, "users": first_ten}, hint=PAGES_RULE)
    last_two = [{"name": name, "nickname": "x"} for name in sorted(created)[10:]]
    api.expect(
        api.get("/users/all", params={"skip": 10}),
        200,
        {"total": 12, "users": last_two},
        hint=PAGES_RULE,
    )


SEARCH_RULE = message(
    "GET /users/search?prefix= answers the sorted names that start with `prefix` (exactly: "
    "case counts), [] when none; prefix is 1 to 32 characters.",
    "GET /users/search?prefix=는 `prefix`로 시작하는 이름들을 정렬해 응답합니다(정확히 "
    "비교하므로 대소문자를 구분합니다). 없으면 []입니다. prefix는 1~32자입니다.",
)
prefixes = st.one_of(
    st.sampled_from([name[:cut] for name in POOL for cut in (1, 2)]),
    names(),
    st.sampled_from(["", "p" * 32, "p" * 33]),
)


class PrefixSearch(Store):
    def observe(self, data: st.DataObject) -> None:
        self.search(data)

    @rule(data=st.data())
    def search(self, data: st.DataObject) -> None:
        cuts = {name[:cut] for name in self.users for cut in (1, 2, 3)}
        shared = sorted(p for p in cuts if sum(name.startswith(p) for name in self.users) > 1)
        often = [st.sampled_from(shared)] * 2 if shared else []  # where order shows
        choices = st.one_of(*often, near(cuts | set(self.users), 32), prefixes)
        self.find(data.draw(choices, label="prefix"))

    @rule(data=st.data())
    def search_at_the_length_limits(self, data: st.DataObject) -> None:
        """Prefixes of 0, 1, 32 and 33 characters, on purpose: a forgotten bound or one off by
        one shows only there. A user with a 32-character name is created first, so that the
        32-character prefix finds someone."""
        start = data.draw(near(set(self.users), 32), label="start")
        name = start + "p" * (32 - len(start))
        if name not in self.users:
            self.create(name, data.draw(names(), label="nickname"))
        for prefix in ("", name[:1], name, name + "p"):
            self.find(prefix)

    def find(self, prefix: str) -> None:
        answer = self.api.get("/users/search", params={"prefix": prefix})
        if not 1 <= len(prefix) <= 32:
            expect_422_at(self.api, answer, ["query", "prefix"], SEARCH_RULE)
        else:
            found = sorted(name for name in self.users if name.startswith(prefix))
            self.api.expect(answer, 200, found, hint=SEARCH_RULE)


@pytest.mark.task(id="ch04.ex2")
def test_prefix_search_matches_a_model_of_the_store() -> None:
    run_state_machine_as_test(PrefixSearch)


@pytest.mark.task(id="ch04.ex2")
def test_prefix_search_requires_a_prefix(api: Api) -> None:
    expect_422_at(api, api.get("/users/search"), ["query", "prefix"], SEARCH_RULE)


NICKNAMES_RULE = message(
    "GET /users/nicknames?name=..&name=.. answers {name: nickname} in the order the names "
    "were asked; when some are unknown, 404 naming each of them: "
    "{\"detail\": \"Unknown users: 'x', 'y'.\"}. name is repeated 1 to 20 times.",
    "GET /users/nicknames?name=..&name=..: 요청한 이름 순서대로 {name: nickname}을 "
    "응답합니다. 모르는 이름이 있으면 그 이름을 하나도 빠짐없이 밝혀 404로 응답합니다: "
    "{\"detail\": \"Unknown users: 'x', 'y'.\"}. name은 1~20번 반복됩니다.",
)


class ManyNames(Store):
    def observe(self, data: st.DataObject) -> None:
        self.read_many(data)

    @rule(data=st.data())
    def read_many(self, data: st.DataObject) -> None:
        one = st.one_of(near(set(self.users)), query_names)
        known = st.permutations(sorted(self.users)).flatmap(
            lambda names: st.integers(1, max(1, min(len(names), 20))).map(lambda n: names[:n])
        )
        anything = st.lists(one, min_size=0, max_size=21)
        asked = data.draw(st.one_of(known, anything) if self.users else anything, label="asked")
        answer = self.api.get("/users/nicknames", params={"name": asked})
        if not 1 <= len(asked) <= 20:
            expect_422_at(self.api, answer, ["query", "name"], NICKNAMES_RULE)
            return
        unknown = [name for name in asked if name not in self.users]
        if unknown:
            # Naming an unknown name once or as often as it was asked are both right.
            forms = [unknown, list(dict.fromkeys(unknown))]
            bodies = [{"detail": f"Unknown users: {', '.join(map(repr, f))}."} for f in forms]
            got = answer.json() if answer.status_code == 404 else None
            self.api.expect(answer, 404, got if got in bodies else bodies[0], hint=NICKNAMES_RULE)
            return
        expected = {name: self.users[name] for name in asked}
        self.api.expect(answer, 200, expected, hint=NICKNAMES_RULE)
        if list(answer.json()) != list(expected):
            self.api.fail(
                NICKNAMES_RULE,
                expected=message(
                    f"the names in this order: {list(expected)}",
                    f"이 순서의 이름들: {list(expected)}",
                ),
                got=f"{list(answer.json())}",
            )


@pytest.mark.task(id="ch04.ex3")
def test_many_names_match_a_model_of_the_store() -> None:
    run_state_machine_as_test(ManyNames)


@pytest.mark.task(id="ch04.ex3")
@pytest.mark.parametrize("count", [0, 21])
def test_many_names_are_1_to_20(api: Api, count: int) -> None:
    asked = [f"user{number}" for number in range(count)]
    response = api.get("/users/nicknames", params={"name": asked})
    hint = message(
        f"{count} names asked. {NICKNAMES_RULE}",
        f"이름을 {count}개 요청했습니다. {NICKNAMES_RULE}",
    )
    expect_422_at(api, response, ["query", "name"], hint)


@pytest.mark.task(id="ch04.ex3")
def test_twenty_names_are_allowed(api: Api) -> None:
    asked = [f"user{number:02d}" for number in range(20, 0, -1)]
    for name in asked:
        api.post("/users", params={"name": name, "nickname": name.upper()})
    expected = {name: name.upper() for name in asked}
    answer = api.get("/users/nicknames", params={"name": asked})
    api.expect(answer, 200, expected, hint=NICKNAMES_RULE)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/users/all", marks=pytest.mark.task(id="ch04.ex1")),
        pytest.param("GET", "/users/search", marks=pytest.mark.task(id="ch04.ex2")),
        pytest.param("GET", "/users/nicknames", marks=pytest.mark.task(id="ch04.ex3")),
    ],
)
def test_the_operation_is_listed_under_exercises(api: Api, method: str, path: str) -> None:
    check_operation_is_an_exercise(api.get("/openapi.json").json(), method, path)
