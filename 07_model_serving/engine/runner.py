"""The engine's only window on `model/`: load the weights once, then prefill and decode.

Tests hand the engine a runner of their own (a smaller model, or one that fails on purpose)
through the app factory; anything with these attributes and methods will do.
"""

import functools
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from engine import buckets
from engine.prefix_cache import PrefixCache
from model import CharTokenizer, KVCache, ModelCard, load_checkpoint
from model.checkpoint import CheckpointError
from model.gpt import PREFILL_CHUNK, Chunk, DecodeRows

PROVEN: dict[tuple[object, ...], list[int]] = {}  # the buckets probed in this process


class ModelLoadError(Exception):
    """The service cannot start: the message says which file or device is the problem."""


def pick_device(setting: str) -> torch.device:
    if setting == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError("DEVICE=cuda, but PyTorch sees no CUDA GPU (see the chapter README)")
    if setting == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(setting)


def pick_dtype(device: torch.device) -> torch.dtype:
    """Half precision on a GPU (bfloat16 where supported), full precision on the CPU."""
    if device.type != "cuda":
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


class ModelRunner:
    def __init__(
        self, weights: Path, device_setting: str, slots: int, prefix_blocks: int = 0
    ) -> None:
        self.weights = weights
        self.device = pick_device(device_setting)
        try:
            model, tokenizer, card = load_checkpoint(weights, self.device)
        except CheckpointError as error:
            raise ModelLoadError(f"{error} (set MODEL_PATH, or run `make train-7`)") from None
        self.dtype = pick_dtype(self.device)
        self.model = model.to(self.dtype)
        self.tokenizer: CharTokenizer = tokenizer
        self.card: ModelCard = card
        self.slots = slots
        self.cache = KVCache(model.config, slots, self.device, self.dtype)
        self.prefix_cache = PrefixCache(prefix_blocks)

    @functools.cached_property
    def buckets(self) -> list[int]:
        """The batch sizes a decode step may use (engine/buckets.py), proven on first use:
        once per process for these weights on this device, dtype, slot and thread count (an
        app built again in the same process, as the tests build hundreds, reuses the proof)."""
        return self._proven("decode", buckets.probe)

    @functools.cached_property
    def prefill_buckets(self) -> list[int]:
        """The lengths (rows) a prefill pass may have, proven the same way; the longest is one
        context, the most prompt tokens the engine admits in a step."""
        probe = functools.partial(buckets.probe_prefill, most=self.context)
        return self._proven("prefill", probe, per_slot_count=False)

    @functools.cached_property
    def mixed_buckets(self) -> list[int]:
        """The decode batch sizes whose rows may share a pass with a prefill's (any proven
        length), proven the same way: both then get the bits they get in passes of their own."""
        return self._proven("mixed", buckets.probe_mixed)

    def _proven(
        self, kind: str, probe: Callable[["ModelRunner"], list[int]], per_slot_count: bool = True
    ) -> list[int]:
        file = self.weights.stat()
        key = (kind, str(self.weights), file.st_size, file.st_mtime_ns, str(self.device))
        key += (str(self.dtype), self.slots if per_slot_count else 0, torch.get_num_threads())
        if key not in PROVEN:
            try:
                PROVEN[key] = probe(self)
            except buckets.NotInvariant as error:
                raise ModelLoadError(str(error)) from None
        return PROVEN[key]

    @property
    def name(self) -> str:
        return self.card.name

    @property
    def context(self) -> int:
        return self.model.config.block_size

    def step(
        self,
        prompts: list[tuple[int, list[int]]],
        tokens: list[int],
        positions: list[int],
        slots: list[int] | None = None,
    ) -> Tensor:
        """Prefill each (slot, prompt ids) with its prompt, and decode one token for each of the
        first len(tokens) slots, or for each row in slot `slots[i]` when given (rows of one slot
        at consecutive positions: a sequence and its guesses; a free slot gets token 0 at
        position 0). The decode rows ride in the first prefill pass where that is proven to
        change no bits (`mixed_buckets`), and get a pass of their own otherwise. The logits
        (float32, on the CPU): each decode row's, then the next token's for each prompt."""
        decode = self._rows(tokens, positions, slots) if tokens else None
        most = self.prefill_buckets[-1]
        first_pass = sum(min(len(ids), PREFILL_CHUNK) for _, ids in prompts)  # at most
        if decode is not None and (
            not prompts or len(tokens) not in self.mixed_buckets or first_pass > most
        ):
            decoded = self.model.step(self.cache, decode, [], 0)
            if not prompts:
                return decoded.float().cpu()
            decode = None
        else:
            decoded = None
        done = [self.prefix_cache.restore(ids, self.cache, slot) for slot, ids in prompts]
        logits: list[Tensor | None] = [None] * len(prompts)
        while pending := [i for i, (_, ids) in enumerate(prompts) if done[i] < len(ids)]:
            chunks, rows = [], 0
            for i in pending:
                slot, ids = prompts[i]
                chunk = Chunk(ids[done[i] : done[i] + PREFILL_CHUNK], slot, done[i])
                if chunks and rows + len(chunk.ids) > most:
                    break
                chunks.append(chunk)
                rows += len(chunk.ids)
            size = buckets.bucket(self.prefill_buckets, rows)
            out = self.model.step(self.cache, decode, chunks, size)
            if decode is not None:
                decoded, out = out[: len(tokens)], out[len(tokens) :]
                decode = None
            for i, chunk, row in zip(pending, chunks, out, strict=False):
                done[i] += len(chunk.ids)
                if done[i] == len(prompts[i][1]):
                    logits[i] = row
        for slot, ids in prompts:
            self.prefix_cache.store(ids, self.cache, slot)
        prefilled = torch.stack(logits)  # type: ignore[arg-type]
        both = prefilled if decoded is None else torch.cat([decoded, prefilled])
        return both.float().cpu()

    def prefill(self, prompts: list[tuple[int, list[int]]]) -> Tensor:
        """`step` with prompts only: each prompt's next-token logits."""
        return self.step(prompts, [], [])

    def decode(
        self, tokens: list[int], positions: list[int], slots: list[int] | None = None
    ) -> Tensor:
        """`step` with decode rows only: each row's logits."""
        return self.step([], tokens, positions, slots)

    def _rows(self, tokens: list[int], positions: list[int], slots: list[int] | None) -> DecodeRows:
        return DecodeRows(
            torch.tensor(tokens, dtype=torch.long, device=self.device),
            torch.tensor(positions, dtype=torch.long, device=self.device),
            None if slots is None else torch.tensor(slots, device=self.device),
        )

    def prompt_logits(self, ids: list[int]) -> Tensor:
        """Logits after every prompt token (len(ids) x vocabulary, float32, on the CPU), from a
        forward pass without the cache (scoring a prompt, not generating)."""
        with torch.inference_mode():
            batch = torch.tensor([ids], dtype=torch.long, device=self.device)
            logits, _ = self.model(batch)
        return logits[0].float().cpu()
