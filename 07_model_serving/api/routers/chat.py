"""OpenAI's chat-completion API: the messages, written with the model's chat template, become
one prompt; the rest is a completion, stored like the others."""

import time
import uuid
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import StreamingResponse

from api.chat_schemas import (
    AssistantMessage,
    ChatChoice,
    ChatChunkChoice,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ChatDelta,
)
from api.dependencies import ServiceDep
from api.disconnect import unless_disconnected
from api.logprobs import ChatLogprobs, chat_logprobs
from api.openai_protocol import (
    COMPLETION_RESPONSES,
    check_model,
    event_stream,
    example,
    fitted_max_tokens,
    open_choices,
)
from api.openai_schemas import Usage
from api.request_ids import request_id
from engine import Completion as Generated
from serving.service import GenerationService
from serving.service_types import InvalidRequest, RequestProblem

router = APIRouter(prefix="/v1", tags=["openai"])
ADD = [
    {"role": "user", "content": "Return the sum of a and b."},
    {"role": "assistant", "content": "def add(a, b):"},
]
CHAT_EXAMPLES = {
    "plain": example(
        "Start the answer yourself: the model continues the code",
        messages=ADD,
        max_completion_tokens=40,
        temperature=0,
    ),
    "logprobs": example(
        "How sure the model was of each token, with the 2 likeliest",
        messages=ADD,
        max_completion_tokens=4,
        temperature=0,
        logprobs=True,
        top_logprobs=2,
    ),
    "choice": example(
        "Structured output: the answer is one of the choices",
        messages=[{"role": "user", "content": "Is 7 a prime number?"}],
        max_completion_tokens=8,
        structured_outputs={"choice": ["True", "False"]},
    ),
    "json": example(
        "Structured output: JSON that a JSON schema allows",
        messages=[{"role": "user", "content": "Give the settings as JSON."}],
        max_completion_tokens=80,
        temperature=0,
        structured_outputs={
            "json": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "maxLength": 12},
                    "debug": {"type": "boolean"},
                    "workers": {"type": "integer"},
                },
            }
        },
    ),
}


@router.post(
    "/chat/completions",
    summary="Chat with the model (OpenAI-compatible)",
    description=(
        "OpenAI's chat-completion API. The messages are written as one prompt with the model's "
        "chat template (its card's `chat_template`: system and user lines become comments, the "
        "assistant's lines code), and the model continues it. This model was trained on Python "
        "source, not on conversations: it continues code, it does not follow instructions. "
        "With `stream: true`: a first chunk with the role, one chunk per piece of text, "
        "`finish_reason` on the last, a usage chunk when `stream_options.include_usage` is "
        "true, then `data: [DONE]`. `logprobs` and `top_logprobs` report how sure the model "
        "was of each token; `structured_outputs` forces a shape on the answer. Pick an "
        "example below."
    ),
    response_model=ChatCompletion,
    responses=COMPLETION_RESPONSES,
)
async def create_chat_completion(
    body: Annotated[ChatCompletionRequest, Body(openapi_examples=CHAT_EXAMPLES)],
    service: ServiceDep,
    raw_request: Request,
) -> ChatCompletion | StreamingResponse:
    check_model(body.model, service.model_name)
    prompt = written_prompt(body, service)
    max_tokens = fitted_max_tokens(prompt, asked_tokens(body, service), service)
    requests = body.to_requests(prompt, max_tokens, request_id(raw_request))
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def usage(tokens: list[int]) -> Usage:
        return Usage.of(len(prompt), sum(tokens))

    def logprobs(entries: tuple) -> ChatLogprobs | None:
        return chat_logprobs(entries) if body.logprobs else None

    if not body.stream:
        finished = await unless_disconnected(raw_request, service.generate_all(requests))
        choices = [
            ChatChoice(
                index=index,
                message=AssistantMessage(content=done.completion.text),
                finish_reason=done.completion.finish_reason,
                logprobs=logprobs(done.completion.logprobs),
            )
            for index, done in enumerate(finished)
        ]
        return ChatCompletion(
            id=completion_id,
            created=created,
            model=service.model_name,
            choices=choices,
            usage=usage([done.completion.tokens for done in finished]),
        )

    def chunk(
        index: int,
        delta: ChatDelta,
        finish_reason: str | None = None,
        entries: ChatLogprobs | None = None,
    ) -> ChatCompletionChunk:
        choice = ChatChunkChoice(
            index=index, delta=delta, finish_reason=finish_reason, logprobs=entries
        )
        return ChatCompletionChunk(
            id=completion_id, created=created, model=service.model_name, choices=[choice]
        )

    def usage_chunk(done: list[Generated]) -> ChatCompletionChunk:
        return ChatCompletionChunk(
            id=completion_id,
            created=created,
            model=service.model_name,
            choices=[],
            usage=usage([completion.tokens for completion in done]),
        )

    return event_stream(
        await open_choices(service, requests),
        text_chunk=lambda index, delta: chunk(
            index, ChatDelta(content=delta.text), entries=logprobs(delta.logprobs)
        ),
        final_chunk=lambda index, done: chunk(index, ChatDelta(), done.finish_reason),
        usage_chunk=usage_chunk if body.include_usage else None,
        opening=lambda index: chunk(index, ChatDelta(role="assistant", content="")),
    )


def written_prompt(body: ChatCompletionRequest, service: GenerationService) -> str:
    """The messages as one prompt; a 400 if the template's lines make them overflow the context."""
    prompt = service.chat_prompt([message.turn() for message in body.messages])
    if len(prompt) > service.context:
        message = (
            f"This model's maximum context length is {service.context} tokens. However, your "
            f"messages take {len(prompt)} tokens once written with the model's chat template. "
            "Please shorten the messages."
        )
        raise InvalidRequest(
            [RequestProblem("messages", "context_length", message, len(prompt), {})]
        )
    return prompt


def asked_tokens(body: ChatCompletionRequest, service: GenerationService) -> int | None:
    """The length asked for: `max_completion_tokens`, else its older name `max_tokens`. Both
    are held to MAX_NEW_TOKENS_LIMIT, the one that is not used too (the schema says so)."""
    fields = {"max_tokens": body.max_tokens, "max_completion_tokens": body.max_completion_tokens}
    problems = [
        replace(problem, field=name)
        for name, value in fields.items()
        for problem in service.problems(max_new_tokens=value)
    ]
    if problems:
        raise InvalidRequest(problems)
    return body.max_completion_tokens if body.max_completion_tokens is not None else body.max_tokens
