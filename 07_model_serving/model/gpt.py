"""A decoder-only transformer (GPT), small enough to train on a laptop CPU.

`forward` reads whole sequences (training, and generation without a cache). `prefill` and
`decode` generate with a KV cache (`kv_cache.py`): the prompt once (in chunks, several prompts'
chunks in one pass), then one token per step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn
from torch.nn import functional as F

if TYPE_CHECKING:
    from model.kv_cache import KVCache


# The most positions of one prompt in a prefill pass, and the prefix cache's block size. A prompt
# is prefilled in chunks that start at multiples of it, so a position's keys and values are
# computed the same way, bit for bit, in every prompt that shares what comes before it.
PREFILL_CHUNK = 32


@dataclass(frozen=True)
class Chunk:
    """Part of one prompt for a prefill pass: `ids` (at most PREFILL_CHUNK of them) at positions
    `start`, `start` + 1, ... of cache slot `slot` (`start` a multiple of PREFILL_CHUNK, and the
    positions before it already in the slot)."""

    ids: list[int]
    slot: int
    start: int


@dataclass(frozen=True)
class PrefillLayout:
    """Where a pass's rows go: the real rows (every chunk's tokens, one after the other) come
    first, padding rows after them; attention sees each chunk as a row of a (chunk, position)
    grid, PREFILL_CHUNK positions wide, so that its shape never depends on the other chunks."""

    slots: Tensor  # (chunks,): each chunk's slot
    row_slots: Tensor  # (real rows,): the slot of each real row
    positions: Tensor  # (real rows,): its position in that slot
    grid: Tensor  # (real rows,): its place in the flattened (chunk, PREFILL_CHUNK) grid
    visible: Tensor  # (chunks, 1, PREFILL_CHUNK, context): what each grid place attends to
    last: Tensor  # (chunks,): the row of each chunk's last token


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

    def prefill(self, x: Tensor, keys: Tensor, values: Tensor, layout: PrefillLayout) -> Tensor:
        """A prefill pass's rows (rows x channels: real rows, then padding): each real row's key
        and value go to its slot; each attends to its slot's positions up to its own."""
        rows, channels = x.shape
        real, head = layout.positions.shape[0], channels // self.n_head
        q, k, v = (t[:real].view(real, self.n_head, head) for t in self.qkv(x).split(channels, 1))
        keys[layout.row_slots, :, layout.positions] = k
        values[layout.row_slots, :, layout.positions] = v
        chunks = layout.slots.shape[0]
        grid = q.new_zeros(chunks * PREFILL_CHUNK, self.n_head, head)
        grid[layout.grid] = q
        queries = grid.view(chunks, PREFILL_CHUNK, self.n_head, head).transpose(1, 2)
        cached_k, cached_v = (
            keys.index_select(0, layout.slots),
            values.index_select(0, layout.slots),
        )
        y = F.scaled_dot_product_attention(queries, cached_k, cached_v, attn_mask=layout.visible)
        out = x.new_zeros(rows, channels)
        out[:real] = y.transpose(1, 2).reshape(chunks * PREFILL_CHUNK, channels)[layout.grid]
        return self.proj(out)

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

    def prefill(self, x: Tensor, keys: Tensor, values: Tensor, layout: PrefillLayout) -> Tensor:
        x = x + self.attn.prefill(self.ln1(x), keys, values, layout)
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
    def prefill(self, chunks: list[Chunk], cache: KVCache, rows: int) -> Tensor:
        """One pass over chunks of several prompts (one chunk per slot), `rows` rows long (at
        least their tokens; the rest is padding): their keys and values go to their slots, and
        the logits after each chunk's last token come back (chunks x vocabulary).

        The engine picks `rows` (engine/buckets.py): a row's arithmetic is the same in every
        pass of a proven length, so a prompt's keys, values and logits do not depend on the
        prompts it was prefilled with."""
        layout = self._layout(chunks, rows)
        device = cache.keys.device
        ids = [token for chunk in chunks for token in chunk.ids]
        tokens = torch.zeros(rows, dtype=torch.long, device=device)
        positions = torch.zeros(rows, dtype=torch.long, device=device)
        tokens[: len(ids)] = torch.tensor(ids, device=device)
        positions[: len(ids)] = layout.positions
        x = self.token_embedding(tokens) + self.position_embedding(positions)
        for layer, block in enumerate(self.blocks):
            x = block.prefill(x, cache.keys[layer], cache.values[layer], layout)
        return self.lm_head(self.ln_f(x))[layout.last]

    def _layout(self, chunks: list[Chunk], rows: int) -> PrefillLayout:
        device = self.lm_head.weight.device
        real = sum(len(chunk.ids) for chunk in chunks)
        if not chunks or real > rows:
            raise ValueError(f"a pass of {rows} rows cannot hold {real} tokens")
        if len({chunk.slot for chunk in chunks}) < len(chunks):
            raise ValueError("a pass holds at most one chunk per slot")
        row_slots, positions, grid, last = [], [], [], []
        for index, chunk in enumerate(chunks):
            end = chunk.start + len(chunk.ids)
            if end > self.config.block_size:
                raise ValueError(
                    f"sequence of {end} exceeds the context of {self.config.block_size}"
                )
            if chunk.start % PREFILL_CHUNK or not 0 < len(chunk.ids) <= PREFILL_CHUNK:
                raise ValueError(f"a chunk of {len(chunk.ids)} at {chunk.start} is not a chunk")
            row_slots += [chunk.slot] * len(chunk.ids)
            positions += range(chunk.start, end)
            grid += range(index * PREFILL_CHUNK, index * PREFILL_CHUNK + len(chunk.ids))
            last.append(len(positions) - 1)
        starts = torch.tensor([chunk.start for chunk in chunks], device=device)
        places = starts[:, None] + torch.arange(PREFILL_CHUNK, device=device)[None, :]
        context = torch.arange(self.config.block_size, device=device)
        visible = (context[None, None, :] <= places[:, :, None])[:, None]
        return PrefillLayout(
            slots=torch.tensor([chunk.slot for chunk in chunks], device=device),
            row_slots=torch.tensor(row_slots, device=device),
            positions=torch.tensor(positions, device=device),
            grid=torch.tensor(grid, device=device),
            visible=visible,
            last=torch.tensor(last, device=device),
        )

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
