"""A decoder-only transformer (GPT), small enough to train on a laptop CPU.

`forward` reads whole sequences (training, and generation without a cache). `prefill` and
`decode` generate with a KV cache (`kv_cache.py`): the prompt once (in chunks), then one
token per step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn
from torch.nn import functional as F

if TYPE_CHECKING:
    from model.kv_cache import KVCache


# Prompt positions per prefill pass, and the prefix cache's block size. Each pass costs about as
# much as a decode step (1.8 ms on the CPU here), so fewer, longer passes prefill faster: a 97-token
# prompt took 12.5 ms in passes of 16, 8.4 ms in passes of 32, 4.4 ms in one pass (measured).
PREFILL_CHUNK = 32


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int
    block_size: int = 128  # the context: how many characters the model sees at once
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0

    def to_dict(self) -> dict[str, int | float]:
        return asdict(self)


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.proj = nn.Linear(config.n_embd, config.n_embd)
        self.dropout = config.dropout

    def heads(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Queries, keys and values, shaped (batch, head, position, head_size)."""
        batch, length, channels = x.shape
        q, k, v = self.qkv(x).split(channels, dim=2)
        q, k, v = (
            t.view(batch, length, self.n_head, channels // self.n_head).transpose(1, 2)
            for t in (q, k, v)
        )
        return q, k, v

    def merge(self, y: Tensor) -> Tensor:
        batch, _, length, _ = y.shape
        return self.proj(y.transpose(1, 2).contiguous().view(batch, length, -1))

    def forward(self, x: Tensor) -> Tensor:
        q, k, v = self.heads(x)
        dropout = self.dropout if self.training else 0.0
        return self.merge(
            F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=dropout)
        )

    def extend(self, x: Tensor, keys: Tensor, values: Tensor, start: int) -> Tensor:
        """Positions `start`... of one sequence (batch 1): each attends to the slot's cached
        positions before `start` and to the new ones up to itself; their keys and values join
        the slot."""
        q, k, v = self.heads(x)
        end = start + x.shape[1]
        keys[:, start:end] = k[0]
        values[:, start:end] = v[0]
        visible = torch.ones(x.shape[1], end, dtype=torch.bool, device=x.device).tril(start)
        cached_k, cached_v = keys[None, :, :end], values[None, :, :end]
        return self.merge(F.scaled_dot_product_attention(q, cached_k, cached_v, attn_mask=visible))

    def decode(
        self,
        x: Tensor,
        keys: Tensor,
        values: Tensor,
        positions: Tensor,
        visible: Tensor,
        slots: Tensor | None,
    ) -> Tensor:
        """One new token per row, attending to its slot's cached positions up to its own.

        Without `slots`, row i is slot i (`keys` and `values` are the first rows' slots). With
        them, row i writes to and reads slot `slots[i]` (`keys` and `values` are every slot's):
        several rows may share a slot, at consecutive positions, as the guesses of speculative
        decoding do, each seeing the keys and values the rows before it have just written."""
        q, k, v = self.heads(x)
        written = torch.arange(x.shape[0], device=x.device) if slots is None else slots
        keys[written, :, positions] = k[:, :, 0]
        values[written, :, positions] = v[:, :, 0]
        if slots is not None:
            keys, values = keys.index_select(0, slots), values.index_select(0, slots)
        return self.merge(F.scaled_dot_product_attention(q, keys, values, attn_mask=visible))


class Block(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln2 = nn.LayerNorm(config.n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(config.n_embd, 4 * config.n_embd),
            nn.GELU(),
            nn.Linear(4 * config.n_embd, config.n_embd),
            nn.Dropout(config.dropout),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))

    def extend(self, x: Tensor, keys: Tensor, values: Tensor, start: int) -> Tensor:
        x = x + self.attn.extend(self.ln1(x), keys, values, start)
        return x + self.mlp(self.ln2(x))

    def decode(
        self,
        x: Tensor,
        keys: Tensor,
        values: Tensor,
        positions: Tensor,
        visible: Tensor,
        slots: Tensor | None,
    ) -> Tensor:
        x = x + self.attn.decode(self.ln1(x), keys, values, positions, visible, slots)
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size, config.n_embd)
        self.position_embedding = nn.Embedding(config.block_size, config.n_embd)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.token_embedding.weight  # weight tying: one matrix, two uses
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, ids: Tensor, targets: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Logits for every position; with `targets`, also the mean cross-entropy loss."""
        length = ids.shape[1]
        if length > self.config.block_size:
            raise ValueError(
                f"sequence of {length} exceeds the context of {self.config.block_size}"
            )
        positions = torch.arange(length, device=ids.device)
        x = self.token_embedding(ids) + self.position_embedding(positions)
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)).float(), targets.view(-1))
        return logits, loss

    @torch.inference_mode()
    def prefill(self, ids: Tensor, cache: KVCache, slot: int, start: int = 0) -> Tensor:
        """Run a prompt (1-D ids) once, fill `slot` of the cache; the next token's logits.

        Positions before `start` (a multiple of PREFILL_CHUNK) are in the slot already (the
        prefix cache put them there). The rest runs in chunks of PREFILL_CHUNK positions that
        start at multiples of it, so a position's keys and values are computed the same way,
        bit for bit, in every prompt that shares what comes before it: reusing them from
        another prompt gives exactly what computing them would."""
        length = ids.shape[0]
        if length > self.config.block_size:
            raise ValueError(
                f"sequence of {length} exceeds the context of {self.config.block_size}"
            )
        if start % PREFILL_CHUNK or not 0 <= start < length:
            raise ValueError(f"start {start} is not a chunk boundary before the prompt's end")
        for begin in range(start, length, PREFILL_CHUNK):
            chunk = ids[begin : begin + PREFILL_CHUNK]
            positions = torch.arange(begin, begin + chunk.shape[0], device=ids.device)
            x = (self.token_embedding(chunk) + self.position_embedding(positions)).unsqueeze(0)
            for layer, block in enumerate(self.blocks):
                x = block.extend(x, cache.keys[layer, slot], cache.values[layer, slot], begin)
        return self.lm_head(self.ln_f(x[0, -1]))

    @torch.inference_mode()
    def decode(
        self, tokens: Tensor, positions: Tensor, cache: KVCache, slots: Tensor | None = None
    ) -> Tensor:
        """One step for `len(tokens)` rows: token `tokens[i]` sits at `positions[i]` of slot i,
        or of slot `slots[i]` when given. The engine picks how many rows (engine/buckets.py);
        each row attends only to its own slot, so a row's arithmetic never mixes with another's.
        """
        rows = tokens.shape[0]
        x = (self.token_embedding(tokens) + self.position_embedding(positions)).unsqueeze(1)
        context = torch.arange(self.config.block_size, device=tokens.device)
        visible = (context[None, :] <= positions[:, None])[:, None, None, :]
        taken = slice(None) if slots is not None else slice(0, rows)
        for layer, block in enumerate(self.blocks):
            keys, values = cache.keys[layer, taken], cache.values[layer, taken]
            x = block.decode(x, keys, values, positions, visible, slots)
        return self.lm_head(self.ln_f(x[:, 0]))
