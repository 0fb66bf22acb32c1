"""Buckets: only the decode batch sizes and prefill pass lengths proven bitwise invariant are
used, and a row's logits are the same bits whoever its neighbours are, wherever it sits, whenever
it joined, and whatever prompts it was prefilled with."""

import threading
from pathlib import Path
from types import ModuleType

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testkit.inprocess import load_file

HOOKS = load_file(Path(__file__).with_name("host_hooks.py"))  # the tests' runners
WEIGHTS = Path(__file__).resolve().parents[1] / "model" / "weights" / "code-gpt.safetensors"
SLOTS = 16
VOCABULARY = "\n" + "".join(map(chr, range(32, 127)))


@pytest.fixture
def runner(engine_parts: ModuleType) -> object:
    torch.set_num_threads(1)  # the chapter's setting (CPU_THREADS=1)
    return engine_parts.ModelRunner(WEIGHTS, "cpu", SLOTS)


def prefill(runner: object, prompts: list[str]) -> list[int]:
    encoded = [runner.tokenizer.encode(prompt) for prompt in prompts]
    runner.prefill(list(enumerate(encoded)))
    return [len(ids) for ids in encoded]


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


def pass_of(chapter: object, runner: object, prompts: list[list[int]], rows: int) -> tuple:
    """The first chunk of as many `prompts` as `rows` rows hold, in one pass, into a fresh cache
    (prompt i in slot i): how many went in, their logits, and the cache."""
    model = chapter("model")
    count = 1
    while count < len(prompts) and sum(map(len, prompts[: count + 1])) <= rows:
        count += 1
    cache = model.KVCache(runner.model.config, len(prompts), torch.device("cpu"))
    chunks = [model.Chunk(ids, slot, 0) for slot, ids in enumerate(prompts[:count])]
    return count, runner.model.prefill(chunks, cache, rows), cache


def test_the_prefill_lengths_kept_are_those_whose_prompts_match_the_longest_pass(
    runner: object, chapter: object
) -> None:
    buckets = chapter("engine.buckets")
    kept, longest = runner.prefill_buckets, runner.context
    assert kept[-1] == longest and set(kept) <= set(buckets.prefill_candidates(longest))
    lengths = [5, 30, 2, 19, 32, 8, 25, 13, 1, 27, 16]  # not the probe's own prompts
    text = runner.tokenizer.encode("for key, value in items.items():\n    print(key)\n" * 9)
    prompts = [text[sum(lengths[:i]) : sum(lengths[: i + 1])] for i in range(len(lengths))]
    _, full, full_cache = pass_of(chapter, runner, prompts, longest)
    for rows in buckets.prefill_candidates(longest):
        count, logits, cache = pass_of(chapter, runner, prompts, rows)
        same = torch.equal(logits, full[:count]) and all(
            torch.equal(cache.keys[:, slot, :, : len(ids)], full_cache.keys[:, slot, :, : len(ids)])
            for slot, ids in enumerate(prompts[:count])
        )
        assert same == (rows in kept), f"pass of {rows} rows: equal {same}, kept {kept}"


@pytest.mark.slow  # generated cases: `make test` and CI run them, `make test-7` not
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prompts=st.lists(
        st.text(alphabet=VOCABULARY, min_size=1, max_size=128), min_size=1, max_size=9
    ),
    data=st.data(),
)
def test_a_prompt_prefilled_beside_others_gets_the_bits_it_gets_alone(
    runner: object, engine_parts: ModuleType, prompts: list[str], data: st.DataObject
) -> None:
    """The runner packs the chunks of every prompt it is given into passes; a prompt's logits
    and the keys and values in its slot are those of the same prompt prefilled on its own."""
    encoded = [runner.tokenizer.encode(prompt) for prompt in prompts]
    target = data.draw(st.integers(0, len(prompts) - 1), label="target")
    slots = data.draw(st.permutations(range(SLOTS)), label="slots")[: len(prompts)]
    together = runner.prefill(list(zip(slots, encoded, strict=True)))
    alone = engine_parts.ModelRunner(WEIGHTS, "cpu", SLOTS)
    logits = alone.prefill([(slots[target], encoded[target])])
    assert torch.equal(together[target], logits[0])
    end = len(encoded[target])
    for mine, theirs in (
        (runner.cache.keys, alone.cache.keys),
        (runner.cache.values, alone.cache.values),
    ):
        assert torch.equal(mine[:, slots[target], :, :end], theirs[:, slots[target], :, :end])


def decoding(runner: object, slots: int) -> tuple[list[int], list[int]]:
    """A prompt in each of the first `slots` slots, the second of them free again: a decode
    step's tokens and positions for those slots (the free one at position 0, as the engine
    sends it)."""
    lengths = prefill(runner, ["def f(" if slot % 2 else "import " for slot in range(slots)])
    lengths[1] = 0
    return runner.tokenizer.encode("x" * slots), lengths


class Passes:
    """The runner's model, counting the passes it makes."""

    def __init__(self, model: object) -> None:
        self.model, self.count = model, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.model, name)

    def step(self, *args: object) -> torch.Tensor:
        self.count += 1
        return self.model.step(*args)

    def decode(self, *args: object) -> torch.Tensor:
        self.count += 1
        return self.model.decode(*args)


