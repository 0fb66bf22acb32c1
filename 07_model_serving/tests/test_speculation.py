"""Speculative decoding by prompt lookup: more tokens a step, and never another text.

The rules, from the lesson:
- the guess is what followed the latest earlier occurrence of the text's last 4 tokens (or 3,
  2, 1: the longest found), up to SPECULATIVE_TOKENS tokens and what the request may still get;
- guesses fill the rows of the decode step that no sequence holds: a guess's row reads and writes
  its sequence's slot, so its logits are bit for bit those that a step without guesses computes
  once the guessed tokens are really there;
- a sequence keeps its own token, then each guess's token while the guess before it is what the
  model picked, each picked with the random number it would have had: greedy and seeded texts,
  log-probabilities, stops and patterns are exactly those of plain decoding.
"""

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
import torch
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testkit.inprocess import load_file

HOOKS = load_file(Path(__file__).with_name("host_hooks.py"))  # the tests' runners
WEIGHTS = Path(__file__).resolve().parents[1] / "model" / "weights" / "code-gpt.safetensors"
VOCABULARY = "\n" + "".join(map(chr, range(32, 127)))
CODE = [
    "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        self.",
    "import os\nimport sys\nimport ",
    "for i in range(10):\n    print(i)\nfor j in range(",
    "def add(a, b):\n    return a + b\n\ndef ",
    "x = 1\n",
]
PATTERNS = [r"(def|class) [a-z_]{1,12}\(", r"[0-9]{1,4}(\.[0-9]{1,3})?", r"self\.[a-z]+ = [a-z]+"]


def latest_follower(tokens: list[int], size: int) -> list[int]:
    """The rule spelled out: for n = 4, 3, 2, 1, the latest i with tokens[i:i+n] equal to the
    last n tokens and something after it; what follows it, at most `size` tokens."""
    for n in (4, 3, 2, 1):
        for i in range(len(tokens) - n - 1, -1, -1):
            if tokens[i : i + n] == tokens[-n:]:
                return tokens[i + n : i + n + size]
    return []


@pytest.fixture
def speculation(chapter: Callable[[str], ModuleType]) -> ModuleType:
    return chapter("engine.speculation")


def test_the_guess_is_what_followed_the_longest_ending_seen_before(
    speculation: ModuleType,
) -> None:
    ids = [ord(c) for c in "self.x = x\n        self."]
    assert speculation.propose(ids, 3) == [ord(c) for c in "x ="]
    assert speculation.propose(ids, 0) == []
    assert speculation.propose([ord(c) for c in "abc"], 3) == []  # nothing repeats
    assert speculation.propose([7, 7], 3) == [7]  # what follows may run to the end


@pytest.mark.slow  # generated cases: `make test` and CI run them, `make test-7` not
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tokens=st.lists(st.integers(0, 5), min_size=1, max_size=60),
    size=st.integers(0, 8),
)
def test_the_guess_follows_the_rule_on_any_tokens(
    speculation: ModuleType, tokens: list[int], size: int
) -> None:
    assert speculation.propose(tokens, size) == latest_follower(tokens, size)


def plain_rows(runner: object, slot: int, prompt: list[int], fed: list[int]) -> list[torch.Tensor]:
    """Slot `slot`'s logits, feeding `fed` one token a step (the smallest proven batch)."""
    runner.prefill([(slot, prompt)])
    rows = max(runner.buckets[0], slot + 1)
    rows = next(size for size in runner.buckets if size >= rows)
    out = []
    for offset, token in enumerate(fed):
        tokens, positions = [0] * rows, [0] * rows
        tokens[slot], positions[slot] = token, len(prompt) - 1 + offset
        out.append(runner.decode(tokens, positions)[slot])
    return out


def guessed_rows(
    runner: object, slot: int, prompt: list[int], fed: list[int], neighbours: list[list[int]]
) -> list[torch.Tensor]:
    """The same logits from ONE step: the sequence's own row in its slot, the later tokens in
    the rows after the neighbours', all reading and writing `slot`."""
    for other, ids in enumerate(neighbours):
        runner.prefill([(other, ids)])
    runner.prefill([(slot, prompt)])
    used = max(len(neighbours), slot + 1)
    size = next(size for size in runner.buckets if size >= used + len(fed) - 1)
    tokens = [ids[-1] for ids in neighbours] + [0] * (size - len(neighbours))
    positions = [len(ids) - 1 for ids in neighbours] + [0] * (size - len(neighbours))
    slots = list(range(size))
    rows = [slot, *range(used, used + len(fed) - 1)]
    for offset, (row, token) in enumerate(zip(rows, fed, strict=True)):
        tokens[row], positions[row], slots[row] = token, len(prompt) - 1 + offset, slot
    logits = runner.decode(tokens, positions, slots)
    return [logits[row] for row in rows]


