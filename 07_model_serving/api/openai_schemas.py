"""The bodies of OpenAI's text-completion API, as far as this server speaks it (the chat
API's are in `api/chat_schemas.py`), and OpenAI's one error body.

Fields a client may send but this server does not support are accepted only at their default
value; anything else is a 400 (see `api/errors.py`), so no client is silently misled.
"""

from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from api.logprobs import MAX_LOGPROBS, CompletionLogprobs
from api.schemas import MAX_STOP_STRINGS, FinishReason, Temperature
from engine import SamplingParams
from engine.constraints import MAX_PATTERN_LENGTH, choice_pattern
from engine.json_schema import SchemaError, schema_pattern
from serving.service_types import GenerationRequest, seed_or_random

StopString = Annotated[str, Field(min_length=1, max_length=16)]
MAX_CHOICES = 8  # `n`: each choice takes a place in the queue and a slot
Prompt = Annotated[str, Field(min_length=1)]


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    include_usage: bool = False


Choice = Annotated[str, Field(min_length=1, max_length=128)]


class StructuredOutputs(BaseModel):
    """vLLM's `structured_outputs`: exactly one of `choice`, `regex` or `json`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    choice: Annotated[list[Choice], Field(min_length=1, max_length=32)] | None = Field(
        default=None, description="The text is exactly one of these strings."
    )
    regex: Annotated[str, Field(min_length=1, max_length=MAX_PATTERN_LENGTH)] | None = Field(
        default=None, description="The text matches this regular expression, whole."
    )

    json_schema: dict[str, object] | None = Field(
        default=None,
        alias="json",
        description=(
            "The text is compact JSON (no spaces) that this JSON schema allows: type, "
            "properties (every one, in order), items, enum, const, anyOf and the length "
            "bounds; another keyword is a 400 that names it."
        ),
    )

    _pattern: str = PrivateAttr(default="")  # the one the fields give, built once

    @model_validator(mode="after")
    def exactly_one(self) -> Self:
        given = [self.choice, self.regex, self.json_schema]
        if sum(field is not None for field in given) != 1:
            raise ValueError("give exactly one of choice, regex and json")
        try:
            self._pattern = (
                schema_pattern(self.json_schema)
                if self.json_schema is not None
                else self.regex
                if self.regex is not None
                else choice_pattern(tuple(self.choice or ()))
            )
        except SchemaError as error:
            raise ValueError(f"json: {error}") from None
        return self

    def pattern(self) -> str:
        return self._pattern


class OpenAISampling(BaseModel):
    """The fields OpenAI's completion and chat requests share."""

    # strict, as GenerateRequest: JSON `false` is not the number 0, and "16" is not 16.
    model_config = ConfigDict(extra="forbid", strict=True)

    model: str = Field(description="The served model's name, as `GET /v1/models` lists it.")
    temperature: Temperature = Field(default=1.0, ge=0, le=2, allow_inf_nan=False)
    top_p: float = Field(default=1.0, gt=0, le=1, allow_inf_nan=False)
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    stop: StopString | Annotated[list[StopString], Field(max_length=MAX_STOP_STRINGS)] | None = None
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(default=None, description="Accepted and ignored.")
    structured_outputs: StructuredOutputs | None = Field(
        default=None,
        description=(
            'Constrain the text, as vLLM does: `{"choice": [...]}`, `{"regex": ...}` or '
            '`{"json": <a JSON schema>}`. '
            "The model has no end-of-text token: the text ends once it matches and nothing "
            "could extend the match, or at the length limit."
        ),
        examples=[{"choice": ["True", "False"]}],
    )
    # OpenAI fields this server does not support: only their default value is accepted.
    n: int = Field(
        default=1,
        ge=1,
        le=MAX_CHOICES,
        description=(
            "How many completions of the prompt, each stored as a generation. With a `seed`, "
            "choice i samples with seed + i, so the same request gives the same choices."
        ),
    )
    presence_penalty: float = Field(default=0.0, ge=0, le=0, description="Only 0 is supported.")
    frequency_penalty: float = Field(default=0.0, ge=0, le=0, description="Only 0 is supported.")
    logit_bias: dict[str, float] | None = Field(
        default=None, max_length=0, description="Not supported."
    )

    @field_validator(
        "max_tokens",
        "max_completion_tokens",
        "seed",
        "n",
        "best_of",
        "logprobs",
        "top_logprobs",
        mode="before",
        check_fields=False,
    )
    @classmethod
    def whole_float_to_int(cls, value: object) -> object:
        return int(value) if isinstance(value, float) and value.is_integer() else value

    @model_validator(mode="after")
    def stream_options_need_a_stream(self) -> Self:
        if self.stream_options is not None and not self.stream:
            raise ValueError("stream_options can only be set when stream is true")  # as vLLM
        return self

    @property
    def include_usage(self) -> bool:
        """The client asked for a usage chunk at the end of its stream."""
        return bool(self.stream_options and self.stream_options.include_usage)

    def sampled_logprobs(self) -> int | None:
        """How many likeliest tokens to report beside each generated one; None: no logprobs."""
        return None

    def prompt_logprobs(self) -> int | None:
        """The same for each prompt token (the completion API's `echo`)."""
        return None

    def stop_strings(self) -> tuple[str, ...]:
        if self.stop is None:
            return ()
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop)

    def to_requests(
        self, prompt: str, max_tokens: int, request_id: str | None = None
    ) -> list[GenerationRequest]:
        """The `n` plain requests, once the route has picked the prompt and the length."""

        def seed(choice: int) -> int:
            return seed_or_random(None if self.seed is None else (self.seed + choice) % 2**32)

        return [
            GenerationRequest(
                prompt,
                SamplingParams(
                    max_new_tokens=max_tokens,
                    temperature=self.temperature,
                    top_p=self.top_p,
                    seed=seed(choice),
                    stop=self.stop_strings(),
                    logprobs=self.sampled_logprobs(),
                    prompt_logprobs=self.prompt_logprobs(),
                    regex=self.structured_outputs.pattern() if self.structured_outputs else None,
                ),
                request_id,
            )
            for choice in range(self.n)
        ]


