"""An OpenAI-compatible text-completion API, so that every existing client can use the model.

`POST /v1/completions` answers in OpenAI's shape, or streams it as server-sent events with
`stream: true`; `GET /v1/models` lists the model. Every error under `/v1` has OpenAI's shape
(`api/errors.py`). Completions made here are stored like the others.
"""

import time
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from api.dependencies import ServiceDep
from api.disconnect import unless_disconnected
from api.openai_protocol import (
    BUSY,
    COMPLETION_RESPONSES,
    check_model,
    event_stream,
    fitted_max_tokens,
    open_choices,
)
from api.openai_schemas import (
    Completion,
    CompletionChoice,
    CompletionRequest,
    ModelCardOut,
    ModelList,
    Usage,
)
from api.request_ids import request_id

router = APIRouter(prefix="/v1", tags=["openai"])


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
    responses=COMPLETION_RESPONSES,
)
async def create_completion(
    body: CompletionRequest, service: ServiceDep, raw_request: Request
) -> Completion | StreamingResponse:
    check_model(body.model, service.model_name)
    prompt = body.prompt if isinstance(body.prompt, str) else body.prompt[0]
    max_tokens = fitted_max_tokens(prompt, body.max_tokens, service)
    requests = body.to_requests(prompt, max_tokens, request_id(raw_request))
    completion_id, created = f"cmpl-{uuid.uuid4().hex}", int(time.time())

    def answer(choices: list[CompletionChoice], usage: Usage | None = None) -> Completion:
        return Completion(
            id=completion_id,
            created=created,
            model=service.model_name,
            choices=choices,
            usage=usage,
        )

    def usage(tokens: list[int]) -> Usage:
        return Usage.of(len(prompt), sum(tokens))

    if not body.stream:
        rows = await unless_disconnected(raw_request, service.generate_all(requests))
        choices = [
            CompletionChoice(
                index=index, text=row.completion or "", finish_reason=row.finish_reason
            )
            for index, row in enumerate(rows)
        ]
        return answer(choices, usage([row.tokens or 0 for row in rows]))

    return event_stream(
        await open_choices(service, requests),
        text_chunk=lambda index, text: answer(
            [CompletionChoice(index=index, text=text, finish_reason=None)]
        ),
        final_chunk=lambda index, done: answer(
            [CompletionChoice(index=index, text="", finish_reason=done.finish_reason)]
        ),
        usage_chunk=(lambda done: answer([], usage([d.tokens for d in done])))
        if body.include_usage
        else None,
    )
