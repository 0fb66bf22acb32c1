"""The keys and values that attention has already computed, kept so they are never recomputed.

Without a cache, every new character runs the whole prompt through the model again. With one,
the prompt runs once (the *prefill*), and each later step feeds one token per sequence (the
*decode*) and reads the earlier keys and values from here.

The cache has a fixed number of *slots*, one per running sequence, each as long as the
model's context. Its shape never changes, so a decode step always has the same shape.
"""

from dataclasses import dataclass, field

import torch

from model.gpt import GPTConfig


@dataclass
class KVCache:
    config: GPTConfig
    slots: int
    device: torch.device
    dtype: torch.dtype = torch.float32
    keys: torch.Tensor = field(init=False)
    values: torch.Tensor = field(init=False)

    def __post_init__(self) -> None:
        head_size = self.config.n_embd // self.config.n_head
        shape = (
            self.config.n_layer,
            self.slots,
            self.config.n_head,
            self.config.block_size,
            head_size,
        )
        self.keys = torch.zeros(shape, device=self.device, dtype=self.dtype)
        self.values = torch.zeros(shape, device=self.device, dtype=self.dtype)