class CompletionRequest(OpenAISampling):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "model": "code-gpt-char",
                    "prompt": "def ",
                    "max_tokens": 32,
                    "temperature": 0,
                    "stop": ["\n"],
                }
            ]
        },
    )

    prompt: Prompt | Annotated[list[Prompt], Field(min_length=1, max_length=1)] = Field(
        description="One prompt (a list must hold exactly one)."
    )
    max_tokens: int | None = Field(
        default=16,
        ge=1,
        description=(
            "Tokens to generate; null asks for what the context leaves after the prompt,"
            " at most MAX_NEW_TOKENS_LIMIT."
        ),
    )
    # OpenAI fields this server does not support: only their default value is accepted.
    best_of: int | None = Field(default=None, ge=1, le=1, description="Only 1 is supported.")
    logprobs: int | None = Field(
        default=None,
        ge=0,
        le=MAX_LOGPROBS,
        description=(
            "Report each token's log-probability and the `logprobs` likeliest tokens at its "
            "place (the model's own distribution, before temperature and top_p)."
        ),
    )
    echo: bool = Field(
        default=False,
        description=(
            "Put the prompt before the completion in `text` (and its tokens' log-probabilities "
            "before the completion's, with `logprobs`)."
        ),
    )
    suffix: None = Field(default=None, description="Not supported.")

    def sampled_logprobs(self) -> int | None:
        return self.logprobs

    def prompt_logprobs(self) -> int | None:
        return self.logprobs if self.echo else None


class CompletionChoice(BaseModel):
    index: int = 0
    text: str
    finish_reason: FinishReason | None
    logprobs: CompletionLogprobs | None = None


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int

    @classmethod
    def of(cls, prompt_tokens: int, completion_tokens: int) -> "Usage":
        total = prompt_tokens + completion_tokens
        return cls(
            prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, total_tokens=total
        )


class Completion(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "cmpl-7",
                    "object": "text_completion",
                    "created": 1795000000,
                    "model": "code-gpt-char",
                    "choices": [
                        {
                            "index": 0,
                            "text": "    if n < 2:",
                            "finish_reason": "stop",
                            "logprobs": None,
                        }
                    ],
                    "usage": {"prompt_tokens": 18, "completion_tokens": 15, "total_tokens": 33},
                }
            ]
        }
    )

    id: str
    object: Literal["text_completion"] = "text_completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: Usage | None


class ModelCardOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "fastapi-course"
    max_model_len: int


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCardOut]


class OpenAIErrorBody(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class OpenAIError(BaseModel):
    error: OpenAIErrorBody


def openai_error_body(
    message: str, kind: str, param: str | None = None, code: str | None = None
) -> dict[str, object]:
    """OpenAI's error body. Every error under `/v1` (answers, stream events, the docs'
    examples) is built here, from the one model the OpenAPI schema documents."""
    error = OpenAIErrorBody(message=message, type=kind, param=param, code=code)
    return OpenAIError(error=error).model_dump()
