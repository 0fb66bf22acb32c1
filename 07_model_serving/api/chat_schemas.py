"""The bodies of OpenAI's chat-completion API, as far as this server speaks it."""

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator

from api.logprobs import MAX_LOGPROBS, ChatLogprobs
from api.openai_schemas import OpenAISampling, Usage
from api.schemas import FinishReason

Role = Literal["system", "developer", "user", "assistant"]
MAX_MESSAGES = 64  # each message takes at least two characters of the 128-character context


class TextPart(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    type: Literal["text"]
    text: Annotated[str, Field(min_length=1)]


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    role: Role = Field(description="`developer` is OpenAI's newer name for `system`.")
    content: Annotated[str, Field(min_length=1)] | Annotated[list[TextPart], Field(min_length=1)]
    name: str | None = Field(default=None, description="Accepted and ignored.")

    def turn(self) -> tuple[str, str]:
        """(role, text), as the model's chat template takes them."""
        text = (
            self.content if isinstance(self.content, str) else "".join(p.text for p in self.content)
        )
        return ("system" if self.role == "developer" else self.role), text


class ChatCompletionRequest(OpenAISampling):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "model": "code-gpt-char",
                    "messages": [
                        {"role": "user", "content": "Return the sum of a and b."},
                        {"role": "assistant", "content": "def add(a, b):"},
                    ],
                    "max_completion_tokens": 40,
                    "temperature": 0,
                }
            ]
        },
    )

    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    max_completion_tokens: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Tokens to generate; null asks for what the context leaves after the messages,"
            " at most MAX_NEW_TOKENS_LIMIT."
        ),
    )
    max_tokens: int | None = Field(
        default=None, ge=1, description="The older name of `max_completion_tokens`."
    )
    logprobs: bool = Field(
        default=False,
        description=(
            "Report each generated token's log-probability (the model's own distribution, "
            "before temperature and top_p)."
        ),
    )
    top_logprobs: int | None = Field(
        default=None,
        ge=0,
        le=MAX_LOGPROBS,
        description="How many likeliest tokens to report at each place; needs `logprobs`.",
    )

    @model_validator(mode="after")
    def top_logprobs_need_logprobs(self) -> Self:
        if self.top_logprobs is not None and not self.logprobs:
            raise ValueError("top_logprobs can only be set when logprobs is true")  # as OpenAI
        return self

    def sampled_logprobs(self) -> int | None:
        return (self.top_logprobs or 0) if self.logprobs else None


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: FinishReason | None
    logprobs: ChatLogprobs | None = None


class ChatCompletion(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "chatcmpl-7",
                    "object": "chat.completion",
                    "created": 1795000000,
                    "model": "code-gpt-char",
                    "choices": [
                        {
                            "index": 0,
                            "message": {
                                "role": "assistant",
                                "content": '    """Return the supported of the subcl',
                            },
                            "finish_reason": "length",
                            "logprobs": None,
                        }
                    ],
                    "usage": {"prompt_tokens": 44, "completion_tokens": 40, "total_tokens": 84},
                }
            ]
        }
    )

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage


class ChatDelta(BaseModel):
    """What a chunk adds to the message: the role once, first; then pieces of its content."""

    role: Literal["assistant"] | None = None
    content: str | None = None

    @model_serializer(mode="wrap")
    def without_nulls(self, handler: object) -> dict[str, object]:
        return {key: value for key, value in handler(self).items() if value is not None}  # type: ignore[operator]


class ChatChunkChoice(BaseModel):
    index: int = 0
    delta: ChatDelta
    finish_reason: FinishReason | None
    logprobs: ChatLogprobs | None = None


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChatChunkChoice]
    usage: Usage | None = None
