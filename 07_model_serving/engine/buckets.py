"""How many rows a decode step or a prefill pass computes: the fewest that keep every row's
logits bitwise equal.

A step decodes a prefix of the slots, the *bucket*: the smallest allowed size that holds every
running sequence. Computing 4 rows costs far less than 32, but a matrix product may add in
another order for another number of rows, and then a row's logits, and with them its greedy or
seeded text, would depend on how many neighbours it had. So the engine proves at start-up, on
the machine and with the threads it runs with, which sizes give every row exactly the logits of
the largest batch, and uses only those (`probe`). On two cores with one PyTorch thread, sizes
of 4 and up agree and 1 to 3 do not; a size that disagrees is never used.

It also checks that a row's logits do not depend on its slot: the same sequence in the first
and in the last slot must give the same bits. A setting that breaks this (on some machines,
several PyTorch threads split the rows between them) stops the start with a clear message.

A prefill pass packs the chunks of several prompts one after the other, padded to a multiple of
8 rows; the same proof keeps the lengths whose prompts come out (logits, keys and values) as in
the longest pass, so a prompt prefilled beside others gets the bits it gets alone. And a step
that both decodes and prefills does it in one pass (the decode rows first) only for the batch
sizes proven to give both exactly what passes of their own give (`probe_mixed`).
"""

from typing import Protocol

import torch
from torch import Tensor

from model import KVCache
from model.gpt import GPT, PREFILL_CHUNK, Chunk, DecodeRows

PREFILL_STEP = 8  # a prefill pass's rows are a multiple of this
PROBE_LENGTHS = [3, 29, 11, 32, 7, 21, 14, 5, 26, 17, 9, 31]  # the prefill probe's prompts
PROBE_PROMPTS = ["def ", "import os\n", "class A:\n    ", "for i in range(", "x = ", "# "]


class NotInvariant(Exception):
    """A row's logits depend on where it sits in the batch: the message says what to set."""


class Runner(Protocol):
    slots: int
    tokenizer: "Tokenizer"
    cache: "Cache"
    model: GPT
    device: torch.device
    dtype: torch.dtype

    def prefill(self, prompts: list[tuple[int, list[int]]]) -> Tensor: ...

    def decode(self, tokens: list[int], positions: list[int]) -> Tensor: ...


class MixingRunner(Runner, Protocol):
    buckets: list[int]
    prefill_buckets: list[int]


class Tokenizer(Protocol):
    def encode(self, text: str) -> list[int]: ...


class Cache(Protocol):
    keys: Tensor
    values: Tensor


def candidates(slots: int) -> list[int]:
    """Powers of two below the slot count, and the slot count itself."""
    sizes, size = [], 1
    while size < slots:
        sizes.append(size)
        size *= 2
    return [*sizes, slots]


def prefill_candidates(most: int) -> list[int]:
    """Multiples of PREFILL_STEP below `most`, and `most` itself."""
    return [*range(PREFILL_STEP, most, PREFILL_STEP), most]


def _probe_prompts(runner: Runner, most: int) -> list[list[int]]:
    """Prompts of a chunk or less, of varied lengths, `most` tokens in all."""
    text = runner.tokenizer.encode("".join(PROBE_PROMPTS) * 64)
    prompts, taken = [], 0
    while sum(map(len, prompts)) < most:
        length = min(PROBE_LENGTHS[len(prompts) % len(PROBE_LENGTHS)], PREFILL_CHUNK, most)
        prompts.append(text[taken : taken + length])
        taken += length
    return prompts


def _fitting(prompts: list[list[int]], rows: int) -> int:
    """How many of the prompts, from the first, a pass of `rows` rows holds (one at least)."""
    count = 1
    while count < len(prompts) and sum(map(len, prompts[: count + 1])) <= rows:
        count += 1
    return count


def probe_prefill(runner: Runner, most: int) -> list[int]:
    """The prefill pass lengths (rows) whose prompts get bitwise what the longest pass gives
    them: the logits after their last token, and the keys and values left in their slots (the
    longest always). Each length packs as many of the probe's prompts as it holds."""
    prompts = _probe_prompts(runner, most)

    def run(rows: int) -> tuple[int, Tensor, KVCache]:
        count = _fitting(prompts, rows)
        cache = KVCache(runner.model.config, len(prompts), runner.device, runner.dtype)
        chunks = [Chunk(ids, slot, 0) for slot, ids in enumerate(prompts[:count])]
        return count, runner.model.prefill(chunks, cache, rows), cache

    _, full, full_cache = run(most)
    kept = []
    for rows in prefill_candidates(most):
        count, logits, cache = run(rows)
        same = torch.equal(logits, full[:count]) and all(
            torch.equal(part[:, slot, :, : len(ids)], whole[:, slot, :, : len(ids)])
            for part, whole in ((cache.keys, full_cache.keys), (cache.values, full_cache.values))
            for slot, ids in enumerate(prompts[:count])
        )
        if same:
            kept.append(rows)
    return kept


