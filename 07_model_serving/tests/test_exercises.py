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
                f"Waited {WAIT_AT_MOST_S} s for {what}, in vain. (On a machine this busy the "
                "check is not to be trusted: run it again when the machine is quieter.)"
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
        self.api.expect(answer, status, hint=f"{what} (given code).")
        return int(answer.json()["id"])

    def finish(self, job: int, expected: str) -> None:
        wait_for(lambda: status_of(self.api, job) not in IN_FLIGHT, f"job {job} to end")
        self.rows[job] = expected
        got = status_of(self.api, job)
        if got != expected:
            self.api.fail("A job (given code).", expected=expected, got=str(got))

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
            wait_for(lambda: shared().call("wait_entered", 1), "the job to reach the model")
            wait_for(lambda: status_of(self.api, job) == "running", f"job {job} to run")
            self.rows[job] = "running"
        else:
            self.rows[job] = "queued"

    def release(self) -> None:
        shared().call("open_gate")
        held, self.held = self.held, []
        for job in held:
            self.finish(job, "done")


COUNTS_RULE = (
    "GET /generations/stats answers how many generations are stored in each status, and "
    "`total`: every row counts, jobs still queued or running included."
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
        api.expect(answer, 200, hint="POST /generate (given code).")
    expected = {"total": 101, "queued": 0, "running": 0, "done": 101, "failed": 0}
    api.responses[:] = api.responses[-1:]  # the 101 creations need not be shown
    api.expect(
        api.get("/generations/stats"),
        200,
        expected,
        hint="101 generations stored: count every row in the database (SQL's COUNT with GROUP "
        "BY), not the rows of one page of GET /generations. " + COUNTS_RULE,
    )


DELETE_RULE = (
    'DELETE /generations/{generation_id} answers {"id": ..., "status": "deleted"} and the '
    "generation is gone (GET answers 404); an unknown id is 404 "
    '{"detail": "Generation 41 not found."}; a job still queued or running is 409 '
    '{"detail": "Generation 3 is still running."} and is kept.'
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
            self.api.expect(after, 200, hint=f"Generation {generation_id} must still be stored.")
        else:
            missing = {"detail": f"Generation {generation_id} not found."}
            self.api.expect(after, 404, missing, hint=DELETE_RULE)


@pytest.mark.task(id="ch07.ex2")
def test_delete_matches_a_model_of_the_store() -> None:
    run_state_machine_as_test(Delete, settings=half_the_runs())


SLOTS_RULE = (
    'GET /stats/slots answers one entry per slot in use, in slot order: {"slot": its number, '
    '"prompt_tokens": ..., "generated_tokens": ...}; [] when idle. `slot` is the slot\'s '
    "number, not a position in a list of the busy ones."
)


@pytest.mark.task(id="ch07.ex3")
def test_slots_show_what_each_slot_holds() -> None:
    api = fresh(CHAPTER, spec(gated=True, MAX_BATCH_SIZE="3", TESTKIT_STEP_S="0.02"))
    host = shared()
    host.call("close_gate")
    jobs = [api.post("/jobs", json={"prompt": "ab", "max_new_tokens": 100}).json()["id"]]
    wait_for(lambda: host.call("wait_entered", 1), "the first job to reach the model")
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
        api.fail(SLOTS_RULE, expected="three slots in use at once: 0, 1, 2", got=f"{seen[:5]}")
    if shown != [(0, 2), (2, 1)]:
        api.fail(
            SLOTS_RULE + " The job in slot 1 ended first: slots 0 and 2 stay in use.",
            expected="[(0, 2), (2, 1)] as (slot, prompt_tokens)",
            got=f"{shown}",
        )


def watch_slots(api: Api, jobs: dict[int, int]) -> list[Any]:
    """Snapshots of /stats/slots until every job ended."""
    seen: list[Any] = []

    def all_done() -> bool:
        seen.append(api.client.get("/stats/slots").json())
        return all(status_of(api, job) not in IN_FLIGHT for job in jobs)

    wait_for(all_done, "the jobs to end")
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
        api.expect(answer, 202, hint="POST /jobs (given code).")
        jobs[answer.json()["id"]] = length
    seen = watch_slots(api, jobs)
    slot_of: dict[int, int] = {}
    generated: dict[int, int] = {}
    for snapshot in seen:
        if not isinstance(snapshot, list):
            api.fail(SLOTS_RULE, expected="a list", got=str(snapshot)[:300])
        slots = [entry.get("slot") for entry in snapshot]
        if slots != sorted(set(slots)) or any(not 0 <= s < 3 for s in slots):
            api.fail(
                SLOTS_RULE, expected="distinct slot numbers 0 to 2, in order", got=f"{snapshot}"
            )
        for entry in snapshot:
            length, slot, made = entry["prompt_tokens"], entry["slot"], entry["generated_tokens"]
            if length not in budget or not 0 <= made <= budget[length]:
                api.fail(SLOTS_RULE, expected=f"a job of {lengths} tokens", got=f"{entry}")
            if slot_of.setdefault(length, slot) != slot:
                api.fail(
                    SLOTS_RULE + " A sequence keeps its slot until it ends.",
                    expected=f"the {length}-token prompt's job always in slot {slot_of[length]}",
                    got=f"it moved to slot {slot}: {snapshot}",
                )
            if made < generated.get(length, 0):
                api.fail(SLOTS_RULE, expected="generated_tokens that only grow", got=f"{snapshot}")
            generated[length] = made
    if not slot_of:
        api.fail(SLOTS_RULE, expected="a slot in use while jobs ran", got="always []")
    api.expect(api.get("/stats/slots"), 200, [], hint="Every job ended: " + SLOTS_RULE)


FINISH_RULE = (
    'GET /stats/finish_reasons answers {"length": ..., "stop": ...}: how many generations the '
    "engine has finished for each reason since it started (the start-up warm-up is one, "
    "ended by its length), whichever route asked for them, with the engine in a thread or in "
    "a process of its own."
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
        api.expect(answer, 200, hint="POST /v1/completions (given code).")
        return str(answer.json()["choices"][0]["finish_reason"])
    body = {"prompt": prompt, "max_new_tokens": tokens, "stop": stop, "temperature": 0}
    answer = api.post(route, json=body)
    if route == "/generate":
        api.expect(answer, 200, hint="POST /generate (given code).")
        return str(answer.json()["finish_reason"])
    api.expect(answer, 202, hint="POST /jobs (given code).")
    job = answer.json()["id"]
    wait_for(lambda: status_of(api, job) == "done", f"job {job} to be done")
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
