"""What OpenAI's completion and chat routes share: the model check, the context rule, the
documented errors, and the stream of server-sent events."""

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
    GenerationTimedOut,
    InvalidRequest,
    RequestProblem,
    ServiceBusy,
)


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
    "`n` is not supported",
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


def event_stream(
    first: str | Finished,
    pieces: AsyncIterator[str | Finished],
    text_chunk: Callable[[str], BaseModel],
    final_chunk: Callable[[Completion], BaseModel],
    usage_chunk: Callable[[Completion], BaseModel] | None,
    opening: BaseModel | None = None,
) -> EventSourceResponse:
    """The completion as server-sent events: `opening` (if any), a chunk per piece of text,
    the final chunk with its finish_reason, the usage chunk when the client asked for it, then
    `data: [DONE]`. An error after the 200 has left travels as an event, as vLLM does."""

    def dumped(chunk: BaseModel) -> str:
        # As OpenAI: chunks carry `usage` (null but on the last) only when the client asked.
        return chunk.model_dump_json(exclude=None if usage_chunk else {"usage"})

    async def events() -> AsyncIterator[bytes]:
        if opening is not None:
            yield format_sse_event(data_str=dumped(opening))
        piece: str | Finished = first
        try:
            async for piece in prepend(first, pieces):
                if isinstance(piece, Finished):
                    break
                yield format_sse_event(data_str=dumped(text_chunk(piece)))
        except (ServiceBusy, GenerationTimedOut, GenerationFailed) as error:
            failure = openai_error_body(str(error), "server_error")
            yield format_sse_event(data_str=json.dumps(failure))
            yield format_sse_event(data_str="[DONE]")
            return
        finally:
            await pieces.aclose()  # a client that left frees its slot at the next step
        assert isinstance(piece, Finished)
        yield format_sse_event(data_str=dumped(final_chunk(piece.completion)))
        if usage_chunk is not None:
            yield format_sse_event(data_str=usage_chunk(piece.completion).model_dump_json())
        yield format_sse_event(data_str="[DONE]")

    return EventSourceResponse(events())


async def prepend(
    first: str | Finished, rest: AsyncIterator[str | Finished]
) -> AsyncIterator[str | Finished]:
    yield first
    async for item in rest:
        yield item
