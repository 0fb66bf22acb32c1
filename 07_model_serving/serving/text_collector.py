"""Hand a sequence's text from the engine thread to the one asyncio task that streams it.

The engine calls `put` once per token. When the streaming task keeps up it gets one piece per
token; when it falls behind (a busy event loop, a slow client), the pieces that piled up are
joined and taken at once, so the stream sends fewer, larger chunks instead of falling further
behind. vLLM's `RequestOutputCollector` (vllm/v1/engine/output_processor.py) does the same.
Only the first `put` after a `get` wakes the event loop: one wake-up per chunk, not per token.
"""

import asyncio
import threading
from dataclasses import dataclass

from engine import TokenLogprob


@dataclass(frozen=True)
class Delta:
    """New text of a sequence, with its tokens' log-probabilities when they were asked for."""

    text: str
    logprobs: tuple[TokenLogprob | None, ...] = ()


class TextCollector:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._pieces: list[str] = []
        self._logprobs: list[TokenLogprob | None] = []
        self._done = False
        self._wake_pending = False
        self._ready = asyncio.Event()

    def put(self, text: str, done: bool, logprobs: tuple[TokenLogprob | None, ...] = ()) -> None:
        """Called by the engine thread."""
        if not text and not done:
            return  # characters held back for a possible stop string: nothing to send yet
        with self._lock:
            self._pieces.append(text)
            self._logprobs += logprobs
            self._done = self._done or done
            if self._wake_pending:
                return
            self._wake_pending = True
        self._loop.call_soon_threadsafe(self._ready.set)

    async def get(self) -> tuple[Delta, bool]:
        """All the text since the last call, and whether the sequence has finished."""
        await self._ready.wait()
        with self._lock:
            delta, done = Delta("".join(self._pieces), tuple(self._logprobs)), self._done
            self._pieces.clear()
            self._logprobs.clear()
            self._ready.clear()
            self._wake_pending = False
        return delta, done
