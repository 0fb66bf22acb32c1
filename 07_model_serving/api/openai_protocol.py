"""What OpenAI's completion and chat routes share: the model check, the context rule, the
documented errors, and the stream of server-sent events."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable

from fastapi import HTTPException, status
from fastapi.sse import EventSourceResponse, format_sse_event
from pydantic import BaseModel

from api.auth import WRONG_KEY_DETAIL
from api.openai_schemas import OpenAIError, openai_error_body
from engine import Completion
from serving.service import Finished, GenerationService
from serving.service_types import (
    GenerationFailed,
    GenerationRequest,
    GenerationTimedOut,
    InvalidRequest,
    RequestProblem,
    ServiceBusy,
)
from serving.text_collector import Delta


def error(description: str, message: str, kind: str, code: str | None = None) -> dict[str, object]:
    example = openai_error_body(message, kind, code=code)
    return {
        "model": OpenAIError,
        "description": description,
        "content": {"application/json": {"example": example}},
    }


UNAUTHORIZED = error(
    "The server was started with API_KEY, and this request did not send it.",
    WRONG_KEY_DETAIL,
    "invalid_request_error",
    "invalid_api_key",
)
BUSY = error(
    "Busy or not ready; retry after `Retry-After`.",
    "All 64 places in the queue are taken. Retry shortly.",
    "service_unavailable_error",
)
UNSUPPORTED = error(
    "A field this server does not support, or a request that does not fit the context.",
    "suffix: Input should be None",
    "invalid_request_error",
)
OTHER_MODEL = error(
    "Another model was asked for.", "The model `gpt-4` does not exist.", "not_found_error"
)
TIMED_OUT = error(
    "Not finished within REQUEST_TIMEOUT_S.",
    "Generation did not finish within 30.0 s",
    "timeout_error",
)
# What a completion or a chat completion may answer besides its 200.
COMPLETION_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/event-stream": {}}},
    400: UNSUPPORTED,
    404: OTHER_MODEL,
    503: BUSY,
    504: TIMED_OUT,
}


def example(summary: str, **fields: object) -> dict[str, object]:
    """One of the bodies Swagger UI offers in its Examples list, for the served model."""
    return {"summary": summary, "value": {"model": "code-gpt-char"} | fields}


def check_model(asked: str, served: str) -> None:
    if asked != served:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"The model `{asked}` does not exist: this one serves `{served}`.",
        )


def fitted_max_tokens(prompt: str, asked: int | None, service: GenerationService) -> int:
    """As vLLM: no max_tokens means what the context leaves (here at most
    MAX_NEW_TOKENS_LIMIT), and a prompt and max_tokens that do not fit in the context together
    are refused (a cut completion would surprise)."""
    context = service.context
    left = min(service.settings.max_new_tokens_limit, max(1, context - len(prompt)))
    max_tokens = asked if asked is not None else left
    if len(prompt) <= context < len(prompt) + max_tokens:
        message = (
            f"This model's maximum context length is {context} tokens. However, you requested "
            f"{len(prompt) + max_tokens} tokens ({len(prompt)} in the prompt, {max_tokens} for "
            "the completion). Please reduce the prompt or max_tokens."
        )
        problem = RequestProblem("max_tokens", "context_length", message, max_tokens, {})
        raise InvalidRequest([problem])
    return max_tokens


# Each choice's stream, started: its first piece, and the rest of it.
Choices = list[tuple[Delta | Finished, AsyncIterator[Delta | Finished]]]


async def open_choices(service: GenerationService, requests: list[GenerationRequest]) -> Choices:
    """Start every request's stream at once and take each one's first piece, so that what fails
    before any token (a full queue, a prompt the model cannot take) is still a JSON answer. The
    first failure cancels the others (their slots are freed): all choices, or none."""
    streams = [service.stream(request) for request in requests]

    async def first(pieces: AsyncIterator[Delta | Finished]) -> Delta | Finished:
        return await anext(pieces)

    try:
        async with asyncio.TaskGroup() as group:
            firsts = [group.create_task(first(pieces)) for pieces in streams]
    except BaseExceptionGroup as failures:
        for pieces in streams:
            await pieces.aclose()
        raise failures.exceptions[0] from None
    return [(task.result(), pieces) for task, pieces in zip(firsts, streams, strict=True)]


def event_stream(
    choices: Choices,
    text_chunk: Callable[[int, Delta], BaseModel],
    final_chunk: Callable[[int, Completion], BaseModel],
    usage_chunk: Callable[[list[Completion]], BaseModel] | None,
    opening: Callable[[int], BaseModel] | None = None,
) -> EventSourceResponse:
    """The choices as server-sent events: each one's `opening` (if any), a chunk per piece of
    text as it comes (choices interleave), each one's final chunk with its finish_reason, the
    usage chunk when the client asked for it, then `data: [DONE]`. An error after the 200 has
    left travels as an event, as vLLM does."""

    def dumped(chunk: BaseModel) -> str:
        # As OpenAI: chunks carry `usage` (null but on the last) only when the client asked.
        return chunk.model_dump_json(exclude=None if usage_chunk else {"usage"})

    async def events() -> AsyncIterator[bytes]:
        if opening is not None:
            for index in range(len(choices)):
                yield format_sse_event(data_str=dumped(opening(index)))
        finished: dict[int, Completion] = {}
        try:
            async for index, piece in interleaved(choices):
                if isinstance(piece, Finished):
                    finished[index] = piece.completion
                    yield format_sse_event(data_str=dumped(final_chunk(index, piece.completion)))
                else:
                    yield format_sse_event(data_str=dumped(text_chunk(index, piece)))
        except (ServiceBusy, GenerationTimedOut, GenerationFailed) as error:
            failure = openai_error_body(str(error), error_type(error))
            yield format_sse_event(data_str=json.dumps(failure))
            yield format_sse_event(data_str="[DONE]")
            return
        if usage_chunk is not None:
            done = [finished[index] for index in sorted(finished)]
            yield format_sse_event(data_str=usage_chunk(done).model_dump_json())
        yield format_sse_event(data_str="[DONE]")

    return EventSourceResponse(events())


def error_type(error: Exception) -> str:
    """The `type` the same failure has in a plain answer (`api/errors.py`)."""
    if isinstance(error, ServiceBusy):
        return "service_unavailable_error"
    return "timeout_error" if isinstance(error, GenerationTimedOut) else "server_error"


async def interleaved(choices: Choices) -> AsyncIterator[tuple[int, Delta | Finished]]:
    """(choice index, piece) as the pieces arrive. One choice is read directly; several are
    read by a task each into one queue. However it ends (the client left, an error), every
    stream is closed, which frees its slot at the engine's next step."""
    if len(choices) == 1:
        first, rest = choices[0]
        try:
            async for piece in prepend(first, rest):
                yield 0, piece
        finally:
            await rest.aclose()
        return
    queue: asyncio.Queue[tuple[int, Delta | Finished | Exception | None]] = asyncio.Queue()

    async def pump(
        index: int, first: Delta | Finished, rest: AsyncIterator[Delta | Finished]
    ) -> None:
        try:
            async for piece in prepend(first, rest):
                await queue.put((index, piece))
        except Exception as error:
            await queue.put((index, error))
        else:
            await queue.put((index, None))

    tasks = [asyncio.create_task(pump(i, first, rest)) for i, (first, rest) in enumerate(choices)]
    try:
        running = len(tasks)
        while running:
            index, item = await queue.get()
            if isinstance(item, Exception):
                raise item
            if item is None:
                running -= 1
            else:
                yield index, item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for _, rest in choices:
            await rest.aclose()


async def prepend(
    first: Delta | Finished, rest: AsyncIterator[Delta | Finished]
) -> AsyncIterator[Delta | Finished]:
    yield first
    async for item in rest:
        yield item
