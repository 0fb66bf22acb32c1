"""Checks for the exercises in this chapter's README. They fail until you solve them.

Each task's rule is checked on inputs Hypothesis makes up (the same ones on every run), not
only on the lesson's examples: any word as a model name, any text as a search, any integer as
a position. Your app is served in a process of its own and asked over HTTP.

Run one task's checks with pytest -m "task(id='ch02.ex1')", or all of them with `make test-2`.
"""

from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from testkit.bilingual import message
from testkit.checks import Api, Response, segment
from testkit.plugin import chapter_of, fresh
from testkit.snapshot import check_operation_is_an_exercise
from testkit.strategies import made_up

CHAPTER = chapter_of(Path(__file__))
MESSAGES = {
    "alexnet": "Deep Learning FTW!",
    "resnet": "Residual connections all the way down.",
    "lenet": "LeCNN all the images.",
}
ITEMS = ["Foo", "Bar", "Baz"]  # FAKE_ITEMS_DB, as the lesson shows it


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


model_words = st.one_of(
    st.sampled_from([*MESSAGES, "AlexNet", "RESNET", "vgg", "alexnet2", " lenet", "lenet "]),
    made_up(12),
)


@pytest.mark.task(id="ch02.ex1")
def test_models_answers_exactly_the_three_models() -> None:
    api = fresh(CHAPTER)

    @given(word=model_words)
    @example(word="alexnet")
    @example(word="resnet")
    @example(word="lenet")
    def check(word: str) -> None:
        api.responses.clear()
        response = api.get(f"/models/{segment(word)}")
        if word in MESSAGES:
            api.expect(
                response,
                200,
                {"model_name": word, "message": MESSAGES[word]},
                hint=message(
                    "GET /models/{model_name} answers the model's name and its message.",
                    "GET /models/{model_name}은 모델 이름과 그 모델의 메시지를 응답합니다.",
                ),
            )
        else:
            expect_422_at(
                api,
                response,
                ["path", "model_name"],
                message(
                    "Only alexnet, resnet and lenet are models, spelled exactly so: type "
                    "model_name with an Enum (or a Literal) so that FastAPI refuses any other "
                    "value.",
                    "모델은 alexnet, resnet, lenet 셋뿐이고, 철자도 정확히 이대로여야 합니다: "
                    "FastAPI가 다른 값은 모두 거절하도록 model_name의 타입을 Enum(또는 "
                    "Literal)으로 지정하세요.",
                ),
            )

    check()


def matches(q: str) -> list[dict[str, str]]:
    """The lesson's rule: the items whose name contains q, ignoring case."""
    return [{"item_name": name} for name in ITEMS if q.lower() in name.lower()]


queries = st.one_of(
    st.sampled_from(["ba", "BA", "Fo", "oO", "a", "z", "Bar", "qux", "x" * 20]),
    st.text(st.sampled_from("fobarzFOBARZ"), min_size=1, max_size=4),
    made_up(20),
)


@pytest.mark.task(id="ch02.ex2")
def test_search_matches_names_ignoring_case() -> None:
    api = fresh(CHAPTER)

    @given(q=queries)
    @example(q="ba")
    def check(q: str) -> None:
        api.responses.clear()
        api.expect(
            api.get("/search", params={"q": q}),
            200,
            matches(q),
            hint=message(
                "GET /search?q= answers the items of FAKE_ITEMS_DB whose name contains q, "
                "ignoring case, in the list's order.",
                "GET /search?q=는 FAKE_ITEMS_DB에서 이름에 q가 들어 있는 아이템을 대소문자 "
                "구분 없이, 리스트에 있는 순서대로 응답합니다.",
            ),
        )

    check()


@pytest.mark.task(id="ch02.ex2")
@pytest.mark.parametrize(("q", "why"), [("", "empty"), ("x" * 21, "21 characters long")])
def test_search_refuses_an_empty_or_long_query(api: Api, q: str, why: str) -> None:
    # `why` also names the test, so it stays as it is; the Korean student reads it in Korean.
    reason = message(why, {"empty": "비어 있습니다", "21 characters long": "21자입니다"}[why])
    expect_422_at(
        api,
        api.get("/search", params={"q": q}),
        ["query", "q"],
        message(
            f"q is {reason}: limit it to 1 to 20 characters with "
            "Query(min_length=..., max_length=...).",
            f"q가 {reason}: Query(min_length=..., max_length=...)로 길이를 1~20자로 제한하세요.",
        ),
    )


@pytest.mark.task(id="ch02.ex2")
def test_search_requires_q(api: Api) -> None:
    api.expect(
        api.get("/search"),
        422,
        {
            "detail": [
                {"type": "missing", "loc": ["query", "q"], "msg": "Field required", "input": None}
            ]
        },
        hint=message(
            "q has no default value, so FastAPI must refuse a request without it.",
            "q에는 기본값이 없으므로, FastAPI는 q가 없는 요청을 거절해야 합니다.",
        ),
    )


positions = st.one_of(st.integers(-5, 6), st.integers(), st.sampled_from([10**30, -(10**30)]))


@pytest.mark.task(id="ch02.ex3")
def test_item_name_by_position() -> None:
    api = fresh(CHAPTER)

    @given(item_id=positions)
    @example(item_id=-1)
    def check(item_id: int) -> None:
        api.responses.clear()
        expected: tuple[int, Any]
        if 0 <= item_id < len(ITEMS):
            expected = (200, {"item_name": ITEMS[item_id]})
        else:
            expected = (404, {"detail": f"Item {item_id} not found."})
        api.expect(
            api.get(f"/items/{item_id}/name"),
            *expected,
            hint=message(
                "GET /items/{item_id}/name answers the item at position item_id of "
                "FAKE_ITEMS_DB, counting from 0; any other position, negative ones included, "
                "is a 404. In Python FAKE_ITEMS_DB[-1] is the last item: check the range first.",
                "GET /items/{item_id}/name은 FAKE_ITEMS_DB에서 item_id 위치(0부터 셉니다)에 "
                "있는 아이템을 응답합니다. 그 밖의 위치는 음수를 포함해 모두 404입니다. "
                "Python에서 FAKE_ITEMS_DB[-1]은 마지막 아이템입니다: 범위를 먼저 검사하세요.",
            ),
        )

    check()


@pytest.mark.task(id="ch02.ex3")
def test_item_name_needs_an_integer(api: Api) -> None:
    api.expect(
        api.get("/items/first/name"),
        422,
        {
            "detail": [
                {
                    "type": "int_parsing",
                    "loc": ["path", "item_id"],
                    "msg": "Input should be a valid integer, unable to parse string as an integer",
                    "input": "first",
                }
            ]
        },
        hint=message(
            "Type item_id as int, so that FastAPI refuses a word.",
            "FastAPI가 단어를 거절하도록 item_id의 타입을 int로 지정하세요.",
        ),
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/models/{model_name}", marks=pytest.mark.task(id="ch02.ex1")),
        pytest.param("GET", "/search", marks=pytest.mark.task(id="ch02.ex2")),
        pytest.param("GET", "/items/{item_id}/name", marks=pytest.mark.task(id="ch02.ex3")),
    ],
)
def test_the_operation_is_listed_under_exercises(api: Api, method: str, path: str) -> None:
    check_operation_is_an_exercise(api.get("/openapi.json").json(), method, path)