@pytest.fixture
def runner(chapter: Callable[[str], ModuleType]) -> object:
    torch.set_num_threads(1)  # the chapter's setting (CPU_THREADS=1)
    runner = chapter("engine").ModelRunner(WEIGHTS, "cpu", 16)
    runner.buckets  # noqa: B018 (proven first: the proof fills and then empties the cache)
    return runner


def test_a_guess_row_gets_the_bits_of_the_step_it_saves(runner: object) -> None:
    prompt = runner.tokenizer.encode(CODE[0])
    fed = runner.tokenizer.encode("x = x")
    alone = plain_rows(runner, 2, prompt, fed)
    neighbours = [runner.tokenizer.encode(text) for text in ("def ", "import os")]
    crowded = guessed_rows(runner, 2, prompt, fed, neighbours)
    assert all(torch.equal(a, b) for a, b in zip(alone, crowded, strict=True))


@pytest.mark.slow
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prompt=st.text(alphabet=VOCABULARY, min_size=1, max_size=90),
    fed=st.text(alphabet=VOCABULARY, min_size=1, max_size=8),
    slot=st.integers(0, 5),
    neighbours=st.lists(st.text(alphabet=VOCABULARY, min_size=1, max_size=30), max_size=3),
)
def test_guess_rows_get_the_bits_of_plain_steps_anywhere_in_a_batch(
    runner: object, prompt: str, fed: str, slot: int, neighbours: list[str]
) -> None:
    encode = runner.tokenizer.encode
    prompt_ids = encode(prompt)[: 128 - len(fed)]
    others = [encode(text) for text in neighbours[:slot]]
    alone = plain_rows(runner, slot, prompt_ids, encode(fed))
    crowded = guessed_rows(runner, slot, prompt_ids, encode(fed), others)
    assert all(torch.equal(a, b) for a, b in zip(alone, crowded, strict=True))


def engines(parts: ModuleType, runner: object) -> tuple[object, object]:
    """The same runner's model behind two engines: without guesses, and with up to 3."""
    plain = parts.Engine(runner, max_waiting=64)
    guessing = parts.Engine(type(runner)(WEIGHTS, "cpu", 16), max_waiting=64, speculative_tokens=3)
    plain.start()
    guessing.start()
    return plain, guessing


def same_answer(a: object, b: object) -> None:
    fields = ("text", "tokens", "finish_reason", "logprobs", "prompt_tokens")
    assert {f: getattr(a, f) for f in fields} == {f: getattr(b, f) for f in fields}


def test_guessing_changes_no_text_and_gains_tokens(
    engine_parts: ModuleType, runner: object
) -> None:
    plain, guessing = engines(engine_parts, runner)
    try:
        asks = [
            engine_parts.SamplingParams(max_new_tokens=60, temperature=0, logprobs=2),
            engine_parts.SamplingParams(max_new_tokens=40, temperature=0.8, top_k=8, seed=5),
        ]
        for text in CODE[:3]:
            ids = runner.tokenizer.encode(text)
            for params in asks:
                expected = plain.submit(ids, params).future.result(timeout=60)
                same_answer(guessing.submit(ids, params).future.result(timeout=60), expected)
        drafted, accepted = (
            guessing.stats().spec_draft_tokens,
            guessing.stats().spec_accepted_tokens,
        )
        assert 0 < accepted <= drafted
        assert (plain.stats().spec_draft_tokens, plain.stats().spec_accepted_tokens) == (0, 0)
        # Each accepted guess is a token that needed no step of its own (a step is counted
        # once it has answered: stopped, both engines have counted them all).
        plain.stop(drain_s=0)
        guessing.stop(drain_s=0)
        assert guessing.stats().tokens_generated == plain.stats().tokens_generated
        assert plain.step_times().steps - guessing.step_times().steps == accepted
    finally:
        plain.stop(drain_s=0)
        guessing.stop(drain_s=0)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    prompt = draw(st.sampled_from(CODE) | st.text(alphabet=VOCABULARY, min_size=1, max_size=60))
    fields: dict[str, object] = {
        "max_new_tokens": draw(st.integers(1, 70)),
        "temperature": draw(st.sampled_from([0.0, 0.5, 1.0, 1.5])),
        "top_p": draw(st.sampled_from([1.0, 0.9])),
        "seed": draw(st.integers(0, 2**31)),
    }
    if draw(st.booleans()):
        fields["stop"] = tuple(draw(st.lists(st.text("\n :=(es", min_size=1, max_size=3))))
    if draw(st.booleans()):
        fields["logprobs"] = draw(st.integers(0, 3))
    if draw(st.integers(0, 4)) == 0:
        fields["regex"] = draw(st.sampled_from(PATTERNS))
    return prompt, fields


