"""The engine on its own, on the committed model: batching, invariance, stops, back-pressure."""

import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import torch

WEIGHTS = Path(__file__).resolve().parents[1] / "model" / "weights" / "code-gpt.safetensors"


@pytest.fixture
def make_engine(engine_parts: ModuleType, engine_mode: str) -> Iterator[object]:
    """An engine on the committed model, in a thread or in a process of its own."""
    torch.set_num_threads(1)
    started = []

    def make(slots: int = 8, max_waiting: int = 128, start: bool = True) -> object:
        runner = engine_parts.ModelRunner(WEIGHTS, "cpu", slots)
        if engine_mode == "process":
            engine = engine_parts.EngineProcess(runner, "cpu", max_waiting, threads=1)
        else:
            engine = engine_parts.Engine(runner, max_waiting=max_waiting)
        if start:
            engine.start()
            started.append(engine)
        return engine

    yield make
    for engine in started:
        engine.stop(drain_s=0)


def submit(engine_parts: ModuleType, engine: object, prompt: str, **params: object) -> object:
    ids = engine.runner.tokenizer.encode(prompt)
    return engine.submit(ids, engine_parts.SamplingParams(**params))


def run(engine_parts: ModuleType, engine: object, prompt: str, **params: object) -> object:
    return submit(engine_parts, engine, prompt, **params).future.result(timeout=60)


@pytest.mark.parametrize(
    "params", [{"temperature": 0}, {"temperature": 1.0, "top_p": 0.9, "seed": 42}]
)
def test_batching_does_not_change_a_completion(
    engine_parts: ModuleType, make_engine: object, params: dict[str, object]
) -> None:
    engine = make_engine(slots=64)
    alone = run(engine_parts, engine, "def parse(", max_new_tokens=40, **params)
    rng = random.Random(0)
    for neighbours in (1, 17, 63):
        others = [
            submit(
                engine_parts,
                engine,
                "".join(rng.choice("abcdef (:\n") for _ in range(rng.randint(1, 100))),
                max_new_tokens=rng.randint(1, 60),
                temperature=rng.choice([0, 0.7, 1.3]),
                seed=rng.randint(0, 1000),
            )
            for _ in range(neighbours)
        ]
        crowded = run(engine_parts, engine, "def parse(", max_new_tokens=40, **params)
        assert crowded.text == alone.text, f"changed beside {neighbours} others"
        for other in others:
            other.future.result(timeout=60)


def test_batches_form_when_requests_arrive_together(
    engine_parts: ModuleType, make_engine: object
) -> None:
    engine = make_engine(slots=16)
    sequences = [submit(engine_parts, engine, f"x{i} = ", max_new_tokens=20) for i in range(16)]
    for sequence in sequences:
        sequence.future.result(timeout=60)
    stats = engine.stats()
    assert stats.mean_batch_size > 8, stats
    assert (stats.requests_served, stats.tokens_generated) == (16, 16 * 20)


def test_a_stop_string_ends_the_completion_and_never_leaks(
    engine_parts: ModuleType, make_engine: object
) -> None:
    engine = make_engine()
    free = run(engine_parts, engine, "def ", max_new_tokens=40, temperature=0)
    assert free.text.startswith("__init__(self"), free.text
    pieces: list[str] = []
    ids = engine.runner.tokenizer.encode("def ")
    params = engine_parts.SamplingParams(max_new_tokens=40, temperature=0, stop=("(self", "xyz"))
    sequence = engine.submit(ids, params, lambda text, done, logprobs: pieces.append(text))
    stopped = sequence.future.result(timeout=60)
    assert (stopped.text, stopped.finish_reason) == ("__init__", "stop")
    assert stopped.tokens == len("__init__(self")
    assert "".join(pieces) == "__init__"
    assert not any("(" in piece for piece in pieces), pieces


