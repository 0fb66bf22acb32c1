"""A decoder-only transformer (GPT), small enough to train on a laptop CPU.

`forward` reads whole sequences (training, and generation without a cache). `step` generates
with a KV cache (`kv_cache.py`): one pass that decodes one token for each running sequence and
prefills the next chunk of each new prompt (several prompts' chunks packed together), the prompt
once, then one token per step. `decode` and `prefill` are the passes that do only one of them.
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
class DecodeRows:
    """A pass's decode rows: token `tokens[i]` at position `positions[i]` of slot i, or of slot
    `slots[i]` when given (rows of one slot at consecutive positions: a sequence and its
    guesses, each seeing the keys and values the rows before it have just written)."""

    tokens: Tensor
    positions: Tensor
    slots: Tensor | None = None


@dataclass(frozen=True)
class DecodeLayout:
    """Where a pass's decode rows (its first rows) write and what they see. A row in the slot of
    a prompt prefilled in the same pass holds no sequence: it writes nothing there."""

    rows: int
    slots: Tensor | None  # as in DecodeRows: None reads the first `rows` slots as they are
    written: Tensor | None  # the rows that write their key and value (None: all) ...
    write_slots: Tensor  # ... to these slots ...
    write_positions: Tensor  # ... at these positions
    visible: Tensor  # (rows, 1, 1, context): the positions each row attends to


@dataclass(frozen=True)
class ChunkGroup:
    """A pass's chunks that start at the same position. They attend to the positions up to
    their end only (`seen`: their start + PREFILL_CHUNK), not the whole context, in one product
    for them all: a chunk's shapes depend on its own start, never on the other chunks."""

    seen: int
    members: Tensor | None  # their indices among the pass's chunks (None: every chunk)
    slots: Tensor  # (members,): each one's slot
    visible: Tensor  # (1, 1, PREFILL_CHUNK, seen): what each grid place attends to


