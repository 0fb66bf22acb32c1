"""Picking the next token from the logits: greedy, temperature, top-k and top-p.

`next_token_logits` is generation without a cache (the reference the cached path is tested
against). `sample_tokens` picks one token per row for a whole batch at once; every row has
its own parameters and its own random number, so a row's choice never depends on the others.
"""

from array import array

import torch
from torch import Tensor

from model.gpt import GPT


@torch.inference_mode()
def next_token_logits(model: GPT, ids: list[int], device: torch.device) -> Tensor:
    """Logits (float32, on the CPU) for the token after `ids`, recomputing the whole sequence."""
    batch = torch.tensor([ids], dtype=torch.long, device=device)
    logits, _ = model(batch)
    return logits[0, -1].float().cpu()


# The largest float32 below 1. A uniform number must stay below 1 once it is a float32 (Python's
# `random()` can round up to 1.0 there): then the target stays below the total and the first
# cumulative probability above it is a token's with a probability above 0 (one the cuts kept,
# one a pattern allows).
BELOW_ONE = 1 - 2**-24
TEMPERATURE_FLOOR = 1e-6  # a greedy row's divisor: its sampled token is not used


@torch.inference_mode()
def sample_tokens(
    logits: Tensor, temperature: Tensor, top_k: Tensor, top_p: Tensor, uniform: Tensor
) -> Tensor:
    """One token per row of `logits` (rows x vocabulary, float32).

    `temperature` 0 takes the likeliest token. Otherwise the softmax of `logits / temperature`
    keeps the `top_k` likeliest tokens, then the fewest whose probabilities add up to `top_p`,
    and `uniform` (one number in [0, 1) per row) picks among them by inverse transform.
    """
    greedy = temperature == 0
    if bool(greedy.all()):
        return logits.argmax(dim=-1)
    cuts = bool((top_k < logits.shape[-1]).logical_or_(top_p < 1).any())
    return _pick(
        logits,
        temperature.clamp(min=TEMPERATURE_FLOOR)[:, None],
        top_k[:, None] if cuts else None,
        top_p[:, None] if cuts else None,
        uniform.clamp(max=BELOW_ONE)[:, None],
        greedy if bool(greedy.any()) else None,
    )


@torch.inference_mode()
def sample_rows(logits: Tensor, rows: list[tuple[float, int, float, float]]) -> list[int]:
    """`sample_tokens` for rows whose (temperature, top_k, top_p, uniform) are plain numbers, as
    the engine holds them: the same picks, with the checks on the numbers made in Python."""
    greedy = [row[0] == 0 for row in rows]
    if all(greedy):
        return logits.argmax(dim=-1).tolist()
    vocabulary = logits.shape[-1]
    cuts = any(row[1] < vocabulary or row[2] < 1 for row in rows)
    columns = [
        [max(row[0], TEMPERATURE_FLOOR) for row in rows],
        [min(row[3], BELOW_ONE) for row in rows],
    ]
    if cuts:
        columns += [[row[1] for row in rows], [row[2] for row in rows]]
    flat = array("f", [number for column in columns for number in column])  # float32 columns
    as_tensors = torch.frombuffer(flat, dtype=torch.float32).view(len(columns), -1, 1)
    temperature, uniform, *cut = as_tensors
    top_k, top_p = cut or (None, None)
    greedy_rows = torch.tensor(greedy) if any(greedy) else None
    return _pick(logits, temperature, top_k, top_p, uniform, greedy_rows).tolist()


def _pick(
    logits: Tensor,
    temperature: Tensor,
    top_k: Tensor | None,
    top_p: Tensor | None,
    uniform: Tensor,
    greedy: Tensor | None,
) -> Tensor:
    """Columns are (rows x 1): `temperature` above 0, `uniform` below 1 in float32; `top_k` and
    `top_p` are None when no row cuts (every token is kept: the same picks, in fewer
    operations), `greedy` None when no row is greedy (and never every row: then the caller takes
    the likeliest tokens itself)."""
    probabilities, order = torch.softmax(logits / temperature, dim=-1).sort(dim=-1, descending=True)
    if top_k is not None and top_p is not None:
        cumulative = probabilities.cumsum(dim=-1)
        rank = torch.arange(logits.shape[-1], device=logits.device)
        keep = (rank < top_k) & ((cumulative - probabilities < top_p) | (rank == 0))
        probabilities = probabilities * keep
    cumulative = probabilities.cumsum(dim=-1)
    picked = torch.searchsorted(cumulative, uniform * cumulative[:, -1:], right=True)
    sampled = order.gather(-1, picked).view(-1)
    if greedy is None:
        return sampled
    return torch.where(greedy, logits.argmax(dim=-1), sampled)


@torch.inference_mode()
def token_logprob(
    logits: Tensor, token: int, top: int
) -> tuple[int, float, tuple[tuple[int, float], ...]]:
    """`token`'s log-probability under one row of logits (the model's own distribution, before
    temperature, top-k and top-p, as vLLM reports by default), and the `top` likeliest tokens
    with theirs, best first (ties in token order)."""
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    values, order = logprobs.sort(descending=True, stable=True)
    best = tuple(zip(order[:top].tolist(), values[:top].tolist(), strict=True))
    return token, logprobs[token].item(), best
