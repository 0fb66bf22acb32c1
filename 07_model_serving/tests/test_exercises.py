"""Checks for the exercises in this chapter's README. They fail until you solve them.

Your app is served in a process of its own and asked over HTTP, as a client would ask it.
Each task's rule is checked on runs of requests that Hypothesis makes up (generations, jobs
that finish, jobs that fail, jobs held `running` or `queued` behind a gate in front of the
model, deletes), against a small model of what the store must hold; the last task is checked
with the engine in a thread and in a process of its own. When an answer differs, you get the
shortest run of requests that shows it.

Run one task's checks with pytest -m "task(id='ch07.ex1')", or all of them with `make test-7`.
"""

import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    rule,
    run_state_machine_as_test,
)

from testkit.apphost import shared
from testkit.bilingual import message
from testkit.checks import Api, Mismatch
from testkit.inprocess import load_file
from testkit.plugin import chapter_of, fresh
from testkit.snapshot import check_operation_is_an_exercise

CHAPTER = chapter_of(Path(__file__))
spec = load_file(Path(__file__).with_name("host_hooks.py")).spec
STATUSES = ("queued", "running", "done", "failed")
IN_FLIGHT = ("queued", "running")
WAIT_AT_MOST_S = 60  # a busy machine is slow; an answer that never comes is wrong