def test_a_full_context_ends_with_length(engine_parts: ModuleType, make_engine: object) -> None:
    engine = make_engine()
    context = engine.runner.context
    done = run(engine_parts, engine, "x" * (context - 3), max_new_tokens=50, temperature=0)
    assert (done.tokens, done.finish_reason) == (4, "length")


@pytest.mark.thread_engine_only  # the engine process starts with its engine
def test_the_waiting_line_is_bounded(engine_parts: ModuleType, make_engine: object) -> None:
    engine = make_engine(max_waiting=2, start=False)
    submit(engine_parts, engine, "a")
    submit(engine_parts, engine, "b")
    with pytest.raises(engine_parts.QueueFull):
        submit(engine_parts, engine, "c")


def test_a_cancelled_sequence_frees_its_slot_and_the_others_go_on(
    engine_parts: ModuleType, make_engine: object
) -> None:
    engine = make_engine(slots=2)
    long = submit(engine_parts, engine, "def ", max_new_tokens=120, temperature=0)
    other = submit(engine_parts, engine, "import ", max_new_tokens=120, temperature=0)
    time.sleep(0.05)
    long.cancel()
    with pytest.raises(engine_parts.SequenceCancelled):
        long.future.result(timeout=10)
    assert other.future.result(timeout=60).tokens > 0
    assert engine.stats().running == 0


@pytest.mark.thread_engine_only  # the engine process starts with its engine
def test_stop_drains_then_answers_what_is_left(
    engine_parts: ModuleType, make_engine: object
) -> None:
    engine = make_engine(slots=1, start=False)
    first = submit(engine_parts, engine, "def ", max_new_tokens=100)
    second = submit(engine_parts, engine, "import ", max_new_tokens=100)
    engine.start()
    stopper = threading.Thread(target=engine.stop, args=(0,))
    stopper.start()
    stopper.join(timeout=30)
    for sequence in (first, second):
        with pytest.raises(engine_parts.EngineStopped):
            sequence.future.result(timeout=5)
    with pytest.raises(engine_parts.EngineStopped):
        submit(engine_parts, engine, "late")
    assert not engine.is_alive()


def test_a_caller_cancelling_its_future_never_breaks_the_engine(
    engine_parts: ModuleType, make_engine: object
) -> None:
    # asyncio.wait_for(asyncio.wrap_future(...)) cancels the future when it times out.
    engine = make_engine(slots=1)
    running = submit(engine_parts, engine, "def ", max_new_tokens=60, temperature=0)
    waiting = submit(engine_parts, engine, "import ", max_new_tokens=5, temperature=0)
    deadline = time.monotonic() + 30
    while not running.future.running():  # admitted (in a process: and the server was told)
        assert time.monotonic() < deadline, "not admitted within 30 s"
        time.sleep(0.005)
    assert running.future.cancel() is False, "a running sequence is answered by the engine only"
    assert waiting.future.cancel() is True, "a waiting one may still be withdrawn"
    assert running.future.result(timeout=30).tokens == 60
    after = run(engine_parts, engine, "class ", max_new_tokens=5, temperature=0)
    assert after.tokens == 5 and engine.is_alive()


@pytest.mark.thread_engine_only  # the engine process starts with its engine
def test_a_cancelled_waiter_gives_its_place_back_and_is_answered(
    engine_parts: ModuleType, make_engine: object
) -> None:
    engine = make_engine(slots=1, max_waiting=2, start=False)
    waiting = [submit(engine_parts, engine, prompt) for prompt in ("a", "b")]
    for sequence in waiting:
        sequence.cancel()  # the client went away while it waited
    third = submit(engine_parts, engine, "c")  # no QueueFull: the two gave their places back
    assert engine.stats().waiting == 1
    for sequence in waiting:
        with pytest.raises(engine_parts.SequenceCancelled):
            sequence.future.result(timeout=1)
    engine.start()
    assert third.future.result(timeout=60).tokens > 0
