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
    cuts = (top_k < logits.shape[-1]).logical_or_(top_p < 1)
    flags = (bool(greedy.all()), bool(greedy.any()), bool(cuts.any()))
    return _pick(logits, temperature, top_k, top_p, uniform, *flags)


@torch.inference_mode()
def sample_rows(logits: Tensor, rows: list[tuple[float, int, float, float]]) -> list[int]:
    """`sample_tokens` for rows whose (temperature, top_k, top_p, uniform) are plain numbers, as
    the engine holds them: the same picks, with the checks on the numbers made in Python."""
    # float32 columns through an array: the values torch.tensor makes, several times faster
    flat = array("f", [number for column in zip(*rows, strict=True) for number in column])
    temperature, top_k, top_p, uniform = torch.frombuffer(flat, dtype=torch.float32).view(4, -1)
    vocabulary = logits.shape[-1]
    greedy = [row[0] == 0 for row in rows]
    cuts = any(row[1] < vocabulary or row[2] < 1 for row in rows)
    return _pick(
        logits, temperature, top_k, top_p, uniform, all(greedy), any(greedy), cuts
    ).tolist()


def _pick(
    logits: Tensor,
    temperature: Tensor,
    top_k: Tensor,
    top_p: Tensor,
    uniform: Tensor,
    all_greedy: bool,
    any_greedy: bool,
    cuts: bool,
) -> Tensor:
    if all_greedy:
        return logits.argmax(dim=-1)
    vocabulary = logits.shape[-1]
    scaled = logits / temperature.clamp(min=1e-6)[:, None]
    probabilities, order = torch.softmax(scaled, dim=-1).sort(dim=-1, descending=True)
    cumulative = probabilities.cumsum(dim=-1)
    if cuts:
        rank = torch.arange(vocabulary, device=logits.device)[None, :]
        keep = (rank < top_k[:, None]) & (
            (cumulative - probabilities < top_p[:, None]) | (rank == 0)
        )
        cumulative = (probabilities * keep).cumsum(dim=-1)
        last = keep.sum(dim=-1, keepdim=True) - 1
    else:  # no row cuts its tail: every token is kept (the same picks, in fewer operations)
        last = vocabulary - 1
    target = uniform[:, None] * cumulative[:, -1:]
    picked = torch.searchsorted(cumulative, target, right=True).clamp_(max=last)
    sampled = order.gather(-1, picked)[:, 0]
    if not any_greedy:
        return sampled
    return torch.where(temperature == 0, logits.argmax(dim=-1), sampled)


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