def half_the_runs() -> settings:
    """Each example here generates and stores text: half the profile's runs (15, or 4)."""
    return settings(max_examples=max(4, settings.default.max_examples // 2))


prompts = st.sampled_from(["def ", "class A:\n    ", "import ", "x = ", "for i in "])


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_AT_MOST_S
    while not condition():
        if time.monotonic() > deadline:
            raise Mismatch(
                message(
                    f"Waited {WAIT_AT_MOST_S} s for {what}, in vain. (On a machine this busy "
                    "the check is not to be trusted: run it again when the machine is quieter.)",
                    f"{what}를 {WAIT_AT_MOST_S}초 동안 기다렸지만 끝내 그렇게 되지 않았습니다. "
                    "(머신이 이만큼 바쁘면 이 검사는 믿을 수 없습니다. 머신이 한가할 때 다시 "
                    "실행하세요.)",
                )
            )
        time.sleep(0.01)


def status_of(api: Api, generation_id: int) -> str | None:
    answer = api.client.get(f"/generations/{generation_id}")  # not logged: it is polled
    return answer.json().get("status") if answer.status_code == 200 else None


class Store(RuleBasedStateMachine):
    """Generations and jobs, on the app and in a model: id -> status. One slot, a gate."""

    def __init__(self) -> None:
        super().__init__()
        self.api = fresh(CHAPTER, spec(gated=True, MAX_BATCH_SIZE="1"))
        self.rows: dict[int, str] = {}
        self.held: list[int] = []  # jobs behind the closed gate: the first runs, others queue

    def teardown(self) -> None:
        shared().call("open_gate")

    def created(self, answer: Any, status: int, what: str) -> int:
        self.api.expect(
            answer, status, hint=message(f"{what} (given code).", f"{what} (주어진 코드).")
        )
        return int(answer.json()["id"])

    def finish(self, job: int, expected: str) -> None:
        wait_for(
            lambda: status_of(self.api, job) not in IN_FLIGHT,
            message(f"job {job} to end", f"{job}번 작업이 끝나기"),
        )
        self.rows[job] = expected
        got = status_of(self.api, job)
        if got != expected:
            self.api.fail(
                message("A job (given code).", "작업(주어진 코드)."),
                expected=expected,
                got=str(got),
            )

    def observe(self) -> None:
        """The task's check, after each change."""

    @rule(data=st.data())
    def change(self, data: st.DataObject) -> None:
        """A generation, a job that ends or fails, a job held behind the gate, or the gate
        opened: one rule, so that a task's own rule is chosen about as often."""
        kinds = ["hold", "release"] if self.held else ["generate", "job", "fail", "hold"]
        kind = data.draw(st.sampled_from(kinds), label="kind")
        prompt = data.draw(prompts, label="prompt")
        if kind == "generate":
            answer = self.api.post("/generate", json={"prompt": prompt, "max_new_tokens": 2})
            self.rows[self.created(answer, 200, "POST /generate")] = "done"
        elif kind in ("job", "fail"):
            if kind == "fail":
                shared().call("inject_fault")
            answer = self.api.post("/jobs", json={"prompt": prompt, "max_new_tokens": 2})
            self.finish(
                self.created(answer, 202, "POST /jobs"), "failed" if kind == "fail" else "done"
            )
        elif kind == "hold":
            self.hold_a_job(prompt)
        else:
            self.release()
        self.observe()

    def hold_a_job(self, prompt: str) -> None:
        if not self.held:
            shared().call("close_gate")
        answer = self.api.post("/jobs", json={"prompt": prompt, "max_new_tokens": 2})
        job = self.created(answer, 202, "POST /jobs")
        self.held.append(job)
        if len(self.held) == 1:
            wait_for(
                lambda: shared().call("wait_entered", 1),
                message("the job to reach the model", "작업이 모델에 도달하기"),
            )
            wait_for(
                lambda: status_of(self.api, job) == "running",
                message(f"job {job} to run", f"{job}번 작업이 실행되기"),
            )
            self.rows[job] = "running"
        else:
            self.rows[job] = "queued"

    def release(self) -> None:
        shared().call("open_gate")
        held, self.held = self.held, []
        for job in held:
            self.finish(job, "done")


COUNTS_RULE = message(
    "GET /generations/stats answers how many generations are stored in each status, and "
    "`total`: every row counts, jobs still queued or running included.",
    "GET /generations/stats는 저장된 생성이 상태마다 몇 개인지와 `total`을 응답합니다. "
    "아직 대기 중이거나 실행 중인 작업까지, 모든 행을 셉니다.",
)


class StatusCounts(Store):
    def observe(self) -> None:
        self.count()

    @rule()
    def count(self) -> None:
        by_status = Counter(self.rows.values())
        expected = {"total": len(self.rows), **{name: by_status[name] for name in STATUSES}}
        self.api.expect(self.api.get("/generations/stats"), 200, expected, hint=COUNTS_RULE)


@pytest.mark.task(id="ch07.ex1")
def test_status_counts_match_a_model_of_the_store() -> None:
    run_state_machine_as_test(StatusCounts, settings=half_the_runs())


@pytest.mark.task(id="ch07.ex1")
def test_status_counts_cover_more_than_a_page(api: Api) -> None:
    for number in range(101):
        answer = api.post("/generate", json={"prompt": f"x = {number % 10}", "max_new_tokens": 1})
        api.expect(
            answer,
            200,
            hint=message("POST /generate (given code).", "POST /generate (주어진 코드)."),
        )
    expected = {"total": 101, "queued": 0, "running": 0, "done": 101, "failed": 0}
    api.responses[:] = api.responses[-1:]  # the 101 creations need not be shown
    api.expect(
        api.get("/generations/stats"),
        200,
        expected,
        hint=message(
            "101 generations stored: count every row in the database (SQL's COUNT with GROUP "
            "BY), not the rows of one page of GET /generations. ",
            "생성 101개가 저장되어 있습니다. GET /generations 한 페이지의 행이 아니라 "
            "데이터베이스의 모든 행을 세세요(SQL의 COUNT와 GROUP BY). ",
        )
        + COUNTS_RULE,
    )


DELETE_RULE = message(
    'DELETE /generations/{generation_id} answers {"id": ..., "status": "deleted"} and the '
    "generation is gone (GET answers 404); an unknown id is 404 "
    '{"detail": "Generation 41 not found."}; a job still queued or running is 409 '
    '{"detail": "Generation 3 is still running."} and is kept.',
    'DELETE /generations/{generation_id}는 {"id": ..., "status": "deleted"}로 응답하고, 그 '
    "생성은 사라집니다(GET이 404로 응답합니다). 알 수 없는 id는 404 "
    '{"detail": "Generation 41 not found."}이고, 아직 대기 중이거나 실행 중인 작업은 409 '
    '{"detail": "Generation 3 is still running."}이며 지워지지 않고 남습니다.',
)


class Delete(Store):
    def observe(self) -> None:
        if self.rows:  # the newest row: often a job still queued or running
            self.delete_one(max(self.rows))

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        known = sorted(self.rows)
        choices = [*known, max(known, default=0) + 1, 0]
        self.delete_one(data.draw(st.sampled_from(choices), label="generation_id"))

    def delete_one(self, generation_id: int) -> None:
        answer = self.api.delete(f"/generations/{generation_id}")
        status = self.rows.get(generation_id)
        if status is None:
            missing = {"detail": f"Generation {generation_id} not found."}
            self.api.expect(answer, 404, missing, hint=DELETE_RULE)
        elif status in IN_FLIGHT:
            busy = {"detail": f"Generation {generation_id} is still {status}."}
            self.api.expect(answer, 409, busy, hint=DELETE_RULE)
        else:
            deleted = {"id": generation_id, "status": "deleted"}
            self.api.expect(answer, 200, deleted, hint=DELETE_RULE)
            del self.rows[generation_id]
        after = self.api.get(f"/generations/{generation_id}")
        if generation_id in self.rows:
            kept = message(
                f"Generation {generation_id} must still be stored.",
                f"{generation_id}번 생성은 아직 저장되어 있어야 합니다.",
            )
            self.api.expect(after, 200, hint=kept)
        else:
            missing = {"detail": f"Generation {generation_id} not found."}
            self.api.expect(after, 404, missing, hint=DELETE_RULE)


@pytest.mark.task(id="ch07.ex2")
def test_delete_matches_a_model_of_the_store() -> None:
    run_state_machine_as_test(Delete, settings=half_the_runs())


SLOTS_RULE = message(
    'GET /stats/slots answers one entry per slot in use, in slot order: {"slot": its number, '
    '"prompt_tokens": ..., "generated_tokens": ...}; [] when idle. `slot` is the slot\'s '
    "number, not a position in a list of the busy ones.",
    "GET /stats/slots는 사용 중인 슬롯마다 항목 하나씩, 슬롯 순서대로 "
    '{"slot": 슬롯 번호, "prompt_tokens": ..., "generated_tokens": ...}를 응답합니다. 한가할 '
    "때는 []입니다. `slot`은 슬롯 자체의 번호이지, 사용 중인 슬롯만 모은 목록에서의 위치가 "
    "아닙니다.",
)


@pytest.mark.task(id="ch07.ex3")
def test_slots_show_what_each_slot_holds() -> None:
    api = fresh(CHAPTER, spec(gated=True, MAX_BATCH_SIZE="3", TESTKIT_STEP_S="0.02"))
    host = shared()
    host.call("close_gate")
    jobs = [api.post("/jobs", json={"prompt": "ab", "max_new_tokens": 100}).json()["id"]]
    wait_for(
        lambda: host.call("wait_entered", 1),
        message("the first job to reach the model", "첫 작업이 모델에 도달하기"),
    )
    first = api.get("/stats/slots")
    for prompt, tokens in (("cde", 3), ("f", 100)):  # "cde" ends first
        jobs.append(
            api.post("/jobs", json={"prompt": prompt, "max_new_tokens": tokens}).json()["id"]
        )
    host.call("open_gate")
    seen = watch_slots(api, dict.fromkeys(jobs, 0))
    api.expect(
        first, 200, [{"slot": 0, "prompt_tokens": 2, "generated_tokens": 0}], hint=SLOTS_RULE
    )
    full = [s for s in seen if isinstance(s, list) and len(s) == 3]
    gap = [s for s in seen if isinstance(s, list) and len(s) == 2]
    shown = [(entry.get("slot"), entry.get("prompt_tokens")) for entry in (gap or [[]])[0]]
    if not full or [(e["slot"], e["prompt_tokens"]) for e in full[0]] != [(0, 2), (1, 3), (2, 1)]:
        api.fail(
            SLOTS_RULE,
            expected=message(
                "three slots in use at once: 0, 1, 2", "동시에 사용 중인 슬롯 세 개: 0, 1, 2"
            ),
            got=f"{seen[:5]}",
        )
    if shown != [(0, 2), (2, 1)]:
        api.fail(
            SLOTS_RULE
            + message(
                " The job in slot 1 ended first: slots 0 and 2 stay in use.",
                " 1번 슬롯의 작업이 먼저 끝났으므로 0번과 2번 슬롯은 계속 사용 중입니다.",
            ),
            expected=message(
                "[(0, 2), (2, 1)] as (slot, prompt_tokens)",
                "(slot, prompt_tokens) 쌍으로 [(0, 2), (2, 1)]",
            ),
            got=f"{shown}",
        )


def watch_slots(api: Api, jobs: dict[int, int]) -> list[Any]:
    """Snapshots of /stats/slots until every job ended."""
    seen: list[Any] = []

    def all_done() -> bool:
        seen.append(api.client.get("/stats/slots").json())
        return all(status_of(api, job) not in IN_FLIGHT for job in jobs)

    wait_for(all_done, message("the jobs to end", "작업들이 모두 끝나기"))
    return seen


@pytest.mark.task(id="ch07.ex3")
@pytest.mark.parametrize("engine", ["thread", "process"])
def test_slots_are_consistent_under_load(engine: str) -> None:
    api = fresh(CHAPTER, spec(process=engine == "process", MAX_BATCH_SIZE="3"))
    lengths = [1, 2, 3, 4, 5, 6]  # each job is known by its prompt's length
    budget = {1: 60, 2: 8, 3: 100, 4: 30, 5: 90, 6: 15}
    jobs: dict[int, int] = {}
    for length in lengths:
        answer = api.post("/jobs", json={"prompt": "x" * length, "max_new_tokens": budget[length]})
        api.expect(
            answer, 202, hint=message("POST /jobs (given code).", "POST /jobs (주어진 코드).")
        )
        jobs[answer.json()["id"]] = length
    seen = watch_slots(api, jobs)
    slot_of: dict[int, int] = {}
    generated: dict[int, int] = {}
    for snapshot in seen:
        if not isinstance(snapshot, list):
            api.fail(SLOTS_RULE, expected=message("a list", "리스트"), got=str(snapshot)[:300])
        slots = [entry.get("slot") for entry in snapshot]
        if slots != sorted(set(slots)) or any(not 0 <= s < 3 for s in slots):
            api.fail(
                SLOTS_RULE,
                expected=message(
                    "distinct slot numbers 0 to 2, in order",
                    "0부터 2까지의 서로 다른 슬롯 번호, 순서대로",
                ),
                got=f"{snapshot}",
            )
        for entry in snapshot:
            length, slot, made = entry["prompt_tokens"], entry["slot"], entry["generated_tokens"]
            if length not in budget or not 0 <= made <= budget[length]:
                api.fail(
                    SLOTS_RULE,
                    expected=message(
                        f"a job of {lengths} tokens", f"토큰 수가 {lengths} 가운데 하나인 작업"
                    ),
                    got=f"{entry}",
                )
            if slot_of.setdefault(length, slot) != slot:
                first = slot_of[length]
                api.fail(
                    SLOTS_RULE
                    + message(
                        " A sequence keeps its slot until it ends.",
                        " 시퀀스는 끝날 때까지 같은 슬롯을 차지합니다.",
                    ),
                    expected=message(
                        f"the {length}-token prompt's job always in slot {first}",
                        f"토큰 {length}개짜리 프롬프트의 작업이 언제나 {first}번 슬롯에 있음",
                    ),
                    got=message(
                        f"it moved to slot {slot}: {snapshot}",
                        f"{slot}번 슬롯으로 옮겨 갔습니다: {snapshot}",
                    ),
                )
            if made < generated.get(length, 0):
                api.fail(
                    SLOTS_RULE,
                    expected=message(
                        "generated_tokens that only grow", "늘어나기만 하는 generated_tokens"
                    ),
                    got=f"{snapshot}",
                )
            generated[length] = made
    if not slot_of:
        api.fail(
            SLOTS_RULE,
            expected=message("a slot in use while jobs ran", "작업이 실행되는 동안 사용 중인 슬롯"),
            got=message("always []", "언제나 []"),
        )
    ended = message("Every job ended: ", "모든 작업이 끝났습니다: ")
    api.expect(api.get("/stats/slots"), 200, [], hint=ended + SLOTS_RULE)


FINISH_RULE = message(
    'GET /stats/finish_reasons answers {"length": ..., "stop": ...}: how many generations the '
    "engine has finished for each reason since it started (the start-up warm-up is one, "
    "ended by its length), whichever route asked for them, with the engine in a thread or in "
    "a process of its own.",
    'GET /stats/finish_reasons는 {"length": ..., "stop": ...}로 응답합니다. 엔진이 시작한 '
    "뒤로 끝낸 생성의 수를 끝난 이유별로 셉니다(시작할 때의 워밍업도 길이 제한(length)으로 "
    "끝난 생성 하나입니다). 어느 라우트가 요청한 생성이든 모두 세고, 엔진을 스레드에 두든 "
    "별도 프로세스에 두든 같아야 합니다.",
)
requests_strategy = st.lists(
    st.tuples(
        st.sampled_from(["/generate", "/v1/completions", "/jobs"]),
        prompts,
        st.sampled_from([[], ["e"], ["("], ["\n"], ["self"], ["zzz"]]),
        st.integers(1, 24),
    ),
    min_size=1,
    max_size=6,
)


def finish_reason_of(api: Api, route: str, prompt: str, stop: list[str], tokens: int) -> str:
    if route == "/v1/completions":
        body = {"model": "code-gpt-char", "prompt": prompt, "max_tokens": tokens, "stop": stop}
        answer = api.post(route, json={**body, "temperature": 0})
        api.expect(
            answer,
            200,
            hint=message(
                "POST /v1/completions (given code).", "POST /v1/completions (주어진 코드)."
            ),
        )
        return str(answer.json()["choices"][0]["finish_reason"])
    body = {"prompt": prompt, "max_new_tokens": tokens, "stop": stop, "temperature": 0}
    answer = api.post(route, json=body)
    if route == "/generate":
        api.expect(
            answer,
            200,
            hint=message("POST /generate (given code).", "POST /generate (주어진 코드)."),
        )
        return str(answer.json()["finish_reason"])
    api.expect(answer, 202, hint=message("POST /jobs (given code).", "POST /jobs (주어진 코드)."))
    job = answer.json()["id"]
    wait_for(
        lambda: status_of(api, job) == "done",
        message(f"job {job} to be done", f"{job}번 작업이 done이 되기"),
    )
    return str(api.client.get(f"/generations/{job}").json()["finish_reason"])


@pytest.fixture(params=["thread", "process"])
def engine_app(request: pytest.FixtureRequest) -> Iterator[Api]:
    yield fresh(CHAPTER, spec(process=request.param == "process"))


@pytest.mark.task(id="ch07.ex4")
def test_finish_reasons_match_the_answers(engine_app: Api) -> None:
    api = engine_app
    counts = Counter({"length": 1})  # the warm-up at start-up

    @given(requests=requests_strategy)
    @half_the_runs()
    def check(requests: list[tuple[str, str, list[str], int]]) -> None:
        api.responses.clear()
        for request in requests:
            counts[finish_reason_of(api, *request)] += 1
        expected = {"length": counts["length"], "stop": counts["stop"]}
        api.expect(api.get("/stats/finish_reasons"), 200, expected, hint=FINISH_RULE)

    check()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/generations/stats", marks=pytest.mark.task(id="ch07.ex1")),
        pytest.param(
            "DELETE", "/generations/{generation_id}", marks=pytest.mark.task(id="ch07.ex2")
        ),
        pytest.param("GET", "/stats/slots", marks=pytest.mark.task(id="ch07.ex3")),
        pytest.param("GET", "/stats/finish_reasons", marks=pytest.mark.task(id="ch07.ex4")),
    ],
)
def test_the_operation_is_listed_under_exercises(api: Api, method: str, path: str) -> None:
    check_operation_is_an_exercise(api.get("/openapi.json").json(), method, path)