def probe_mixed(runner: MixingRunner) -> list[int]:
    """The decode batch sizes (of the proven ones) whose rows may share a pass with a prefill
    of any proven length: in such a pass the decode rows get bitwise the logits, keys and
    values of a decode pass of their own, and the prompts those of a prefill pass of their own.
    The decode rows are those of `probe`: every slot holds a prompt and decodes a space."""
    model, sizes, lengths = runner.model, runner.buckets, runner.prefill_buckets
    prompts = _probe_prompts(runner, lengths[-1])
    cache = KVCache(model.config, runner.slots + len(prompts), runner.device, runner.dtype)
    held = [prompts[slot % len(prompts)] for slot in range(runner.slots)]
    first = 0
    while first < len(held):  # as many prompts a pass as the longest pass holds
        count = _fitting(held[first:], lengths[-1])
        chunks = [Chunk(ids, first + i, 0) for i, ids in enumerate(held[first : first + count])]
        model.prefill(chunks, cache, bucket(lengths, sum(len(c.ids) for c in chunks)))
        first += count
    space = runner.tokenizer.encode(" ")[0]
    positions = torch.tensor([len(ids) for ids in held], device=runner.device)
    decode_rows = {
        size: DecodeRows(
            torch.full((size,), space, dtype=torch.long, device=runner.device), positions[:size]
        )
        for size in sizes
    }

    def written(size: int) -> list[Tensor]:
        """What the decode rows wrote: each row's key and value at its position, every layer."""
        rows = torch.arange(size)
        return [part[:, rows, :, positions[:size]].clone() for part in (cache.keys, cache.values)]

    def prompts_kv(count: int) -> list[Tensor]:
        return [
            part[:, runner.slots + slot, :, : len(ids)].clone()
            for part in (cache.keys, cache.values)
            for slot, ids in enumerate(prompts[:count])
        ]

    alone = {}
    for size in sizes:
        alone[size] = (model.step(cache, decode_rows[size], [], 0), written(size))
    kept = set(sizes)
    for rows in lengths:
        count = _fitting(prompts, rows)
        chunks = [Chunk(ids, runner.slots + slot, 0) for slot, ids in enumerate(prompts[:count])]
        prefilled, prefilled_kv = model.prefill(chunks, cache, rows), prompts_kv(count)
        for size in sorted(kept):
            out = model.step(cache, decode_rows[size], chunks, rows)
            logits, kv = alone[size]
            same = torch.equal(out[:size], logits) and torch.equal(out[size:], prefilled)
            same = same and all(map(torch.equal, written(size), kv))
            if not (same and all(map(torch.equal, prompts_kv(count), prefilled_kv))):
                kept.discard(size)
    return sorted(kept)


def _prefill_every_slot(runner: Runner) -> list[int]:
    """A prompt in every slot, the same one in the first and the last; the prompts' lengths."""
    prompts = []
    for slot in range(runner.slots):
        prompt = PROBE_PROMPTS[0 if slot in (0, runner.slots - 1) else slot % len(PROBE_PROMPTS)]
        prompts.append((slot, runner.tokenizer.encode(prompt)))
    runner.prefill(prompts)
    return [len(ids) for _, ids in prompts]


def probe(runner: Runner) -> list[int]:
    """The bucket sizes whose rows are bitwise those of the full batch (the full size always)."""
    lengths = _prefill_every_slot(runner)
    tokens = [runner.tokenizer.encode(" ")[0]] * runner.slots
    full = runner.decode(tokens, lengths)
    if runner.slots > 1 and not torch.equal(full[0], full[-1]):
        raise NotInvariant(
            "the same sequence gives other logits in the first and the last slot with "
            f"{torch.get_num_threads()} PyTorch threads on this machine, so a request's text "
            "would depend on its neighbours: set CPU_THREADS=1"
        )
    kept = []
    for size in candidates(runner.slots):
        rows = runner.decode(tokens[:size], lengths[:size])
        if torch.equal(rows, full[:size]):
            kept.append(size)
    runner.cache.keys.zero_()
    runner.cache.values.zero_()
    return kept


def bucket(kept: list[int], rows: int) -> int:
    """The smallest kept size that holds `rows` rows."""
    return next(size for size in kept if size >= rows)
