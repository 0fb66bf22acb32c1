"""The service's view of the model: load it once, then turn a request into a completion.

This is the only file that knows how `model/` works; the routes only see `Generator`.
"""

import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from model import CharTokenizer, ModelCard, load_checkpoint, next_token_logits, sample_token
from model.checkpoint import CheckpointError
from schemas import GenerateRequest


class ModelLoadError(Exception):
    """The service cannot start: the message says which file or device is the problem."""


class GenerationCancelled(Exception):
    """The caller stopped waiting (timeout or shutdown); the rest of the work was skipped."""


@dataclass(frozen=True)
class Completion:
    text: str
    tokens: int
    finish_reason: str
    latency_ms: float
    seed: int


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


class Generator:
    def __init__(self, weights: Path, device_setting: str) -> None:
        self.device = pick_device(device_setting)
        try:
            model, tokenizer, card = load_checkpoint(weights, self.device)
        except CheckpointError as error:
            raise ModelLoadError(f"{error} (set MODEL_PATH, or run `make train-7`)") from None
        self.dtype = pick_dtype(self.device)
        self.model = model.to(self.dtype)
        self.tokenizer: CharTokenizer = tokenizer
        self.card: ModelCard = card

    @property
    def name(self) -> str:
        return self.card.name

    @property
    def context(self) -> int:
        return self.model.config.block_size

    def generate(
        self, request: GenerateRequest, cancelled: threading.Event | None = None
    ) -> Completion:
        """Generate one character at a time. Runs in the worker thread, never on the event loop."""
        started = time.perf_counter()
        seed = request.seed if request.seed is not None else secrets.randbits(32)
        rng = torch.Generator().manual_seed(seed)
        ids = self.tokenizer.encode(request.prompt)
        new_ids: list[int] = []
        for _ in range(request.max_new_tokens):
            if cancelled is not None and cancelled.is_set():
                raise GenerationCancelled
            logits = next_token_logits(self.model, ids, self.device)
            token = sample_token(logits, request.temperature, request.top_k, rng)
            ids.append(token)
            new_ids.append(token)
        return Completion(
            text=self.tokenizer.decode(new_ids),
            tokens=len(new_ids),
            finish_reason="length",
            latency_ms=round((time.perf_counter() - started) * 1000, 1),
            seed=seed,
        )
