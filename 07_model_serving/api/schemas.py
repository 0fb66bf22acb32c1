"""The JSON bodies the API reads and writes."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
)

from engine import SamplingParams
from serving.service_types import GenerationRequest, seed_or_random

GenerationStatus = Literal["queued", "running", "done", "failed"]
FinishReason = Literal["length", "stop"]
TEMPERATURE_FLOOR = 0.01
MAX_STOP_STRINGS = 4


def greedy_or_above_the_floor(value: float) -> float:
    if 0 < value < TEMPERATURE_FLOOR:
        raise ValueError(f"temperature must be 0 (greedy) or at least {TEMPERATURE_FLOOR}")
    return value


# 0, or from the floor to 2: JSON Schema says it with anyOf, so Swagger UI and schemathesis know.
Temperature = Annotated[
    float,
    AfterValidator(greedy_or_above_the_floor),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "enum": [0]},
                {"type": "number", "minimum": TEMPERATURE_FLOOR, "maximum": 2},
            ]
        }
    ),
]


class GenerateRequest(BaseModel):
    # strict: JSON `true` is not the number 1, and "64" is not 64.
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"prompt": "def ", "max_new_tokens": 40, "temperature": 0},
                {"prompt": "import ", "max_new_tokens": 32, "temperature": 0.8, "seed": 7},
            ]
        },
    )

    prompt: str = Field(
        min_length=1,
        description=(
            "Code to complete. At most the model's context (128 characters for the committed "
            "model), using only the characters it was trained on: newline and printable ASCII."
        ),
    )
    max_new_tokens: int = Field(
        default=64, ge=1, description="Characters to generate; at most MAX_NEW_TOKENS_LIMIT."
    )
    temperature: Temperature = Field(
        default=0.8,
        ge=0,
        le=2,
        allow_inf_nan=False,
        description=(
            f"0 is greedy (deterministic); otherwise at least {TEMPERATURE_FLOOR}. "
            "Higher is more random."
        ),
    )
    top_k: int | None = Field(
        default=None,
        ge=1,
        description="Sample only among the k likeliest characters; at most the vocabulary (96).",
    )
    top_p: float = Field(
        default=1.0,
        gt=0,
        le=1,
        allow_inf_nan=False,
        description="Sample only among the likeliest characters whose probabilities add up to p.",
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=2**32 - 1,
        description="The same seed and parameters give the same completion, alone or batched.",
    )
    stop: list[Annotated[str, Field(min_length=1, max_length=16)]] = Field(
        default=[],
        max_length=MAX_STOP_STRINGS,
        description=(
            "Up to 4 strings that end the completion (`finish_reason` `stop`); "
            "the stop string itself is not part of the completion."
        ),
    )

    @field_validator("max_new_tokens", "top_k", "seed", mode="before")
    @classmethod
    def whole_float_to_int(cls, value: object) -> object:
        # JSON Schema counts 11.0 as an integer; strict mode alone would refuse it.
        # `true` and "11" are still refused.
        return int(value) if isinstance(value, float) and value.is_integer() else value

    def to_request(self, request_id: str | None = None) -> GenerationRequest:
        params = SamplingParams(
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
            top_k=self.top_k,
            top_p=self.top_p,
            seed=seed_or_random(self.seed),
            stop=tuple(self.stop),
        )
        return GenerationRequest(self.prompt, params, request_id)


class GenerationBase(BaseModel):
    id: int
    prompt: str
    model: str
    created_at: datetime

    @field_validator("created_at")
    @classmethod
    def assume_utc(cls, value: datetime) -> datetime:
        # SQLite stores datetimes without a zone; every one written here is UTC.
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class GenerateResponse(GenerationBase):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "prompt": "def fibonacci(n):\n",
                    "completion": '    """Return the n-th Fibonacci number."""\n    if n < 2:\n',
                    "model": "code-gpt-char",
                    "tokens": 64,
                    "finish_reason": "length",
                    "latency_ms": 182.4,
                    "seed": 42,
                    "created_at": "2026-11-22T21:30:00Z",
                    "request_id": "3f1c9a7be2d04c5e8a16f0b2d9e47c18",
                }
            ]
        }
    )

    completion: str
    tokens: int
    finish_reason: FinishReason
    latency_ms: float
    seed: int
    request_id: str | None = Field(description="The X-Request-Id of the request that made it.")


class GenerationOut(GenerationBase):
    """A stored generation; `completion` and its numbers are set once `status` is `done`."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 2,
                    "status": "done",
                    "prompt": "import ",
                    "completion": "os\nimport sys\n",
                    "model": "code-gpt-char",
                    "tokens": 14,
                    "finish_reason": "length",
                    "latency_ms": 41.0,
                    "seed": 7,
                    "error": None,
                    "created_at": "2026-11-22T21:31:00Z",
                    "request_id": "my-client-7",
                }
            ]
        },
    )

    status: GenerationStatus
    completion: str | None
    tokens: int | None
    finish_reason: FinishReason | None
    latency_ms: float | None
    seed: int | None
    error: str | None
    request_id: str | None = Field(description="The X-Request-Id of the request that asked.")


