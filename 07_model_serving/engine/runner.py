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
from model.gpt import PREFILL_CHUNK, Chunk

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
        return self._proven("prefill", lambda runner: buckets.probe_prefill(runner, self.context))

    def _proven(self, kind: str, probe: Callable[["ModelRunner"], list[int]]) -> list[int]:
        file = self.weights.stat()
        key = (kind, str(self.weights), file.st_size, file.st_mtime_ns, str(self.device))
        key += (str(self.dtype), self.slots, torch.get_num_threads())
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

    def prefill(self, prompts: list[tuple[int, list[int]]]) -> Tensor:
        """Fill each (slot, prompt ids) with its prompt (its cached start copied, the rest
        computed), in as few passes as the proven lengths allow: each pass takes the next chunk
        of every prompt it holds. The next token's logits for each prompt (prompts x
        vocabulary, float32, on the CPU)."""
        done = [self.prefix_cache.restore(ids, self.cache, slot) for slot, ids in prompts]
        logits: list[Tensor | None] = [None] * len(prompts)
        most = self.prefill_buckets[-1]
        while pending := [i for i, (_, ids) in enumerate(prompts) if done[i] < len(ids)]:
            chunks, rows = [], 0
            for i in pending:
                slot, ids = prompts[i]
                chunk = Chunk(ids[done[i] : done[i] + PREFILL_CHUNK], slot, done[i])
                if chunks and rows + len(chunk.ids) > most:
                    break
                chunks.append(chunk)
                rows += len(chunk.ids)
            out = self.model.prefill(chunks, self.cache, buckets.bucket(self.prefill_buckets, rows))
            for i, chunk, row in zip(pending, chunks, out, strict=False):
                done[i] += len(chunk.ids)
                if done[i] == len(prompts[i][1]):
                    logits[i] = row
        for slot, ids in prompts:
            self.prefix_cache.store(ids, self.cache, slot)
        return torch.stack(logits).float().cpu()  # type: ignore[arg-type]

    def prompt_logits(self, ids: list[int]) -> Tensor:
        """Logits after every prompt token (len(ids) x vocabulary, float32, on the CPU), from a
        forward pass without the cache (scoring a prompt, not generating)."""
        with torch.inference_mode():
            batch = torch.tensor([ids], dtype=torch.long, device=self.device)
            logits, _ = self.model(batch)
        return logits[0].float().cpu()

    def decode(
        self, tokens: list[int], positions: list[int], slots: list[int] | None = None
    ) -> Tensor:
        """One token for each of the first len(tokens) slots (a free one gets token 0 at
        position 0), or for each row in slot `slots[i]` when given (rows of one slot at
        consecutive positions: a sequence and its guesses); rows x vocabulary logits."""
        tokens_t = torch.tensor(tokens, dtype=torch.long, device=self.device)
        positions_t = torch.tensor(positions, dtype=torch.long, device=self.device)
        slots_t = None if slots is None else torch.tensor(slots, device=self.device)
        return self.model.decode(tokens_t, positions_t, self.cache, slots_t).float().cpu()
