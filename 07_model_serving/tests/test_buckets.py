"""Decode buckets: only the batch sizes proven bitwise invariant are used, and a row's logits
are the same bits whoever its neighbours are, wherever it sits, whenever it joined."""

import threading
from pathlib import Path
from types import ModuleType

import pytest
import torch

WEIGHTS = Path(__file__).resolve().parents[1] / "model" / "weights" / "code-gpt.safetensors"
SLOTS = 16


@pytest.fixture
def runner(engine_parts: ModuleType) -> object:
    torch.set_num_threads(1)  # the chapter's setting (CPU_THREADS=1)
    return engine_parts.ModelRunner(WEIGHTS, "cpu", SLOTS)


def prefill(runner: object, prompts: list[str]) -> list[int]:
    lengths = []
    for slot, prompt in enumerate(prompts):
        ids = runner.tokenizer.encode(prompt)
        runner.prefill(slot, ids)
        lengths.append(len(ids))
    return lengths


def test_the_sizes_kept_are_those_whose_rows_match_the_full_batch(
    runner: object, chapter: object
) -> None:
    buckets = chapter("engine.buckets")
    kept = runner.buckets
    assert kept[-1] == SLOTS and set(kept) <= set(buckets.candidates(SLOTS))
    prompts = ["def f(" if slot % 2 else "import " for slot in range(SLOTS)]
    lengths = prefill(runner, prompts)
    tokens = runner.tokenizer.encode("x" * SLOTS)
    full = runner.decode(tokens, lengths)
    for size in buckets.candidates(SLOTS):
        same = torch.equal(runner.decode(tokens[:size], lengths[:size]), full[:size])
        assert same == (size in kept), f"bucket {size}: rows equal {same}, kept {kept}"
    assert [buckets.bucket(kept, rows) for rows in (1, SLOTS)] == [kept[0], SLOTS]


def test_a_row_gets_the_same_bits_in_the_first_and_the_second_half_of_a_batch(
    runner: object,
) -> None:
    kept = runner.buckets  # proven first: the probe fills and then empties the cache
    prompts = ["class A:\n    " if slot in (0, SLOTS - 3) else "x = 1" for slot in range(SLOTS)]
    lengths = prefill(runner, prompts)
    tokens = runner.tokenizer.encode("d" * SLOTS)
    rows = runner.decode(tokens, lengths)
    assert torch.equal(rows[0], rows[SLOTS - 3])
    for size in kept:
        if size > SLOTS - 3:
            assert torch.equal(runner.decode(tokens[:size], lengths[:size])[SLOTS - 3], rows[0])


class Recorder:
    """The real runner, keeping the logits row of one slot at each decode step it is busy."""

    def __init__(self, real: object, slot: int) -> None:
        self.real, self.slot, self.rows = real, slot, []

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def decode(
        self, tokens: list[int], positions: list[int], slots: list[int] | None = None
    ) -> torch.Tensor:
        logits = self.real.decode(tokens, positions, slots)
        if self.slot < len(tokens) and positions[self.slot] > 0:  # a free slot sits at 0
            self.rows.append(logits[self.slot].clone())
        return logits


def test_a_sequence_admitted_mid_generation_gets_the_bits_it_gets_alone(
    engine_parts: ModuleType, runner: object
) -> None:
    params = engine_parts.SamplingParams(max_new_tokens=30, temperature=0)
    prompt = runner.tokenizer.encode("def read(path):\n    ")

    alone = Recorder(runner, slot=0)
    engine = engine_parts.Engine(alone, max_waiting=8)
    engine.start()
    first = engine.submit(prompt, params).future.result(timeout=60)
    engine.stop(drain_s=0)

    crowded = Recorder(runner, slot=5)
    engine = engine_parts.Engine(crowded, max_waiting=64)
    engine.start()
    long = engine_parts.SamplingParams(max_new_tokens=100, temperature=0.8, seed=3)
    neighbours = [engine.submit(runner.tokenizer.encode(p), long) for p in "vwxyz"]
    while min(len(n.output_ids) for n in neighbours) < 10:  # they are well under way
        threading.Event().wait(0.005)
    later = engine.submit(prompt, params)  # slot 5 is free, and it is the lowest free slot
    second = later.future.result(timeout=60)
    for neighbour in neighbours:
        neighbour.cancel()
    engine.stop(drain_s=0)

    assert later.slot == 5
    assert second.text == first.text
    # Every decode step of the sequence alone, and the same steps in slot 5 among neighbours.
    assert len(alone.rows) == len(crowded.rows) == 29
    assert all(torch.equal(a, b) for a, b in zip(alone.rows, crowded.rows, strict=True))