@pytest.mark.slow
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(requests(), min_size=1, max_size=6))
def test_any_batch_gets_with_guesses_what_each_request_gets_alone_without(
    engine_parts: ModuleType, runner: object, batch: list[tuple[str, dict[str, object]]]
) -> None:
    plain, guessing = engines(engine_parts, runner)
    try:
        asks = [(runner.tokenizer.encode(p), engine_parts.SamplingParams(**f)) for p, f in batch]
        alone = [plain.submit(ids, params).future.result(timeout=60) for ids, params in asks]
        together = [guessing.submit(ids, params) for ids, params in asks]  # one batch
        for sequence, expected in zip(together, alone, strict=True):
            same_answer(sequence.future.result(timeout=60), expected)
    finally:
        plain.stop(drain_s=0)
        guessing.stop(drain_s=0)


@pytest.mark.usefixtures("engine_mode")
def test_stats_and_metrics_count_the_guesses(
    env: pytest.MonkeyPatch, load_app: Callable[[], FastAPI]
) -> None:
    body = {"model": "code-gpt-char", "prompt": CODE[0], "max_tokens": 40, "temperature": 0}
    answers = {}
    for guesses in ("0", "3"):
        env.setenv("SPECULATIVE_TOKENS", guesses)
        with TestClient(load_app()) as client:
            before = client.get("/stats").json()
            answers[guesses] = client.post("/v1/completions", json=body).json()["choices"]
            after = client.get("/stats").json()
            lines = client.get("/metrics").text.splitlines()
        drafted = after["spec_draft_tokens"] - before["spec_draft_tokens"]
        accepted = after["spec_accepted_tokens"] - before["spec_accepted_tokens"]
        if guesses == "0":
            assert (after["spec_draft_tokens"], after["spec_accepted_tokens"]) == (0, 0)
        else:
            assert 0 < accepted <= drafted <= 3 * 40
        for field in ("spec_draft_tokens", "spec_accepted_tokens"):
            assert f"codegpt_{field}_total {float(after[field])}" in lines
    assert answers["3"] == answers["0"]


class Steps(HOOKS.WrappedRunner):
    """The real runner, keeping each decode step's row count and the slot of each row."""

    def __init__(self, real: object) -> None:
        super().__init__(real)
        self.seen = []

    def enter(self, prompts: list[object], tokens: list[int], slots: list[int] | None) -> None:
        if tokens:
            self.seen.append((len(tokens), slots))


def decode_steps(parts: ModuleType, runner: object, cap: int, count: int) -> list[tuple]:
    """(rows, slots) of each decode step for `count` copies of a repetitive greedy request,
    all queued before the engine starts, so that they run together from the first step."""
    steps = Steps(runner)
    engine = parts.Engine(steps, max_waiting=8, speculative_tokens=cap)
    params = parts.SamplingParams(max_new_tokens=30, temperature=0)
    prompt = runner.tokenizer.encode(CODE[1])
    sequences = [engine.submit(prompt, params) for _ in range(count)]
    engine.start()
    for sequence in sequences:
        sequence.future.result(timeout=60)
    engine.stop(drain_s=0)
    return steps.seen


def test_guesses_take_only_free_rows_and_never_grow_a_step(
    engine_parts: ModuleType, runner: object
) -> None:
    alone = decode_steps(engine_parts, runner, cap=2, count=1)
    three = decode_steps(engine_parts, runner, cap=2, count=3)
    smallest = runner.buckets[0]
    # Alone: the smallest bucket every step, at most `cap` rows of guesses for slot 0.
    assert {rows for rows, _ in alone} == {smallest}
    guessing = [slots for _, slots in alone if slots is not None]
    assert guessing, "a repetitive prompt gets guesses"
    assert all(slots.count(0) - 1 <= 2 for slots in guessing)
    # Three at once in 4 rows: fewer rows free than sequences run, so no guesses at all.
    assert all(rows == smallest and slots is None for rows, slots in three)
