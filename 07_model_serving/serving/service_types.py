"""The plain values the routers hand to the service: no HTTP, no Pydantic below the routes."""

import secrets
from dataclasses import dataclass

from engine import SamplingParams


@dataclass(frozen=True)
class GenerationRequest:
    """A prompt and how to sample its completion: the one value that travels from the routes
    (each HTTP body converts itself into it) through the service to the engine."""

    prompt: str
    params: SamplingParams
    request_id: str | None = None  # the HTTP request's X-Request-Id, stored with the row


def seed_or_random(seed: int | None) -> int:
    """The client's seed, or one drawn now: every generation is stored with the seed it ran
    with, so that it can be replayed."""
    return seed if seed is not None else secrets.randbits(32)


@dataclass(frozen=True)
class RequestProblem:
    """One thing wrong with a request that only the running service can see (limits, model)."""

    field: str
    type: str
    message: str
    value: object
    context: dict[str, object]


class InvalidRequest(Exception):
    def __init__(self, problems: list[RequestProblem]) -> None:
        super().__init__(problems)
        self.problems = problems


class ServiceBusy(Exception):
    """The request cannot be taken now (full queue, starting, stopping); retry later."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StorageUnavailable(ServiceBusy):
    """The database refused a write (locked past DB_BUSY_TIMEOUT_S, a full or read-only disk).

    A 503, not a 500: the server is sound and the request was fine; nothing was stored, so the
    client may send it again after `Retry-After`."""


class GenerationTimedOut(Exception):
    pass


class GenerationFailed(Exception):
    pass
