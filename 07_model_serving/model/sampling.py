"""One step of generation: the next token's logits, and picking a token from them."""

import torch
from torch import Tensor

from model.gpt import GPT


@torch.inference_mode()
def next_token_logits(model: GPT, ids: list[int], device: torch.device) -> Tensor:
    """Logits (float32, on the CPU) for the token after `ids`; only the last block_size count."""
    window = ids[-model.config.block_size :]
    batch = torch.tensor([window], dtype=torch.long, device=device)
    logits, _ = model(batch)
    return logits[0, -1].float().cpu()


def sample_token(
    logits: Tensor, temperature: float, top_k: int | None, generator: torch.Generator
) -> int:
    """Temperature 0 is greedy (always the likeliest token); otherwise sample from the softmax."""
    if temperature == 0:
        return int(torch.argmax(logits))
    scaled = logits / temperature
    if top_k is not None and top_k < scaled.numel():
        kth_largest = torch.topk(scaled, top_k).values[-1]
        scaled = scaled.masked_fill(scaled < kth_largest, float("-inf"))
    probabilities = torch.softmax(scaled, dim=-1)
    return int(torch.multinomial(probabilities, num_samples=1, generator=generator))