@pytest.mark.parametrize("mixed", [True, False])
def test_a_step_that_decodes_and_prefills_gives_the_bits_of_passes_of_their_own(
    engine_parts: ModuleType, mixed: bool
) -> None:
    """A prompt in a free slot inside the decode rows, its first block restored from the prefix
    cache: in one pass with the decode rows (their size proven for it) or in two (not proven),
    every row gets the bits that a decode alone and a prefill alone give; the free row in the
    prompt's slot writes nothing over the restored block."""
    prompt = "for key, value in sorted(items.items()):\n    print(key, value)\n"

    def fresh() -> object:
        """A runner whose prefix cache holds the prompt's first block (from slot SLOTS - 1)."""
        runner = engine_parts.ModelRunner(WEIGHTS, "cpu", SLOTS, prefix_blocks=4)
        runner.prefill([(SLOTS - 1, runner.tokenizer.encode(prompt))])
        return runner

    warm = fresh()
    ids = warm.tokenizer.encode(prompt)
    assert 32 < len(ids) <= 64  # one block restored, one chunk computed
    tokens, positions = decoding(warm, 8)
    if not mixed:
        warm.mixed_buckets = []
    assert (8 in warm.mixed_buckets) == mixed
    warm.model = Passes(warm.model)
    together = warm.step([(1, ids)], tokens, positions)
    assert warm.model.count == (1 if mixed else 2)
    assert warm.prefix_cache.stats.hits == 1

    apart = fresh()
    decoding(apart, 8)
    decoded = apart.decode(tokens, positions)
    prefilled = apart.prefill([(1, ids)])
    held = [row for row in range(8) if positions[row] > 0]  # not the free row (its slot, 1)
    assert torch.equal(together[held], decoded[held])
    assert torch.equal(together[8:], prefilled)
    for mine, theirs in (
        (warm.cache.keys, apart.cache.keys),
        (warm.cache.values, apart.cache.values),
    ):
        assert torch.equal(mine[:, :8], theirs[:, :8])


def test_the_decode_sizes_kept_for_mixed_passes_give_the_bits_of_passes_of_their_own(
    runner: object, chapter: object
) -> None:
    """Checked on prompts that are not the probe's own, at the shortest and longest pass."""
    model = chapter("model")
    kept = runner.mixed_buckets
    assert set(kept) <= set(runner.buckets)
    lengths = [5, 30, 2, 19, 32, 8, 25, 13, 1, 27, 16]
    text = runner.tokenizer.encode("while queue:\n    node = queue.pop()\n" * 9)
    prompts = [text[sum(lengths[:i]) : sum(lengths[: i + 1])] for i in range(len(lengths))]
    held = prefill(runner, [f"x{slot} = " * (slot % 5 + 1) for slot in range(SLOTS)])
    space = torch.tensor(runner.tokenizer.encode(" "))
    for rows in (runner.prefill_buckets[0], runner.prefill_buckets[-1]):
        count = 1
        while count < len(prompts) and sum(map(len, prompts[: count + 1])) <= rows:
            count += 1
        for size in runner.buckets:
            cache = model.KVCache(runner.model.config, SLOTS + count, torch.device("cpu"))
            cache.keys[:, :SLOTS], cache.values[:, :SLOTS] = runner.cache.keys, runner.cache.values
            chunks = [model.Chunk(ids, SLOTS + i, 0) for i, ids in enumerate(prompts[:count])]
            rows_ = model.gpt.DecodeRows(space.repeat(size), torch.tensor(held[:size]))
            out = runner.model.step(cache, rows_, chunks, rows)
            decoded = runner.model.decode(rows_.tokens, rows_.positions, cache)
            prefilled = runner.model.prefill(chunks, cache, rows)
            same = torch.equal(out, torch.cat([decoded, prefilled]))
            assert same or size not in kept, f"decode {size} with a prefill of {rows}: kept"


def test_the_mixed_probe_keeps_no_size_whose_pass_changes_a_bit(
    runner: object, chapter: object
) -> None:
    """A model whose passes that both decode and prefill are off by one bit in one logit: the
    probe keeps no decode size for them (and the engine gives each its own pass)."""
    real = runner.model.step

    def skewed(cache: object, decode: object, chunks: list, rows: int) -> torch.Tensor:
        out = real(cache, decode, chunks, rows)
        if decode is not None and chunks:
            out = out.clone()
            out[-1, 0] = torch.nextafter(out[-1, 0], torch.tensor(float("inf")))
        return out

    runner.model.step = skewed
    assert chapter("engine.buckets").probe_mixed(runner) == []


class Recorder(HOOKS.WrappedRunner):
    """The real runner, keeping the logits row of one slot at each decode step it is busy."""

    def __init__(self, real: object, slot: int) -> None:
        super().__init__(real)
        self.slot, self.rows = slot, []

    def leave(self, logits: torch.Tensor, tokens: list[int], positions: list[int]) -> torch.Tensor:
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