@dataclass(frozen=True)
class PrefillLayout:
    """Where a pass's rows go: the real rows (every chunk's tokens, one after the other) come
    first, padding rows after them; attention sees each chunk as a row of a (chunk, position)
    grid, PREFILL_CHUNK positions wide, so that its shape never depends on the other chunks."""

    tokens: Tensor  # (rows,): every row's token, 0 for padding
    row_positions: Tensor  # (rows,): every row's position, 0 for padding
    row_slots: Tensor  # (real rows,): the slot of each real row
    positions: Tensor  # (real rows,): its position in that slot
    grid: Tensor  # (real rows,): its place in the flattened (chunk, PREFILL_CHUNK) grid
    groups: tuple[ChunkGroup, ...]  # the chunks by start, each group's attention in one product
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

    def step(
        self,
        x: Tensor,
        keys: Tensor,
        values: Tensor,
        decode: DecodeLayout | None,
        prefill: PrefillLayout | None,
    ) -> Tensor:
        """A pass's rows (rows x channels): the decode rows first, then the prefill rows (the
        chunks' tokens, then padding). Every row's key and value go to its slot first (the
        decode rows', then the prefill rows'); then each row attends to its slot's positions up
        to its own: a decode row alone, a chunk as one row of a (chunk, PREFILL_CHUNK) grid."""
        rows, channels = x.shape
        head = channels // self.n_head
        q, k, v = self.qkv(x).split(channels, 1)
        out = x.new_zeros(rows, channels) if prefill is not None else None
        done = 0
        if decode is not None:
            done = decode.rows
            qd = q[:done].view(done, self.n_head, 1, head)
            for cache, new in ((keys, k), (values, v)):
                mine = new[:done] if decode.written is None else new[decode.written]
                written = mine.reshape(-1, self.n_head, head)
                cache[decode.write_slots, :, decode.write_positions] = written
        if prefill is not None:
            real = prefill.positions.shape[0]
            qp, kp, vp = (t[done : done + real].view(real, self.n_head, head) for t in (q, k, v))
            keys[prefill.row_slots, :, prefill.positions] = kp
            values[prefill.row_slots, :, prefill.positions] = vp
            chunks = prefill.last.shape[0]
            grid = q.new_zeros(chunks * PREFILL_CHUNK, self.n_head, head)
            grid[prefill.grid] = qp
            queries = grid.view(chunks, PREFILL_CHUNK, self.n_head, head).transpose(1, 2)
            y = torch.empty_like(queries) if len(prefill.groups) > 1 else queries
            for group in prefill.groups:
                seen_k, seen_v = (
                    cache[:, :, : group.seen].index_select(0, group.slots)
                    for cache in (keys, values)
                )
                mine = queries if group.members is None else queries[group.members]
                found = F.scaled_dot_product_attention(
                    mine, seen_k, seen_v, attn_mask=group.visible
                )
                if group.members is None:
                    y = found
                else:
                    y[group.members] = found
            y = y.transpose(1, 2).reshape(chunks * PREFILL_CHUNK, channels)[prefill.grid]
            out[done : done + real] = y  # type: ignore[index]
        if decode is not None:
            if decode.slots is None:
                seen_k, seen_v = keys[:done], values[:done]
            else:
                seen_k, seen_v = (
                    keys.index_select(0, decode.slots),
                    values.index_select(0, decode.slots),
                )
            y = F.scaled_dot_product_attention(qd, seen_k, seen_v, attn_mask=decode.visible)
            if out is None:
                return self.proj(y.reshape(done, channels))
            out[:done] = y.reshape(done, channels)
        return self.proj(out)


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

    def step(
        self,
        x: Tensor,
        keys: Tensor,
        values: Tensor,
        decode: DecodeLayout | None,
        prefill: PrefillLayout | None,
    ) -> Tensor:
        x = x + self.attn.step(self.ln1(x), keys, values, decode, prefill)
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
    def step(
        self, cache: KVCache, decode: DecodeRows | None, chunks: list[Chunk], rows: int
    ) -> Tensor:
        """One pass: the decode rows (one token each), then `rows` prefill rows holding chunks of
        several prompts (one chunk per slot, their tokens, then padding). Every row's key and
        value go to its slot. The logits come back for each decode row, then after each
        chunk's last token ((decode rows + chunks) x vocabulary).

        The engine picks the sizes (engine/buckets.py): a row's arithmetic is the same in every
        pass of proven sizes, so a sequence's logits, keys and values do not depend on the
        others in the pass, nor on whether it had company."""
        decoding = None if decode is None else self._decode_layout(decode, chunks)
        prefilling = self._layout(chunks, rows) if chunks else None
        tokens, positions = self._rows(decode, prefilling)
        x = self.token_embedding(tokens) + self.position_embedding(positions)
        for layer, block in enumerate(self.blocks):
            x = block.step(x, cache.keys[layer], cache.values[layer], decoding, prefilling)
        logits = self.lm_head(self.ln_f(x))  # every row: the products' shapes stay those proven
        if prefilling is None:
            return logits
        done = 0 if decoding is None else decoding.rows
        return torch.cat([logits[:done], logits[done + prefilling.last]])

    def prefill(self, chunks: list[Chunk], cache: KVCache, rows: int) -> Tensor:
        """A pass that only prefills (`step` without decode rows): chunks x vocabulary."""
        return self.step(cache, None, chunks, rows)

    def decode(
        self, tokens: Tensor, positions: Tensor, cache: KVCache, slots: Tensor | None = None
    ) -> Tensor:
        """A pass that only decodes (`step` without chunks): rows x vocabulary."""
        return self.step(cache, DecodeRows(tokens, positions, slots), [], 0)

    @staticmethod
    def _rows(decode: DecodeRows | None, prefill: PrefillLayout | None) -> tuple[Tensor, Tensor]:
        """Every row's token and position: the decode rows', then the prefill pass's."""
        if prefill is None:
            if decode is None:
                raise ValueError("a pass needs decode rows or chunks")
            return decode.tokens, decode.positions
        if decode is None:
            return prefill.tokens, prefill.row_positions
        tokens = torch.cat([decode.tokens, prefill.tokens])
        return tokens, torch.cat([decode.positions, prefill.row_positions])

    def _decode_layout(self, decode: DecodeRows, chunks: list[Chunk]) -> DecodeLayout:
        rows = decode.tokens.shape[0]
        device = decode.tokens.device
        slots = torch.arange(rows, device=device) if decode.slots is None else decode.slots
        if chunks:
            prefilled = torch.tensor([chunk.slot for chunk in chunks], device=device)
            written = torch.isin(slots, prefilled, invert=True).nonzero()[:, 0]
            write_slots, write_positions = slots[written], decode.positions[written]
        else:
            written, write_slots, write_positions = None, slots, decode.positions
        context = torch.arange(self.config.block_size, device=device)
        visible = (context[None, :] <= decode.positions[:, None])[:, None, None, :]
        return DecodeLayout(rows, decode.slots, written, write_slots, write_positions, visible)

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
        tokens = torch.zeros(rows, dtype=torch.long, device=device)
        tokens[:real] = torch.tensor(
            [token for chunk in chunks for token in chunk.ids], device=device
        )
        real_positions = torch.tensor(positions, device=device)
        row_positions = torch.zeros(rows, dtype=torch.long, device=device)
        row_positions[:real] = real_positions
        return PrefillLayout(
            tokens=tokens,
            row_positions=row_positions,
            row_slots=torch.tensor(row_slots, device=device),
            positions=real_positions,
            grid=torch.tensor(grid, device=device),
            groups=self._groups(chunks),
            last=torch.tensor(last, device=device),
        )

    def _groups(self, chunks: list[Chunk]) -> tuple[ChunkGroup, ...]:
        device = self.lm_head.weight.device
        starts = sorted({chunk.start for chunk in chunks})
        groups = []
        for start in starts:
            members = [i for i, chunk in enumerate(chunks) if chunk.start == start]
            seen = min(start + PREFILL_CHUNK, self.config.block_size)
            places = start + torch.arange(PREFILL_CHUNK, device=device)
            visible = torch.arange(seen, device=device)[None, :] <= places[:, None]
            groups.append(
                ChunkGroup(
                    seen=seen,
                    members=None if len(starts) == 1 else torch.tensor(members, device=device),
                    slots=torch.tensor([chunks[i].slot for i in members], device=device),
                    visible=visible[None, None],
                )
            )
        return tuple(groups)