class JobAccepted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 3, "status": "queued"}]})

    id: int
    status: Literal["queued"] = "queued"


class StatsOut(BaseModel):
    """What the engine is doing now: instructors show it during a load."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "waiting": 3,
                    "running": 64,
                    "slots": 64,
                    "mean_batch_size": 27.4,
                    "requests_served": 1200,
                    "tokens_generated": 76800,
                    "tokens_per_second": 4100.5,
                    "prefix_cache_queries": 51200,
                    "prefix_cache_hits": 38400,
                    "spec_draft_tokens": 2400,
                    "spec_accepted_tokens": 1300,
                }
            ]
        }
    )

    waiting: int = Field(description="Requests in line for a slot.")
    running: int = Field(description="Sequences in a slot now.")
    slots: int = Field(description="MAX_BATCH_SIZE: how many sequences one step can advance.")
    mean_batch_size: float = Field(description="Running sequences per step, recent steps.")
    requests_served: int
    tokens_generated: int
    tokens_per_second: float = Field(description="Over the last 10 seconds.")
    prefix_cache_queries: int = Field(
        description="Prompt tokens looked up in the prefix cache, in whole blocks of 32."
    )
    prefix_cache_hits: int = Field(
        description="Prompt tokens found there: copied into the slot instead of computed."
    )
    spec_draft_tokens: int = Field(
        description="Tokens guessed by speculative decoding and checked in a decode step."
    )
    spec_accepted_tokens: int = Field(
        description="Guessed tokens that the model picked itself: each one a step saved."
    )


class HealthOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"] = "ok"


class ReadyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "ready", "model": "code-gpt-char", "device": "cpu"}]
        }
    )

    status: Literal["ready"] = "ready"
    model: str
    device: str


class ErrorMessage(BaseModel):
    detail: str


class ReplayedText(BaseModel):
    completion: str
    tokens: int
    finish_reason: str


class ReplayOut(BaseModel):
    """A stored generation computed again from its stored parameters and seed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 2,
                    "identical": True,
                    "stored": {
                        "completion": "os\nimport sys\n",
                        "tokens": 14,
                        "finish_reason": "length",
                    },
                    "replayed": {
                        "completion": "os\nimport sys\n",
                        "tokens": 14,
                        "finish_reason": "length",
                    },
                }
            ]
        }
    )

    id: int
    identical: bool = Field(
        description="Same text, token count and finish reason as the stored generation."
    )
    stored: ReplayedText
    replayed: ReplayedText


def documented_error(description: str, example: str) -> dict[str, object]:
    """An entry for a route's `responses=`: what Swagger UI shows for one error status."""
    return {
        "model": ErrorMessage,
        "description": description,
        "content": {"application/json": {"example": {"detail": example}}},
    }


# BEGIN SOLUTION ch07.ex1: the StatusCountsOut model
class StatusCountsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"total": 12, "queued": 1, "running": 1, "done": 9, "failed": 1}]
        }
    )

    total: int
    queued: int
    running: int
    done: int
    failed: int


# END SOLUTION
# BEGIN SOLUTION ch07.ex2: the DeletedOut model
class DeletedOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 7, "status": "deleted"}]})

    id: int
    status: Literal["deleted"] = "deleted"


# END SOLUTION
# BEGIN SOLUTION ch07.ex3: the SlotOut model
class SlotOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"slot": 0, "prompt_tokens": 18, "generated_tokens": 7}]}
    )

    slot: int
    prompt_tokens: int
    generated_tokens: int


# END SOLUTION
# BEGIN SOLUTION ch07.ex4: the FinishReasonsOut model
class FinishReasonsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"length": 41, "stop": 7}]})

    length: int
    stop: int


# END SOLUTION
