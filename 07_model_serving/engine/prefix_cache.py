"""Prefix caching: a prompt that starts like an earlier one reuses that start's keys and values.

Chat requests repeat their system message, agents repeat their instructions, few-shot prompts
repeat their examples: the prefill of that shared start is the same work every time. As in
vLLM, prompts are cut into blocks of PREFILL_CHUNK tokens, and each full block's keys and values
are kept under the tokens from the prompt's start to the block's end (so a block is found only
when everything before it is the same). A new prompt copies the blocks it finds into its slot
and prefills only the rest. The model prefills in those same blocks, so what is copied is, bit
for bit, what would have been computed: the cache changes how fast, never what.

The least recently used blocks go first when the cache is full. Here a slot is one contiguous
piece of memory, so a block is copied into it (128 KB for this model, far cheaper than
computing it); vLLM's paged attention points at shared blocks instead.
"""

from collections import OrderedDict
from dataclasses import dataclass

from torch import Tensor

from model import KVCache
from model.gpt import PREFILL_CHUNK


@dataclass
class PrefixCacheStats:
    queries: int = 0  # full prompt blocks looked up (all but a prompt's last token)
    hits: int = 0  # ... found, and copied instead of computed


class PrefixCache:
    def __init__(self, capacity: int, block: int = PREFILL_CHUNK) -> None:
        self.capacity = capacity  # blocks
        self.block = block
        self._blocks: OrderedDict[tuple[int, ...], tuple[Tensor, Tensor]] = OrderedDict()
        self.stats = PrefixCacheStats()

    def __len__(self) -> int:
        return len(self._blocks)

    def restore(self, ids: list[int], cache: KVCache, slot: int) -> int:
        """Copy the prompt's longest cached start into `slot`; how many positions it covers.
        The last token is always computed: the next token's logits come from it."""
        if self.capacity == 0:
            return 0
        usable = (len(ids) - 1) // self.block
        found = 0
        while found < usable:
            key = tuple(ids[: (found + 1) * self.block])
            kept = self._blocks.get(key)
            if kept is None:
                break
            where = slice(found * self.block, (found + 1) * self.block)
            cache.keys[:, slot, :, where], cache.values[:, slot, :, where] = kept
            self._blocks.move_to_end(key)
            found += 1
        self.stats.queries += usable
        self.stats.hits += found
        return found * self.block

    def store(self, ids: list[int], cache: KVCache, slot: int) -> None:
        """Keep the prompt's full blocks, now in `slot`, for the prompts that follow."""
        if self.capacity == 0:
            return
        for index in range(len(ids) // self.block):
            key = tuple(ids[: (index + 1) * self.block])
            if key in self._blocks:
                self._blocks.move_to_end(key)
                continue
            where = slice(index * self.block, (index + 1) * self.block)
            keys = cache.keys[:, slot, :, where].clone()
            self._blocks[key] = (keys, cache.values[:, slot, :, where].clone())
            if len(self._blocks) > self.capacity:
                self._blocks.popitem(last=False)
