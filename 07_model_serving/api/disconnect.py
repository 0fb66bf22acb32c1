"""Stop working for a client that has gone away (as vLLM's `with_cancellation` does).

A handler that awaits a long generation does not notice when its client hangs up: the
answer would be computed, stored and thrown away, and the slot held until then. Racing the
work against the client's `http.disconnect` message frees the slot at the engine's next step.
"""

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from fastapi import HTTPException, Request

T = TypeVar("T")
CLIENT_CLOSED_REQUEST = 499  # nginx's name for it; the client never sees this answer


async def unless_disconnected(request: Request, work: Awaitable[T]) -> T:
    task = asyncio.ensure_future(work)

    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    watcher = asyncio.ensure_future(disconnected())
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if task.done():
        return task.result()
    task.cancel()
    raise HTTPException(CLIENT_CLOSED_REQUEST, detail="The client closed the request.")
