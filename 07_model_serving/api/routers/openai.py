"""An OpenAI-compatible text-completion API, so that every existing client can use the model.

`POST /v1/completions` answers in OpenAI's shape, or streams it as server-sent events with
`stream: true`; `GET /v1/models` lists the model. Every error under `/v1` has OpenAI's shape
(`api/errors.py`). Completions made here are stored like the others.
"""

import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import StreamingResponse

from api.dependencies import ServiceDep
from api.disconnect import unless_disconnected
from api.logprobs import CompletionLogprobs, completion_logprobs
from api.openai_protocol import (
    BUSY,
    COMPLETION_RESPONSES,
    check_model,
    event_stream,
    example,
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
from engine import Completion as Generated
from serving.text_collector import Delta

router = APIRouter(prefix="/v1", tags=["openai"])


FILE_SCHEMA = {
    "type": "object",
    "properties": {
        "path": {"type": "string", "maxLength": 20},
        "mode": {"enum": ["r", "w", "a"]},
        "lines": {"type": "array", "items": {"type": "integer"}, "maxItems": 3},
    },
}
# Swagger UI offers these in a list above the body ("Try it out"); the first is the default.
COMPLETION_EXAMPLES = {
    "plain": example(
        "A greedy completion, cut at the end of the line",
        prompt="def ",
        max_tokens=32,
        temperature=0,
        stop=["\n"],
    ),
    "logprobs": example(
        "How sure the model was: each token's log-probability and the 2 likeliest",
        prompt="if __name__ == ",
        max_tokens=3,
        temperature=0,
        logprobs=2,
    ),
    "echo": example(
        "Score a text: the prompt echoed, with its tokens' log-probabilities",
        prompt="import os\n",
        max_tokens=1,
        temperature=0,
        echo=True,
        logprobs=0,
    ),
    "choice": example(
        "Structured output: exactly one of the choices",
        prompt="is_prime = ",
        max_tokens=8,
        temperature=0,
        structured_outputs={"choice": ["True", "False"]},
    ),
    "regex": example(
        "Structured output: text that matches a regular expression",
        prompt="def add(a, b):\n    return ",
        max_tokens=20,
        temperature=0,
        structured_outputs={"regex": "[a-z] [-+*/] [a-z]"},
    ),
    "json": example(
        "Structured output: JSON that a JSON schema allows",
        prompt="config = ",
        max_tokens=80,
        temperature=0,
        structured_outputs={"json": FILE_SCHEMA},
    ),
}


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
        "server-sent events: one chunk per engine step as it is generated (a token, or a few "
        "when speculative decoding kept guesses; a client that falls "
        "behind gets what piled up in one chunk), `finish_reason` on the last, a usage chunk "
        "when `stream_options.include_usage` is true, then `data: [DONE]`. `logprobs` (0-20) "
        "reports how sure the model was of each token, `echo` puts the prompt first, and "
        "`structured_outputs` forces a shape on the text (`choice`, `regex` or `json`). "
        "Pick an example below."
    ),
    response_model=Completion,
    responses=COMPLETION_RESPONSES,
)
async def create_completion(
    body: Annotated[CompletionRequest, Body(openapi_examples=COMPLETION_EXAMPLES)],
    service: ServiceDep,
    raw_request: Request,
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

    echo = prompt if body.echo else ""

    def logprobs(text: str, entries: tuple, offset: int = 0) -> CompletionLogprobs | None:
        return None if body.logprobs is None else completion_logprobs(text, entries, offset)

    def whole_choice(index: int, done: Generated) -> CompletionChoice:
        text = echo + done.text
        entries = (done.prompt_logprobs if echo else ()) + done.logprobs
        return CompletionChoice(
            index=index,
            text=text,
            finish_reason=done.finish_reason,
            logprobs=logprobs(text, entries),
        )

    if not body.stream:
        finished = await unless_disconnected(raw_request, service.generate_all(requests))
        choices = [whole_choice(index, done.completion) for index, done in enumerate(finished)]
        return answer(choices, usage([done.completion.tokens for done in finished]))

    sent = [0] * len(requests)  # characters of each choice's text sent so far

    def text_chunk(index: int, delta: Delta) -> Completion:
        # As vLLM: the first chunk of a choice starts with the echoed prompt.
        text = (echo if sent[index] == 0 else "") + delta.text
        entries = logprobs(text, delta.logprobs, sent[index])
        sent[index] += len(text)
        choice = CompletionChoice(index=index, text=text, finish_reason=None, logprobs=entries)
        return answer([choice])

    def final_chunk(index: int, done: Generated) -> Completion:
        text = echo if sent[index] == 0 else ""  # no text was generated: the echo is still due
        choice = CompletionChoice(index=index, text=text, finish_reason=done.finish_reason)
        return answer([choice])

    return event_stream(
        await open_choices(service, requests),
        text_chunk=text_chunk,
        final_chunk=final_chunk,
        usage_chunk=(lambda done: answer([], usage([d.tokens for d in done])))
        if body.include_usage
        else None,
    )
