"""An OpenAI-compatible text-completion API, so that every existing client can use the model.

`POST /v1/completions` answers in OpenAI's shape, or streams it as server-sent events with
`stream: true`; `GET /v1/models` lists the model. Every error under `/v1` has OpenAI's shape
(`errors.py`). Completions made here are stored like the others.
"""

import json
import time
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import StreamingResponse
from fastapi.sse import EventSourceResponse, format_sse_event

from api.auth import WRONG_KEY_DETAIL
from api.dependencies import ServiceDep
from api.disconnect import unless_disconnected
from api.openai_schemas import (
    Completion,
    CompletionChoice,
    CompletionRequest,
    ModelCardOut,
    ModelList,
    OpenAIError,
    Usage,
    openai_error_body,
)
from serving.service import Finished
from serving.service_types import (
    GenerationFailed,
    GenerationRequest,
    GenerationTimedOut,
    InvalidRequest,
    RequestProblem,
    ServiceBusy,
)

router = APIRouter(prefix="/v1", tags=["openai"])


def error(description: str, message: str, kind: str, code: str | None = None) -> dict[str, object]:
    example = openai_error_body(message, kind, code=code)
    return {
        "model": OpenAIError,
        "description": description,
        "content": {"application/json": {"example": example}},
    }


def plain(
    body: CompletionRequest, service_model: str, context: int, limit: int
) -> GenerationRequest:
    if body.model != service_model:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"The model `{body.model}` does not exist: this one serves `{service_model}`.",
        )
    prompt = body.prompt if isinstance(body.prompt, str) else body.prompt[0]
    # As vLLM: no max_tokens means what the context leaves (here at most MAX_NEW_TOKENS_LIMIT),
    # and a prompt and max_tokens that do not fit in the context together are refused (a cut
    # completion would surprise).
    left = min(limit, max(1, context - len(prompt)))
    max_tokens = body.max_tokens if body.max_tokens is not None else left
    if len(prompt) <= context < len(prompt) + max_tokens:
        asked = len(prompt) + max_tokens
        message = (
            f"This model's maximum context length is {context} tokens. However, you requested "
            f"{asked} tokens ({len(prompt)} in the prompt, {max_tokens} for the completion). "
            "Please reduce the prompt or max_tokens."
        )
        problem = RequestProblem("max_tokens", "context_length", message, max_tokens, {})
        raise InvalidRequest([problem])
    return body.to_request(prompt, max_tokens)


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


@router.get(
    "/models",
    summary="List the served model",
    description="OpenAI's model list, with the one model this server serves and its context.",
    responses={503: BUSY},
)
def list_models(service: ServiceDep) -> ModelList:
    card = ModelCardOut(
        id=service.model_name, created=int(time.time()), max_model_len=service.context
    )
    return ModelList(data=[card])


@router.post(
    "/completions",
    summary="Complete a prompt (OpenAI-compatible)",
    description=(
        "OpenAI's text-completion API. With `stream: true` the answer is a stream of "
        "server-sent events: one chunk per token as it is generated (a client that falls "
        "behind gets what piled up in one chunk), `finish_reason` on the last, a usage chunk "
        "when `stream_options.include_usage` is true, then `data: [DONE]`."
    ),
    response_model=Completion,
    responses={
        200: {"content": {"text/event-stream": {}}},
        400: error(
            "A field this server does not support.", "`n` is not supported", "invalid_request_error"
        ),
        404: error(
            "Another model was asked for.", "The model `gpt-4` does not exist.", "not_found_error"
        ),
        503: BUSY,
        504: error(
            "Not finished within REQUEST_TIMEOUT_S.",
            "Generation did not finish within 30.0 s",
            "timeout_error",
        ),
    },
)
async def create_completion(
    body: CompletionRequest, service: ServiceDep, raw_request: Request
) -> Completion | StreamingResponse:
    request = plain(
        body, service.model_name, service.context, service.settings.max_new_tokens_limit
    )
    completion_id, created = f"cmpl-{uuid.uuid4().hex}", int(time.time())
    prompt_tokens = len(request.prompt)

    def chunk(text: str, finish_reason: str | None, usage: Usage | None = None) -> Completion:
        choices = [] if usage else [CompletionChoice(text=text, finish_reason=finish_reason)]
        return Completion(
            id=completion_id,
            created=created,
            model=service.model_name,
            choices=choices,
            usage=usage,
        )

    def usage_of(tokens: int) -> Usage:
        return Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=tokens,
            total_tokens=prompt_tokens + tokens,
        )

    if not body.stream:
        row = await unless_disconnected(raw_request, service.generate(request))
        assert row.completion is not None and row.tokens is not None
        return Completion(
            id=completion_id,
            created=created,
            model=service.model_name,
            choices=[CompletionChoice(text=row.completion, finish_reason=row.finish_reason)],
            usage=usage_of(row.tokens),
        )

    pieces = service.stream(request)
    first = await anext(pieces)  # errors before the first token still get a JSON answer

    async def events() -> AsyncIterator[bytes]:
        piece: str | Finished = first
        try:
            async for piece in prepend(first, pieces):
                if isinstance(piece, Finished):
                    break
                yield format_sse_event(data_str=dumped(chunk(piece, None)))
        except (ServiceBusy, GenerationTimedOut, GenerationFailed) as error:
            # The 200 and its headers are sent: the error travels in the stream, as vLLM does.
            failure = openai_error_body(str(error), "server_error")
            yield format_sse_event(data_str=json.dumps(failure))
            yield format_sse_event(data_str="[DONE]")
            return
        finally:
            await pieces.aclose()  # a client that left frees its slot at the next step
        assert isinstance(piece, Finished)
        final = chunk("", piece.completion.finish_reason)
        yield format_sse_event(data_str=dumped(final))
        if include_usage:
            usage = chunk("", None, usage_of(piece.completion.tokens))
            yield format_sse_event(data_str=usage.model_dump_json())
        yield format_sse_event(data_str="[DONE]")

    # As OpenAI: chunks carry `usage` (null but on the last) only when the client asked for it.
    include_usage = bool(body.stream_options and body.stream_options.include_usage)

    def dumped(piece: Completion) -> str:
        return piece.model_dump_json(exclude=None if include_usage else {"usage"})

    return EventSourceResponse(events())


async def prepend(
    first: str | Finished, rest: AsyncIterator[str | Finished]
) -> AsyncIterator[str | Finished]:
    yield first
    async for item in rest:
        yield item
