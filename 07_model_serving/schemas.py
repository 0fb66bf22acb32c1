"""The JSON bodies the API reads and writes."""

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

GenerationStatus = Literal["queued", "running", "done", "failed"]
FinishReason = Literal["length"]


class GenerateRequest(BaseModel):
    # strict: JSON `true` is not the number 1, and "64" is not 64.
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"prompt": "def fibonacci(n):\n", "max_new_tokens": 64, "temperature": 0.8},
                {"prompt": "import ", "max_new_tokens": 32, "temperature": 0, "seed": 7},
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
    temperature: float = Field(
        default=0.8, ge=0, le=2, description="0 is greedy (deterministic); higher is more random."
    )
    top_k: int | None = Field(
        default=None, ge=1, description="Sample only among the k likeliest characters."
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=2**32 - 1,
        description="The same seed and parameters give the same completion.",
    )

    @field_validator("max_new_tokens", "top_k", "seed", mode="before")
    @classmethod
    def whole_float_to_int(cls, value: object) -> object:
        # JSON Schema counts 11.0 as an integer; strict mode alone would refuse it.
        # `true` and "11" are still refused.
        return int(value) if isinstance(value, float) and value.is_integer() else value


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
                }
            ]
        }
    )

    completion: str
    tokens: int
    finish_reason: FinishReason
    latency_ms: float
    seed: int


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


class JobAccepted(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 3, "status": "queued"}]})

    id: int
    status: Literal["queued"] = "queued"


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


def documented_error(description: str, example: str) -> dict[str, object]:
    """An entry for a route's `responses=`: what Swagger UI shows for one error status."""
    return {
        "model": ErrorMessage,
        "description": description,
        "content": {"application/json": {"example": {"detail": example}}},
    }


# BEGIN SOLUTION
class DeletedOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 7, "status": "deleted"}]})

    id: int
    status: Literal["deleted"] = "deleted"


class StatsOut(BaseModel):
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
