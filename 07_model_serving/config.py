"""All the settings of the service, read once from environment variables."""

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

CHAPTER_DIR = Path(__file__).resolve().parent


class Settings(BaseSettings):
    """Each field is read from the environment variable of the same name, in upper case."""

    model_config = SettingsConfigDict(env_file=CHAPTER_DIR / ".env", extra="ignore")

    model_path: Path = Field(
        default=CHAPTER_DIR / "model" / "weights" / "code-gpt.safetensors",
        description="The weights; their model card is the .json file next to them.",
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        default="auto", description="auto: CUDA when a GPU is visible, else the CPU."
    )
    database_url: str = Field(
        default=f"sqlite:///{CHAPTER_DIR / 'data' / 'generations.db'}",
        description="Where generations are stored (SQLAlchemy URL).",
    )
    db_busy_timeout_s: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description=(
            "How long a write waits for SQLite's lock before the request gets a 503 "
            "(Python's sqlite3 waits 5 s by default)."
        ),
    )
    # At least 64: a request that leaves max_new_tokens out asks for 64.
    max_new_tokens_limit: int = Field(default=256, ge=64, le=4096)
    request_timeout_s: float = Field(default=30.0, gt=0)
    max_batch_size: int = Field(
        default=64, ge=1, le=256, description="Sequences one decode step advances together."
    )
    prefix_cache_blocks: int = Field(
        default=256,
        ge=0,
        le=65536,
        description=(
            "Prompt blocks (32 tokens each, 128 KB for this model) whose keys and values are "
            "kept for the prompts that start the same way; 0 turns prefix caching off."
        ),
    )
    speculative_tokens: int = Field(
        default=3,
        ge=0,
        le=255,
        description=(
            "Most tokens a sequence may guess ahead in a step (speculative decoding by prompt "
            "lookup), checked in rows the step computes anyway; 0 turns speculation off."
        ),
    )
    queue_size: int = Field(
        default=64, ge=1, description="Requests that may wait for a free slot (then 503)."
    )
    drain_s: float = Field(
        default=5.0, ge=0, description="At shutdown, how long accepted work may still run."
    )
    cpu_threads: int = Field(
        default=1,
        ge=1,
        description=(
            "PyTorch's threads on the CPU. One is fastest for this small model: measured on 2 "
            "cores, the engine makes twice the tokens with 1 thread as with 2."
        ),
    )
    engine_process: bool = Field(
        default=False,
        description=(
            "Run the engine in a process of its own, as vLLM does, so that the event loop and "
            "the model stop sharing one GIL. Off, it runs in a thread of the server's process."
        ),
    )
    api_key: SecretStr | None = Field(
        default=None,
        description=(
            "When set, every route but /health, /ready and /metrics needs "
            "`Authorization: Bearer <key>`. "
            "Unset, the server is open: fine on a laptop, not on a network."
        ),
    )
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`json`: one JSON object per line (time, level, logger, message, request_id).",
    )
