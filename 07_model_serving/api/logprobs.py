"""Log-probabilities in OpenAI's two shapes: the completion API's four parallel lists, and the
chat API's list of tokens. The engine gives one `TokenLogprob` per token (a character)."""

from collections.abc import Sequence

from pydantic import BaseModel, Field

from engine import TokenLogprob

MAX_LOGPROBS = 20  # as vLLM's default `max_logprobs`


class CompletionLogprobs(BaseModel):
    """One entry per token in each list. The completion API's `top_logprobs` holds the
    likeliest tokens and always the chosen one, so up to `logprobs` + 1 entries."""

    text_offset: list[int] = Field(description="Where each token starts in the choice's text.")
    token_logprobs: list[float | None] = Field(
        description="Each token's log-probability (null for a prompt's first token)."
    )
    tokens: list[str]
    top_logprobs: list[dict[str, float] | None]


def completion_logprobs(
    text: str, entries: Sequence[TokenLogprob | None], offset: int = 0
) -> CompletionLogprobs:
    """`text`'s tokens (one per character) and their entries, the first at `offset`."""
    top: list[dict[str, float] | None] = []
    for entry in entries:
        if entry is None:
            top.append(None)
        else:
            token, logprob, best = entry
            top.append(dict(best) | {token: logprob})
    return CompletionLogprobs(
        text_offset=[offset + index for index in range(len(text))],
        token_logprobs=[None if entry is None else entry[1] for entry in entries],
        tokens=list(text),
        top_logprobs=top,
    )


class TopLogprob(BaseModel):
    token: str
    logprob: float
    bytes: list[int] = Field(description="The token's UTF-8 bytes.")


class ChatTokenLogprob(TopLogprob):
    top_logprobs: list[TopLogprob] = Field(description="The `top_logprobs` likeliest tokens.")


class ChatLogprobs(BaseModel):
    content: list[ChatTokenLogprob] | None
    refusal: list[ChatTokenLogprob] | None = None


def top_logprob(token: str, logprob: float) -> TopLogprob:
    return TopLogprob(token=token, logprob=logprob, bytes=list(token.encode()))


def chat_logprobs(entries: Sequence[TokenLogprob | None]) -> ChatLogprobs:
    content = [
        ChatTokenLogprob(
            **top_logprob(token, logprob).model_dump(),
            top_logprobs=[top_logprob(other, value) for other, value in best],
        )
        for token, logprob, best in filter(None, entries)
    ]
    return ChatLogprobs(content=content)
